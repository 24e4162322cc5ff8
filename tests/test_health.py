import pytest
from django.db import connection
from django.test import Client

NOWHERE = "redis://127.0.0.1:1/0"  # a port nothing listens on


def test_liveness_touches_no_backing_service(db, settings, django_assert_num_queries):
    # Redis pointed at nothing and no query allowed: the process is alive all the same.
    settings.REDIS_URL = NOWHERE
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_survives_a_redis_blip(db, settings, django_assert_num_queries):
    # Every pod shares Redis: a readiness that asked it would take the whole site out at once.
    settings.REDIS_URL = NOWHERE
    with django_assert_num_queries(0):
        response = Client().get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readiness_survives_a_database_switchover():
    # During a CloudNativePG switchover the primary refuses connections for a few seconds.
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        assert Client().get("/readyz").status_code == 200
        response = Client().get("/healthz/dependencies")
        assert response.status_code == 503
        assert response.json()["checks"]["database"] == "failed"
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


def test_dependencies_report_database_and_redis(db):
    response = Client().get("/healthz/dependencies")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_dependencies_say_which_one_failed(db, settings):
    settings.REDIS_URL = NOWHERE
    response = Client().get("/healthz/dependencies")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "failed"}
