# Two commands for a newcomer: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen python

.PHONY: demo test install uv lint format clean security loadtest bench

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

.venv/.synced: uv pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/build/app.css: node_modules/.installed frontend/app.scss
	npm run --silent build:css

install: .venv/.synced static/build/app.css

demo: install
	@mkdir -p var
	DJANGO_ENV=demo $(PY) manage.py migrate --no-input
	DJANGO_ENV=demo $(PY) manage.py seed_demo
	@echo "Prevent Portal demo: http://127.0.0.1:$(PORT)/"
	DJANGO_ENV=demo $(PY) manage.py runserver 127.0.0.1:$(PORT)

# One pytest worker per core (pytest-xdist, --dist load keeps pytest-django's order: each
# worker runs its transactional tests after the others). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: install
	DJANGO_ENV=test $(UV) run --frozen pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

# Static security checks: bandit over the project code (config in pyproject.toml [tool.bandit]);
# any medium or high finding fails unless reviewed on its line (# nosec BXXX: reason).
security: install
	$(UV) run --frozen bandit -c pyproject.toml -r . --severity-level medium --quiet

# Performance benchmark (issue 8): PostgreSQL only, through DATABASE_URL; generates the synthetic
# data at BENCH_SCALE once (reused after), prints a table and writes var/bench.json.
BENCH_SCALE ?= 1
BENCH_ITERATIONS ?= 20
bench: install
	@test -n "$$DATABASE_URL" || { echo "make bench needs DATABASE_URL=postgres://..."; exit 2; }
	DJANGO_ENV=test $(PY) scripts/bench/run.py --scale $(BENCH_SCALE) --iterations $(BENCH_ITERATIONS)

# Load test (not part of CI): 50 signed-in users for 60 s against gunicorn on 127.0.0.1,
# the four roles' journeys; p50/p95 per page, var/loadtest.json; fails on any error.
# Needs LOADTEST_DATABASE_URL, a PostgreSQL database it migrates, seeds and fills.
loadtest: install
	UV="$(UV)" scripts/loadtest/run.sh

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

clean:
	rm -rf var/demo.sqlite3 static/build node_modules/.installed .venv/.synced
