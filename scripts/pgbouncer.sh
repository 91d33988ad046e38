#!/usr/bin/env bash
# scripts/pgbouncer.sh — a local PgBouncer (Debian's, 1.18) in transaction mode, run from
# deploy/pgbouncer.ini itself (the production file, with only its local values swapped),
# for the test stack (scripts/stack.sh --pgbouncer) and `make scale-test`.
#
#   scripts/pgbouncer.sh start DIR --port N --server-port N [--server-host H] [--pool-size N]
#   scripts/pgbouncer.sh stop DIR
#
# start: DIR (created, mode 0755; root runs PgBouncer as the postgres user, which owns
#        DIR's files) gets pgbouncer.ini, userlist.txt, pgbouncer.log and pgbouncer.pid.
#        PgBouncer listens on 127.0.0.1:PORT and pools connections to the database
#        `catalog` on --server-host (default 127.0.0.1):--server-port, --pool-size server
#        connections at most (default 1: two workers share one connection in turn, the
#        harshest case). The role `catalog` and its password come from the environment:
#        PGBOUNCER_PASSWORD (never on a command line). Plain TCP between the two
#        (loopback; the production file's TLS lines are turned off). Waits until it
#        accepts connections.
# stop:  TERM (immediate shutdown), then KILL after 5 s; idempotent.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
die() { printf 'pgbouncer: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 2 ]] || usage
CMD=$1 DIR=$2
shift 2
PORT="" SERVER_HOST=127.0.0.1 SERVER_PORT="" POOL_SIZE=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --port) PORT=$2; shift 2 ;;
        --server-host) SERVER_HOST=$2; shift 2 ;;
        --server-port) SERVER_PORT=$2; shift 2 ;;
        --pool-size) POOL_SIZE=$2; shift 2 ;;
        *) usage ;;
    esac
done

alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

if [[ $CMD == stop ]]; then
    [[ -r $DIR/pgbouncer.pid ]] || exit 0
    pid=$(cat "$DIR/pgbouncer.pid" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || exit 0
    alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || exit 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    exit 0
fi
[[ $CMD == start ]] || usage
[[ $PORT =~ ^[0-9]+$ && $SERVER_PORT =~ ^[0-9]+$ && $POOL_SIZE =~ ^[1-9][0-9]*$ ]] || usage
[[ $SERVER_HOST =~ ^[A-Za-z0-9./_-]+$ ]] || die "bad --server-host: $SERVER_HOST"
[[ -n ${PGBOUNCER_PASSWORD:-} ]] || die "PGBOUNCER_PASSWORD is not set"
BIN=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[[ -x $BIN ]] || die "pgbouncer not found; run 'make deps'"

mkdir -p -m 0755 -- "$DIR"
# The production file, each local value swapped by its exact key (missing key: fail).
python3 - "$REPO/deploy/pgbouncer.ini" "$DIR/pgbouncer.ini" <<PY || die "could not render deploy/pgbouncer.ini"
import re, sys
text = open(sys.argv[1]).read()
values = {
    "catalog": "host=$SERVER_HOST port=$SERVER_PORT dbname=catalog",
    "listen_addr": "127.0.0.1", "listen_port": "$PORT", "unix_socket_dir": "",
    "auth_file": "$DIR/userlist.txt", "logfile": "$DIR/pgbouncer.log", "pidfile": "$DIR/pgbouncer.pid",
    "default_pool_size": "$POOL_SIZE",
    "server_tls_sslmode": "disable", "server_tls_ca_file": "",
}
for key, value in values.items():
    text, n = re.subn(rf"^{re.escape(key)} =.*$", f"{key} = {value}".rstrip(), text, flags=re.M)
    if n != 1:
        sys.exit(f"render: deploy/pgbouncer.ini has {n} lines '{key} = ...' (expected 1)")
open(sys.argv[2], "w").write(text)
PY
(umask 077 && printf '"catalog" "%s"\n' "${PGBOUNCER_PASSWORD//\"/\"\"}" >"$DIR/userlist.txt")
: >"$DIR/pgbouncer.log"
if [[ $EUID -eq 0 ]]; then
    chown postgres: "$DIR" "$DIR/pgbouncer.ini" "$DIR/userlist.txt" "$DIR/pgbouncer.log"
    runuser -u postgres -- "$BIN" -d -q "$DIR/pgbouncer.ini" || die "pgbouncer did not start: $(tail -n 3 "$DIR/pgbouncer.log")"
else
    "$BIN" -d -q "$DIR/pgbouncer.ini" || die "pgbouncer did not start: $(tail -n 3 "$DIR/pgbouncer.log")"
fi
for _ in $(seq 100); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null; then
        exit 0
    fi
    sleep 0.1
done
die "pgbouncer does not accept connections on 127.0.0.1:$PORT: $(tail -n 3 "$DIR/pgbouncer.log")"
