#!/usr/bin/env bash
# scripts/bench-sync.sh — `make bench-sync`: how long `catalog sync-offers` takes for a
# large catalogue. Release build, throwaway stack (its offers stand-in answering every
# call after BENCH_LATENCY_MS), BENCH_PRODUCTS products seeded straight into PostgreSQL,
# then two timed runs of the job:
#
#   run 1  registers every product with the offers service, then fetches its offers
#          (twice the calls: what happens once, when a whole catalogue is imported)
#   run 2  a full refresh of every product's offers: what the one-minute timer does
#          every time, which must stay under BENCH_BUDGET seconds (60) to keep up.
#          The stand-in drifts every product's offers between calls: most products change.
#   run 3  the same with the stand-in's drift off: no product's offers changed, so
#          the run should write (almost) nothing.
#
# For each run, the rows PostgreSQL wrote per table (inserted/updated/deleted, the deltas
# of pg_stat_user_tables once the job's session has ended and flushed its counters).
#
# Exits 1 if a run fails or run 2 is over budget. Loopback only, bounded (one pass each).
# Env: BENCH_PRODUCTS (10000), BENCH_LATENCY_MS (20), BENCH_CONCURRENCY (the job's
#      default, 8), BENCH_BUDGET (60), BENCH_SKIP_BUILD=1 (use the existing release
#      binary), BENCH_BIN (binary to run; implies no build), BENCH_KEEP=1 (keep the run
#      dir), SWIFT_BUILD_ARGS (e.g. "--scratch-path .build-x").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

PRODUCTS=${BENCH_PRODUCTS:-10000}
LATENCY=${BENCH_LATENCY_MS:-20}
BUDGET=${BENCH_BUDGET:-60}
CONCURRENCY=${BENCH_CONCURRENCY:-}
[[ $PRODUCTS =~ ^[0-9]+$ ]] && ((PRODUCTS >= 1 && PRODUCTS <= 100000)) || { echo "bench-sync: BENCH_PRODUCTS must be 1..100000" >&2; exit 2; }
[[ $LATENCY =~ ^[0-9]+$ ]] && ((LATENCY <= 5000)) || { echo "bench-sync: BENCH_LATENCY_MS must be 0..5000" >&2; exit 2; }
[[ $BUDGET =~ ^[0-9]+$ ]] || { echo "bench-sync: BENCH_BUDGET must be whole seconds" >&2; exit 2; }
[[ -z $CONCURRENCY || $CONCURRENCY =~ ^[0-9]+$ ]] || { echo "bench-sync: BENCH_CONCURRENCY must be a number" >&2; exit 2; }
PSQL=$(command -v psql || true)
[[ -n $PSQL ]] || PSQL=/usr/lib/postgresql/15/bin/psql

if [[ -n ${BENCH_BIN:-} ]]; then
    BIN=$BENCH_BIN
else
    build_release "${BENCH_SKIP_BUILD:-0}"
    BIN=$RELEASE_BIN
fi

throwaway_run_dir bench-sync BENCH_KEEP

echo "== stack up (2 workers; the web service is not what is measured)"
scripts/stack.sh up "$RUN_DIR" --workers 2 --bin "$BIN"
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
case $OFFERS_BASE_URL in
    http://127.0.0.1:*) ;;
    *) echo "bench-sync: refusing a non-loopback offers service: $OFFERS_BASE_URL" >&2; exit 1 ;;
esac
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"

echo "== offers stand-in: every call answered after ${LATENCY} ms"
python3 - "$CATALOG_OFFERS_STANDIN_CONTROL" "$LATENCY" <<'PY'
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
req = urllib.request.Request(sys.argv[1], data=json.dumps({"latency_ms": int(sys.argv[2])}).encode(), method="POST")
with opener.open(req, timeout=10) as r:
    assert r.status == 200, r.status
PY

echo "== seeding $PRODUCTS products"
"$PSQL" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v n="$PRODUCTS" <<'SQL'
INSERT INTO products (name, description, price)
SELECT 'Bench product ' || g, 'Seeded for bench-sync', (g % 10000) / 100.0
FROM generate_series(1, :n) g;
VACUUM ANALYZE products;
SQL

