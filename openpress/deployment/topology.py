"""OpenPress's topology, described once: docker-compose.yml and deploy/base are rendered from it.

A change of a role, port, command, variable or volume is made here and shows up in both files.
Production replicas and autoscaling bounds live here too; the prod overlay repeats them by hand
(overlays are never generated) and ``tests/deploy`` holds the two together.
"""

from __future__ import annotations

from openpress import config, cpu
from openpress.deployment.model import (
    After,
    Description,
    Env,
    Health,
    Image,
    Mount,
    Port,
    Probe,
    Resources,
    Role,
    Scaling,
    Volume,
)


def knob(name: str) -> str:
    """compose's ``${NAME:-default}`` for a variable of openpress/config.py, with the default
    declared there: a default lives in one place (Kubernetes resolves the knob to it too)."""
    default = config.BY_NAME[name].default
    assert default is not None, f"{name} is required; it has no default to offer"
    return f"${{{name}:-{default}}}"


APP = Image("app", "openpress/app", "local", "OPENPRESS_IMAGE", "app", role_entrypoint=True)
NGINX = Image("nginx", "openpress/nginx", "local", "OPENPRESS_NGINX_IMAGE", "nginx")
POSTGRES = Image("postgres", "postgres", "16-bookworm", "POSTGRES_IMAGE")
REDIS = Image("redis", "redis", "7-bookworm", "REDIS_IMAGE")

# docker/Dockerfile's base images, build arguments defaulting to the official ones.
BUILD_ARGS = (
    ("PYTHON_IMAGE", "python:3.12-slim-bookworm"),
    ("NODE_IMAGE", "node:20-bookworm-slim"),
    ("NGINX_IMAGE", "nginx:1.27-bookworm"),
)

MEDIA = Mount("media", "/data/media")

# Redis and its Sentinels require this password; the app adds it to REDIS_URL (settings).
# compose's interpolation of the secret (required), not a value
_REDIS_PASSWORD = "${REDIS_PASSWORD:?set REDIS_PASSWORD in the environment or .env}"  # noqa: S105
REDIS_PASSWORD = Env("REDIS_PASSWORD", _REDIS_PASSWORD, from_secrets="REDIS_PASSWORD")
# The same password under the name redis-cli reads (health checks, the Kubernetes init script).
REDISCLI_AUTH = Env("REDISCLI_AUTH", _REDIS_PASSWORD, from_secrets="REDIS_PASSWORD")
# compose: the password goes into a config file (mode 0600, owned by redis once the image's
# entrypoint has chowned /data), never onto the command line, where `ps` on the host shows it.
# Redis's own settings, the same in compose (command-line options) and Kubernetes (the
# redis-scripts ConfigMap's redis.conf); tests/deploy/test_redis_config.py holds them equal.
REDIS_MAXMEMORY_MIB = 256
REDIS_SETTINGS = (
    # Queued tasks survive a restart of Redis: every write goes to the append-only file, synced
    # once a second (at most a second of writes lost on a crash of the machine).
    ("appendonly", "yes"),
    ("appendfsync", "everysec"),
    # The AOF (with its RDB preamble) is the only persistence; no periodic RDB dumps beside it.
    ("save", ""),
    # A broker must refuse a write rather than evict a queued task (cache keys carry their TTL).
    ("maxmemory", f"{REDIS_MAXMEMORY_MIB}mb"),
    ("maxmemory-policy", "noeviction"),
)
# What Redis's clients (its default user, with REDIS_PASSWORD) may do, in compose and Kubernetes
# (docker/redis-init.sh writes the same): every key, channel and data command, no administrative
# one (CONFIG, REPLICAOF, SHUTDOWN, DEBUG, ACL, MODULE...).
REDIS_CLIENT_ACL = "~* &* +@all -@admin"
# compose: the password goes into a config file (mode 0600, owned by redis once the image's
# entrypoint has chowned /data), never onto the command line, where `ps` on the host shows it.
REDIS_COMPOSE_COMMAND = (
    "sh",
    "-c",
    # Lines of a script (rendered as a YAML block, within yamllint's line length).
    "set -e\n"
    "umask 077\n"
    f"printf 'user default on >%s {REDIS_CLIENT_ACL}\\n' \"$$REDISCLI_AUTH\" >/data/redis.conf\n"
    'exec docker-entrypoint.sh "$$@"\n',
    "redis",  # $0
    "redis-server",
    "/data/redis.conf",
    *(arg for key, value in REDIS_SETTINGS for arg in (f"--{key}", value)),
)

