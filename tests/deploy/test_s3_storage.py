"""Media in a bucket, deployed (issue 14, point 6): the prod overlay takes the component
deploy/components/s3-storage and renders without any ReadWriteMany claim, no prod pod mounts a
claim for media, the app pods and the migrate Job get the S3 settings, compose's s3 file says
the same as the component, nginx hands /media/ to the app in S3 mode (a real nginx), and the
secrets script carries the bucket's key pair. The dev overlay keeps the filesystem."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest
import yaml

from openpress import config
from openpress.deployment import kubernetes, topology
from tests.deploy.conftest import ROOT, Build, containers, run, tool
from tests.docker.servers import NGINX, start_nginx, start_uwsgi_bridge, stop
from tests.docker.test_nginx_forwarded import Recorder, get

APP = ("web", "api", "celery-short", "celery-long", "celery-beat")
S3_NAMES = [e.name for e in topology.S3_ENV]


def _claims(build) -> list[tuple[str, list[str]]]:
    """Every claim a build asks for: PersistentVolumeClaims and StatefulSets' templates."""
    out = [
        (c["metadata"]["name"], c["spec"]["accessModes"]) for c in build.of("PersistentVolumeClaim")
    ]
    for w in build.workloads():
        for t in w["spec"].get("volumeClaimTemplates", []):
            out.append(
                (f"{w['metadata']['name']}/{t['metadata']['name']}", t["spec"]["accessModes"])
            )
    return out


def test_prod_renders_without_any_read_write_many_claim(builds):
    claims = _claims(builds["prod"])
    assert claims, "prod still claims volumes for Redis"
    assert [name for name, modes in claims if "ReadWriteMany" in modes] == []
    assert "media" not in [name for name, _ in claims]
    # The base (filesystem mode) still describes the shared volume the component removes.
    assert ("media", ["ReadWriteMany"]) in _claims(builds["base"])


def test_no_prod_pod_mounts_a_claim_or_anything_at_the_media_root(builds):
    for workload in builds["prod"].workloads():
        name = workload["metadata"]["name"]
        spec = workload["spec"]["template"]["spec"]
        # Redis keeps its per-pod claims (volumeClaimTemplates): never a volume of the pod spec.
        assert [v for v in spec.get("volumes", []) if "persistentVolumeClaim" in v] == [], name
        for c in containers(workload):
            mounts = [m["mountPath"] for m in c.get("volumeMounts", [])]
            assert "/data/media" not in mounts, (name, c["name"])
        assert "fsGroupChangePolicy" not in spec["securityContext"], name


def test_dev_keeps_media_on_its_read_write_once_volume(builds):
    dev = builds["dev"]
    assert ("media", ["ReadWriteOnce"]) in _claims(dev)
    for role in (*APP, "nginx"):
        (c,) = dev.workload(role)["spec"]["template"]["spec"]["containers"]
        assert "/data/media" in [m["mountPath"] for m in c["volumeMounts"]], role
        assert not {e["name"] for e in c.get("env", [])} & set(S3_NAMES), role


def _config_map(build) -> dict[str, str]:
    (cm,) = [
        c for c in build.of("ConfigMap") if c["metadata"]["name"].startswith("openpress-config")
    ]
    return cm["data"]


def test_prod_app_pods_read_the_bucket_settings_and_keys_like_every_other_setting(builds):
    prod = builds["prod"]
    data = _config_map(prod)
    assert data["AWS_STORAGE_BUCKET_NAME"] == topology.S3_BUCKET
    for role in APP:
        for c in containers(prod.workload(role)):
            env = {e["name"]: e["valueFrom"] for e in c["env"]}
            assert list(env)[-len(S3_NAMES) :] == S3_NAMES, (role, c["name"])
            # DATABASE_URL stays where the overlay's JSON patches expect it.
            assert list(env)[2] == "DATABASE_URL", (role, c["name"])
            for name in S3_NAMES:
                ref = env[name]
                if config.BY_NAME[name].secret:
                    # Absent keys: boto3's own chain (an IAM role for the service account).
                    assert ref["secretKeyRef"] == {
                        "name": kubernetes.SECRET,
                        "key": name,
                        "optional": True,
                    }, name
                else:
                    key = ref["configMapKeyRef"]
                    assert key["name"].startswith("openpress-config"), name
                    # The bucket is required: a pod without it would write into its own disk.
                    assert key.get("optional", False) == (name != "AWS_STORAGE_BUCKET_NAME")
            if c["name"] == "wait-for-migrations":
                # No volume to check: it only waits for the migrations.
                assert kubernetes.MEDIA_WRITABLE not in c["command"][-1], role
                assert c["command"][-1] == kubernetes.WAIT_FOR_MIGRATIONS, role
    (nginx,) = prod.workload("nginx")["spec"]["template"]["spec"]["containers"]
    assert nginx["env"][-1]["name"] == "AWS_STORAGE_BUCKET_NAME"


