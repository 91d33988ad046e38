#!/usr/bin/env bash
# scripts/stack.sh — one local Catalog stack (PostgreSQL + `catalog serve` + nginx,
# plus the offers-service stand-in) run from one directory DIR. The same mechanism
# serves `make run` (dev), `make test` (end-to-end tests) and `make bench`.
#
# What the stack's unprivileged processes must reach (PostgreSQL runs as the postgres
# user: its data, socket dir and log; nginx's workers run as www-data: catalog.sock, the
# /docs and /web files, nginx's temp dirs and logs) lives in a state directory of its own,
# STATE = /tmp/catalog-stack-<hash of DIR's path> (mode 0755), not in DIR: DIR may sit
# where those users cannot go, e.g. a clone in root's mode-700 home or in a `mktemp -d`
# directory. The hash keeps two stacks (two clones, a test beside the dev stack) apart.
# DIR keeps what only the caller reads: catalog.env, admin.txt, the logs of the
# processes run as the caller (catalog, migrate, offers stand-in, sync loop), pid and
# status files, and symlinks to postgres.log, nginx-error.log and nginx-access.log in
# STATE. `down` moves those three logs into DIR and removes STATE.
#
#   scripts/stack.sh up DIR [--port N] [--workers N] [--bin PATH] [--sync-loop] [--nginx-include FILE] [--pgbouncer] [--standby]
#   scripts/stack.sh down DIR
#   scripts/stack.sh status DIR
#   scripts/stack.sh pg-stop DIR | pg-start DIR | standby-stop DIR | standby-start DIR
#
# up:    fresh PostgreSQL cluster in STATE/pg (random loopback port, scram-sha-256,
#        random passwords), role+database `catalog`, `BIN migrate`, `BIN serve` on
#        STATE/catalog.sock, nginx rendered from deploy/nginx.conf on 127.0.0.1:PORT;
#        waits for /healthz = 200; writes DIR/catalog.env (`. DIR/catalog.env`; it
#        names the cluster's data directory CATALOG_PG_DATA and STATE CATALOG_STATE_DIR).
#        Also starts scripts/offers-standin.py (the external offers service's stand-in)
#        on a free loopback port with a random refresh token, and puts OFFERS_BASE_URL,
#        OFFERS_REFRESH_TOKEN, CATALOG_OFFERS_STANDIN_CONTROL and CATALOG_BIN in catalog.env.
#        --sync-loop (what `make run` uses; tests run the job themselves): also run
#        `BIN sync-offers` every $OFFERS_SYNC_INTERVAL seconds (default 60), like the
#        systemd timer does in production; its output goes to DIR/offer-sync.log.
#        Swagger UI for /docs goes to STATE/docs (scripts/docs-install.sh), the web page
#        for / and /web/ to STATE/web (scripts/web-install.sh).
#        --nginx-include FILE: nginx also includes FILE in its http block (make bench's
#        peers; render-nginx.py --include).
#        --pgbouncer: also a PgBouncer in transaction mode with ONE server connection
#        in front of the cluster (scripts/pgbouncer.sh, from deploy/pgbouncer.ini) on a
#        free loopback port; catalog.env names it CATALOG_PGBOUNCER_URL. The stack's own
#        processes still connect directly (tests point theirs at the pooler).
#        --standby: also a streaming hot standby of the cluster (pg_basebackup -R) on a
#        free loopback port; catalog.env names it CATALOG_STANDBY_URL (the service's
#        role) and its data directory CATALOG_STANDBY_DATA. The role may pause and resume
#        the standby's replay (pg_wal_replay_pause/resume: lag tests).
#        Optional DIR/extra.env (`export NAME=value` lines) is loaded into the
#        service's environment and copied into catalog.env.
#        On failure: prints the tails of the logs, stops what it started, exits 1.
# down:  stops the sync loop, nginx, catalog, the offers stand-in, PostgreSQL, then
#        removes STATE (cluster included); idempotent, never fails. Keeps the logs in DIR.
# status: exit 0 if PostgreSQL, catalog, nginx and the offers stand-in are running
#        (prints the base URL), else 1. Shows the sync loop when there is one.
# pg-stop / pg-start: stop (fast) / start only the stack's PostgreSQL (fault tests).
# standby-stop / standby-start: the same for the standby of --standby.
#
# Env: PG_BINDIR (default: /usr/lib/postgresql/15/bin or the newest found),
#      NGINX (default: nginx from PATH or /usr/sbin/nginx),
#      STACK_TIMEOUT (seconds to wait for the socket and for /healthz; default 20).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TIMEOUT=${STACK_TIMEOUT:-20}

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- arguments
[[ $# -ge 2 ]] || usage
CMD=$1
DIR_ARG=$2
shift 2
case $CMD in up | down | status | pg-stop | pg-start | standby-stop | standby-start) ;; *) usage ;; esac