# The key of signed media links: the app makes them, nginx checks them, so both get it.
MEDIA_LINK_SECRET = Env(
    "MEDIA_LINK_SECRET",
    "${MEDIA_LINK_SECRET:?set MEDIA_LINK_SECRET in the environment or .env (docs/containers.md)}",
    from_secrets="MEDIA_LINK_SECRET",
)

# Every app role shares one environment (the same settings everywhere); secrets come from the
# developer's environment in compose and from the openpress-secrets Secret in Kubernetes.
APP_ENV = (
    Env("DJANGO_SETTINGS_MODULE", "openpress.settings.production"),
    Env(
        "SECRET_KEY",
        "${SECRET_KEY:?set SECRET_KEY in the environment or .env (docs/containers.md)}",
        from_secrets="SECRET_KEY",
    ),
    Env(
        "DATABASE_URL",
        "postgres://openpress:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/openpress",
        from_secrets="DATABASE_URL",
    ),
    Env("REDIS_URL", "redis://redis:6379/0"),
    REDIS_PASSWORD,
    # Empty: REDIS_URL is the master (compose, one Redis). The prod overlay names the sentinels.
    Env("REDIS_SENTINELS", ""),
    Env("REDIS_MASTER_NAME", "openpress"),
    Env("ALLOWED_HOSTS", "localhost,127.0.0.1,web,api,nginx"),
    Env(
        "CSRF_TRUSTED_ORIGINS",
        "http://localhost:${OPENPRESS_HTTP_PORT:-8080},http://127.0.0.1:${OPENPRESS_HTTP_PORT:-8080}",
    ),
    # Cookies only over https; the dev overlay (plain http on k3s) turns it off.
    Env("SECURE_COOKIES", knob("SECURE_COOKIES")),
    Env("LOG_LEVEL", knob("LOG_LEVEL")),
    Env("MEDIA_ROOT", "/data/media"),
    Env("SCRATCH_DIR", "/data/scratch"),
    Env("UPLOAD_MAX_SIZE", knob("UPLOAD_MAX_SIZE")),
    Env("CELERY_HEARTBEAT_FILE", "/tmp/openpress-heartbeat"),  # noqa: S108 - an emptyDir in k8s
    Env("WEB_PROCESSES", knob("WEB_PROCESSES")),
    Env("WEB_THREADS", knob("WEB_THREADS")),
    Env("DB_WAIT_SECONDS", knob("DB_WAIT_SECONDS")),
    # Signs links to files of media anonymous visitors may not see; nginx checks them (NGINX_ENV).
    MEDIA_LINK_SECRET,
    Env("MEDIA_LINK_SECONDS", knob("MEDIA_LINK_SECONDS")),
    # Django is only ever reached through our nginx, which sends one X-Forwarded-For address:
    # the client's as it resolved it (TRUSTED_PROXY_RANGES below). docs/security.md.
    Env("TRUSTED_PROXY_COUNT", "1"),
    Env("LOGIN_FAILURE_LIMIT", knob("LOGIN_FAILURE_LIMIT")),
    Env("LOGIN_LOCKOUT_SECONDS", knob("LOGIN_LOCKOUT_SECONDS")),
    Env("SIGNUP_RATE", knob("SIGNUP_RATE")),
    Env("API_BASIC_AUTH", knob("API_BASIC_AUTH")),
    # Content Credentials (docs/provenance.md): the signing chain and key are the newsroom's own,
    # in the Secret (``base64:`` values, scripts/deploy-secrets.sh) or compose's environment.
    # Without them the encoder refuses to start unless C2PA_ALLOW_UNSIGNED (docker/entrypoint.sh).
    Env("C2PA_SIGNING_CERT", knob("C2PA_SIGNING_CERT"), from_secrets="C2PA_SIGNING_CERT"),
    Env("C2PA_SIGNING_KEY", knob("C2PA_SIGNING_KEY"), from_secrets="C2PA_SIGNING_KEY"),
    Env("C2PA_SIGNING_ALG", knob("C2PA_SIGNING_ALG")),
    Env("C2PA_TSA_URL", knob("C2PA_TSA_URL")),
    Env("C2PA_ALLOW_UNSIGNED", knob("C2PA_ALLOW_UNSIGNED")),
    Env("C2PA_KEEP_INCOMING", knob("C2PA_KEEP_INCOMING")),
    Env("C2PA_TRUST_ANCHORS", knob("C2PA_TRUST_ANCHORS")),
    Env("HISTORY_TSA_URL", knob("HISTORY_TSA_URL")),
)
# Proxies in front of nginx whose X-Forwarded-For it believes. Compose: none, nginx is the edge.
# Kubernetes: the ingress controller; the overlays set the cluster's private ranges.
TRUSTED_PROXY_RANGES = Env("TRUSTED_PROXY_RANGES", knob("TRUSTED_PROXY_RANGES"))
# The read-only root filesystem of an app container: /tmp (heartbeat, uWSGI, Python) and the
# encoders' scratch space are emptyDirs.
APP_SCRATCH = ("/tmp", "/data/scratch")  # noqa: S108