# Kinds whose pods could run the app image: a CronJob added later must get the settings too.
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def _pod_spec(doc: dict) -> dict:
    template = doc["spec"]["template"] if doc["kind"] != "CronJob" else None
    if template is None:
        template = doc["spec"]["jobTemplate"]["spec"]["template"]
    return template["spec"]


def _app_pods(build) -> dict[str, dict]:
    """Every workload in ``build`` with a container of the app image, by name."""
    return {
        d["metadata"]["name"]: d
        for d in build.docs
        if d["kind"] in POD_KINDS
        and any(
            "openpress/app" in c["image"]
            for c in [*_pod_spec(d).get("initContainers", []), *_pod_spec(d)["containers"]]
        )
    }


def test_every_prod_workload_of_the_app_image_reads_the_bucket_and_mounts_no_claim(builds):
    """web, api, the workers, beat, the migrate Job (its system checks list the bucket before
    anything starts) and any CronJob: each app container has every S3 setting, the keys from
    openpress-secrets, and no pod has a claim or anything at the media root."""
    prod = builds["prod"]
    pods = _app_pods(prod)
    assert {d["metadata"]["labels"][kubernetes.COMPONENT] for d in pods.values()} == {
        *APP,
        "migrate",
    }
    data = _config_map(prod)
    for name, doc in pods.items():
        spec = _pod_spec(doc)
        assert [v for v in spec["volumes"] if "persistentVolumeClaim" in v] == [], name
        assert "media" not in [v["name"] for v in spec["volumes"]], name
        for c in [*spec.get("initContainers", []), *spec["containers"]]:
            env = {e["name"]: e for e in c["env"]}
            assert set(S3_NAMES) <= set(env), (name, c["name"])
            for var in S3_NAMES:
                if config.BY_NAME[var].secret:
                    assert env[var]["valueFrom"]["secretKeyRef"]["name"] == kubernetes.SECRET
                elif "value" in env[var]:  # the Job's literals: the ConfigMap's values
                    assert env[var]["value"] == data[var], (name, var)
            assert "/data/media" not in [m["mountPath"] for m in c["volumeMounts"]], name


def test_the_migrate_job_takes_the_bucket_settings_as_values_and_the_keys_from_the_secret(builds):
    """The Job's template cannot change (its name is the release's), so it does not refer to the
    ConfigMap, whose name changes with any setting: the component's replacements copied the
    values in. Same order as the app pods, after DATABASE_URL (the overlay's patch)."""
    job = builds["prod"].workload("migrate")
    assert job["metadata"]["name"] == "migrate-0.1.0"
    (c,) = job["spec"]["template"]["spec"]["containers"]
    env = c["env"]
    assert [e["name"] for e in env][-len(S3_NAMES) :] == S3_NAMES
    assert env[2]["name"] == "DATABASE_URL"
    assert not [e for e in env if "configMapKeyRef" in e.get("valueFrom", {})]
    values = {e["name"]: e.get("value") for e in env}
    assert values["AWS_STORAGE_BUCKET_NAME"] == topology.S3_BUCKET
    assert values["AWS_S3_REGION_NAME"] == "us-east-1"
    assert values["AWS_S3_ADDRESSING_STYLE"] == config.BY_NAME["AWS_S3_ADDRESSING_STYLE"].default
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        (ref,) = [e["valueFrom"]["secretKeyRef"] for e in env if e["name"] == var]
        assert ref == {"name": kubernetes.SECRET, "key": var, "optional": True}
    # compose's migrate gets the same names (docker-compose.s3.yml).
    compose_s3 = yaml.load((ROOT / "docker-compose.s3.yml").read_text(), Loader=_Loader)  # noqa: S506
    assert list(compose_s3["services"]["migrate"]["environment"]) == S3_NAMES


def _prod_with(tmp_path, edit) -> subprocess.CompletedProcess:
    """`kubectl kustomize` of a copy of the prod overlay whose kustomization ``edit`` changed."""
    copy = tmp_path / "deploy"
    shutil.copytree(ROOT / "deploy", copy, ignore=shutil.ignore_patterns("secrets.env"))
    kustomization = copy / "overlays" / "prod" / "kustomization.yaml"
    kustomization.write_text(edit(kustomization.read_text()))
    return run(tool("kubectl"), "kustomize", str(copy / "overlays" / "prod"))


