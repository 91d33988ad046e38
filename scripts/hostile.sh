#!/usr/bin/env bash
# scripts/hostile.sh — `make hostile`: can one class of requests starve another? A bounded
# loopback load test (a benchmark, not a test: it fails only when the tool fails).
#
# Release build, throwaway stack (4 workers), seeded products (as `make bench`), a reader
# account whose token wrk sends. Then GET /products/{random id} is measured with wrk
# (-t2 -c32, `Authorization: Bearer <reader>` and `Cache-Control: no-cache`, requests
# formatted once per thread by scripts/bench/products-get.lua) in four phases:
#
#   baseline  no attack
#   a         login guessers (wrong passwords for a handful of real and unknown emails) and
#             registration posters (fresh emails), spread over source addresses 127.0.0.2…
#   b         wide-body clients: a ~900 KB JSON object of 80,000 members, half anonymous
#             (POST /register, /auth/login), half signed in (POST /authors, POST /books,
#             PATCH /users/{own id}), each from a source address of its own
#   c         a and b together
#
# Each phase: sync, the attack starts, wrk warms up, wrk measures; then the workers'
# drain is timed (until /healthz answers promptly). All phase long a real user signs in
# from 127.0.0.1 once a second. Attackers are closed loops (one request at a time) paced
# to at most their rate, and never honour Retry-After. Clients: scripts/hostile-load.py;
# tables and targets: scripts/hostile-report.py (targets missed → exit 0 all the same).
#
# Env: HOSTILE_SECONDS (10, measured seconds per phase), HOSTILE_WARMUP (2),
#      HOSTILE_WORKERS (4), HOSTILE_THREADS (2), HOSTILE_CONNECTIONS (32),
#      HOSTILE_GUESSERS (64), HOSTILE_REGISTRARS (16), HOSTILE_SOURCES (16 addresses for them),
#      HOSTILE_RATE (10, attempts/s per attacker at most), HOSTILE_WIDE_CLIENTS (8),
#      HOSTILE_WIDE_RATE (4, posts/s per wide-body client at most), HOSTILE_WIDE_MEMBERS (80000),
#      HOSTILE_TIMEOUT (10, client timeout in seconds), HOSTILE_DRAIN (90, longest wait for the
#      drain), HOSTILE_PRODUCTS (10000 seeded),
#      HOSTILE_SMOKE=1 (a short run that checks the tool, for CI: the debug build of `make test`,
#      2 s phases, a few attackers, small wide bodies; each default above can still be overridden),
#      SWIFT_BUILD_ARGS (e.g. "--scratch-path .build-x"), HOSTILE_SKIP_BUILD=1 (use the existing
#      binary), HOSTILE_BIN (binary to run; implies no build), HOSTILE_KEEP=1 (keep the run dir:
#      logs, raw wrk output, each phase's counts).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

SMOKE=${HOSTILE_SMOKE:-0}
if [[ $SMOKE == 1 ]]; then
    d_seconds=2 d_warmup=1 d_guessers=4 d_registrars=2 d_sources=4 d_wide=2 d_members=2000 d_drain=20 d_products=1000
else
    d_seconds=10 d_warmup=2 d_guessers=64 d_registrars=16 d_sources=16 d_wide=8 d_members=80000 d_drain=90 d_products=10000
fi
SECONDS_RUN=${HOSTILE_SECONDS:-$d_seconds}
WARMUP=${HOSTILE_WARMUP:-$d_warmup}
WORKERS=${HOSTILE_WORKERS:-4}
THREADS=${HOSTILE_THREADS:-2}
CONNECTIONS=${HOSTILE_CONNECTIONS:-32}
GUESSERS=${HOSTILE_GUESSERS:-$d_guessers}
REGISTRARS=${HOSTILE_REGISTRARS:-$d_registrars}
NSOURCES=${HOSTILE_SOURCES:-$d_sources}
RATE=${HOSTILE_RATE:-10}
WIDE=${HOSTILE_WIDE_CLIENTS:-$d_wide}
WIDE_RATE=${HOSTILE_WIDE_RATE:-4}
MEMBERS=${HOSTILE_WIDE_MEMBERS:-$d_members}
TIMEOUT=${HOSTILE_TIMEOUT:-10}
DRAIN=${HOSTILE_DRAIN:-$d_drain}
PRODUCTS=${HOSTILE_PRODUCTS:-$d_products}
bad() { echo "hostile: $*" >&2; exit 2; }
for v in SECONDS_RUN WARMUP WORKERS THREADS CONNECTIONS GUESSERS REGISTRARS NSOURCES WIDE MEMBERS TIMEOUT DRAIN PRODUCTS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || bad "$v must be a whole number: ${!v}"
done
for v in RATE WIDE_RATE; do
    [[ ${!v} =~ ^[0-9]*\.?[0-9]+$ ]] && python3 -c 'import sys; sys.exit(not 0 < float(sys.argv[1]) <= 1000)' "${!v}" ||
        bad "HOSTILE_$v must be a number of requests per second in (0, 1000]: ${!v}"