PORT=""
WORKERS=4
BIN=""
SYNC_LOOP=0
PGBOUNCER=0
STANDBY=0
NGINX_INCLUDE=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --port) [[ $# -ge 2 ]] || usage; PORT=$2; shift 2 ;;
        --port=*) PORT=${1#*=}; shift ;;
        --workers) [[ $# -ge 2 ]] || usage; WORKERS=$2; shift 2 ;;
        --workers=*) WORKERS=${1#*=}; shift ;;
        --bin) [[ $# -ge 2 ]] || usage; BIN=$2; shift 2 ;;
        --bin=*) BIN=${1#*=}; shift ;;
        --sync-loop) SYNC_LOOP=1; shift ;;
        --pgbouncer) PGBOUNCER=1; shift ;;
        --standby) STANDBY=1; shift ;;
        --nginx-include) [[ $# -ge 2 ]] || usage; NGINX_INCLUDE=(--include "$2"); shift 2 ;;
        -h | --help) usage ;;
        *) die "unknown option: $1" ;;
    esac
done
[[ $CMD == up || ( -z $PORT && -z $BIN && $SYNC_LOOP == 0 && ${#NGINX_INCLUDE[@]} == 0 ) ]] ||
    die "--port/--bin/--sync-loop/--nginx-include only apply to 'up'"

if [[ $CMD == up ]]; then
    mkdir -p -- "$DIR_ARG"
fi
if [[ ! -d $DIR_ARG ]]; then
    [[ $CMD == down ]] && exit 0
    echo "stack: $DIR_ARG: no stack there" >&2
    exit 1
fi
DIR=$(cd -- "$DIR_ARG" && pwd -P)
STATE=/tmp/catalog-stack-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
# The logs of processes that run as other users, kept in STATE while the stack runs.
STATE_LOGS=(postgres.log nginx-error.log nginx-access.log postgres-standby.log)

# ---------------------------------------------------------------- helpers
# Is PID a live (non-zombie) process?
alive() {
    local pid=${1:-} stat
    [[ $pid =~ ^[0-9]+$ && $pid -gt 1 ]] || return 1
    if [[ -r /proc/$pid/stat ]]; then
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        [[ ${stat%% *} != Z ]]
    else
        kill -0 "$pid" 2>/dev/null
    fi
}

read_pid() { # FILE -> first line if it is a number, else nothing
    local f=$1 line=""
    [[ -r $f ]] || return 0
    IFS= read -r line <"$f" || true
    [[ $line =~ ^[0-9]+$ ]] && echo "$line"
    return 0
}

wait_gone() { # PID SECONDS
    local pid=$1 deadline=$((SECONDS + $2))
    while alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
    return 0
}

children_of() { # PID -> pids of its direct children
    local parent=$1 p stat fields
    for p in /proc/[0-9]*; do
        stat=$({ cat "$p/stat"; } 2>/dev/null) || continue
        read -r -a fields <<<"${stat##*) }"
        if [[ ${fields[1]:-} == "$parent" ]]; then echo "${p#/proc/}"; fi
    done
    return 0
}

# PID WHAT SIGNAL GRACE [SIGNAL2 GRACE2]: signal, wait; optionally a second signal,
# wait; then SIGKILL the process and its direct children (e.g. nginx workers).
stop_pid() {
    local pid=$1 what=$2 sig=$3 grace=$4 sig2=${5:-} grace2=${6:-5} kids
    alive "$pid" || return 0
    kill "-$sig" "$pid" 2>/dev/null || true
    wait_gone "$pid" "$grace" && return 0
    if [[ -n $sig2 ]]; then
        log "$what (pid $pid) still running after ${grace}s: SIG$sig2"
        kill "-$sig2" "$pid" 2>/dev/null || true
        wait_gone "$pid" "$grace2" && return 0
    fi
    kids=$(children_of "$pid")
    log "$what (pid $pid) still running: SIGKILL${kids:+ (and children ${kids//$'\n'/ })}"
    # shellcheck disable=SC2086
    kill -KILL "$pid" $kids 2>/dev/null || true
    wait_gone "$pid" 5 || log "$what (pid $pid) did not die"
    return 0
}

if [[ $EUID -eq 0 ]]; then
    # initdb and postgres refuse to run as root: run them as the postgres system user.
    as_pg() {
        (cd "$STATE" 2>/dev/null || cd /; runuser -u postgres -- "$@")
    }
else
    as_pg() {
        (cd "$STATE" 2>/dev/null || cd /; "$@")
    }
fi

find_pg_bindir() {
    local d
    if [[ -n ${PG_BINDIR:-} ]]; then
        [[ -x $PG_BINDIR/initdb ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        echo "$PG_BINDIR"
        return
    fi
    local candidates=(/usr/lib/postgresql/15/bin)
    local globbed
    globbed=$(shopt -s nullglob; printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    while IFS= read -r d; do [[ -n $d ]] && candidates+=("$d"); done <<<"$globbed"
    if command -v pg_config >/dev/null 2>&1; then
        candidates+=("$(pg_config --bindir 2>/dev/null || true)")
    fi
    if command -v initdb >/dev/null 2>&1; then
        candidates+=("$(dirname "$(readlink -f "$(command -v initdb)")")")
    fi
    for d in "${candidates[@]}"; do
        if [[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
            echo "$d"
            return
        fi
    done
    die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; run 'make deps' or set PG_BINDIR"
}

find_nginx() {
    if [[ -n ${NGINX:-} ]]; then echo "$NGINX"; return; fi
    if command -v nginx >/dev/null 2>&1; then command -v nginx; return; fi
    [[ -x /usr/sbin/nginx ]] && { echo /usr/sbin/nginx; return; }
    die "nginx not found; run 'make deps'"
}

tail_logs() {
    local f
    for f in "$DIR/postgres.log" "$DIR/migrate.log" "$DIR/catalog.log" "$DIR/nginx-error.log" "$DIR/offers-standin.log"; do
        if [[ -s $f ]]; then
            printf '\n----- last 40 lines of %s -----\n' "$f" >&2
            tail -n 40 -- "$f" >&2 || true
        fi
    done
    printf -- '-----\n' >&2
}

# Processes of this stack's catalog pool still around (e.g. workers of a killed
# master): matched by this DIR's exact socket/pid-file arguments, ended by id.
catalog_leftovers() {
    local p cmdline
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p != "$$" ]] || continue
        cmdline=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
        case $cmdline in
            *" serve "*"--pid-file $DIR/catalog.pid "*) echo "$p" ;;
        esac
    done
}

do_down() {
    local pid pgpid p
    # 0. the dev sync loop (it stops the sync-offers run it may have in flight).
    pid=$(read_pid "$DIR/offer-sync-loop.pid")
    if [[ -n $pid ]] && alive "$pid"; then
        stop_pid "$pid" "offer sync loop" TERM 10
    fi

    # 1. nginx: graceful quit (finishes in-flight requests).
    # (DIR/nginx.pid and DIR/pg: a stack started before STATE existed.)
    for pid in "$(read_pid "$STATE/nginx.pid")" "$(read_pid "$DIR/nginx.pid")"; do
        if [[ -n $pid ]] && alive "$pid"; then
            stop_pid "$pid" nginx QUIT 10 TERM 5
        fi
    done

    # 2. catalog master (graceful TERM; its workers die with it), then strays.
    for p in "$(read_pid "$DIR/catalog.pid")" "$(read_pid "$DIR/catalog.launch.pid")"; do
        [[ -n $p ]] && alive "$p" && stop_pid "$p" "catalog serve" TERM 15
    done
    for p in $(catalog_leftovers); do
        stop_pid "$p" "catalog process" TERM 5
    done

    # 2b. the offers stand-in.
    pid=$(read_pid "$DIR/offers-standin.pid")
    if [[ -n $pid ]] && alive "$pid"; then
        stop_pid "$pid" "offers stand-in" TERM 5
    fi

    # 2c. the PgBouncer of --pgbouncer (its log kept in DIR).
    "$REPO/scripts/pgbouncer.sh" stop "$STATE/pgbouncer" || true
    [[ -f $STATE/pgbouncer/pgbouncer.log ]] && cp -f -- "$STATE/pgbouncer/pgbouncer.log" "$DIR/pgbouncer.log" 2>/dev/null

    # 3. PostgreSQL: fast shutdown (disconnects clients, checkpoints).
    local pgdata
    for pgdata in "$STATE/pg-standby" "$STATE/pg" "$DIR/pg"; do
        pgpid=$(read_pid "$pgdata/postmaster.pid")
        if [[ -n $pgpid ]] && alive "$pgpid"; then
            local bindir
            bindir=$(find_pg_bindir 2>/dev/null) || bindir=""
            if [[ -n $bindir ]]; then
                as_pg "$bindir/pg_ctl" -D "$pgdata" -m fast -w -t 30 stop >/dev/null 2>&1 || true
            fi
            if alive "$pgpid"; then
                stop_pid "$pgpid" postgres QUIT 10
            fi
        fi
    done
    rm -f -- "$DIR/catalog.launch.pid" "$DIR/offers-standin.pid" "$DIR/offer-sync-loop.pid" 2>/dev/null || true
    remove_state
    return 0
}

# Is STATE a directory of ours (not a symlink someone planted in /tmp, not another
# user's)? Only then is it used or removed.
state_is_ours() {
    [[ -d $STATE && ! -L $STATE && $(stat -c %u -- "$STATE") == "$EUID" ]]
}

# The logs in STATE move into DIR (replacing their symlinks), then STATE goes.
remove_state() {
    local f
    [[ -e $STATE || -L $STATE ]] || return 0
    if ! state_is_ours; then
        log "warning: $STATE is not a directory of this user's; left alone"
        return 0
    fi
    for f in "${STATE_LOGS[@]}"; do
        if [[ -f $STATE/$f && ! -L $STATE/$f ]]; then mv -f -- "$STATE/$f" "$DIR/$f" 2>/dev/null || true; fi
    done
    rm -rf -- "$STATE"
}

stack_status() { # prints a line per part; returns 0 when all are running
    local ok=0 pid
    pid=$(read_pid "$STATE/pg/postmaster.pid")
    if [[ -n $pid ]] && alive "$pid"; then echo "postgres: running (pid $pid)"; else echo "postgres: stopped"; ok=1; fi
    pid=$(read_pid "$DIR/catalog.pid")
    [[ -n $pid ]] || pid=$(read_pid "$DIR/catalog.launch.pid")
    if [[ -n $pid ]] && alive "$pid"; then echo "catalog:  running (pid $pid)"; else echo "catalog:  stopped"; ok=1; fi
    pid=$(read_pid "$STATE/nginx.pid")
    if [[ -n $pid ]] && alive "$pid"; then echo "nginx:    running (pid $pid)"; else echo "nginx:    stopped"; ok=1; fi
    pid=$(read_pid "$DIR/offers-standin.pid")
    if [[ -n $pid ]] && alive "$pid"; then echo "offers:   running (stand-in, pid $pid)"; else echo "offers:   stopped (stand-in)"; ok=1; fi
    pid=$(read_pid "$DIR/offer-sync-loop.pid")
    if [[ -n $pid ]] && alive "$pid"; then echo "sync:     running (sync-offers loop, pid $pid)"; fi
    if [[ $ok -eq 0 && -r $DIR/catalog.env ]]; then
        sed -n 's/^export CATALOG_BASE_URL=/url:      /p' "$DIR/catalog.env"
    fi
    return $ok
}

anything_running() {
    local pid
    for pid in "$(read_pid "$STATE/pg/postmaster.pid")" "$(read_pid "$DIR/catalog.pid")" \
        "$(read_pid "$DIR/catalog.launch.pid")" "$(read_pid "$STATE/nginx.pid")" \
        "$(read_pid "$DIR/offers-standin.pid")" "$(read_pid "$DIR/offer-sync-loop.pid")"; do
        [[ -n $pid ]] && alive "$pid" && return 0
    done
    return 1
}

random_secret() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }

# ---------------------------------------------------------------- down / status
if [[ $CMD == down ]]; then
    do_down
    log "stopped: $DIR"
    exit 0
fi
if [[ $CMD == status ]]; then
    stack_status
    exit $?
fi
if [[ $CMD == pg-stop ]]; then
    as_pg "$(find_pg_bindir)/pg_ctl" -D "$STATE/pg" -m fast -w -t 30 stop >/dev/null
    exit $?
fi
if [[ $CMD == standby-stop ]]; then
    as_pg "$(find_pg_bindir)/pg_ctl" -D "$STATE/pg-standby" -m fast -w -t 30 stop >/dev/null
    exit $?
fi
if [[ $CMD == standby-start ]]; then
    as_pg "$(find_pg_bindir)/pg_ctl" -D "$STATE/pg-standby" -l "$STATE/postgres-standby.log" -w -t 30 -s start
    exit $?
fi
if [[ $CMD == pg-start ]]; then
    as_pg "$(find_pg_bindir)/pg_ctl" -D "$STATE/pg" -l "$STATE/postgres.log" -w -t 30 -s start
    exit $?
fi

# ---------------------------------------------------------------- up
fail_up() {
    tail_logs
    log "error: $*"
    log "stopping what was started (logs kept in $DIR)"
    do_down
    exit 1
}

# DIR itself goes into no config file (only STATE does, and its name is plain and short),
# so a clone may live under any path.
if ! [[ $WORKERS =~ ^[1-9][0-9]{0,2}$ ]] || ((WORKERS > 256)); then die "bad --workers: $WORKERS"; fi
if [[ -n $PORT ]] && { ! [[ $PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((PORT > 65535)); }; then
    die "bad --port: $PORT"
fi

if [[ -z $BIN ]]; then
    for b in "$REPO/.build/release/catalog" "$REPO/.build/debug/catalog"; do
        [[ -x $b ]] && { BIN=$b; break; }
    done
    [[ -n $BIN ]] || die "no catalog binary: build it (swift build) or pass --bin PATH"
fi
[[ $BIN == /* ]] || BIN="$PWD/$BIN"
[[ -x $BIN && -f $BIN ]] || die "catalog binary not found or not executable: $BIN (build it first)"
command -v python3 >/dev/null 2>&1 || die "python3 is required"

if anything_running; then
    stack_status >&2 || true
    echo "stack: a stack is already (partly) running in $DIR; run: $0 down $DIR" >&2
    exit 3
fi

PG_BIN=$(find_pg_bindir)
NGINX_BIN=$(find_nginx)
PSQL=$PG_BIN/psql
[[ -x $PSQL ]] || PSQL=$(command -v psql) || die "psql not found; run 'make deps'"

# Fresh state every time (extra.env and anything else not ours is kept in DIR), and
# nothing left of the layout before STATE, which kept all of it in DIR.
rm -rf -- "$DIR/pg" "$DIR/pgsock" "$DIR/nginx-tmp" "$DIR/docs"
rm -f -- "$DIR"/{catalog.sock,nginx.pid,nginx.conf,pgsuper.pw}
rm -f -- "$DIR"/{catalog.pid,catalog.launch.pid,catalog.env,status.json} \
    "$DIR"/{initdb.log,postgres.log,postgres-standby.log,pgbouncer.log,migrate.log,catalog.log,nginx-error.log,nginx-access.log} \
    "$DIR"/{offers-standin.pid,offers-standin.port,offers-standin.log,offer-sync-loop.pid,offer-sync.log}
if [[ -e $STATE || -L $STATE ]]; then
    state_is_ours || die "$STATE exists and is not a directory of this user's: remove it"
    rm -rf -- "$STATE"
fi
# mkdir fails if the name was taken since: nobody else's directory is ever used.
(umask 022 && mkdir -m 0755 -- "$STATE") || die "cannot create the state directory $STATE"
for f in "${STATE_LOGS[@]}"; do ln -s -- "$STATE/$f" "$DIR/$f"; done

if [[ $EUID -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 ||
        die "no 'postgres' system user (initdb refuses to run as root); run 'make deps' (installs postgresql)"
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required when running as root"
    runuser -u postgres -- test -x "$STATE" ||
        die "$STATE is not reachable by the postgres user (is /tmp mode 1777?)"
    if id -u www-data >/dev/null 2>&1; then
        runuser -u www-data -- test -x "$STATE" ||
            die "$STATE is not reachable by www-data (nginx workers)"
    fi
fi

port_free() {
    python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# ---- ports
PORT_GIVEN=$PORT
if [[ -n $PORT ]]; then
    port_free "$PORT" || die "port 127.0.0.1:$PORT is already in use"
    PG_PORT=$(python3 "$REPO/scripts/free-port.py" 1)
    # make sure the auto-picked PostgreSQL port is not the requested nginx port
    while [[ $PG_PORT == "$PORT" ]]; do PG_PORT=$(python3 "$REPO/scripts/free-port.py" 1); done
else
    PG_PORT=$(python3 "$REPO/scripts/free-port.py" 1)  # nginx's is picked when it starts
fi

# ---- PostgreSQL
log "PostgreSQL: initdb in $STATE/pg (port $PG_PORT)"
PG_SUPER_PW=$(random_secret)
APP_PW=$(random_secret)
(umask 077 && printf '%s\n' "$PG_SUPER_PW" >"$STATE/pgsuper.pw")
mkdir -m 0700 "$STATE/pg"
mkdir -m 0755 "$STATE/pgsock"
: >"$STATE/postgres.log"
if [[ $EUID -eq 0 ]]; then
    chown postgres: "$STATE/pg" "$STATE/pgsock" "$STATE/postgres.log" "$STATE/pgsuper.pw"
fi
as_pg "$PG_BIN/initdb" -D "$STATE/pg" -U postgres --pwfile="$STATE/pgsuper.pw" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; fail_up "initdb failed"; }
rm -f -- "$STATE/pgsuper.pw" # initdb has it; this script keeps it in PG_SUPER_PW
cat <<EOF | as_pg tee -a "$STATE/pg/postgresql.conf" >/dev/null
# ---- added by scripts/stack.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$STATE/pgsock'
EOF
as_pg "$PG_BIN/pg_ctl" -D "$STATE/pg" -l "$STATE/postgres.log" -w -t "$((TIMEOUT + 10))" -s start ||
    fail_up "PostgreSQL did not start"

# CREATEDB: the in-process route tests (Tests/RouteTests) give each suite a database of
# its own, migrated from scratch, as the stack's own role.
PGPASSWORD=$PG_SUPER_PW PGCONNECT_TIMEOUT=5 "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v "pw=$APP_PW" >/dev/null <<'SQL' ||
CREATE ROLE catalog LOGIN CREATEDB PASSWORD :'pw';
CREATE DATABASE catalog OWNER catalog;
SQL
    fail_up "could not create role/database catalog"

# The service reaches PostgreSQL over its Unix socket, as a same-host production setup
# would: it skips the loopback TCP stack, which the benchmark measured at ~10 % of a
# worker's CPU per query. (TCP stays open for tools. STATE is short and plain, so it
# goes into the URI as it is.)
DATABASE_URL="postgres://catalog:$APP_PW@/catalog?host=$STATE/pgsock&port=$PG_PORT"
MIGRATIONS_DIR="$REPO/migrations"

# ---- --pgbouncer: the pooler the tests reach the database through
PGBOUNCER_URL=""
if [[ $PGBOUNCER == 1 ]]; then
    PGB_PORT=$(python3 "$REPO/scripts/free-port.py" 1)
    log "PgBouncer (transaction mode, 1 server connection) on 127.0.0.1:$PGB_PORT"
    PGBOUNCER_PASSWORD=$APP_PW "$REPO/scripts/pgbouncer.sh" start "$STATE/pgbouncer" --port "$PGB_PORT" --server-port "$PG_PORT" ||
        fail_up "PgBouncer did not start"
    PGBOUNCER_URL="postgres://catalog:$APP_PW@127.0.0.1:$PGB_PORT/catalog"
fi

# ---- --standby: a streaming hot standby made from the running cluster
STANDBY_URL=""
if [[ $STANDBY == 1 ]]; then
    SB_PORT=$(python3 "$REPO/scripts/free-port.py" 1)
    log "standby: pg_basebackup -R into $STATE/pg-standby (port $SB_PORT)"
    mkdir -m 0700 "$STATE/pg-standby"
    : >"$STATE/postgres-standby.log"
    [[ $EUID -eq 0 ]] && chown postgres: "$STATE/pg-standby" "$STATE/postgres-standby.log"
    PGPASSWORD=$PG_SUPER_PW PGCONNECT_TIMEOUT=5 "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d catalog >/dev/null <<'SQL' ||
GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume() TO catalog;
SQL
        fail_up "could not grant the replay functions"
    # (the password through the environment, which runuser keeps, never on a command line)
    (export PGPASSWORD=$PG_SUPER_PW && as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
        -D "$STATE/pg-standby" -R -X stream --no-sync) >>"$DIR/initdb.log" 2>&1 || fail_up "pg_basebackup failed"
    printf '# ---- the standby (scripts/stack.sh --standby)\nport = %s\n' "$SB_PORT" | as_pg tee -a "$STATE/pg-standby/postgresql.conf" >/dev/null
    as_pg "$PG_BIN/pg_ctl" -D "$STATE/pg-standby" -l "$STATE/postgres-standby.log" -w -t "$((TIMEOUT + 10))" -s start ||
        fail_up "the standby did not start"
    STANDBY_URL="postgres://catalog:$APP_PW@127.0.0.1:$SB_PORT/catalog"
    [[ $(PGCONNECT_TIMEOUT=5 "$PSQL" -X -Atc "SELECT pg_is_in_recovery()" "$STANDBY_URL") == t ]] ||
        fail_up "the standby is not in recovery"
fi

# ---- the service's environment: DATABASE_URL, migrations, plus DIR/extra.env
export DATABASE_URL
export CATALOG_MIGRATIONS_DIR="$MIGRATIONS_DIR"
if [[ -f $DIR/extra.env ]]; then
    set -a
    # shellcheck disable=SC1091
    . "$DIR/extra.env" || fail_up "could not load $DIR/extra.env"
    set +a
fi
# Tokens are signed with a secret generated per stack (extra.env may provide one).
if [[ -z ${CATALOG_JWT_SECRET:-} ]]; then
    CATALOG_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
fi
export CATALOG_JWT_SECRET

log "catalog migrate"
(cd "$REPO" && "$BIN" migrate) >"$DIR/migrate.log" 2>&1 </dev/null ||
    fail_up "catalog migrate failed (exit $?)"

# ---- the dev admin: a random password, shown once by `make run`, kept in DIR/admin.txt
ADMIN_EMAIL="admin@catalog.test"
ADMIN_PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$ADMIN_PW" | (cd "$REPO" && "$BIN" admin create --email "$ADMIN_EMAIL" --name "Dev Admin" --password-stdin) \
    >>"$DIR/migrate.log" 2>&1 || fail_up "catalog admin create failed (exit $?)"
(umask 077 && printf 'email: %s\npassword: %s\n' "$ADMIN_EMAIL" "$ADMIN_PW" >"$DIR/admin.txt")

# ---- catalog serve (own session, so it outlives this script and the terminal)
log "catalog serve: $WORKERS workers on unix:$STATE/catalog.sock"
: >"$DIR/catalog.log"
(
    cd "$REPO"
    exec setsid "$BIN" serve --bind "unix:$STATE/catalog.sock" --workers "$WORKERS" \
        --pid-file "$DIR/catalog.pid" --status-file "$DIR/status.json" --socket-mode 0666
) >>"$DIR/catalog.log" 2>&1 </dev/null &
LAUNCH_PID=$!
echo "$LAUNCH_PID" >"$DIR/catalog.launch.pid"

deadline=$((SECONDS + TIMEOUT))
until [[ -S $STATE/catalog.sock ]]; do
    alive "$LAUNCH_PID" || {
        wait "$LAUNCH_PID" 2>/dev/null && rc=0 || rc=$?
        fail_up "catalog serve exited (status $rc) before creating its socket"
    }
    ((SECONDS < deadline)) || fail_up "catalog serve created no socket at $STATE/catalog.sock within ${TIMEOUT}s"
    sleep 0.1
done
# the pid file may be written just after the socket
for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -s $DIR/catalog.pid ]] && break; sleep 0.1; done
[[ -s $DIR/catalog.pid ]] || log "warning: no pid file at $DIR/catalog.pid (down will use the launcher pid)"

# ---- Swagger UI for /docs: a pinned release, cached after the first fetch
"$REPO/scripts/docs-install.sh" "$STATE/docs" ||
    log "warning: Swagger UI could not be installed in $STATE/docs: /docs will answer 404"
# ---- the web page for / and /web/ (the repository's web/, as it is)
"$REPO/scripts/web-install.sh" "$STATE/web" || fail_up "the web page could not be installed in $STATE/web"

# ---- nginx (the production config, rendered)
# nginx's port, unless --port gave one, is picked here and not at the start: a port picked
# free and bound seconds later (after initdb, migrations, the pool) can meanwhile be given
# to another process's outgoing connection as its local port (CI saw "bind() to
# 127.0.0.1:N failed (98: Address already in use)"). A few milliseconds remain between the
# pick and the bind, so a picked port found taken is picked again, a few times.
for attempt in 1 2 3 4 5; do
    [[ -n $PORT_GIVEN ]] || PORT=$(python3 "$REPO/scripts/free-port.py" 1)
    BASE_URL="http://127.0.0.1:$PORT"
    log "nginx on $BASE_URL"
    python3 "$REPO/scripts/render-nginx.py" --template "$REPO/deploy/nginx.conf" \
        --out "$STATE/nginx.conf" --port "$PORT" --socket "$STATE/catalog.sock" --run-dir "$STATE" "${NGINX_INCLUDE[@]}" ||
        fail_up "could not render the nginx config"
    out=$("$NGINX_BIN" -c "$STATE/nginx.conf" -p "$STATE/" 2>&1 </dev/null) && break
    [[ -z $PORT_GIVEN && $attempt -lt 5 && $out == *"127.0.0.1:$PORT failed (98"* ]] ||
        fail_up "nginx did not start: $(printf '%s\n' "$out" | tail -n 1)"
    log "port $PORT was taken meanwhile; picking another"
done

# ---- wait for /healthz through nginx
if ! python3 - "$BASE_URL/healthz" "$TIMEOUT" <<'PY'; then
import sys, time, urllib.error, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
deadline = time.monotonic() + timeout
last = "no answer"
while time.monotonic() < deadline:
    try:
        with opener.open(url, timeout=3) as r:
            if r.status == 200:
                sys.exit(0)
            last = f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        last = f"HTTP {e.code} {e.read(300)!r}"
    except Exception as e:  # connection refused, reset, timeout
        last = repr(e)
    time.sleep(0.2)
print(f"stack: {url}: last answer: {last}", file=sys.stderr)
sys.exit(1)
PY
    fail_up "$BASE_URL/healthz did not answer 200 within ${TIMEOUT}s"
fi

# ---- the offers service's stand-in (loopback, random refresh token, kernel-chosen port)
OFFERS_REFRESH_TOKEN=$(random_secret)
log "offers stand-in (scripts/offers-standin.py)"
: >"$DIR/offers-standin.log"
(
    export OFFERS_REFRESH_TOKEN # through the environment, never on a command line
    exec setsid python3 "$REPO/scripts/offers-standin.py" --port 0 --port-file "$DIR/offers-standin.port" \
        --pid-file "$DIR/offers-standin.pid"
) >>"$DIR/offers-standin.log" 2>&1 </dev/null &
echo "$!" >"$DIR/offers-standin.pid" # replaced by the stand-in's own once it listens
deadline=$((SECONDS + TIMEOUT))
until [[ -s $DIR/offers-standin.port ]]; do
    alive "$(read_pid "$DIR/offers-standin.pid")" || fail_up "the offers stand-in exited at start"
    ((SECONDS < deadline)) || fail_up "the offers stand-in did not start within ${TIMEOUT}s"
    sleep 0.1
done
OFFERS_STANDIN_PORT=$(read_pid "$DIR/offers-standin.port")
[[ -n $OFFERS_STANDIN_PORT ]] || fail_up "the offers stand-in wrote no port"
OFFERS_BASE_URL="http://127.0.0.1:$OFFERS_STANDIN_PORT/api/v1"
OFFERS_STANDIN_CONTROL="http://127.0.0.1:$OFFERS_STANDIN_PORT/__control"

# ---- DIR/catalog.env
{
    printf '# written by scripts/stack.sh up %s — source it: . %s/catalog.env\n' "$DIR" "$DIR"
    printf 'export %s=%q\n' \
        DATABASE_URL "$DATABASE_URL" \
        CATALOG_BASE_URL "$BASE_URL" \
        CATALOG_MASTER_PID_FILE "$DIR/catalog.pid" \
        CATALOG_STATUS_FILE "$DIR/status.json" \
        CATALOG_LOG_FILE "$DIR/catalog.log" \
        CATALOG_NGINX_PID_FILE "$STATE/nginx.pid" \
        CATALOG_NGINX_ERROR_LOG "$DIR/nginx-error.log" \
        CATALOG_NGINX_ACCESS_LOG "$DIR/nginx-access.log" \
        CATALOG_PG_PORT "$PG_PORT" \
        CATALOG_PG_DATA "$STATE/pg" \
        CATALOG_RUN_DIR "$DIR" \
        CATALOG_STATE_DIR "$STATE" \
        CATALOG_MIGRATIONS_DIR "$MIGRATIONS_DIR" \
        CATALOG_JWT_SECRET "$CATALOG_JWT_SECRET" \
        CATALOG_ADMIN_EMAIL "$ADMIN_EMAIL" \
        CATALOG_ADMIN_PASSWORD_FILE "$DIR/admin.txt" \
        CATALOG_BIN "$BIN"
    if [[ -n $PGBOUNCER_URL ]]; then printf 'export CATALOG_PGBOUNCER_URL=%q\n' "$PGBOUNCER_URL"; fi
    if [[ -n $STANDBY_URL ]]; then
        printf 'export %s=%q\n' CATALOG_STANDBY_URL "$STANDBY_URL" CATALOG_STANDBY_DATA "$STATE/pg-standby"
    fi
    printf '# the offers service (here its stand-in) and what `catalog sync-offers` needs\n'
    printf 'export %s=%q\n' \
        OFFERS_BASE_URL "$OFFERS_BASE_URL" \
        OFFERS_REFRESH_TOKEN "$OFFERS_REFRESH_TOKEN" \
        CATALOG_OFFERS_STANDIN_CONTROL "$OFFERS_STANDIN_CONTROL" \
        CATALOG_OFFERS_STANDIN_PID_FILE "$DIR/offers-standin.pid" \
        CATALOG_OFFERS_STANDIN_LOG "$DIR/offers-standin.log" \
        CATALOG_OFFER_SYNC_LOG "$DIR/offer-sync.log"
    if [[ -f $DIR/extra.env ]]; then
        printf '# from %s/extra.env\n' "$DIR"
        grep -E '^[[:space:]]*export[[:space:]]+[A-Za-z_][A-Za-z0-9_]*=' "$DIR/extra.env" || true
    fi
} >"$DIR/catalog.env.tmp"
chmod 600 "$DIR/catalog.env.tmp"
mv -f "$DIR/catalog.env.tmp" "$DIR/catalog.env"

# ---- the dev stand-in for the systemd timer: sync-offers every minute (make run only)
if [[ $SYNC_LOOP == 1 ]]; then
    log "offer sync loop: sync-offers every ${OFFERS_SYNC_INTERVAL:-60}s (log: $DIR/offer-sync.log)"
    : >"$DIR/offer-sync.log"
    setsid "$REPO/scripts/offer-sync-loop.sh" "$DIR" >>"$DIR/offer-sync.log" 2>&1 </dev/null &
    echo "$!" >"$DIR/offer-sync-loop.pid" # the loop rewrites it with its own
fi

log "up: $BASE_URL (PostgreSQL 127.0.0.1:$PG_PORT, $WORKERS workers; offers stand-in $OFFERS_BASE_URL); env: $DIR/catalog.env"
