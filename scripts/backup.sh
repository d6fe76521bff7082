#!/usr/bin/env bash
# Back up the Prevent Portal database: a pg_dump in custom format (compressed, restorable
# table by table with pg_restore). See docs/operations.md, "Backup and restore".
#
#   DATABASE_URL=postgres://user:password@host:5432/name scripts/backup.sh [FILE]
#
# FILE defaults to prevent_portal-<UTC date and time>.dump in the current directory; "-"
# writes the dump to standard output. The file is readable by its owner only: it holds
# special category data, so keep copies encrypted and off the host.
set -euo pipefail

if [ -z "${DATABASE_URL:-}" ]; then
  echo "backup.sh: set DATABASE_URL to the database to back up" >&2
  exit 2
fi
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL must be a postgres:// URL" >&2; exit 2 ;;
esac

out=${1:-prevent_portal-$(date -u +%Y%m%dT%H%M%SZ).dump}
umask 077
# The council areas' row-level security (ADR 0011) binds the owner too: the dump acts for every
# area, with row security on (pg_dump's default, off, refuses tables that have policies).
export PGOPTIONS="${PGOPTIONS:-} -c prevent.areas=all"

if [ "$out" = "-" ]; then
  exec pg_dump --format=custom --enable-row-security --dbname="$DATABASE_URL"
fi

# Write beside the target and rename at the end, so a failed dump never looks finished.
partial="$out.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --enable-row-security --dbname="$DATABASE_URL" --file="$partial"
mv "$partial" "$out"
trap - EXIT
echo "backup.sh: wrote $out ($(du -h "$out" | cut -f1))" >&2