done
((SECONDS_RUN >= 1 && SECONDS_RUN <= 300)) || bad "HOSTILE_SECONDS must be 1..300"
((WARMUP <= 60)) || bad "HOSTILE_WARMUP must be 0..60"
((CONNECTIONS >= THREADS && THREADS >= 1 && CONNECTIONS <= 1000)) || bad "bad HOSTILE_THREADS/HOSTILE_CONNECTIONS"
((GUESSERS + REGISTRARS <= 1000)) || bad "at most 1000 login guessers and registration posters"
((NSOURCES >= 1 && NSOURCES <= 100)) || bad "HOSTILE_SOURCES must be 1..100"
((WIDE <= 100)) || bad "HOSTILE_WIDE_CLIENTS must be 0..100"
((MEMBERS >= 1 && MEMBERS <= 95000)) || bad "HOSTILE_WIDE_MEMBERS must be 1..95000 (the body stays under nginx's 1 MiB)"
((TIMEOUT >= 1 && TIMEOUT <= 60)) || bad "HOSTILE_TIMEOUT must be 1..60"
((DRAIN >= 1 && DRAIN <= 600)) || bad "HOSTILE_DRAIN must be 1..600"
((PRODUCTS >= 1 && PRODUCTS <= 1000000)) || bad "HOSTILE_PRODUCTS must be 1..1000000"

command -v wrk >/dev/null 2>&1 || { echo "hostile: wrk not found (make deps)" >&2; exit 1; }
PSQL=$(command -v psql || true)
[[ -n $PSQL ]] || PSQL=/usr/lib/postgresql/15/bin/psql

# The build: release (what the numbers are about), or for the smoke run the debug build
# of scripts/test.sh (build_tests; CI has just made it, so it costs nothing there).
# SWIFT_BUILD_ARGS as in scripts/test.sh (e.g. "--scratch-path .build-x").
# shellcheck disable=SC2206
BUILD_ARGS=(${SWIFT_BUILD_ARGS:-})
if [[ -n ${HOSTILE_BIN:-} ]]; then
    BIN=$HOSTILE_BIN
elif [[ $SMOKE == 1 ]]; then
    if [[ ${HOSTILE_SKIP_BUILD:-0} == 1 ]]; then
        BIN=$("$SWIFT" build --build-tests "${BUILD_ARGS[@]}" --show-bin-path)/catalog
    else
        build_tests
        BIN=$DEBUG_BIN
    fi
else
    build_release "${HOSTILE_SKIP_BUILD:-0}"
    BIN=$RELEASE_BIN
fi

throwaway_run_dir hostile HOSTILE_KEEP
# The attack of a phase runs in the background: stop it too, whatever ends the script.
LOAD_PID=""
trap '[[ -z $LOAD_PID ]] || kill "$LOAD_PID" 2>/dev/null || true; _throwaway_cleanup' EXIT
PHASE_DIR=$RUN_DIR/phases
mkdir -p "$PHASE_DIR"
# Tokens outlive the longest run (4 phases of up to 300 s, drains included).
echo 'export CATALOG_TOKEN_TTL=7200' >"$RUN_DIR/extra.env"
# A single host's setting, as make bench uses (see scripts/bench.sh).
echo 'export CATALOG_DB_STATEMENTS=prepared' >>"$RUN_DIR/extra.env"

echo "== stack up ($WORKERS workers)"
scripts/stack.sh up "$RUN_DIR" --workers "$WORKERS" --bin "$BIN"
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
case $CATALOG_BASE_URL in
    http://127.0.0.1:*) ;;
    *) echo "hostile: refusing to load a non-loopback address: $CATALOG_BASE_URL" >&2; exit 1 ;;
esac

echo "== seeding $PRODUCTS products"
seed_products "$PSQL" "$PRODUCTS"
export BENCH_ID_MIN=$SEED_ID_MIN BENCH_ID_MAX=$SEED_ID_MAX
export BENCH_LUA_DIR="$REPO/scripts/bench"
# Formatted once per thread (products-get.lua): the figures are ratios to this baseline.
export BENCH_FORMAT=once
echo "   product ids $SEED_ID_MIN..$SEED_ID_MAX"

# Source addresses: the guessers and registration posters share 127.0.0.2..; each wide-body
# client has the next one of its own. All of 127.0.0.0/8 is routed to lo.
SOURCES=$(seq -f '127.0.0.%g' 2 $((1 + NSOURCES)) | paste -sd, -)
WIDE_SOURCES=$(seq -f '127.0.0.%g' $((2 + NSOURCES)) $((1 + NSOURCES + WIDE)) | paste -sd, -)
LOAD=(python3 "$REPO/scripts/hostile-load.py")
STATE=$RUN_DIR/hostile-state.json

echo "== accounts: reader (for wrk), real user, $((WIDE / 2)) signed-in wide-body users; source address check"
"${LOAD[@]}" setup --base "$CATALOG_BASE_URL" --timeout "$TIMEOUT" --state "$STATE" \
    --access-log "$CATALOG_NGINX_ACCESS_LOG" --wide-signed $((WIDE / 2)) --sources "$SOURCES${WIDE_SOURCES:+,$WIDE_SOURCES}"
