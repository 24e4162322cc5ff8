"""The ways nginx and uWSGI can hold their connections, as edits of the image's docker/uwsgi.ini
and rendered nginx configuration (issue 17, point 4; docs/performance.md, "nginx to uWSGI").
Used by bench/keepalive.py (one endpoint, many requests) and bench/load.py (the load test's mix,
``--connections``). ``uwsgi`` is what the image ships, nginx's micro-cache for anonymous API
answers included (openpress/microcache.py); ``nocache`` is the same without the micro-cache.
The others hand the API and page locations to uWSGI's HTTP port instead, without the
micro-cache, whose namespace question (like the media-access check, which these benchmarks do
not reach) speaks the uwsgi protocol: they compare connections, every request reaching uWSGI."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

Edit = Callable[[str], str]


class Connections(NamedTuple):
    uwsgi: Edit  # of docker/uwsgi.ini
    nginx: Edit  # of the rendered configuration and its snippets
    port: str  # the uWSGI port nginx is pointed at: "uwsgi_port" or "http_port"


def _unchanged(text: str) -> str:
    return text


MICROCACHE_REDIRECT = re.compile(r"\n(\s*)if \(\$openpress_microcache\) \{\n\s*return 418;\n\s*\}")


def _no_microcache(conf: str) -> str:
    """Anonymous API GETs go to the app like every other request."""
    if "$openpress_microcache" not in conf:
        return conf  # a snippet
    edited, found = MICROCACHE_REDIRECT.subn("", conf)
    assert found == 1, "the micro-cache's redirect changed in openpress.conf.template"
    return edited


def _over_http(conf: str, connection: str, pool: str = "") -> str:
    """nginx's app locations proxy HTTP (``Connection`` header as given), with an upstream
    ``pool`` of kept connections if given."""
    directives = (
        "proxy_http_version 1.1;",
        f"proxy_set_header Connection {connection};",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $openpress_forwarded_proto;",
        'proxy_set_header X-OpenPress-Auth-Request "";',
        "proxy_read_timeout 300s;",
    )
    conf = _no_microcache(conf)
    conf = re.sub(
        r"uwsgi_pass (openpress_(?:web|api));\n(\s*)include \S*/uwsgi\.conf;",
        lambda m: f"proxy_pass http://{m[1]};" + "".join(f"\n{m[2]}{d}" for d in directives),
        conf,
    )
    if pool:
        conf = re.sub(r"(server (?:web|api|127\.0\.0\.1):\d+;)", rf"\1\n    {pool}", conf)
    return conf


def _close_nginx(conf: str) -> str:
    return _over_http(conf, "close")


def _router_uwsgi(ini: str) -> str:
    ini = ini.replace("add-header = Connection: close\n", "")
    return re.sub(r"http-socket = (\S+)\n", r"http = \1\nhttp-keepalive = 1\n", ini)


def _router_nginx(conf: str) -> str:
    return _over_http(conf, '""', "keepalive 16;\n    keepalive_timeout 30s;")


def _http11_uwsgi(ini: str) -> str:
    ini = ini.replace("add-header = Connection: close\n", "")
    return re.sub(r"http-socket = (\S+)\n", r"http11-socket = \1\n", ini)


def _http11_nginx(conf: str) -> str:
    return _over_http(conf, '""', "keepalive 1;\n    keepalive_timeout 2s;")


CONNECTIONS: dict[str, Connections] = {
    "uwsgi": Connections(_unchanged, _unchanged, "uwsgi_port"),
    "nocache": Connections(_unchanged, _no_microcache, "uwsgi_port"),
    "close": Connections(_unchanged, _close_nginx, "http_port"),
    "router": Connections(_router_uwsgi, _router_nginx, "http_port"),
    "http11": Connections(_http11_uwsgi, _http11_nginx, "http_port"),
}
KINDS_HELP = (
    "uwsgi: the uwsgi protocol, nginx's uwsgi_pass, a connection per request, and nginx's "
    "micro-cache for anonymous API answers (the image's); nocache: the same without the "
    "micro-cache; without it too: close: HTTP (http-socket), Connection: close both ways, a "
    "connection per request; router: uWSGI's HTTP router keeping connections, nginx's "
    "keepalive pool; http11: http11-socket keeping connections in the worker threads, nginx's "
    "keepalive pool"
)