def _default(name: str) -> int:
    return int(config.BY_NAME[name].default)


# --- Local disk: sized from the largest upload ---------------------------------------------
# Big files only ever touch a pod's local disk in three places, each bounded by UPLOAD_MAX_SIZE:
# nginx buffers a request body whole before uWSGI sees it (/var/cache/nginx), uWSGI spools a
# multipart upload to SCRATCH_DIR, and an encode keeps its outputs (and, with a remote storage,
# a copy of the source) in SCRATCH_DIR until it publishes them. Each emptyDir gets a sizeLimit
# and each pod an ephemeral-storage limit (the sizeLimit plus GIB of logs and /tmp), so a full
# scratch evicts the pod instead of filling the node. Requests reserve GIB, and an encoder room
# for one upload besides: what they really use most of the time, and small enough for one node.
GIB = 1024**3
# celery-long runs one encode per two cores of its CPU limit (ffmpeg, two threads each).
CELERY_LONG_CPU_LIMIT = 2
# What the worker derives at start from its cgroup's cpu.max (openpress/cpu.py, entrypoint.sh).
CELERY_LONG_SLOTS = cpu.long_concurrency(CELERY_LONG_CPU_LIMIT)
UPLOAD_SLOTS = _default("WEB_PROCESSES") * _default("WEB_THREADS")  # requests one uWSGI serves


def _gi(size: int) -> str:
    return f"{-(-size // GIB)}Gi"  # rounded up to whole GiB


# nginx's caches under /var/cache/nginx besides request bodies: the media-access verdicts (16 MB)
# and the micro-cache of anonymous API answers (128 MB), their max_size in
# docker/nginx/openpress.conf.template, with room for the files nginx writes before it prunes.
NGINX_CACHE_BYTES = 256 * 1024 * 1024


