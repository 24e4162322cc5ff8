"""Template context every page gets (settings ``TEMPLATES`` context_processors)."""

from media_app.middleware import second_factor_status


def two_factor(request) -> dict:
    """``second_factor``: the banner's facts for a role holder who has no second factor yet."""
    status = second_factor_status(request)
    if status is None or status.enrolled:
        return {}
    return {"second_factor": status}