ARGS=()
[[ -n $CONCURRENCY ]] && ARGS=(--concurrency "$CONCURRENCY")
RESULTS=()
# table_writes FILE — every user table's cumulative inserted/updated/deleted rows, once
# the job's backend has gone (a backend flushes its counters when it exits).
table_writes() {
    local deadline=$((SECONDS + 10))
    while (( SECONDS < deadline )) && [[ $("$PSQL" "$DATABASE_URL" -X -q -At -c \
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'catalog-sync-offers'") != 0 ]]; do
        sleep 0.1
    done
    "$PSQL" "$DATABASE_URL" -X -q -At -F ' ' \
        -c "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd FROM pg_stat_user_tables ORDER BY relname" \
        -c "SELECT '-wal', pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, 0, 0, 0" >"$1"
}
# writes_delta BEFORE AFTER — "table ins/upd/del" for each table the run wrote, the total,
# how many of the updates were HOT (no index entry written) and the WAL the run generated.
writes_delta() {
    python3 - "$1" "$2" <<'PY'
import sys
def load(path):
    rows = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 5:
            rows[parts[0]] = tuple(int(x) for x in parts[1:])
    return rows
before, after = load(sys.argv[1]), load(sys.argv[2])
wal = (after.pop("-wal")[0] - before.pop("-wal")[0]) / 1e6
out, total, hot = [], 0, 0
for table, counts in sorted(after.items()):
    delta = [a - b for a, b in zip(counts, before.get(table, (0, 0, 0, 0)))]
    if any(delta[:3]):
        out.append(f"{table} {delta[0]}/{delta[1]}/{delta[2]}")
        total += sum(delta[:3])
        hot += delta[3]
print(f"{total} rows written ({', '.join(out) or 'none'}; inserted/updated/deleted; {hot} HOT updates), WAL {wal:.1f} MB")
PY
}
run_job() { # NAME
    local name=$1 start end line rc=0
    echo "== $name: catalog sync-offers ${ARGS[*]}"
    table_writes "$RUN_DIR/writes.before"
    start=$(date +%s.%N)
    line=$("$BIN" sync-offers "${ARGS[@]}" 2>>"$RUN_DIR/bench-sync.log") || rc=$?
    end=$(date +%s.%N)
    echo "   $line"
    local wall writes
    wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$end")
    table_writes "$RUN_DIR/writes.after"
    writes=$(writes_delta "$RUN_DIR/writes.before" "$RUN_DIR/writes.after")
    echo "   exit $rc, wall clock ${wall} s, $writes"
    RESULTS+=("$name|$wall|$rc|$writes")
    [[ $rc -eq 0 ]]
}

status=0
run_job "run 1 (register + first fetch)" || status=1
run_job "run 2 (full refresh)" || status=1
python3 - "$CATALOG_OFFERS_STANDIN_CONTROL" <<'PY'
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
req = urllib.request.Request(sys.argv[1], data=json.dumps({"drift": False}).encode(), method="POST")
with opener.open(req, timeout=10) as r:
    assert r.status == 200, r.status
PY
run_job "run 3 (refresh, nothing changed)" || status=1

offers=$("$PSQL" "$DATABASE_URL" -X -q -At -c "SELECT count(*) FROM offers")
synced=$("$PSQL" "$DATABASE_URL" -X -q -At -c "SELECT count(*) FROM products WHERE offers_synced_at IS NOT NULL")
refresh_wall=$(printf '%s\n' "${RESULTS[1]}" | cut -d'|' -f2)

echo
echo "bench-sync: $PRODUCTS products, stand-in latency ${LATENCY} ms, concurrency ${CONCURRENCY:-8 (default)}, $(nproc) cores, loopback"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r name wall rc writes <<<"$r"
    printf '  %-34s %8s s  (exit %s)  %s\n' "$name" "$wall" "$rc" "$writes"
done
echo "  products synced: $synced, offers stored: $offers"
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$refresh_wall" "$BUDGET"; then
    echo "  full refresh within the ${BUDGET} s budget: yes"
else
    echo "  full refresh within the ${BUDGET} s budget: NO" >&2
    status=1
fi
exit "$status"
