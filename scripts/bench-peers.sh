#!/usr/bin/env bash
# scripts/bench-peers.sh — make bench's peers (bench/peers/): a PHP-FPM pool (8 children,
# pm=static, PDO pgsql) and gunicorn + Flask + psycopg2 (4 sync workers), from Debian's
# packages, answering GET /products/{id} from the bench stack's PostgreSQL behind the
# bench stack's nginx. Benchmark references, not part of the product. Loopback only;
# every peer process runs as an unprivileged user (nobody when run as root, else the
# caller) under `timeout`, so none outlives the bench even if nobody calls `down`.
#
#   scripts/bench-peers.sh prepare DIR   copy the peers' code into DIR (a fresh directory
#       the caller made, e.g. mktemp -d; made reachable for the peer user and nginx),
#       pick two free loopback ports, render DIR/nginx-peers.conf (for stack.sh
#       --nginx-include) and DIR/peers.env (PEER_PHP_URL, PEER_FLASK_URL)
#   scripts/bench-peers.sh up DIR SECONDS ID   start both (DATABASE_URL from the
#       environment; killed after SECONDS at the latest) and wait until each answers
#       GET /products/ID through nginx with that product
#   scripts/bench-peers.sh down DIR      stop both (their process groups, by id); idempotent
#
# Env: PEERS_TIMEOUT (seconds to wait for each to answer; default 20).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TIMEOUT=${PEERS_TIMEOUT:-20}
PHP_FPM=/usr/sbin/php-fpm8.2

