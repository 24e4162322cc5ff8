"""The way in: an ingress controller chosen by a kustomize component (Traefik, k3s's own, by
default; ingress-nginx or Gateway API instead), TLS from cert-manager with HSTS at the edge in
prod, and a dev overlay a person can log in to over plain http (Django run with the ConfigMap
each overlay renders)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from openpress import config
from tests.deploy.conftest import ROOT, Build, run, tool

COMPONENTS = ROOT / "deploy" / "components"
YEAR = 365 * 24 * 3600


def config_map(build: Build) -> dict[str, str]:
    (cm,) = [
        c for c in build.of("ConfigMap") if c["metadata"]["name"].startswith("openpress-config")
    ]
    return cm["data"]


def site_hosts(build: Build) -> set[str]:
    hosts = {r["host"] for i in build.of("Ingress") for r in i["spec"]["rules"]}
    hosts |= {
        h
        for g in build.of("Gateway")
        for h in [x.get("hostname") for x in g["spec"]["listeners"]]
        if h
    }
    return hosts


def variant(deploy_copy: Path, name: str, components: list[str]) -> Build:
    """The prod overlay with other ingress components, as docs/deploy.md says to swap them."""
    target = deploy_copy / "overlays" / f"prod-{name}"
    if not target.exists():
        shutil.copytree(deploy_copy / "overlays" / "prod", target)
        path = target / "kustomization.yaml"
        doc = yaml.safe_load(path.read_text())
        doc["components"] = [f"../../components/{c}" for c in components]
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    proc = run(tool("kubectl"), "kustomize", str(target))
    assert proc.returncode == 0, proc.stderr
    return Build(target, proc.stdout)


def test_dev_is_plain_http_through_k3s_traefik(builds):
    dev = builds["dev"]
    (ingress,) = dev.of("Ingress")
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert "tls" not in ingress["spec"]
    # No HSTS on a laptop cluster: it would pin the name to https, which dev does not serve.
    assert not dev.of("Middleware")
    data = config_map(dev)
    assert data["SECURE_COOKIES"] == "false"
    (host,) = site_hosts(dev)
    assert data["CSRF_TRUSTED_ORIGINS"].split(",") == [f"http://{host}"]
    assert host in data["ALLOWED_HOSTS"].split(",")


def test_prod_is_https_with_a_cert_manager_certificate_and_hsts_at_the_edge(builds):
    prod = builds["prod"]
    site = prod.get("Ingress", "openpress")
    assert site["spec"]["ingressClassName"] == "traefik"
    annotations = site["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"]
    (tls,) = site["spec"]["tls"]
    assert tls["secretName"] and tls["hosts"] == [r["host"] for r in site["spec"]["rules"]]
    assert annotations["traefik.ingress.kubernetes.io/router.entrypoints"] == "websecure"
    # The middlewares it names exist, in the namespace the reference says, and send HSTS.
    names = annotations["traefik.ingress.kubernetes.io/router.middlewares"].split(",")
    middlewares = {
        f"{m['metadata']['namespace']}-{m['metadata']['name']}@kubernetescrd": m
        for m in prod.of("Middleware")
    }
    assert set(names) <= set(middlewares)
    assert any(
        middlewares[n]["spec"].get("headers", {}).get("stsSeconds", 0) >= YEAR for n in names
    )
    # Plain http only redirects.
    redirect = prod.get("Ingress", "openpress-http")
    assert redirect["spec"]["rules"][0]["host"] == site["spec"]["rules"][0]["host"]
    (name,) = redirect["metadata"]["annotations"][
        "traefik.ingress.kubernetes.io/router.middlewares"
    ].split(",")
    assert middlewares[name]["spec"]["redirectScheme"]["scheme"] == "https"

    data = config_map(prod)
    assert data.get("SECURE_COOKIES", "true") == "true"
    host = site["spec"]["rules"][0]["host"]
    assert data["CSRF_TRUSTED_ORIGINS"].split(",") == [f"https://{host}"]
    assert data["ALLOWED_HOSTS"].split(",")[0] == host


@pytest.mark.parametrize("components", ([], ["gateway-api"]))
def test_a_host_set_once_reaches_the_ingress_the_certificate_and_django(deploy_copy, components):
    """docs/deploy.md: the site's name is the first of ALLOWED_HOSTS in the overlay."""
    target = deploy_copy / "overlays" / f"prod-host{len(components)}"
    shutil.copytree(deploy_copy / "overlays" / "prod", target)
    path = target / "kustomization.yaml"
    doc = yaml.safe_load(path.read_text())
    (literals,) = [g["literals"] for g in doc["configMapGenerator"]]
    index = next(i for i, lit in enumerate(literals) if lit.startswith("ALLOWED_HOSTS="))
    rest = literals[index].split("=", 1)[1].split(",")[1:]
    literals[index] = "ALLOWED_HOSTS=" + ",".join(["media.example.org", *rest])
    if components:
        doc["components"] = [f"../../components/{c}" for c in components]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    proc = run(tool("kubectl"), "kustomize", str(target))
    assert proc.returncode == 0, proc.stderr
    build = Build(target, proc.stdout)
    assert "openpress.local" not in proc.stdout
    assert site_hosts(build) == {"media.example.org"}
    for ingress in build.of("Ingress"):
        for tls in ingress["spec"].get("tls", []):
            assert tls["hosts"] == ["media.example.org"]
    for route in build.of("HTTPRoute"):
        assert route["spec"]["hostnames"] == ["media.example.org"]
    assert config_map(build)["CSRF_TRUSTED_ORIGINS"] == "https://media.example.org"


