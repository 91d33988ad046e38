#!/usr/bin/env bash
# scripts/bench.sh — `make bench`: release build, throwaway stack, 10,000 seeded
# products (BENCH_SCALE, `make bench SCALE=1000000`), then wrk (loopback only, bounded)
# against each endpoint:
#
#   /nginx-ceiling        nginx alone (`return 200`): the ceiling of this machine
#   /healthz              nginx + FastCGI round trip, no database
#   GET /products/{id}    random id per request (one-row read), Cache-Control: no-cache
#                         (past nginx's response cache: the worker and PostgreSQL path)
#   GET /products/{id} cached   anonymous, random among the 200 first ids: nginx's cache
#   GET /products/{id} (auth)   signed in (Authorization: the admin's token, so no cache
#                         may answer): the token check and the read, worker and PostgreSQL
#   GET /products?limit=20      Cache-Control: no-cache
#   POST /products        JSON body, as the stack's admin (or Authorization: $BENCH_AUTH_HEADER)
#   GET /products?q=…     search (README "Search"), signed in (no cache may answer): a common
#                         term (1 % of the names), a rare one, an absent one; first page and
#                         a later page (the cursor after the middle of the seeded ids)
#   GET /products/{id}/price-history?bucket=hour  one product's last 30 days, 5 offers
#                         changing every minute (216,000 events seeded into the history
#                         table the offer sync writes), signed in (no cache may answer)
#   GET /products/{id}/price-trend?period=7d      the same product, signed in
#   peers                 GET /products/{id} from PHP-FPM (8 children, PDO) and from gunicorn
#                         (4 workers) + Flask + psycopg2, same database, same nginx
#                         (bench/peers/, scripts/bench-peers.sh); the table ends with
#                         Catalog's ratio to each
#
# Every GET /products/{id} target runs scripts/bench/products-get.lua with each request
# formatted by wrk (BENCH_FORMAT=each), so the load generator costs every target the same.
#
# The endpoints are measured in BENCH_ROUNDS rounds (each: every endpoint in turn, an
# uncounted warmup then a measured run); the table gives each endpoint's median over the
# rounds, and the ratios are medians of the per-round ratios (a ratio compares two runs
# of the same round). This 2-core machine varies by ±15 % from one run to the next.
# Env: BENCH_SCALE (10000 products), BENCH_ROUNDS (5), BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_WORKERS (4), BENCH_THREADS (2),
#      BENCH_CONNECTIONS (32), BENCH_AUTH_HEADER, BENCH_SKIP_BUILD=1 (use the
#      existing release binary), BENCH_BIN (binary to run; implies no build),
#      BENCH_KEEP=1 (keep the run dir with logs and raw wrk output),
#      BENCH_DB_STATEMENTS (prepared; unnamed measures the pooler-safe default),
#      BENCH_ONLY (an extended regex: measure only the rows whose name matches it, e.g.
#      'healthz|\(auth\)|PHP-FPM' while working on one path; the report compares what ran),
#      SWIFT_BUILD_ARGS (e.g. "--scratch-path .build-x", for the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
WORKERS=${BENCH_WORKERS:-4}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SCALE=${BENCH_SCALE:-10000}
for v in SCALE ROUNDS SECONDS_RUN WARMUP WORKERS THREADS CONNECTIONS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "bench: $v must be a whole number: ${!v}" >&2; exit 2; }
done
((SECONDS_RUN >= 1 && SECONDS_RUN <= 300)) || { echo "bench: BENCH_SECONDS must be 1..300" >&2; exit 2; }
((ROUNDS >= 1 && ROUNDS <= 9)) || { echo "bench: BENCH_ROUNDS must be 1..9" >&2; exit 2; }
((CONNECTIONS >= THREADS && CONNECTIONS <= 1000)) || { echo "bench: bad BENCH_CONNECTIONS" >&2; exit 2; }
((SCALE >= 1000 && SCALE <= 10000000)) || { echo "bench: BENCH_SCALE must be 1000..10000000" >&2; exit 2; }

command -v wrk >/dev/null 2>&1 || { echo "bench: wrk not found (make deps)" >&2; exit 1; }
PSQL=$(command -v psql || true)
[[ -n $PSQL ]] || PSQL=/usr/lib/postgresql/15/bin/psql

if [[ -n ${BENCH_BIN:-} ]]; then
    BIN=$BENCH_BIN
