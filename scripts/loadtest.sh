#!/usr/bin/env bash
# scripts/loadtest.sh — `make loadtest`: the Locust scenarios of loadtest/locustfile.py,
# headless, for a bounded time, against the dev stack, then clean up.
#
#   1. the dev stack in RUN_DIR (default .run/, what `make run` starts): used if it is
#      running; otherwise started here (like `make run`, with the offer-sync loop) and
#      stopped again at the end. LOADTEST_THROWAWAY=1: a throwaway stack instead.
#   2. seeds LOADTEST_PRODUCTS products named locust_product_… (as the stack's admin)
#      and runs `catalog sync-offers` once, so product pages carry offers;
#   3. Locust headless: LOADTEST_USERS users (spawned at LOADTEST_SPAWN_RATE/s) for
#      LOADTEST_TIME; prints the percentile table (CSV and HTML reports in
#      RUN_DIR/loadtest/); fails if any request failed or a p95 is over the limit
#      (LOADTEST_P95_MS, default 100; the password routes LOADTEST_AUTH_P95_MS, 1000);
#   4. deletes the seeded products, runs `catalog cleanup-loadtest --prefix locust_`,
#      and verifies in the database that no locust_ user, author, book or product is
#      left. Steps 4 runs even when Locust failed.
#
# Env: RUN_DIR, PORT (8080), RUN_BIN (.build/release/catalog) for a stack started here;
#      LOADTEST_USERS (60), LOADTEST_SPAWN_RATE (5), LOADTEST_TIME (60s),
#      LOADTEST_PRODUCTS (50). Loopback only.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"

USERS=${LOADTEST_USERS:-60}
SPAWN_RATE=${LOADTEST_SPAWN_RATE:-5}
RUN_TIME=${LOADTEST_TIME:-60s}
PRODUCTS=${LOADTEST_PRODUCTS:-50}
[[ $USERS =~ ^[0-9]+$ && $USERS -ge 1 && $USERS -le 500 ]] || { echo "loadtest: LOADTEST_USERS must be 1..500" >&2; exit 2; }
[[ $PRODUCTS =~ ^[0-9]+$ && $PRODUCTS -ge 1 && $PRODUCTS -le 1000 ]] || { echo "loadtest: LOADTEST_PRODUCTS must be 1..1000" >&2; exit 2; }
[[ $RUN_TIME =~ ^[0-9]+[smh]?$ ]] || { echo "loadtest: LOADTEST_TIME like 60s, 2m" >&2; exit 2; }

VENV=$(scripts/py-venv.sh locust loadtest/requirements.txt)

# ---- the stack
started=""
if [[ ${LOADTEST_THROWAWAY:-0} == 1 ]]; then
    RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/catalog-loadtest.XXXXXX")
    scripts/stack.sh up "$RUN_DIR" --bin "${RUN_BIN:-.build/release/catalog}"
    started=throwaway
else
    RUN_DIR=${RUN_DIR:-$REPO/.run}
    if scripts/stack.sh status "$RUN_DIR" >/dev/null 2>&1; then
        echo "loadtest: using the running dev stack in $RUN_DIR"
    else
        echo "loadtest: the dev stack is not running; starting it in $RUN_DIR (stopped again at the end)"
        scripts/stack.sh down "$RUN_DIR" >/dev/null 2>&1 || true
        scripts/stack.sh up "$RUN_DIR" --port "${PORT:-8080}" --bin "${RUN_BIN:-.build/release/catalog}" --sync-loop
        started=dev
    fi
fi
RUN_DIR=$(cd -- "$RUN_DIR" && pwd -P)
# shellcheck disable=SC1091
set -a; . "$RUN_DIR/catalog.env"; set +a
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"
LOADTEST_ADMIN_EMAIL=$(sed -n 's/^email: //p' "$CATALOG_ADMIN_PASSWORD_FILE")
LOADTEST_ADMIN_PASSWORD=$(sed -n 's/^password: //p' "$CATALOG_ADMIN_PASSWORD_FILE")
export LOADTEST_ADMIN_EMAIL LOADTEST_ADMIN_PASSWORD
PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
out=$RUN_DIR/loadtest
mkdir -p -- "$out"

