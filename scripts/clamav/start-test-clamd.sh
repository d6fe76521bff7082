#!/usr/bin/env bash
# Start clamd for tests and CI, on 127.0.0.1 only, with the repository's own signatures
# (test-signatures/: a hash signature of the EICAR test file). CI and developer machines
# cannot reach ClamAV's mirrors, so freshclam cannot run there, and clamd refuses to start
# with no signatures. Production uses freshclam's real database (docs/operations.md).
#
#   scripts/clamav/start-test-clamd.sh WORKDIR [PORT]
#
# Writes WORKDIR/clamd.conf and WORKDIR/clamd.pid, waits until clamd answers PING, and prints
# the line to export: CLAMD_ADDRESS=tcp://127.0.0.1:PORT. Stop it with
#   kill "$(cat WORKDIR/clamd.pid)"
set -euo pipefail
WORK=${1:?usage: start-test-clamd.sh WORKDIR [PORT]}
PORT=${2:-53310}
HERE=$(cd "$(dirname "$0")" && pwd)
CLAMD=$(command -v clamd || echo /usr/sbin/clamd)
[ -x "$CLAMD" ] || { echo "clamd is not installed (apt-get install clamav-daemon)" >&2; exit 1; }
mkdir -p "$WORK/db"
cp "$HERE"/test-signatures/* "$WORK/db/"
# clamd drops to User; running as root it would switch to clamav, which must read the files.
if [ "$(id -u)" = 0 ] && id clamav >/dev/null 2>&1; then chown -R clamav "$WORK"; fi
cat > "$WORK/clamd.conf" <<CONF
Foreground no
PidFile $WORK/clamd.pid
LogFile $WORK/clamd.log
DatabaseDirectory $WORK/db
TCPSocket $PORT
TCPAddr 127.0.0.1
StreamMaxLength 30M
MaxFileSize 30M
MaxScanSize 100M
CONF
if [ "$(id -u)" = 0 ] && id clamav >/dev/null 2>&1; then
  echo "User clamav" >> "$WORK/clamd.conf"
fi
"$CLAMD" --config-file="$WORK/clamd.conf"
for _ in $(seq 100); do
  if python3 - "$PORT" <<'PY' 2>/dev/null; then echo "CLAMD_ADDRESS=tcp://127.0.0.1:$PORT"; exit 0; fi
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
    s.sendall(b"zPING\0")
    sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
PY
  sleep 0.2
done
echo "clamd did not answer PING; its log:" >&2
cat "$WORK/clamd.log" >&2 || true
exit 1
