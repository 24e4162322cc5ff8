"""Start the test OpenID Connect provider: ``python -m tests.sso.run_provider PORT``, with
``DJANGO_SETTINGS_MODULE=tests.sso.provider_settings`` (``tests/security/test_sso_oidc.py``).

It makes its database, one person (``IDP_USER``/``IDP_PASSWORD``/``IDP_EMAIL``) and one
confidential client for OpenPress (``IDP_CLIENT_ID``/``IDP_CLIENT_SECRET``, redirecting to
``IDP_REDIRECT_URI``), then serves HTTP on 127.0.0.1:PORT until it is stopped."""

import os
import sys

import django
from django.core.management import call_command


def main(port: str) -> None:
    django.setup()
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    env = os.environ
    person = User.objects.create_user(
        username=env["IDP_USER"], password=env["IDP_PASSWORD"], email=env["IDP_EMAIL"]
    )
    person.first_name, person.last_name = "Newsroom", "Reporter"
    person.save()
    Application.objects.create(
        name="OpenPress",
        client_id=env["IDP_CLIENT_ID"],
        client_secret=env["IDP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=env["IDP_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(sys.argv[1])