def test_ingress_nginx_is_a_component_away(deploy_copy, builds):
    build = variant(deploy_copy, "nginx", ["ingress-nginx", "tls-cert-manager"])
    (ingress,) = build.of("Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    annotations = ingress["metadata"]["annotations"]
    # Our nginx bounds the body (UPLOAD_MAX_SIZE); the controller streams it, unbuffered.
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "0"
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert annotations["cert-manager.io/cluster-issuer"]
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    assert not build.of("Middleware")


def test_gateway_api_is_a_component_away(deploy_copy, builds):
    build = variant(deploy_copy, "gateway", ["gateway-api"])
    assert not build.of("Ingress")
    (gateway,) = build.of("Gateway")
    https = next(x for x in gateway["spec"]["listeners"] if x["protocol"] == "HTTPS")
    assert https["tls"]["certificateRefs"] == [{"name": "openpress-tls"}]
    assert gateway["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    route = build.get("HTTPRoute", "openpress")
    assert route["spec"]["parentRefs"] == [{"name": "openpress", "sectionName": "https"}]
    (rule,) = route["spec"]["rules"]
    (header,) = rule["filters"][0]["responseHeaderModifier"]["set"]
    assert header["name"] == "Strict-Transport-Security"
    assert int(header["value"].split(";")[0].removeprefix("max-age=")) >= YEAR
    # The backend port is a number in Gateway API: the nginx Service's, or traffic goes nowhere.
    service_ports = {p["port"] for p in build.get("Service", "nginx")["spec"]["ports"]}
    (backend,) = rule["backendRefs"]
    assert backend["name"] == "nginx" and backend["port"] in service_ports
    redirect = build.get("HTTPRoute", "openpress-http")
    assert redirect["spec"]["rules"][0]["filters"][0]["requestRedirect"]["scheme"] == "https"


def _login(build: Build, scheme: str, tmp_path: Path) -> dict:
    """Log in through Django with the overlay's ConfigMap, as a browser at scheme://host would:
    the login page, its CSRF cookie, the POST with the Origin the browser sends."""
    (host,) = {r["host"] for r in build.get("Ingress", "openpress")["spec"]["rules"]}
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        **config_map(build),
        "SECRET_KEY": "ingress-test-only",
        "MEDIA_LINK_SECRET": "ingress-test-only-media-link-secret-0123",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "locmemcache://",
        "REDIS_URL": os.environ["REDIS_URL"],
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SCRATCH_DIR": str(tmp_path),
        "CELERY_HEARTBEAT_FILE": "",
    }
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("login_probe.py")), host, scheme],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_person_can_log_in_to_dev_over_plain_http(builds, tmp_path):
    """A browser keeps no Secure cookie from an http page: with dev's settings the CSRF and
    session cookies are plain, and the login's Origin http://openpress.local is trusted."""
    result = _login(builds["dev"], "http", tmp_path)
    assert result == {"get": 200, "post": 302, "csrf_secure": False, "session_secure": False}


@pytest.mark.slow
def test_prod_logs_in_over_https_with_secure_cookies(builds, tmp_path):
    result = _login(builds["prod"], "https", tmp_path)
    assert result == {"get": 200, "post": 302, "csrf_secure": True, "session_secure": True}


def test_the_origins_django_trusts_are_the_sites(builds):
    for which in ("dev", "prod"):
        origins = config_map(builds[which])["CSRF_TRUSTED_ORIGINS"].split(",")
        assert {urlsplit(o).hostname for o in origins} == site_hosts(builds[which]), which


def test_k3s_traefik_reads_a_request_as_long_as_uwsgi_may_take():
    """Traefik 3 stops reading a request after 60 s; deploy/k3s/traefik-config.yaml (copied into
    k3s's manifests folder: docs/deploy.md) lets both entry points wait past uWSGI's harakiri."""
    doc = yaml.safe_load((ROOT / "deploy" / "k3s" / "traefik-config.yaml").read_text())
    assert (doc["kind"], doc["metadata"]) == (
        "HelmChartConfig",
        {"name": "traefik", "namespace": "kube-system"},
    )
    args = yaml.safe_load(doc["spec"]["valuesContent"])["additionalArguments"]
    harakiri = int(config.BY_NAME["WEB_HARAKIRI"].default)
    for entry_point in ("web", "websecure"):
        prefix = f"--entryPoints.{entry_point}.transport.respondingTimeouts.readTimeout="
        (arg,) = [a for a in args if a.startswith(prefix)]
        assert int(arg.removeprefix(prefix).removesuffix("s")) > harakiri
