#!/usr/bin/env bash
# Create the two database roles Prevent Portal runs with (ADR 0010; docs/operations.md,
# "Database roles"), once, as a PostgreSQL superuser, when the database is first made:
#
#   PREVENT_OWNER_ROLE (prevent_owner)  owns the database, its schema and every table; runs
#                                       migrations. Not a superuser.
#   PREVENT_APP_ROLE   (prevent_app)    web, worker and beat. Owns nothing, is no superuser,
#                                       so it can neither disable a trigger nor set
#                                       session_replication_role. Its table rights are granted
#                                       by `manage.py migrate` (run as the owner), because the
#                                       tables do not exist yet: SELECT, INSERT, UPDATE, DELETE
#                                       on the application's tables; on the audit log SELECT
#                                       and INSERT only; on the chain links SELECT only.
#
# The postgres image runs this from /docker-entrypoint-initdb.d on its first start (psql over
# its socket as POSTGRES_USER, database POSTGRES_DB); .ci/run runs the same file (PGHOST,
# PGPORT). Passwords come from PREVENT_OWNER_PASSWORD and PREVENT_APP_PASSWORD, or from the
# files named by PREVENT_OWNER_PASSWORD_FILE and PREVENT_APP_PASSWORD_FILE (compose secrets).
set -euo pipefail

secret() {
  local name=$1 file_name="${1}_FILE"
  if [ -n "${!file_name:-}" ]; then
    tr -d '\r\n' < "${!file_name}"
  elif [ -n "${!name:-}" ]; then
    printf '%s' "${!name}"
  else
    echo "init-roles.sh: set $name or $file_name" >&2
    exit 2
  fi
}

database=${POSTGRES_DB:-prevent_portal}
owner=${PREVENT_OWNER_ROLE:-prevent_owner}
app=${PREVENT_APP_ROLE:-prevent_app}
owner_password=$(secret PREVENT_OWNER_PASSWORD)
app_password=$(secret PREVENT_APP_PASSWORD)

psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 \
  --username="${POSTGRES_USER:-postgres}" --dbname="$database" \
  --set=database="$database" --set=owner="$owner" --set=app="$app" \
  --set=owner_password="$owner_password" --set=app_password="$app_password" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    NOINHERIT PASSWORD :'app_password';
-- The owner owns the database; in PostgreSQL 15 that makes it the owner of schema public
-- (pg_database_owner) and the only role that may create tables there.
ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
SQL
echo "init-roles.sh: created $owner (owner) and $app (application) for $database"
