import json

import pytest
from django.test import Client

# What `vite build` writes, in miniature: an entry importing a shared chunk that carries CSS.
FAKE_MANIFEST = {
    "src/main.tsx": {
        "file": "assets/main-abc123.js",
        "isEntry": True,
        "imports": ["_vendor-def456.js"],
        "css": ["assets/main-111.css"],
    },
    "_vendor-def456.js": {"file": "assets/vendor-def456.js", "css": ["assets/vendor-222.css"]},
}


@pytest.fixture(autouse=True)
def vite_manifest(settings, tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(FAKE_MANIFEST))
    settings.VITE_MANIFEST_PATH = path
    return path


@pytest.fixture
def browser():
    """A Django test client that keeps CSRF checks on, as a browser would meet them."""
    return Client()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
