"""The ways nginx and uWSGI can hold their connections, as edits of the image's docker/uwsgi.ini
and rendered nginx configuration (issue 17, point 4; docs/performance.md, "nginx to uWSGI").
Used by bench/keepalive.py (one endpoint, many requests) and bench/load.py (the load test's mix,
``--connections``). ``close`` is what the image ships."""

from __future__ import annotations

import re
from collections.abc import Callable


def _router_uwsgi(ini: str) -> str:
    ini = ini.replace("add-header = Connection: close\n", "")
    return re.sub(r"http-socket = (\S+)\n", r"http = \1\nhttp-keepalive = 1\n", ini)


def _router_nginx(conf: str) -> str:
    conf = re.sub(
        r"(server (?:web|api|127\.0\.0\.1):\d+;)",
        r"\1\n    keepalive 16;\n    keepalive_timeout 30s;",
        conf,
    )
    return conf.replace("proxy_set_header Connection close;", 'proxy_set_header Connection "";')


def _http11_uwsgi(ini: str) -> str:
    ini = ini.replace("add-header = Connection: close\n", "")
    return re.sub(r"http-socket = (\S+)\n", r"http11-socket = \1\n", ini)


def _http11_nginx(conf: str) -> str:
    conf = re.sub(
        r"(server (?:web|api|127\.0\.0\.1):\d+;)",
        r"\1\n    keepalive 1;\n    keepalive_timeout 2s;",
        conf,
    )
    return conf.replace("proxy_set_header Connection close;", 'proxy_set_header Connection "";')


def _uwsgi_protocol_uwsgi(ini: str) -> str:
    ini = ini.replace("add-header = Connection: close\n", "")
    return re.sub(r"http-socket = (\S+)\n", r"uwsgi-socket = \1\n", ini)


def _uwsgi_protocol_nginx(conf: str) -> str:
    return re.sub(
        r"proxy_pass (http://openpress_(web|api));",
        lambda m: f"include /etc/nginx/uwsgi_params; uwsgi_pass openpress_{m[2]};",
        conf,
    )


def _unchanged(text: str) -> str:
    return text


Edit = Callable[[str], str]
CONNECTIONS: dict[str, tuple[Edit, Edit]] = {
    "close": (_unchanged, _unchanged),
    "router": (_router_uwsgi, _router_nginx),
    "http11": (_http11_uwsgi, _http11_nginx),
    "uwsgi": (_uwsgi_protocol_uwsgi, _uwsgi_protocol_nginx),
}
KINDS_HELP = (
    "close: http-socket, one connection per request (the image's); router: uWSGI's HTTP router "
    "keeping connections, nginx's keepalive pool; http11: http11-socket keeping connections in "
    "the worker threads, nginx's keepalive pool; uwsgi: the uwsgi protocol, nginx's uwsgi_pass"
)
