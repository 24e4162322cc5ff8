"""How long `POST /api/v1/login` takes to refuse a wrong password, by what the name matched.

An unknown e-mail used to answer about 30 times faster than a known one with a wrong password
(no password was hashed), which told anyone which addresses have accounts. This prints the
median of each case with the production password hasher (PBKDF2), so the difference can be
read: known and unknown names should take about the same time.

    .venv/bin/python bench/login_timing.py [--rounds 15]

Runs the embedded settings on a throw-away SQLite database in a temporary folder (no server
needed). tests/security/test_login_bruteforce.py holds the same property without timing: it
counts the hashes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="openpress-login-timing-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "openpress.settings.dev",
            "DATABASE_URL": f"sqlite:///{work}/db.sqlite3",
            "CACHE_URL": "locmemcache://",
            "CELERY_BROKER_URL": f"filesystem://{work}/broker",
            "LOGIN_FAILURE_LIMIT": "1000000",  # measure the refusals, not the lockout
            "LOG_LEVEL": "ERROR",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.hashers import get_hasher
    from django.core.management import call_command
    from django.test import Client

    from media_app.models import User

    call_command("migrate", verbosity=0)
    User.objects.create_user("known", "known@example.org", "the right passphrase")
    cases = {
        "known username, wrong password": {"username": "known"},
        "unknown username": {"username": "nobody"},
        "known e-mail, wrong password": {"email": "known@example.org"},
        "unknown e-mail": {"email": "nobody@example.org"},
    }
    print(f"hasher: {get_hasher().algorithm}, {args.rounds} rounds per case (median, ms)")
    client, n = Client(HTTP_HOST="localhost"), 0
    times: dict[str, list[float]] = {name: [] for name in cases}
    # Round-robin, so a busy neighbour slows every case alike.
    for _ in range(args.rounds):
        for name, fields in cases.items():
            n += 1
            started = time.perf_counter()
            response = client.post(
                "/api/v1/login",
                {**fields, "password": "a wrong passphrase"},
                content_type="application/json",
                REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            )
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 400, response.content
    for name, measured in times.items():
        print(f"  {name:32} {statistics.median(measured):8.1f}")


if __name__ == "__main__":
    main()
