"""Query parameters of the media endpoints (media_app/api/filters.py)."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from media_app.api import filters

# Every parameter set of the module (not the private bases).
PARAMS = [
    c
    for name, c in vars(filters).items()
    if isinstance(c, type) and issubclass(c, filters._Params) and not name.startswith("_")
]


@pytest.mark.parametrize("params", PARAMS)
def test_a_query_without_any_of_the_parameters_means_no_filter(params):
    """parse() skips validation when none of its parameters is given: it must be what the
    validation of an empty query gives."""
    checked = params(data={})
    checked.is_valid(raise_exception=True)
    assert checked.to_kwargs() == {}
    request = Request(APIRequestFactory().get("/api/v1/media", {"page": "2"}))
    assert params.parse(request) == {}


def test_given_parameters_are_still_checked():
    request = Request(APIRequestFactory().get("/api/v1/media", {"page": "2", "sort_by": "x"}))
    with pytest.raises(filters.serializers.ValidationError) as error:
        filters.MediaListParams.parse(request)
    assert "sort_by" in error.value.detail
    ok = Request(APIRequestFactory().get("/api/v1/media", {"t": "floods", "media_type": ""}))
    assert filters.MediaListParams.parse(ok) == {"tag": "floods"}