else
    build_release "${BENCH_SKIP_BUILD:-0}"
    BIN=$RELEASE_BIN
fi

throwaway_run_dir bench BENCH_KEEP
# The peers live in a directory of their own, which their unprivileged user and nginx reach.
PEERS_DIR=$(mktemp -d /tmp/catalog-bench-peers.XXXXXX)
bench_cleanup() {
    scripts/bench-peers.sh down "$PEERS_DIR" >/dev/null 2>&1 || true
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        cp -R "$PEERS_DIR" "$RUN_DIR/peers" 2>/dev/null || true
        rm -f "$RUN_DIR/peers/php-fpm.conf" # it holds the database password
    fi
    rm -rf -- "$PEERS_DIR"
    _throwaway_cleanup
}
trap bench_cleanup EXIT
scripts/bench-peers.sh prepare "$PEERS_DIR"
# shellcheck disable=SC1091
. "$PEERS_DIR/peers.env"
# The admin's token must outlive the run (a million products and the search rows take
# longer than the default 15 minutes).
echo 'export CATALOG_TOKEN_TTL=7200' >"$RUN_DIR/extra.env"
# Statements prepared once per connection: the setting for a single host whose workers
# connect to PostgreSQL directly, as here (the default, unnamed, is for a transaction
# pooler and parses and plans every statement: README "PgBouncer").
BENCH_DB_STATEMENTS=${BENCH_DB_STATEMENTS:-prepared}
echo "export CATALOG_DB_STATEMENTS=$BENCH_DB_STATEMENTS" >>"$RUN_DIR/extra.env"

echo "== stack up ($WORKERS workers; the peers' servers in its nginx)"
scripts/stack.sh up "$RUN_DIR" --workers "$WORKERS" --bin "$BIN" --nginx-include "$PEERS_DIR/nginx-peers.conf"
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

echo "== seeding $SCALE products"
seed_products "$PSQL" "$SCALE"
ID_MIN=$SEED_ID_MIN ID_MAX=$SEED_ID_MAX
export BENCH_ID_MIN=$ID_MIN BENCH_ID_MAX=$ID_MAX
export BENCH_LUA_DIR="$REPO/scripts/bench" BENCH_FORMAT=each
echo "   product ids $ID_MIN..$ID_MAX"

# One product with 30 days of price history (scripts/bench/price-history-seed.sql).
echo "== seeding 30 days of price history for one product (216,000 events)"
HISTORY_ID=$("$PSQL" "$DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 -f scripts/bench/price-history-seed.sql)
[[ $HISTORY_ID =~ ^[0-9]+$ ]] || { echo "bench: no price-history product: $HISTORY_ID" >&2; exit 1; }
HISTORY_FROM=$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ)
echo "   product $HISTORY_ID, history from $HISTORY_FROM"

# Bounded: the peers are killed after the whole bench's time at the latest (16 targets
# a round, 2 s of slack per run, 5 minutes to spare).
echo "== peers up: PHP-FPM on $PEER_PHP_URL, gunicorn + Flask on $PEER_FLASK_URL"
scripts/bench-peers.sh up "$PEERS_DIR" $((ROUNDS * 16 * (WARMUP + SECONDS_RUN + 2) + 300)) "$ID_MIN"
# The search rows' later page: the cursor after the middle of the seeded ids, found by
# following `next` links (the cursor is opaque), 200 matches of the common term at a time,
# or through the plain list when the common term runs out first (small scales).
SEARCH_COMMON=copper SEARCH_RARE=beef SEARCH_ABSENT=zzqx
LATER_CURSOR=$(python3 - "$CATALOG_BASE_URL" "$BENCH_AUTH_HEADER" "$SEARCH_COMMON" $(((ID_MIN + ID_MAX) / 2)) <<'PY'
import json, re, sys, urllib.request
base, auth, term, middle = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for start in (f"/products?q={term}&limit=200", "/products?limit=200"):
    path = start
    for _ in range(400):
        response = opener.open(urllib.request.Request(base + path, headers={"Authorization": auth}), timeout=30)
        items = json.load(response)
        link = re.match(r'<([^>]*)>; rel="next"', response.headers.get("Link") or "")
        if not link:
            break
        path = link.group(1)
        if items and items[-1]["id"] >= middle:
            print(re.search(r"cursor=([^&]+)", path).group(1))
            sys.exit(0)
sys.exit("bench: no cursor past the middle of the seeded ids")
PY
)
echo "   later page: cursor $LATER_CURSOR (after the middle id)"