def scratch_bytes(role: str, upload_max_size: int) -> int:
    """The most a role keeps in its big scratch emptyDir (bytes)."""
    if role == "celery-long":
        # Outputs plus a copy of the source, per encode running at once.
        return 2 * upload_max_size * CELERY_LONG_SLOTS
    if role in ("web", "api"):
        return upload_max_size * UPLOAD_SLOTS
    if role == "nginx":
        return upload_max_size * UPLOAD_SLOTS + NGINX_CACHE_BYTES
    return GIB  # short tasks, beat, migrate: no large files


def disk(role: str, cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> Resources:
    """Resources with ephemeral storage derived from UPLOAD_MAX_SIZE's default."""
    upload = _default("UPLOAD_MAX_SIZE")
    scratch = scratch_bytes(role, upload)
    request = GIB + (upload if role == "celery-long" else 0)
    return Resources(cpu, memory, cpu_limit, memory_limit, _gi(request), _gi(scratch + GIB))


def scratch_limit(role: str, path: str = "/data/scratch") -> tuple[tuple[str, str], ...]:
    return ((path, _gi(scratch_bytes(role, _default("UPLOAD_MAX_SIZE")))),)


# --- Graceful stop ------------------------------------------------------------------------
# On SIGTERM a pod is already being taken out of the Service endpoints, but kube-proxy, the
# ingress controller and nginx's upstream lookups learn it a moment later: each server first
# sleeps DRAIN_SECONDS (preStop) and only then stops gracefully, finishing what it has started
# (uWSGI: docker/uwsgi.ini's SIGTERM hook; nginx: the image's STOPSIGNAL SIGQUIT). The kubelet's
# budget (terminationGracePeriodSeconds) covers the sleep plus the longest request uWSGI allows
# (WEB_HARAKIRI); nginx outlives the request it proxies.
DRAIN_SECONDS = 5
LONGEST_REQUEST_SECONDS = _default("WEB_HARAKIRI")
UWSGI_GRACE_SECONDS = DRAIN_SECONDS + LONGEST_REQUEST_SECONDS + 10
NGINX_GRACE_SECONDS = UWSGI_GRACE_SECONDS + 10
# A short worker finishes its running tasks on SIGTERM (warm shutdown); its tasks are bounded by
# the worker's hard time limit, and the grace lies above it.
SHORT_TASK_SECONDS = 300
SHORT_WORKER_GRACE_SECONDS = SHORT_TASK_SECONDS + 30

# Liveness never touches PostgreSQL or Redis (an outage must not restart pods in a loop);
# readiness does. The start-up probe covers the entrypoint's wait for the database (60 s).
UWSGI = Health(
    liveness=Probe(http_path="/healthz", port=9000),
    readiness=Probe(http_path="/readyz", port=9000, period=5),
    startup=Probe(http_path="/healthz", port=9000, period=5, failures=30),
)
# docker/healthcheck.sh checks the heartbeat file (CELERY_HEARTBEAT_FILE) without starting Python.
HEARTBEAT = Probe(command=("/app/docker/healthcheck.sh",), period=20)
CELERY = Health(
    liveness=HEARTBEAT,
    readiness=HEARTBEAT,
    startup=Probe(command=("/app/docker/healthcheck.sh",), period=5, failures=30),
)
# nginx runs as uid 10101 (docker/Dockerfile) and so listens on an unprivileged port: no root,
# no NET_BIND_SERVICE, no net.ipv4.ip_unprivileged_port_start sysctl.
NGINX_PORT = 8080
NGINX_HEALTH = Health(
    liveness=Probe(http_path="/nginx-health", port=NGINX_PORT),
    readiness=Probe(http_path="/nginx-health", port=NGINX_PORT, period=5),
    startup=Probe(http_path="/nginx-health", port=NGINX_PORT, period=2, failures=15),
)
APP_AFTER = (After("migrate", "service_completed_successfully"), After("redis", "service_healthy"))


def _app(name: str, command: tuple[str, ...], **kwargs) -> Role:
    defaults = {
        "image": APP,
        "kind": "deployment",
        "env": APP_ENV,
        "mounts": (MEDIA,),
        "after": APP_AFTER,
        "scratch": APP_SCRATCH,
    }
    return Role(name=name, command=command, **{**defaults, **kwargs})


OPENPRESS = Description(
    project="openpress",
    namespace="openpress",
    host="openpress.local",
    entrypoint_roles=(
        "web",
        "api",
        "celery-short",
        "celery-long",
        "celery-beat",
        "migrate",
        "manage",
        "wait-db",
    ),
    compose_knobs=(
        "OPENPRESS_IMAGE",
        "OPENPRESS_NGINX_IMAGE",
        "POSTGRES_IMAGE",
        "REDIS_IMAGE",
        "OPENPRESS_HTTP_PORT",
        "POSTGRES_PASSWORD",
    ),
    volumes=(
        Volume("media", "ReadWriteMany", "100Gi"),
        Volume("pgdata", "ReadWriteOnce", "20Gi"),
        # Redis's append-only file: queued tasks survive a restart (compose; Kubernetes gives each
        # Redis pod a claim of this size).
        Volume("redisdata", "ReadWriteOnce", "2Gi"),
    ),
    roles=(
        Role(
            name="postgres",
            image=POSTGRES,
            command=(),
            kind="backing",
            own_env=False,
            env=(
                Env("POSTGRES_USER", "openpress"),
                Env("POSTGRES_DB", "openpress"),
                Env(
                    "POSTGRES_PASSWORD",
                    "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
                    from_secrets="POSTGRES_PASSWORD",
                ),
            ),
            ports=(Port("postgres", 5432),),
            mounts=(Mount("pgdata", "/var/lib/postgresql/data"),),
            health=Health(
                liveness=Probe(command=("pg_isready", "-q", "-U", "openpress", "-d", "openpress")),
                readiness=Probe(
                    command=("pg_isready", "-q", "-U", "openpress", "-d", "openpress"), period=5
                ),
                startup=Probe(
                    command=("pg_isready", "-q", "-U", "openpress", "-d", "openpress"),
                    period=5,
                    failures=60,
                ),
                compose=Probe(
                    command=("pg_isready", "-q", "-U", "openpress", "-d", "openpress"),
                    period=5,
                    failures=12,
                ),
            ),
            resources=Resources("250m", "512Mi", "2", "2Gi"),
            scratch=("/tmp", "/var/run/postgresql"),  # noqa: S108
            run_as=10999,
        ),
        Role(
            name="redis",
            image=REDIS,
            # compose's; Kubernetes writes redis.conf in an init container (kubernetes.redis).
            command=REDIS_COMPOSE_COMMAND,
            kind="backing",
            own_env=False,
            env=(REDISCLI_AUTH,),
            ports=(Port("redis", 6379),),
            health=Health(
                liveness=Probe(command=("redis-cli", "ping")),
                readiness=Probe(command=("redis-cli", "ping"), period=5),
                startup=Probe(command=("redis-cli", "ping"), period=2, failures=30),
                compose=Probe(command=("redis-cli", "ping"), period=5, failures=12),
            ),
            # An AOF rewrite forks: with every page written meanwhile copied, Redis can need
            # twice its data, plus buffers. Limit >= 2 x maxmemory + 128Mi (tests/deploy).
            resources=Resources("100m", "320Mi", "1", f"{2 * REDIS_MAXMEMORY_MIB + 128}Mi"),
            mounts=(Mount("redisdata", "/data"),),
            scaling=Scaling(replicas=3),
            run_as=10999,
        ),
        _app(
            "migrate",
            ("migrate",),
            kind="job",
            restart="no",
            after=(After("postgres", "service_healthy"),),
            # A one-shot job serves nothing and writes no media: no probes (its
            # activeDeadlineSeconds bounds it), no media volume.
            health=None,
            mounts=(),
            resources=disk("migrate", "100m", "256Mi", "1", "512Mi"),
            scratch_limits=scratch_limit("migrate"),
        ),
        _app(
            "web",
            ("web",),
            ports=(Port("http", 9000), Port("uwsgi", 9001)),
            health=UWSGI,
            resources=disk("web", "250m", "384Mi", "1", "1Gi"),
            scratch_limits=scratch_limit("web"),
            drain_seconds=DRAIN_SECONDS,
            grace_seconds=UWSGI_GRACE_SECONDS,
            scaling=Scaling(replicas=2, min_replicas=2, max_replicas=6, cpu_percent=70),
        ),
        _app(
            "api",
            ("api",),
            ports=(Port("http", 9000), Port("uwsgi", 9001)),
            health=UWSGI,
            resources=disk("api", "250m", "384Mi", "1", "1Gi"),
            scratch_limits=scratch_limit("api"),
            drain_seconds=DRAIN_SECONDS,
            grace_seconds=UWSGI_GRACE_SECONDS,
            scaling=Scaling(replicas=2, min_replicas=2, max_replicas=6, cpu_percent=70),
        ),
        _app(
            "celery-short",
            # The hard limit of a short task: the worker kills a task that runs longer, so its
            # warm shutdown always ends within the pod's grace.
            ("celery-short", "--time-limit", str(SHORT_TASK_SECONDS)),
            health=CELERY,
            resources=disk("celery-short", "100m", "256Mi", "1", "768Mi"),
            scratch_limits=scratch_limit("celery-short"),
            grace_seconds=SHORT_WORKER_GRACE_SECONDS,
            scaling=Scaling(replicas=5, min_replicas=5, max_replicas=10, cpu_percent=75),
            anti_affine_to=("web",),
        ),
        _app(
            "celery-long",
            ("celery-long",),
            health=CELERY,
            # ffmpeg at 1080p with two threads per encode: one encode per two cores.
            resources=disk("celery-long", "1", "1Gi", str(CELERY_LONG_CPU_LIMIT), "3Gi"),
            scratch_limits=scratch_limit("celery-long"),
            scaling=Scaling(replicas=5, min_replicas=5, max_replicas=10, cpu_percent=75),
            anti_affine_to=("web",),
        ),
        _app(
            "celery-beat",
            ("celery-beat",),
            health=CELERY,
            resources=disk("celery-beat", "50m", "192Mi", "500m", "384Mi"),
            scratch_limits=scratch_limit("celery-beat"),
            # One fires (the beat lease, openpress/beat.py), the other stands by on another node
            # and takes over within about 25 s when the first is lost.
            scaling=Scaling(replicas=2),
        ),
        Role(
            name="nginx",
            image=NGINX,
            command=(),
            kind="deployment",
            env=(
                Env("UPLOAD_MAX_SIZE", knob("UPLOAD_MAX_SIZE")),
                MEDIA_LINK_SECRET,
                TRUSTED_PROXY_RANGES,
            ),
            ports=(
                Port(
                    "http",
                    NGINX_PORT,
                    host="127.0.0.1:${OPENPRESS_HTTP_PORT:-8080}",
                    service=80,
                ),
            ),
            mounts=(Mount("media", "/data/media", read_only=True),),
            health=NGINX_HEALTH,
            # Request bodies are buffered whole under /var/cache/nginx before uWSGI sees them.
            resources=disk("nginx", "50m", "64Mi", "1", "256Mi"),
            scratch_limits=scratch_limit("nginx", "/var/cache/nginx"),
            drain_seconds=DRAIN_SECONDS,
            grace_seconds=NGINX_GRACE_SECONDS,
            scaling=Scaling(replicas=2),
            after=(After("web", "service_healthy"), After("api", "service_healthy")),
            # start.sh writes conf.d/default.conf; nginx keeps its pid in /run and temp files
            # and the access-verdict cache in /var/cache/nginx.
            scratch=("/etc/nginx/conf.d", "/var/cache/nginx", "/run"),
            run_as=10101,
        ),
    ),
)


# --- S3 mode (issue 14): compose's `s3` profile and the Kubernetes component s3-storage ------
# Both render from these, so the two name the same variables. In S3 mode no app role and not
# nginx mounts the media volume: media live in the bucket, the encoders keep their work in their
# own scratch (the emptyDirs above, sized from UPLOAD_MAX_SIZE), and nginx hands /media/ to the
# app (presigned URLs, signed playlists: docs/storage.md).
S3_BUCKET = "openpress-media"
# The compose profile's own server (docker/s3): Ceph's RADOS Gateway from Debian's packages, the
# same server the test suite runs (scripts/s3-test-server.sh). docs/storage.md says why not
# Garage, SeaweedFS or MinIO.
S3_PORT = 7480
S3_COMPOSE_ENDPOINT = f"http://s3:{S3_PORT}"
_S3_KEY_HELP = "set it in .env (docs/storage.md)"
S3_ENV = (
    Env("AWS_STORAGE_BUCKET_NAME", f"${{AWS_STORAGE_BUCKET_NAME:-{S3_BUCKET}}}"),
    # Empty: Amazon S3 itself (Kubernetes; the overlay names another server). compose's profile
    # points it at its own server (S3_COMPOSE_OVERRIDES).
    Env("AWS_S3_ENDPOINT_URL", knob("AWS_S3_ENDPOINT_URL")),
    # The server as browsers reach it, when not as the app does (compose: S3_COMPOSE_OVERRIDES).
    Env("AWS_S3_PUBLIC_ENDPOINT_URL", knob("AWS_S3_PUBLIC_ENDPOINT_URL")),
    Env("AWS_S3_REGION_NAME", knob("AWS_S3_REGION_NAME")),
    Env("AWS_S3_ADDRESSING_STYLE", knob("AWS_S3_ADDRESSING_STYLE")),
    Env("MEDIA_PUBLIC_BASE_URL", knob("MEDIA_PUBLIC_BASE_URL")),
    # Both empty (Kubernetes: both keys absent from the Secret): boto3's own chain, e.g. an IAM
    # role for the service account.
    Env(
        "AWS_ACCESS_KEY_ID",
        f"${{AWS_ACCESS_KEY_ID:?{_S3_KEY_HELP}}}",
        from_secrets="AWS_ACCESS_KEY_ID",
    ),
    Env(
        "AWS_SECRET_ACCESS_KEY",
        f"${{AWS_SECRET_ACCESS_KEY:?{_S3_KEY_HELP}}}",
        from_secrets="AWS_SECRET_ACCESS_KEY",
    ),
)
# compose only: the profile's server by default; another one (AWS, Garage...) from .env.
# Browsers on the host cannot resolve s3: URLs handed to them are signed for the published port,
# unless .env names another server (then that server's URL, the same for both) or a public name.
S3_COMPOSE_PUBLIC_ENDPOINT = f"http://127.0.0.1:${{OPENPRESS_S3_PORT:-{S3_PORT}}}"
S3_COMPOSE_OVERRIDES = {
    "AWS_S3_ENDPOINT_URL": f"${{AWS_S3_ENDPOINT_URL:-{S3_COMPOSE_ENDPOINT}}}",
    "AWS_S3_PUBLIC_ENDPOINT_URL": (
        "${AWS_S3_PUBLIC_ENDPOINT_URL:-${AWS_S3_ENDPOINT_URL:-" + S3_COMPOSE_PUBLIC_ENDPOINT + "}}"
    ),
}
# nginx reads only whether a bucket is set: /media/ then goes to the app (docker/nginx/start.sh).
S3_NGINX_ENV = ("AWS_STORAGE_BUCKET_NAME",)
# The site's origins, allowed to PUT parts straight into the bucket (CORS), as compose serves it.
S3_COMPOSE_ORIGINS = (
    "http://localhost:${OPENPRESS_HTTP_PORT:-8080},http://127.0.0.1:${OPENPRESS_HTTP_PORT:-8080}"
)
# Multipart uploads a browser abandoned are aborted by the bucket after this many days (a
# lifecycle rule; the app's own reaper acts sooner). docs/storage.md.
S3_ABORT_INCOMPLETE_DAYS = 2

S3_IMAGE = Image(
    "s3", "openpress/s3-dev", "local", "OPENPRESS_S3_IMAGE", "s3", dockerfile="docker/s3/Dockerfile"
)
_S3_HEALTH = Probe(command=("/usr/local/bin/openpress-s3", "health"), period=5, failures=24)
S3_ROLES = (
    Role(
        name="s3",
        image=S3_IMAGE,
        command=("server",),
        kind="backing",
        own_env=False,
        env=(
            # The key pair the server's only user gets at its first start (the app's).
            Env("S3_ACCESS_KEY", f"${{AWS_ACCESS_KEY_ID:?{_S3_KEY_HELP}}}"),
            Env("S3_SECRET_KEY", f"${{AWS_SECRET_ACCESS_KEY:?{_S3_KEY_HELP}}}"),
            # Objects in a sparse file on the volume: disk used = data stored; a full store
            # blocks writes, so this is the most the profile can hold (MiB).
            Env("S3_RGW_SIZE_MB", "${OPENPRESS_S3_SIZE_MB:-51200}"),
        ),
        ports=(Port("s3", S3_PORT, host=f"127.0.0.1:${{OPENPRESS_S3_PORT:-{S3_PORT}}}"),),
        mounts=(Mount("s3data", "/data"),),
        health=Health(
            liveness=_S3_HEALTH, readiness=_S3_HEALTH, startup=_S3_HEALTH, compose=_S3_HEALTH
        ),
        # A monitor, an OSD (its cache aims at 896 MiB) and radosgw: ~130 MB idle.
        resources=Resources("250m", "256Mi", "2", "1536Mi"),
    ),
    Role(
        name="s3-setup",
        image=S3_IMAGE,
        command=("setup",),
        kind="backing",
        own_env=False,
        restart="no",
        env=(
            Env("AWS_STORAGE_BUCKET_NAME", f"${{AWS_STORAGE_BUCKET_NAME:-{S3_BUCKET}}}"),
            Env("AWS_S3_ENDPOINT_URL", S3_COMPOSE_ENDPOINT),
            Env("AWS_S3_REGION_NAME", knob("AWS_S3_REGION_NAME")),
            Env("AWS_ACCESS_KEY_ID", f"${{AWS_ACCESS_KEY_ID:?{_S3_KEY_HELP}}}"),
            Env("AWS_SECRET_ACCESS_KEY", f"${{AWS_SECRET_ACCESS_KEY:?{_S3_KEY_HELP}}}"),
            Env("S3_CORS_ORIGINS", S3_COMPOSE_ORIGINS),
            Env("S3_ABORT_INCOMPLETE_DAYS", str(S3_ABORT_INCOMPLETE_DAYS)),
        ),
        after=(After("s3", "service_healthy"),),
        resources=Resources("50m", "64Mi", "1", "256Mi"),
    ),
)

S3_DESCRIPTION = Description(
    project=OPENPRESS.project,
    namespace=OPENPRESS.namespace,
    host=OPENPRESS.host,
    roles=S3_ROLES,
    volumes=(Volume("s3data", "ReadWriteOnce", "50Gi"),),
    entrypoint_roles=(),
    compose_knobs=(
        "OPENPRESS_S3_IMAGE",
        "OPENPRESS_S3_PORT",
        "OPENPRESS_S3_SIZE_MB",
        "OPENPRESS_HTTP_PORT",
    ),
)