# Seeding and removing the products, through the API as the admin.
products() { # seed N | delete
    "$VENV/bin/python" - "$@" <<'PY'
import json, os, sys, urllib.error, urllib.parse, urllib.request
base = os.environ["CATALOG_BASE_URL"]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read()[:300]
status, body = call("POST", "/auth/login", {"email": os.environ["LOADTEST_ADMIN_EMAIL"], "password": os.environ["LOADTEST_ADMIN_PASSWORD"]})
if status != 200:
    sys.exit(f"loadtest: the stack's admin cannot sign in ({status} {body}); is {os.environ['CATALOG_ADMIN_PASSWORD_FILE']} current?")
token = body["access_token"]
if sys.argv[1] == "seed":
    ids = []
    for n in range(1, int(sys.argv[2]) + 1):
        status, body = call("POST", "/products", {"name": f"locust_product_{n:04d}", "description": f"Load-test product {n}.",
                                                  "price": round(1 + n * 1.37, 2)}, token)
        if status != 201:
            sys.exit(f"loadtest: seeding product {n}: {status} {body}")
        ids.append(str(body["id"]))
    print(",".join(ids))
else:
    removed = 0
    while True:  # the whole locust_ set (also from an earlier, interrupted run)
        status, page = call("GET", "/products?limit=200&q=locust_")
        targets = [p["id"] for p in page if p["name"].startswith("locust_")] if status == 200 else []
        if not targets:
            break
        before = removed
        for pid in targets:
            s, _ = call("DELETE", f"/products/{pid}", token=token)
            removed += s == 204
        if removed == before:
            sys.exit(f"loadtest: could not delete locust_ products {targets[:5]}")
    print(f"loadtest: removed {removed} locust_ products")
PY
}

leftovers() { # prints "users authors books products" still named locust_
    "$PSQL" "$DATABASE_URL" -X -At -F ' ' -c "SELECT
        (SELECT count(*) FROM users WHERE email LIKE 'locust\_%'),
        (SELECT count(*) FROM authors WHERE name LIKE 'locust\_%'),
        (SELECT count(*) FROM books WHERE title LIKE 'locust\_%'),
        (SELECT count(*) FROM products WHERE name LIKE 'locust\_%')"
}

cleanup_data() {
    products delete || true
    "$CATALOG_BIN" cleanup-loadtest --prefix locust_ || true
}

finish() {
    local rc=$?
    trap - EXIT
    if [[ $started == dev ]]; then scripts/stack.sh down "$RUN_DIR" || true; fi
    if [[ $started == throwaway ]]; then scripts/stack.sh down "$RUN_DIR" || true; rm -rf -- "$RUN_DIR"; fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 0. leftovers of an interrupted earlier run
if [[ $(leftovers) != "0 0 0 0" ]]; then
    echo "loadtest: removing locust_ data left by an earlier run"
    cleanup_data
fi

# ---- 1. seed
echo "== seeding $PRODUCTS locust_product_… products"
LOADTEST_PRODUCT_IDS=$(products seed "$PRODUCTS")
export LOADTEST_PRODUCT_IDS
if [[ -n ${OFFERS_BASE_URL:-} ]]; then
    "$CATALOG_BIN" sync-offers >"$out/sync-offers.log" 2>&1 ||
        echo "loadtest: warning: sync-offers failed (see $out/sync-offers.log); products have no offers yet" >&2
fi

# ---- 2. Locust
echo "== locust: $USERS users (spawn $SPAWN_RATE/s) for $RUN_TIME against $CATALOG_BASE_URL"
status=0
(cd "$out" && "$VENV/bin/locust" -f "$REPO/loadtest/locustfile.py" --headless --only-summary \
    --host "$CATALOG_BASE_URL" --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$RUN_TIME" \
    --stop-timeout 10 --csv "$out/locust" --html "$out/locust.html" --loglevel WARNING) || status=$?

# ---- 3. clean up and verify
echo "== cleanup"
cleanup_data
left=$(leftovers)
if [[ $left != "0 0 0 0" ]]; then
    echo "loadtest: FAILED: locust_ data left behind (users authors books products): $left" >&2
    status=1
else
    echo "loadtest: no locust_ users, authors, books or products left"
fi
echo "loadtest: reports: $out/locust_stats.csv, $out/locust.html"
[[ $status -eq 0 ]] && echo "loadtest: PASSED" || echo "loadtest: FAILED" >&2
exit "$status"
