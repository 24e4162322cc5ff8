import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.production")
django_application = get_wsgi_application()

from openpress.microcache import with_generation_endpoint  # noqa: E402 (needs the settings)

application = with_generation_endpoint(django_application)
