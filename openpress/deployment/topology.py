"""OpenPress's topology, described once: docker-compose.yml and deploy/base are rendered from it.

A change of a role, port, command, variable or volume is made here and shows up in both files.
Production replicas and autoscaling bounds live here too; the prod overlay repeats them by hand
(overlays are never generated) and ``tests/deploy`` holds the two together.
"""

from __future__ import annotations

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
REDIS_COMPOSE_COMMAND = (
    "sh",
    "-c",
    "umask 077 && printf 'requirepass %s\\n' \"$$REDISCLI_AUTH\" >/data/redis.conf"
    ' && exec docker-entrypoint.sh "$$@"',
    "redis",  # $0
    "redis-server",
    "/data/redis.conf",
    "--save",
    "",
    "--appendonly",
    "no",
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
    Env("LOG_LEVEL", "${LOG_LEVEL:-INFO}"),
    Env("MEDIA_ROOT", "/data/media"),
    Env("SCRATCH_DIR", "/data/scratch"),
    Env("UPLOAD_MAX_SIZE", "${UPLOAD_MAX_SIZE:-4294967296}"),
    Env("CELERY_HEARTBEAT_FILE", "/tmp/openpress-heartbeat"),  # noqa: S108 - an emptyDir in k8s
    Env("WEB_PROCESSES", "${WEB_PROCESSES:-2}"),
    Env("WEB_THREADS", "${WEB_THREADS:-2}"),
    Env("DB_WAIT_SECONDS", "${DB_WAIT_SECONDS:-60}"),
    # Signs links to files of media anonymous visitors may not see; nginx checks them (NGINX_ENV).
    MEDIA_LINK_SECRET,
    Env("MEDIA_LINK_SECONDS", "${MEDIA_LINK_SECONDS:-21600}"),
    # Django is only ever reached through our nginx, which sends one X-Forwarded-For address:
    # the client's as it resolved it (TRUSTED_PROXY_RANGES below). docs/security.md.
    Env("TRUSTED_PROXY_COUNT", "1"),
    Env("LOGIN_FAILURE_LIMIT", "${LOGIN_FAILURE_LIMIT:-10}"),
    Env("LOGIN_LOCKOUT_SECONDS", "${LOGIN_LOCKOUT_SECONDS:-900}"),
    Env("SIGNUP_RATE", "${SIGNUP_RATE:-10/hour}"),
    Env("API_BASIC_AUTH", "${API_BASIC_AUTH:-true}"),
)
# Proxies in front of nginx whose X-Forwarded-For it believes. Compose: none, nginx is the edge.
# Kubernetes: the ingress controller; the overlays set the cluster's private ranges.
TRUSTED_PROXY_RANGES = Env("TRUSTED_PROXY_RANGES", "${TRUSTED_PROXY_RANGES:-}")
# The read-only root filesystem of an app container: /tmp (heartbeat, uWSGI, Python) and the
# encoders' scratch space are emptyDirs.
APP_SCRATCH = ("/tmp", "/data/scratch")  # noqa: S108

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
NGINX_HEALTH = Health(
    liveness=Probe(http_path="/nginx-health", port=80),
    readiness=Probe(http_path="/nginx-health", port=80, period=5),
    startup=Probe(http_path="/nginx-health", port=80, period=2, failures=15),
)
# A one-shot job serves nothing and has no heartbeat: the probes only say the process runs
# (healthcheck.sh answers 0 for roles other than uWSGI and Celery); the Job's
# activeDeadlineSeconds bounds it.
MIGRATE = Health(
    liveness=Probe(command=("/app/docker/healthcheck.sh",), period=30),
    readiness=Probe(command=("/app/docker/healthcheck.sh",), period=30),
    startup=Probe(command=("/app/docker/healthcheck.sh",), period=5, failures=30),
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
            resources=Resources("100m", "128Mi", "1", "512Mi"),
            scaling=Scaling(replicas=3),
            run_as=10999,
        ),
        _app(
            "migrate",
            ("migrate",),
            kind="job",
            restart="no",
            after=(After("postgres", "service_healthy"),),
            health=MIGRATE,
            resources=Resources("100m", "256Mi", "1", "512Mi"),
        ),
        _app(
            "web",
            ("web",),
            ports=(Port("http", 9000),),
            health=UWSGI,
            resources=Resources("250m", "384Mi", "1", "1Gi"),
            scaling=Scaling(replicas=2, min_replicas=2, max_replicas=6, cpu_percent=70),
        ),
        _app(
            "api",
            ("api",),
            ports=(Port("http", 9000),),
            health=UWSGI,
            resources=Resources("250m", "384Mi", "1", "1Gi"),
            scaling=Scaling(replicas=2, min_replicas=2, max_replicas=6, cpu_percent=70),
        ),
        _app(
            "celery-short",
            ("celery-short",),
            health=CELERY,
            resources=Resources("100m", "256Mi", "1", "768Mi"),
            scaling=Scaling(replicas=5, min_replicas=5, max_replicas=10, cpu_percent=75),
            anti_affine_to=("web",),
        ),
        _app(
            "celery-long",
            ("celery-long",),
            health=CELERY,
            # ffmpeg at 1080p with two threads per encode: one encode per two cores.
            resources=Resources("1", "1Gi", "2", "3Gi"),
            scaling=Scaling(replicas=5, min_replicas=5, max_replicas=10, cpu_percent=75),
            anti_affine_to=("web",),
        ),
        _app(
            "celery-beat",
            ("celery-beat",),
            health=CELERY,
            resources=Resources("50m", "192Mi", "500m", "384Mi"),
        ),
        Role(
            name="nginx",
            image=NGINX,
            command=(),
            kind="deployment",
            env=(
                Env("UPLOAD_MAX_SIZE", "${UPLOAD_MAX_SIZE:-4294967296}"),
                MEDIA_LINK_SECRET,
                TRUSTED_PROXY_RANGES,
            ),
            ports=(Port("http", 80, host="127.0.0.1:${OPENPRESS_HTTP_PORT:-8080}"),),
            mounts=(Mount("media", "/data/media", read_only=True),),
            health=NGINX_HEALTH,
            resources=Resources("50m", "64Mi", "1", "256Mi"),
            scaling=Scaling(replicas=2),
            after=(After("web", "service_healthy"), After("api", "service_healthy")),
            # start.sh writes conf.d/default.conf; nginx keeps its pid in /run and temp files
            # and the access-verdict cache in /var/cache/nginx.
            scratch=("/etc/nginx/conf.d", "/var/cache/nginx", "/run"),
            run_as=10101,
        ),
    ),
)