RESULTS=$RUN_DIR/bench-results.txt
: >"$RESULTS"

# bench ROUND NAME PATH SCRIPT [WRK ARGS...]: one warmup and one measured wrk run; appends
# a result line. PATH is on Catalog's base URL, or a whole URL (the peers').
bench() {
    local round=$1 name=$2 path=$3 script=$BENCH_LUA_DIR/$4 out line url
    shift 4
    [[ -z ${BENCH_ONLY:-} || $name =~ $BENCH_ONLY ]] || return 0
    [[ $path == http://127.0.0.1:* ]] && url=$path || url=$CATALOG_BASE_URL$path
    # Flush the previous runs' dirty pages (access and application logs) first, so their
    # writeback, which the kernel starts ~30 s later, does not land inside this run.
    sync
    echo "== round $round/$ROUNDS $name: warmup ${WARMUP}s, then wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s --latency"
    if ((WARMUP > 0)); then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$script" "$@" "$url" \
            >"$RUN_DIR/wrk-warmup.out" 2>&1 || true
    fi
    out=$RUN_DIR/wrk-$round-$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').out
    if ! wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$script" "$@" \
        "$url" >"$out" 2>&1; then
        echo "bench: wrk failed for $name:" >&2
        cat "$out" >&2
        line="BENCH failed"
    else
        line=$(grep '^BENCH ' "$out" | tail -n 1 || true)
        [[ -n $line ]] || { echo "bench: no BENCH line from wrk for $name:" >&2; cat "$out" >&2; line="BENCH failed"; }
    fi
    printf '%s\t%s\t%s\n' "$round" "$name" "$line" >>"$RESULTS"
}

# Every round measures every endpoint once, in the same order: each endpoint's runs are
# spread over the whole bench, so a slow spell of the machine costs one round of every
# endpoint rather than every run of one, and a median discards it.
for ((round = 1; round <= ROUNDS; round++)); do
    bench "$round" "/nginx-ceiling" "/nginx-ceiling" report.lua
    bench "$round" "/healthz" "/healthz" report.lua
    bench "$round" "GET /products/{id}" "/products/1" products-get-uncached.lua
    bench "$round" "GET /products/{id} cached" "/products/1" products-get-hot.lua
    bench "$round" "GET /products/{id} (auth)" "/products/1" products-get-auth.lua
    bench "$round" "GET /products?limit=20" "/products?limit=20" products-list-uncached.lua
    bench "$round" "POST /products" "/products" products-post.lua
    bench "$round" "PHP-FPM GET /products/{id}" "$PEER_PHP_URL/products/1" products-get.lua
    bench "$round" "gunicorn GET /products/{id}" "$PEER_FLASK_URL/products/1" products-get.lua
    for term in "$SEARCH_COMMON" "$SEARCH_RARE" "$SEARCH_ABSENT"; do
        bench "$round" "q=$term p1 (auth)" "/products?q=$term&limit=20" get-auth.lua
        bench "$round" "q=$term later (auth)" "/products?q=$term&limit=20&cursor=$LATER_CURSOR" get-auth.lua
    done
    bench "$round" "price-history 30d hour (auth)" "/products/$HISTORY_ID/price-history?bucket=hour&from=$HISTORY_FROM" get-auth.lua
    bench "$round" "price-trend 7d (auth)" "/products/$HISTORY_ID/price-trend?period=7d" get-auth.lua
done

echo
echo "$SCALE products; wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s, $WORKERS catalog workers, $(nproc) cores, loopback;" \
    "CATALOG_DB_STATEMENTS=$BENCH_DB_STATEMENTS; medians of $ROUNDS rounds"
# Catalog's ratio to each peer: add a --compare line for each further Catalog row.
python3 "$REPO/scripts/bench-report.py" "$RESULTS" \
    --compare "GET /products/{id}" "PHP-FPM GET /products/{id}" \
    --compare "GET /products/{id} cached" "PHP-FPM GET /products/{id}" \
    --compare "GET /products/{id} (auth)" "PHP-FPM GET /products/{id}" \
    --compare "GET /products/{id}" "gunicorn GET /products/{id}"