def test_the_migrate_job_follows_the_overlays_bucket_settings(tmp_path):
    """Another server (Ceph RGW, path-style, its own region): the Job gets what the app pods
    get, not the defaults; an overlay naming no bucket does not build at all."""
    server = "https://rgw.example.org:7480"

    def other_server(text: str) -> str:
        old = (
            "      - AWS_STORAGE_BUCKET_NAME=openpress-media\n"
            "      - AWS_S3_ENDPOINT_URL=\n      - AWS_S3_REGION_NAME=us-east-1\n"
        )
        assert old in text
        return text.replace(
            old,
            "      - AWS_STORAGE_BUCKET_NAME=news-media\n"
            f"      - AWS_S3_ENDPOINT_URL={server}\n      - AWS_S3_REGION_NAME=eu-west-3\n"
            "      - AWS_S3_ADDRESSING_STYLE=path\n"
            "      - MEDIA_PUBLIC_BASE_URL=https://cdn.example.org/\n",
        )

    proc = _prod_with(tmp_path / "a", other_server)
    assert proc.returncode == 0, proc.stderr
    build = Build(tmp_path / "prod.yaml", proc.stdout)
    (c,) = build.workload("migrate")["spec"]["template"]["spec"]["containers"]
    values = {e["name"]: e.get("value") for e in c["env"]}
    assert values["AWS_S3_ENDPOINT_URL"] == server
    assert values["AWS_S3_REGION_NAME"] == "eu-west-3"
    assert values["AWS_S3_ADDRESSING_STYLE"] == "path"
    assert values["AWS_STORAGE_BUCKET_NAME"] == "news-media"
    assert values["MEDIA_PUBLIC_BASE_URL"] == "https://cdn.example.org/"
    data = _config_map(build)
    for role in APP:  # and the app pods read the same from the ConfigMap
        (app,) = build.workload(role)["spec"]["template"]["spec"]["containers"]
        refs = {e["name"]: e["valueFrom"] for e in app["env"] if e["name"] in values}
        for var in ("AWS_S3_ENDPOINT_URL", "AWS_STORAGE_BUCKET_NAME"):
            assert data[refs[var]["configMapKeyRef"]["key"]] == values[var], (role, var)

    def no_bucket(text: str) -> str:
        old = "      - AWS_STORAGE_BUCKET_NAME=openpress-media\n"
        assert old in text
        return text.replace(old, "")

    proc = _prod_with(tmp_path / "b", no_bucket)
    assert proc.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in proc.stderr