TOKEN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["reader"]["token"])' "$STATE")

RESULTS=$RUN_DIR/hostile-results.txt
: >"$RESULTS"

# phase NAME ATTACKS DESCRIPTION: the attack in the background, wrk's warmup and measured
# run against GET /products/{id} meanwhile, then the drain.
phase() {
    local name=$1 attacks=$2 what=$3 ready=$PHASE_DIR/$1.ready stop=$PHASE_DIR/$1.stop out line status=0 deadline
    # Flush earlier runs' dirty pages (logs) first, so their writeback does not land in this run.
    sync
    echo "== phase $name ($what): warmup ${WARMUP}s, then wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s --latency"
    # The clients run until wrk is done ($stop), then the real user's last sign-in ends (at
    # most the client timeout). Bounded twice: without $stop they end by themselves 30 s
    # after warmup + seconds; `timeout` is the backstop.
    timeout --kill-after=5 $((WARMUP + SECONDS_RUN + 2 * TIMEOUT + 60)) "${LOAD[@]}" phase \
        --base "$CATALOG_BASE_URL" --timeout "$TIMEOUT" --state "$STATE" --name "$name" --attacks "$attacks" \
        --warmup "$WARMUP" --seconds "$SECONDS_RUN" --grace 30 --ready "$ready" --stop "$stop" \
        --out "$PHASE_DIR/$name.json" \
        --sources "$SOURCES" --wide-sources "$WIDE_SOURCES" --guessers "$GUESSERS" --registrars "$REGISTRARS" \
        --rate "$RATE" --wide-clients "$WIDE" --wide-rate "$WIDE_RATE" --wide-members "$MEMBERS" &
    LOAD_PID=$!
    deadline=$((SECONDS + 30))
    until [[ -s $ready ]] || ! kill -0 "$LOAD_PID" 2>/dev/null || ((SECONDS >= deadline)); do sleep 0.05; done
    if [[ ! -s $ready ]]; then
        kill "$LOAD_PID" 2>/dev/null || true
        wait "$LOAD_PID" || true
        LOAD_PID=""
        echo "hostile: the clients of phase $name did not start" >&2
        exit 1
    fi
    if ((WARMUP > 0)); then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -H "Authorization: Bearer $TOKEN" -H "Cache-Control: no-cache" \
            -s "$BENCH_LUA_DIR/products-get.lua" "$CATALOG_BASE_URL/products/$SEED_ID_MIN" >"$RUN_DIR/wrk-warmup.out" 2>&1 || true
    fi
    out=$RUN_DIR/wrk-$name.out
    # The measured run's requests carry an X-Request-ID of their own, which nginx logs: the
    # report finds there the GETs wrk never saw answered (wrk counts neither them nor, in
    # its latencies, the answers later than its 2 s timeout, which it counts as timeouts).
    if ! wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -H "Authorization: Bearer $TOKEN" \
        -H "Cache-Control: no-cache" -H "X-Request-ID: hostile-get-$name" \
        -s "$BENCH_LUA_DIR/products-get.lua" "$CATALOG_BASE_URL/products/$SEED_ID_MIN" >"$out" 2>&1; then
        echo "hostile: wrk failed in phase $name:" >&2
        cat "$out" >&2
        line="BENCH failed"
    else
        line=$(grep '^BENCH ' "$out" | tail -n 1 || true)
        [[ -n $line ]] || { echo "hostile: no BENCH line from wrk in phase $name:" >&2; cat "$out" >&2; line="BENCH failed"; }
    fi
    printf '%s\tGET /products/{id}\t%s\n' "$name" "$line" >>"$RESULTS"
    : >"$stop"
    wait "$LOAD_PID" || status=$?
    LOAD_PID=""
    if ((status != 0)) || [[ ! -s $PHASE_DIR/$name.json ]]; then
        echo "hostile: the clients of phase $name failed (exit $status)" >&2
        exit 1
    fi
    "${LOAD[@]}" settle --base "$CATALOG_BASE_URL" --max "$DRAIN" >"$PHASE_DIR/$name.drain"
    echo "   drained in $(cat "$PHASE_DIR/$name.drain") s"
}

phase baseline "" "no attack"
phase a a "$GUESSERS login guessers + $REGISTRARS registration posters over $NSOURCES addresses, ≤ $RATE/s each"
phase b b "$WIDE wide-body clients ($MEMBERS members), ≤ $WIDE_RATE/s each"
phase c a,b "a + b"

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s (after ${WARMUP}s warm-up), $WORKERS catalog workers," \
    "$(nproc) cores, loopback; client timeout ${TIMEOUT}s${HOSTILE_BIN:+; binary $BIN}$([[ $SMOKE == 1 ]] && echo '; SMOKE run (checks the tool, not the service)')"
sleep 1.5 # nginx writes its buffered access log (flush=1s) before the report reads it
python3 "$REPO/scripts/hostile-report.py" --access-log "$CATALOG_NGINX_ACCESS_LOG" --drain-limit "$DRAIN" \
    "$RESULTS" "$PHASE_DIR" baseline a b c
