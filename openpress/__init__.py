"""OpenPress: a self-hosted platform for independent journalism on video."""

from openpress.celery import app as celery_app

__all__ = ("celery_app",)
