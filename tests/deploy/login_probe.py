"""Run by tests/deploy/test_ingress.py in a process of its own, with an overlay's ConfigMap as
its environment: log in as a browser at SCHEME://HOST would, print what the cookies and the
answers were as one line of JSON. Not a test module (no test_ prefix)."""

import json
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

host, scheme = sys.argv[1], sys.argv[2]
call_command("migrate", verbosity=0)
password = "a-long-test-password-1"
get_user_model().objects.create_user("reporter", "reporter@example.org", password)
# Through the ingress: nginx passes the scheme on as X-Forwarded-Proto.
client = Client(enforce_csrf_checks=True, HTTP_HOST=host, HTTP_X_FORWARDED_PROTO=scheme)
page = client.get("/accounts/login/")
origin = f"{scheme}://{host}"
answer = client.post(
    "/accounts/login/",
    {
        "login": "reporter",
        "password": password,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    },
    HTTP_ORIGIN=origin,
    HTTP_REFERER=f"{origin}/accounts/login/",
)
session = client.cookies.get("sessionid")
print(
    json.dumps(
        {
            "get": page.status_code,
            "post": answer.status_code,
            "csrf_secure": bool(client.cookies["csrftoken"]["secure"]),
            "session_secure": bool(session["secure"]) if session else None,
        }
    )
)
