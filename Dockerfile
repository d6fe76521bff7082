# Prevent Portal production image: one image for web (gunicorn), worker and beat (celery).
# See docs/operations.md. Build: docker compose build

# --- Stage 1: GOV.UK Frontend from npm, compiled with Sass ---------------------------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: nothing here needs an install script (Sass is plain JavaScript).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY frontend/ frontend/
RUN npm run build:css

# --- Stage 2: the application ----------------------------------------------------------------
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:${PATH}" \
    DJANGO_ENV=production

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project && rm -rf /root/.cache

COPY . .
COPY --from=assets /build/node_modules/govuk-frontend/dist node_modules/govuk-frontend/dist
COPY --from=assets /build/static/build static/build

# Static files are collected (hashed and compressed for whitenoise) at build time. The
# values below exist only for this step: the running container gets its own from .env.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-time-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=build.invalid \
    SITE_URL=https://build.invalid \
    EMAIL_HOST=smtp.build.invalid \
    AUDIT_CHAIN_KEY=build-time-only-not-the-audit-chain-key-0123456789 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    sh -c "python manage.py collectstatic --no-input --verbosity 0 \
        && python manage.py check --deploy --fail-level WARNING"

# A non-root user owns only what it writes: uploaded files and the audit anchors (named
# volumes, which take this ownership when first mounted) and var/.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p var/media var/anchors \
    && chown -R app:app var/media var/anchors
USER app

EXPOSE 8000
# The web command; docker-compose.yml gives worker and beat their own.
# gunicorn reads its worker count from WEB_CONCURRENCY.
# The access log leaves out query strings and referrers: a person search puts names there.
CMD ["gunicorn", "prevent_portal.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(L)s", \
     "--timeout", "60"]
