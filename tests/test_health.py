from django.test import Client


def test_liveness_touches_no_backing_service(settings):
    # Even with every service pointed at nothing, the process is alive.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.DATABASES["default"]["PORT"] = 1
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_when_database_and_redis_answer(db):
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_not_ready_when_redis_does_not_answer(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "failed"}
