#!/usr/bin/env bash
# scripts/bench.sh — `make bench`: release build, throwaway stack, 10,000 seeded
# products, then wrk (loopback only, bounded) against each endpoint:
#
#   /nginx-ceiling        nginx alone (`return 200`): the ceiling of this machine
#   /healthz              nginx + FastCGI round trip, no database
#   GET /products/{id}    random id per request (one-row read)
#   GET /products?limit=20
#   POST /products        JSON body, as the stack's admin (or Authorization: $BENCH_AUTH_HEADER)
#
# Each endpoint gets an uncounted warmup, then a measured run; one table at the end.
# Env: BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_WORKERS (4), BENCH_THREADS (2),
#      BENCH_CONNECTIONS (32), BENCH_AUTH_HEADER, BENCH_SKIP_BUILD=1 (use the
#      existing release binary), BENCH_BIN (binary to run; implies no build),
#      BENCH_KEEP=1 (keep the run dir with logs and raw wrk output).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

SECONDS_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
WORKERS=${BENCH_WORKERS:-4}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
for v in SECONDS_RUN WARMUP WORKERS THREADS CONNECTIONS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "bench: $v must be a whole number: ${!v}" >&2; exit 2; }
done
((SECONDS_RUN >= 1 && SECONDS_RUN <= 300)) || { echo "bench: BENCH_SECONDS must be 1..300" >&2; exit 2; }
((CONNECTIONS >= THREADS && CONNECTIONS <= 1000)) || { echo "bench: bad BENCH_CONNECTIONS" >&2; exit 2; }

command -v wrk >/dev/null 2>&1 || { echo "bench: wrk not found (make deps)" >&2; exit 1; }
PSQL=$(command -v psql || true)
[[ -n $PSQL ]] || PSQL=/usr/lib/postgresql/15/bin/psql

if [[ -n ${BENCH_BIN:-} ]]; then
    BIN=$BENCH_BIN
else
    BIN=.build/release/catalog
    if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
        echo "== swift build -c release"
        "$SWIFT" build -c release
    fi
fi

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/catalog-bench.XXXXXX")
cleanup() {
    scripts/stack.sh down "$RUN_DIR" >/dev/null 2>&1 || true
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        echo "bench: run dir kept: $RUN_DIR" >&2
    else
        rm -rf -- "$RUN_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== stack up ($WORKERS workers)"
scripts/stack.sh up "$RUN_DIR" --workers "$WORKERS" --bin "$BIN"
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"

# POST /products needs an admin: log in as the stack's bootstrap admin (one scrypt
# verification, outside the measured runs) unless a header was given.
if [[ -z ${BENCH_AUTH_HEADER:-} ]]; then
    BENCH_AUTH_HEADER=$(python3 - "$CATALOG_BASE_URL" "$CATALOG_ADMIN_EMAIL" "$CATALOG_ADMIN_PASSWORD_FILE" <<'PY'
import json, sys, urllib.request
base, email, path = sys.argv[1:4]
password = next(l.split(": ", 1)[1].strip() for l in open(path) if l.startswith("password: "))
req = urllib.request.Request(base + "/auth/login", data=json.dumps({"email": email, "password": password}).encode(),
                             headers={"Content-Type": "application/json"})
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print("Bearer " + json.load(opener.open(req, timeout=10))["access_token"])
PY
)
    export BENCH_AUTH_HEADER
fi
case $CATALOG_BASE_URL in
    http://127.0.0.1:*) ;;
    *) echo "bench: refusing to load a non-loopback address: $CATALOG_BASE_URL" >&2; exit 1 ;;
esac

echo "== seeding 10,000 products"
"$PSQL" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO products (name, description, price)
SELECT 'Bench product ' || g, 'Seeded', (g % 10000) / 100.0
FROM generate_series(1, 10000) g;
VACUUM ANALYZE products;
SQL
read -r ID_MIN ID_MAX < <("$PSQL" "$DATABASE_URL" -X -q -At -F ' ' \
    -c "SELECT min(id), max(id) FROM products WHERE description = 'Seeded'")
export BENCH_ID_MIN=$ID_MIN BENCH_ID_MAX=$ID_MAX
export BENCH_LUA_DIR="$REPO/scripts/bench"
echo "   product ids $ID_MIN..$ID_MAX"

RESULTS=$RUN_DIR/bench-results.txt
: >"$RESULTS"

# bench NAME PATH SCRIPT
bench() {
    local name=$1 path=$2 script=$BENCH_LUA_DIR/$3 out line
    echo "== $name: warmup ${WARMUP}s (not counted)"
    if ((WARMUP > 0)); then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$script" "$CATALOG_BASE_URL$path" \
            >"$RUN_DIR/wrk-warmup.out" 2>&1 || true
    fi
    echo "== $name: wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s --latency"
    out=$RUN_DIR/wrk-$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').out
    if ! wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$script" \
        "$CATALOG_BASE_URL$path" >"$out" 2>&1; then
        echo "bench: wrk failed for $name:" >&2
        cat "$out" >&2
        line="BENCH failed"
    else
        line=$(grep '^BENCH ' "$out" | tail -n 1 || true)
        [[ -n $line ]] || { echo "bench: no BENCH line from wrk for $name:" >&2; cat "$out" >&2; line="BENCH failed"; }
    fi
    printf '%s\t%s\n' "$name" "$line" >>"$RESULTS"
}

bench "/nginx-ceiling" "/nginx-ceiling" report.lua
bench "/healthz" "/healthz" report.lua
bench "GET /products/{id}" "/products/1" products-get.lua
bench "GET /products?limit=20" "/products?limit=20" report.lua
bench "POST /products" "/products" products-post.lua

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s, $WORKERS catalog workers, $(nproc) cores, loopback"
python3 - "$RESULTS" <<'PY'
import sys
rows = []
for raw in open(sys.argv[1], encoding="utf-8"):
    name, _, line = raw.rstrip("\n").partition("\t")
    fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    if "requests" not in fields:
        rows.append((name, None))
        continue
    f = {k: int(v) for k, v in fields.items()}
    rps = f["requests"] / (f["duration_us"] / 1e6) if f["duration_us"] else 0.0
    errors = f["connect"] + f["read"] + f["write"] + f["timeout"]
    rows.append((name, dict(rps=rps, p50=f["p50_us"] / 1000, p99=f["p99_us"] / 1000,
                            non2xx=f["non2xx3xx"], errors=errors, timeouts=f["timeout"])))
ceiling = rows[0][1]["rps"] if rows and rows[0][1] else None
healthz = rows[1][1]["rps"] if len(rows) > 1 and rows[1][1] else None
hdr = f"{'endpoint':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'errors (timeouts)':>18} {'x ceiling':>10} {'x healthz':>10}"
print(hdr)
print("-" * len(hdr))
for name, r in rows:
    if r is None:
        print(f"{name:<24} {'failed':>9}")
        continue
    xc = f"{r['rps'] / ceiling:.3f}" if ceiling else "-"
    xh = f"{r['rps'] / healthz:.3f}" if healthz else "-"
    err = f"{r['errors']} ({r['timeouts']})"
    print(f"{name:<24} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['non2xx']:>8} {err:>18} {xc:>10} {xh:>10}")
PY