die() { printf 'bench-peers: error: %s\n' "$*" >&2; exit 1; }
[[ $# -ge 2 ]] || die "usage: $0 prepare|up|down DIR [SECONDS ID]"
CMD=$1
DIR=$2

# What the peers run as: never root.
if [[ $EUID -eq 0 ]]; then
    PEER_USER=nobody PEER_GROUP=nogroup
    AS_PEER=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
else
    PEER_USER=$(id -un) PEER_GROUP=$(id -gn)
    AS_PEER=()
fi

case $CMD in
prepare)
    [[ -d $DIR && -z $(ls -A "$DIR") ]] || die "$DIR: expected a fresh, empty directory"
    cp -R "$REPO/bench/peers/php" "$REPO/bench/peers/flask" "$DIR/"
    chmod -R a+rX "$DIR"
    # The peers write their pid files, logs and sockets here; nginx (www-data) reaches the sockets.
    chown "$PEER_USER:$PEER_GROUP" "$DIR"
    chmod 0755 "$DIR"
    { read -r PHP_PORT; read -r FLASK_PORT; } < <(python3 "$REPO/scripts/free-port.py" 2)
    sed -e "s|@DIR@|$DIR|g" -e "s|@PHP_PORT@|$PHP_PORT|g" -e "s|@FLASK_PORT@|$FLASK_PORT|g" \
        "$REPO/bench/peers/nginx.conf.in" >"$DIR/nginx-peers.conf"
    printf 'export PEER_PHP_URL=http://127.0.0.1:%s\nexport PEER_FLASK_URL=http://127.0.0.1:%s\n' \
        "$PHP_PORT" "$FLASK_PORT" >"$DIR/peers.env"
    ;;
up)
    [[ $# -eq 4 && $3 =~ ^[0-9]+$ && $4 =~ ^[0-9]+$ ]] || die "usage: $0 up DIR SECONDS ID"
    MAX=$3 ID=$4
    [[ -f $DIR/peers.env ]] || die "$DIR: run prepare first"
    # shellcheck disable=SC1091
    . "$DIR/peers.env"
    [[ -x $PHP_FPM ]] || die "$PHP_FPM not found (make deps installs php8.2-fpm)"
    command -v gunicorn >/dev/null 2>&1 || die "gunicorn not found (make deps)"
    # libpq's PG* variables from DATABASE_URL (the stack's unix socket and password).
    eval "$(python3 - "${DATABASE_URL:?DATABASE_URL is not set}" <<'PY'
import re, shlex, sys
from urllib.parse import urlsplit, parse_qs, unquote
u = urlsplit(sys.argv[1])
q = parse_qs(u.query)
env = dict(PGHOST=q.get("host", [u.hostname or ""])[0], PGPORT=q.get("port", [str(u.port or 5432)])[0],
           PGUSER=unquote(u.username or ""), PGPASSWORD=unquote(u.password or ""),
           PGDATABASE=unquote(u.path.lstrip("/")))
for k, v in env.items():
    # They go into php-fpm's ini file as they are.
    if not re.fullmatch(r"[A-Za-z0-9._/:+=-]+", v):
        sys.exit(f"bench-peers: {k} has characters this script does not write into an ini file")
    print(f"{k}={shlex.quote(v)}")
PY
)"
    (umask 077 && sed -e "s|@DIR@|$DIR|g" -e "s|@PGHOST@|$PGHOST|" -e "s|@PGPORT@|$PGPORT|" \
        -e "s|@PGUSER@|$PGUSER|" -e "s|@PGPASSWORD@|$PGPASSWORD|" -e "s|@PGDATABASE@|$PGDATABASE|" \
        "$REPO/bench/peers/php/php-fpm.conf.in" >"$DIR/php-fpm.conf")
    chown "$PEER_USER:$PEER_GROUP" "$DIR/php-fpm.conf"
    # Each in a session of its own (so `down` stops the whole group by its id), bounded by timeout.
    (
        exec setsid timeout --kill-after=10 "$MAX" "${AS_PEER[@]}" \
            "$PHP_FPM" --nodaemonize --fpm-config "$DIR/php-fpm.conf"
    ) >"$DIR/php-fpm.out" 2>&1 </dev/null &
    echo "$!" >"$DIR/php-fpm.group"
    (
        export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGTZ=UTC PYTHONDONTWRITEBYTECODE=1
        exec setsid timeout --kill-after=10 "$MAX" "${AS_PEER[@]}" \
            gunicorn --workers 4 --worker-class sync --bind "unix:$DIR/gunicorn.sock" --umask 0 \
            --chdir "$DIR/flask" --pid "$DIR/gunicorn.pid" app:app
    ) >"$DIR/gunicorn.log" 2>&1 </dev/null &
    echo "$!" >"$DIR/gunicorn.group"
    # Both answer the product through nginx, or the bench stops here.
    python3 - "$TIMEOUT" "$ID" "$PEER_PHP_URL" "$PEER_FLASK_URL" <<'PY' || { tail -n 20 "$DIR"/php-fpm.log "$DIR"/php-fpm.out "$DIR"/gunicorn.log >&2 2>/dev/null; die "a peer did not answer"; }
import json, sys, time, urllib.request
timeout, pid, urls = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for base in urls:
    deadline, last = time.monotonic() + timeout, "no answer"
    while True:
        try:
            with opener.open(f"{base}/products/{pid}", timeout=3) as r:
                body = json.load(r)
                if body.get("id") == pid and isinstance(body.get("offers"), list):
                    print(f"bench-peers: {base} answers: {json.dumps(body)[:160]}", file=sys.stderr)
                    break
                last = f"unexpected body {body!r}"
        except Exception as e:
            last = repr(e)
        if time.monotonic() > deadline:
            sys.exit(f"bench-peers: {base}/products/{pid}: {last}")
        time.sleep(0.2)
PY
    ;;
down)
    [[ -d $DIR ]] || exit 0
    # The sessions `up` started (timeout, the peer under it, gunicorn's workers) and the
    # one php-fpm's master makes for itself and its children: each stopped by its group id.
    groups=()
    for f in "$DIR/php-fpm.group" "$DIR/gunicorn.group" "$DIR/php-fpm.pid"; do
        [[ -s $f ]] && group=$(<"$f") && [[ $group =~ ^[0-9]+$ && $group -gt 1 ]] && groups+=("$group")
    done
    ((${#groups[@]})) || exit 0
    for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
    for _ in $(seq 50); do
        left=0
        for group in "${groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && left=1; done
        ((left)) || break
        sleep 0.1
    done
    for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
    rm -f -- "$DIR/php-fpm.group" "$DIR/gunicorn.group"
    ;;
*) die "unknown command $CMD" ;;
esac