def test_prod_workers_keep_their_work_in_a_bounded_scratch_emptydir(builds):
    for role in APP:
        spec = builds["prod"].workload(role)["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        (c,) = spec["containers"]
        assert {"name": "data-scratch", "mountPath": "/data/scratch"} in c["volumeMounts"], role
        ((_path, size),) = topology.scratch_limit(role)
        assert volumes["data-scratch"]["emptyDir"] == {"sizeLimit": size}, role
    # The encoder's scratch holds outputs and a copy of the source per encode running at once.
    ((_path, size),) = topology.scratch_limit("celery-long")
    upload = int(config.BY_NAME["UPLOAD_MAX_SIZE"].default)
    assert int(size.removesuffix("Gi")) * 1024**3 >= 2 * upload * topology.CELERY_LONG_SLOTS


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!override", lambda loader, node: loader.construct_sequence(node))


def test_compose_s3_file_and_the_component_give_the_same_roles_the_same_settings(builds):
    """compose's s3 file is the Kubernetes component's twin: every app service gets the same S3
    variables (secrets required from .env), nginx whether a bucket is set, and no service keeps
    the media volume."""
    s3 = yaml.load((ROOT / "docker-compose.s3.yml").read_text(), Loader=_Loader)  # noqa: S506
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = s3["services"]
    for role in (*APP, "nginx"):
        compose_env = services[role]["environment"]
        (c,) = builds["prod"].workload(role)["spec"]["template"]["spec"]["containers"]
        k8s_names = [e["name"] for e in c["env"] if e["name"] in S3_NAMES]
        assert list(compose_env) == k8s_names, role
        for name, value in compose_env.items():
            if config.BY_NAME[name].secret:
                assert value.startswith(f"${{{name}:?"), name
        volumes = services[role]["volumes"]
        assert [v for v in volumes if str(v).startswith("media:")] == [], role
        kept = [v for v in base["services"][role]["volumes"] if not v.startswith("media:")]
        assert volumes == kept, role
    # The migrations get the settings too (compose's Job has no ConfigMap to follow) and wait
    # for the bucket, which only the profile's own server needs.
    assert list(services["migrate"]["environment"]) == S3_NAMES
    assert services["migrate"]["depends_on"]["s3-setup"]["required"] is False
    assert services["s3"]["profiles"] == ["s3"] and services["s3-setup"]["profiles"] == ["s3"]
    assert services["web"]["environment"]["AWS_S3_ENDPOINT_URL"] == (
        f"${{AWS_S3_ENDPOINT_URL:-{topology.S3_COMPOSE_ENDPOINT}}}"
    )
    text = (ROOT / "docker-compose.s3.yml").read_text()
    assert "volumes: !override" in text  # replaced, not merged with docker-compose.yml's


def test_prod_lets_every_app_role_reach_the_bucket_and_nginx_not(builds):
    (policy,) = [
        p for p in builds["prod"].of("NetworkPolicy") if p["metadata"]["name"] == "app-to-bucket"
    ]
    (expression,) = policy["spec"]["podSelector"]["matchExpressions"]
    # The migrate Job too: its system checks list the bucket.
    assert set(expression["values"]) == {*APP, "migrate"}
    assert policy["spec"]["egress"] == [{"ports": [{"port": 443, "protocol": "TCP"}]}]


# --- nginx in S3 mode: /media/ goes to the app --------------------------------------------------


@pytest.fixture
def s3_nginx(tmp_path):
    """The image's nginx configuration rendered with a bucket set, run by a real nginx in front
    of the image's uWSGI and a recorder standing for the app."""
    assert NGINX, "nginx is not installed (scripts/system-packages.txt)"
    app = Recorder()
    threading.Thread(target=app.serve_forever, daemon=True).start()
    work = tmp_path / "nginx"
    bridge = start_uwsgi_bridge(tmp_path / "uwsgi", app.server_address[1])
    proc, port = start_nginx(work, upstream_port=bridge.uwsgi_port, bucket="openpress-media")
    yield port, app, (work / "default.conf").read_text()
    stop(proc)
    stop(bridge.proc)
    app.shutdown()
    app.server_close()


def test_nginx_in_s3_mode_serves_no_file_and_hands_every_media_url_to_the_app(s3_nginx):
    port, app, conf = s3_nginx
    # No volume behind any location: the S3 snippet, not the filesystem one.
    assert "openpress/media-s3.conf;" in conf and "openpress/media-filesystem.conf;" not in conf
    uid = "0123456789abcdef0123456789abcdef"
    paths = (
        f"/media/encoded/{uid}/hls/master.m3u8",
        f"/media/original/01/{uid}.mp4",
        f"/media/s/AAAAAAAAAAAAAAAAAAAAAA/9999999999/encoded/{uid}/hls/master.m3u8",
        "/media/userlogos/abc.png",
    )
    for path in paths:
        status, body = get(port, path)
        assert (status, body) == (200, b"ok"), path
        assert app.seen[-1][0] == path  # the app got the URL as the client sent it
        assert app.last(path)["X-Forwarded-Proto"] == "http"
    # Not one of them went through the filesystem mode's access check.
    assert not [p for p, _ in app.seen if p.startswith("/internal/")]


# --- the bucket's key pair in the generated Secret ------------------------------------------


def _secrets_script(tmp_path) -> str:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "deploy-secrets.sh").write_bytes(
        (ROOT / "scripts" / "deploy-secrets.sh").read_bytes()
    )
    (scripts / "deploy-secrets.sh").chmod(0o755)
    (tmp_path / "deploy" / "overlays" / "prod").mkdir(parents=True)
    return str(scripts / "deploy-secrets.sh")


def test_the_secrets_script_writes_the_bucket_key_pair_given_and_rotates_it(tmp_path):
    script = _secrets_script(tmp_path)
    secrets_env = tmp_path / "deploy/overlays/prod/secrets.env"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}

    def run(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [script, "prod"], capture_output=True, text=True, env={**clean, **env}, check=False
        )

    first = run()
    assert first.returncode == 0, first.stderr
    values = dict(line.split("=", 1) for line in secrets_env.read_text().splitlines())
    assert "AWS_ACCESS_KEY_ID" not in values  # none given: an IAM role
    given = run(AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="abc/def+ghi")
    assert given.returncode == 0, given.stderr
    assert "abc/def" not in given.stdout  # names, never values
    after = dict(line.split("=", 1) for line in secrets_env.read_text().splitlines())
    assert after["AWS_ACCESS_KEY_ID"] == "AKIAEXAMPLE"
    assert after["AWS_SECRET_ACCESS_KEY"] == "abc/def+ghi"
    assert {k: after[k] for k in values} == values  # the random ones are kept
    rotated = run(AWS_ACCESS_KEY_ID="AKIANEW", AWS_SECRET_ACCESS_KEY="new")
    assert rotated.returncode == 0, rotated.stderr
    text = secrets_env.read_text()
    assert text.count("AWS_ACCESS_KEY_ID=") == 1 and "AWS_ACCESS_KEY_ID=AKIANEW" in text
    half = run(AWS_ACCESS_KEY_ID="AKIAONLY")
    assert half.returncode == 64 and "both" in half.stderr
    example = (ROOT / "deploy/overlays/prod/secrets.env.example").read_text()
    keys = {
        line.split("=", 1)[0] for line in example.splitlines() if "=" in line and line[0] != "#"
    }
    assert keys == {*values, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
