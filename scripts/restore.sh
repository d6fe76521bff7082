#!/usr/bin/env bash
# Restore a scripts/backup.sh dump into a new, empty database, all or nothing, then check the
# audit log's hash chain there. See docs/operations.md, "Backup and restore".
#
#   scripts/restore.sh FILE postgres://user:password@host:5432/new_name
#
# FILE may be "-" for standard input. The target database must exist and hold no tables
# (createdb it first); a non-empty target is refused. Nothing is restored if any object
# fails (one transaction). Objects are owned by the restoring role (--no-owner); grants
# are restored, so the roles they name (docs/operations.md, "Database grants") must exist.
#
# Afterwards `manage.py verify_audit` runs against the target with $PYTHON (default
# "python"; in a checkout, PYTHON="uv run --frozen python"). SKIP_VERIFY=1 skips it. It does
# not compare with the live anchor file (a backup is older than the last anchor): check the
# restored copy with `verify_audit --expect-head` and the head noted at backup time.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: scripts/restore.sh FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
file=$1
target=$2
case "$target" in
  postgres://* | postgresql://*) ;;
  *) echo "restore.sh: the target must be a postgres:// URL" >&2; exit 2 ;;
esac
if [ "$file" != "-" ] && [ ! -r "$file" ]; then
  echo "restore.sh: cannot read $file" >&2
  exit 2
fi

tables=$(psql "$target" --no-psqlrc --tuples-only --no-align --quiet --set=ON_ERROR_STOP=1 \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database already has $tables tables; restore only into a new, empty database" >&2
  exit 1
fi

# The rows of every council area go back behind their row-level security (ADR 0011).
export PGOPTIONS="${PGOPTIONS:-} -c prevent.areas=all"
args=(--dbname="$target" --no-owner --single-transaction --exit-on-error --enable-row-security)
if [ "$file" = "-" ]; then
  pg_restore "${args[@]}"
else
  pg_restore "${args[@]}" "$file"
fi
echo "restore.sh: restored into the target database" >&2

if [ "${SKIP_VERIFY:-0}" != "1" ]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  # shellcheck disable=SC2086 # PYTHON may be a command with arguments
  DATABASE_URL="$target" ${PYTHON:-python} "$root/manage.py" verify_audit --no-anchor
fi
