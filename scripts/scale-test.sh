#!/usr/bin/env bash
# scripts/scale-test.sh — `make scale-test`: the several-hosts layout of the README's
# "Scaling" section, on loopback, bounded (a few minutes):
#
#   nginx (deploy/nginx.conf, one upstream of two TCP servers)
#     ├─ pool A: catalog serve --workers 2 on 127.0.0.1:PA ┐ DATABASE_URL      → PgBouncer P → primary
#     └─ pool B: catalog serve --workers 2 on 127.0.0.1:PB ┘ DATABASE_READ_URL → PgBouncer S → standby
#
# The primary and its streaming hot standby (pg_basebackup -R) come from
# `scripts/stack.sh up --standby`; both PgBouncers run deploy/pgbouncer.ini in
# transaction mode (scripts/pgbouncer.sh, 4 server connections each).
#
#   1. the end-to-end API suites (below) through this nginx, with the primary committing
#      only once the standby has applied (synchronous_commit = remote_apply, for that
#      step only: those tests read their own writes anonymously, which the service
#      promises only within the lag bound);
#   2. under a steady no-cache GET load (wrk): stopping the standby fails no request;
#      stopping pool B fails no GET; stopping the primary fails no anonymous GET;
#   3. throughput of GET /products/{id}: 2 pools vs 1, and primary+replica vs
#      primary only (ratios; on a 2-core machine the figures mean little, nothing gates
#      on them).
#
# Both pools log to RUN_DIR/pools.log, which the suites read as the service's log.
# Exit 0 when every check passed. Env: SKIP_BUILD=1 skips the release build,
# KEEP_RUN_DIR=1 keeps the run dir, SCALE_SECONDS (default 6) per throughput phase.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# The API suites: everything end to end that talks HTTP to the service (each module's
# smoke check, nginx's limits, request ids and cache; the routes' behaviour is in-process,
# Tests/RouteTests); the process-manager, fault and pooler suites concern one local pool
# or the test stack's own parts.
SUITES="ProductsAPITests|AccountsAPITests|LibraryAPITests|BadInputTests|RequestIDAPITests|ServiceEndpointsTests|ResponseCacheTests"
SECONDS_PER_PHASE=${SCALE_SECONDS:-6}

build_tests
build_release "${SKIP_BUILD:-0}"
throwaway_run_dir scale KEEP_RUN_DIR

