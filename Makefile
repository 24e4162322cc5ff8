# Thin wrappers: every recipe also works typed by hand.
#   make run     the embedded default on http://127.0.0.1:8000 (SQLite, file broker, no servers)
#   make test    the test suite against a real PostgreSQL and Redis (see README)
#   make check   what CI checks besides the tests: lint, types (mypy), migrations, schema,
#                the frontend's API types, .env.example, deployment files, translations
#   make types   frontend/src/api-types.ts from openapi/schema.yml (after `make schema`)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Extras installed into the venv; CI adds `server` (uWSGI, which needs a C compiler).
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
RUN_ARGS ?=

.PHONY: venv run frontend test test-s3 lint format check check-migrations schema check-schema \
	env-example check-env-example render-deploy check-deploy system-check-run system-check-test \
	typecheck types check-types check-i18n

venv: $(STAMP)
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "OpenPress needs Python 3.11 or newer as '$(PYTHON)' (set PYTHON=python3.12 ...)."; \
	  exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "Python's venv module is missing: sudo apt-get install -y python3-venv"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

# The frontend (Vite + React) builds into frontend/dist, which Django serves as static files;
# `run` and `test` (browser tests load the real build) depend on it. Rebuilt when sources change.
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts \
	frontend/tsconfig.json -type f 2>/dev/null)
frontend: frontend/dist/.vite/manifest.json
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { \
	  echo "npm is needed to build the frontend: see scripts/system-packages.txt"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund
	touch $@
frontend/dist/.vite/manifest.json: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

# What the machine needs (scripts/system-packages.txt), checked before anything is built or
# started: the missing commands are named with the apt line. SYSTEM_CHECK=warn only says it.
SYSTEM_CHECK ?= strict
WARN_ONLY := $(if $(filter warn,$(SYSTEM_CHECK)),--warn-only)
system-check-run system-check-test: system-check-%:
	@$(PYTHON) scripts/check_system.py $* $(WARN_ONLY)

run: system-check-run venv frontend
	$(PY) scripts/run_embedded.py $(if $(WARN_ONLY),--no-system-check) $(RUN_ARGS)

test: system-check-test venv frontend
	cd frontend && npm test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The tests that touch media files again, with media in an S3 bucket (issue 14): a real Ceph
# RGW from scripts/with-s3.sh unless S3_ENDPOINT names one. Which tests: the marker s3
# (tests/conftest.py, S3_RERUN_MODULES); those about filesystem mode itself are left out, and
# the container stack has its own S3 profile test.
test-s3: system-check-test venv frontend
	OPENPRESS_TEST_STORAGE=s3 scripts/with-s3.sh $(VENV)/bin/pytest -m "s3 and not filesystem and not stack" $(PYTEST_S3_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Embedded settings, whatever DATABASE_URL says: the check needs no server.
check-migrations: venv
	DATABASE_URL= CELERY_BROKER_URL= DJANGO_SETTINGS_MODULE=openpress.settings.dev \
	  $(PY) manage.py makemigrations --check --dry-run

schema: venv
	PY=$(PY) scripts/schema.sh

check-schema: venv
	PY=$(PY) scripts/schema.sh --check

# mypy with django-stubs and djangorestframework-stubs on services/, selectors/ and api/
# ([tool.mypy] in pyproject.toml); the plugin loads the embedded settings (no server needed).
typecheck: venv
	DATABASE_URL= CELERY_BROKER_URL= $(VENV)/bin/mypy

# The frontend's API types, generated from the OpenAPI schema (openapi-typescript); the pages
# import their shapes through frontend/src/api.ts, so a breaking schema change fails tsc.
types: frontend/node_modules/.package-lock.json
	scripts/api-types.sh

check-types: frontend/node_modules/.package-lock.json
	scripts/api-types.sh --check

# Every t() string is in locale/djangojs.pot, and every .po (fr, ar) translates every entry,
# none fuzzy, with .mo files that match (docs/i18n.md).
check-i18n: venv
	$(PY) scripts/i18n_extract.py --check

env-example: venv
	$(PY) -m openpress.config

check-env-example: venv
	$(PY) -m openpress.config --check

# docker-compose.yml and deploy/base are rendered from openpress/deployment (never edited).
render-deploy: venv
	$(PY) -m openpress.deployment render

check-deploy: venv
	scripts/deploy-check.sh

check: lint typecheck check-migrations check-schema check-types check-env-example check-deploy check-i18n
