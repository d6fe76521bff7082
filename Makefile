# Two commands for a newcomer: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen python

.PHONY: demo test install uv lint format clean security

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

test: install
	DJANGO_ENV=test $(UV) run --frozen pytest $(PYTEST_ARGS)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

# Static security checks: bandit over the project code (config in pyproject.toml [tool.bandit]);
# any medium or high finding fails unless reviewed on its line (# nosec BXXX: reason).
security: install
	$(UV) run --frozen bandit -c pyproject.toml -r . --severity-level medium --quiet

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

clean:
	rm -rf var/demo.sqlite3 static/build node_modules/.installed .venv/.synced