echo "== stack: primary + streaming standby (scripts/stack.sh --standby)"
scripts/stack.sh up "$RUN_DIR" --workers 1 --bin "$RELEASE_BIN" --standby
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
export NO_PROXY="127.0.0.1,localhost,::1" no_proxy="127.0.0.1,localhost,::1"
PASSWORD=${CATALOG_STANDBY_URL#postgres://catalog:}
PASSWORD=${PASSWORD%%@*}
STANDBY_PORT=${CATALOG_STANDBY_URL##*:}
STANDBY_PORT=${STANDBY_PORT%%/*}
SCALE=$CATALOG_STATE_DIR/scale # reachable by postgres (PgBouncer) and www-data (nginx)
mkdir -m 0755 "$SCALE"
read -r PGB_P PGB_S PORT_A PORT_B PORT_NGINX <<<"$(python3 scripts/free-port.py 5 | tr '\n' ' ')"

cleanup() {
    local f
    for f in "$SCALE"/pool-*.pid; do [[ -f $f ]] && kill -TERM "$(cat "$f")" 2>/dev/null; done
    [[ -f $SCALE/nginx/nginx.pid ]] && kill -QUIT "$(cat "$SCALE/nginx/nginx.pid")" 2>/dev/null
    scripts/pgbouncer.sh stop "$SCALE/pgb-primary" || true
    scripts/pgbouncer.sh stop "$SCALE/pgb-standby" || true
    sleep 1
    _throwaway_cleanup
}
trap cleanup EXIT

echo "== PgBouncer in front of each (transaction mode, 4 server connections)"
PGBOUNCER_PASSWORD=$PASSWORD scripts/pgbouncer.sh start "$SCALE/pgb-primary" --port "$PGB_P" --server-port "$CATALOG_PG_PORT" --pool-size 4
PGBOUNCER_PASSWORD=$PASSWORD scripts/pgbouncer.sh start "$SCALE/pgb-standby" --port "$PGB_S" --server-port "$STANDBY_PORT" --pool-size 4
PRIMARY_VIA_PGB="postgres://catalog:$PASSWORD@127.0.0.1:$PGB_P/catalog"
STANDBY_VIA_PGB="postgres://catalog:$PASSWORD@127.0.0.1:$PGB_S/catalog"

# start_pool NAME PORT [READ_URL]: a pool of 2 workers whose only database settings are
# the poolers (and the replica's, when given).
start_pool() {
    local name=$1 port=$2 read_url=${3:-}
    (
        export DATABASE_URL=$PRIMARY_VIA_PGB DATABASE_READ_URL=$read_url CATALOG_READ_RETRY_SECONDS=2
        unset CATALOG_MIGRATE_DATABASE_URL
        exec setsid "$RELEASE_BIN" serve --bind "127.0.0.1:$port" --workers 2 --pid-file "$SCALE/pool-$name.pid" \
            --status-file "$SCALE/pool-$name.json" --graceful-timeout 10
    ) >>"$RUN_DIR/pools.log" 2>&1 </dev/null &
    for _ in $(seq 100); do
        [[ -f $SCALE/pool-$name.json ]] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sum(1 for w in d.get("workers",[]) if w.get("ready")) >= 2 else 1)' "$SCALE/pool-$name.json" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "scale-test: pool $name did not start" >&2
    tail -n 20 "$RUN_DIR/pools.log" >&2
    return 1
}
stop_pool() { # NAME
    local pid
    pid=$(cat "$SCALE/pool-$1.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || { rm -f "$SCALE/pool-$1.pid" "$SCALE/pool-$1.json"; return 0; }; sleep 0.1; done
    echo "scale-test: pool $1 did not stop" >&2
    return 1
}

echo "== two catalog serve pools (127.0.0.1:$PORT_A, 127.0.0.1:$PORT_B) behind nginx on 127.0.0.1:$PORT_NGINX"
start_pool A "$PORT_A" "$STANDBY_VIA_PGB"
start_pool B "$PORT_B" "$STANDBY_VIA_PGB"
mkdir -m 0755 "$SCALE/nginx"
python3 scripts/render-nginx.py --template deploy/nginx.conf --out "$SCALE/nginx/nginx.conf" --port "$PORT_NGINX" \
    --run-dir "$SCALE/nginx" --upstream-server "127.0.0.1:$PORT_A max_fails=1 fail_timeout=5s" \
    --upstream-server "127.0.0.1:$PORT_B max_fails=1 fail_timeout=5s"
"$(command -v nginx || echo /usr/sbin/nginx)" -c "$SCALE/nginx/nginx.conf" -p "$SCALE/nginx/"
BASE="http://127.0.0.1:$PORT_NGINX"
for _ in $(seq 50); do curl -fsS -o /dev/null "$BASE/healthz" && break; sleep 0.2; done

failures=0
check() { # CONDITION-STATUS MESSAGE
    if [[ $1 == 0 ]]; then echo "  ok: $2"; else echo "  FAILED: $2" >&2; failures=$((failures + 1)); fi
}

as_postgres() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_CTL=$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)
# synchronous_commit for step 1 only (the primary's own configuration file; a reload).
primary_sync() { # on | off
    local names="'*'" commit=remote_apply
    [[ $1 == off ]] && { names="''"; commit=on; }
    printf "synchronous_standby_names = %s\nsynchronous_commit = %s\n" "$names" "$commit" |
        as_postgres tee -a "$CATALOG_PG_DATA/postgresql.conf" >/dev/null
    as_postgres "$PG_CTL" -D "$CATALOG_PG_DATA" reload -s
    sleep 1
}

echo "== 1. the end-to-end API suites through nginx → two pools → PgBouncers → primary + standby"
primary_sync on
status=0
CATALOG_BASE_URL=$BASE CATALOG_LOG_FILE=$RUN_DIR/pools.log CATALOG_NGINX_ACCESS_LOG=$SCALE/nginx/nginx-access.log \
    CATALOG_NGINX_ERROR_LOG=$SCALE/nginx/nginx-error.log "$SWIFT" test --skip-build --no-parallel "${BUILD_ARGS[@]}" --filter "$SUITES" >"$RUN_DIR/swift-test.log" 2>&1 || status=$?
grep -E '^✔ Suite|^✘|Test run with' "$RUN_DIR/swift-test.log" | grep -v 'Test case' | tail -n 20
check "$status" "the API suites pass through the scaled layout ($SUITES)"
primary_sync off

PRODUCT=$(psql "$DATABASE_URL" -XqAtc "INSERT INTO products (name, description, price) VALUES ('scale-test', '', 1.00) RETURNING id")
URL="$BASE/products/$PRODUCT"
sleep 1 # replayed on the standby

# load SECONDS [ACTION AFTER 1 s]: wrk's requests/s, and "failures=N" (non-2xx + socket errors).
load() {
    local seconds=$1 action=${2:-} out
    LOAD_RPS="" LOAD_FAILURES="" LOAD_REQUESTS=""
    out=$(mktemp)
    wrk -t2 -c8 -d"${seconds}s" --timeout 10s -H 'Cache-Control: no-cache' "$URL" >"$out" 2>&1 &
    local wrk_pid=$!
    if [[ -n $action ]]; then sleep 1; eval "$action" >/dev/null; fi
    wait "$wrk_pid" || true
    LOAD_RPS=$(awk '/Requests\/sec/ {print $2}' "$out")
    LOAD_FAILURES=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
    LOAD_REQUESTS=$(awk '/requests in/ {print $1}' "$out")
    [[ -n $LOAD_RPS ]] || { echo "scale-test: wrk said:" >&2; cat "$out" >&2; }
    rm -f "$out"
}

# every_worker_sees_the_replica: /readyz, asked 16 times in a row through nginx (which
# alternates the pools; each pool's two workers take turns), lists replica1 up every
# time; 30 s at most.
every_worker_sees_the_replica() {
    local _ deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        local all=1
        for _ in $(seq 16); do
            curl -fsS -H 'Cache-Control: no-cache' "$BASE/readyz" 2>/dev/null |
                grep -q '"name":"replica1","role":"replica","state":"up"' || { all=0; break; }
        done
        [[ $all == 1 ]] && return 0
        sleep 0.5
    done
    echo "scale-test: the pools do not see the replica up" >&2
    return 1
}

echo "== 2. failures under a steady no-cache GET load"
every_worker_sees_the_replica
load 5 "scripts/stack.sh standby-stop '$RUN_DIR'"
check "$((LOAD_FAILURES != 0 || LOAD_REQUESTS < 50))" "standby stopped under load: $LOAD_REQUESTS requests, $LOAD_FAILURES failed"
scripts/stack.sh standby-start "$RUN_DIR"
sleep 3
load 5 "stop_pool B"
check "$((LOAD_FAILURES != 0 || LOAD_REQUESTS < 50))" "pool B stopped under load: $LOAD_REQUESTS requests, $LOAD_FAILURES failed"
start_pool B "$PORT_B" "$STANDBY_VIA_PGB"
sleep 6 # past nginx's fail_timeout for B
every_worker_sees_the_replica
load 5 "scripts/stack.sh pg-stop '$RUN_DIR'"
check "$((LOAD_FAILURES != 0 || LOAD_REQUESTS < 50))" "primary stopped under load: $LOAD_REQUESTS anonymous GETs, $LOAD_FAILURES failed"
scripts/stack.sh pg-start "$RUN_DIR"
sleep 3

echo "== 3. throughput, GET /products/{id}, wrk -t2 -c8, ${SECONDS_PER_PHASE}s each, no-cache"
load "$SECONDS_PER_PHASE"
two_pools=$LOAD_RPS
stop_pool B
sleep 1
load "$SECONDS_PER_PHASE"
one_pool=$LOAD_RPS
start_pool B "$PORT_B" "$STANDBY_VIA_PGB"
sleep 6
every_worker_sees_the_replica
load "$SECONDS_PER_PHASE"
two_pools=$LOAD_RPS # again: the first ran while pool B was new
stop_pool A && stop_pool B
start_pool A "$PORT_A" && start_pool B "$PORT_B"
sleep 2
load "$SECONDS_PER_PHASE"
primary_only=$LOAD_RPS
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
printf '  1 pool:  %8s req/s   2 pools:         %8s req/s   (2 pools / 1 = %s)\n' "$one_pool" "$two_pools" "$(ratio "$two_pools" "$one_pool")"
printf '  primary only: %8s req/s   primary+replica: %8s req/s   (with replica / without = %s)\n' \
    "$primary_only" "$two_pools" "$(ratio "$two_pools" "$primary_only")"

if [[ $failures -ne 0 ]]; then
    echo "scale-test: FAILED ($failures checks)" >&2
    tail -n 30 "$RUN_DIR/swift-test.log" >&2
    exit 1
fi
echo "scale-test: passed"
