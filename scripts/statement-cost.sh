#!/usr/bin/env bash
# scripts/statement-cost.sh — what CATALOG_DB_STATEMENTS costs: the service's by-id read
# (ProductStore's find, as text) run by pgbench as the unnamed statement (`-M extended`,
# what `unnamed` sends) and as a named prepared statement (`-M prepared`, what `prepared`
# sends), directly and through a PgBouncer of its own in transaction mode with two server
# connections, one per client (scripts/pgbouncer.sh; prepared cannot run there:
# "prepared statement P_0 already exists" once two clients share a server connection). Rounds alternate the variants so a busy machine hurts them alike; the
# median of the rounds is printed.
#
#   scripts/statement-cost.sh RUN_DIR [ROUNDS (default 5)] [SECONDS per run (default 4)]
#
# RUN_DIR: a stack started with `scripts/stack.sh up RUN_DIR --pgbouncer` (for its role's
# password and port). Adds 10,000
# products named `statement-cost N` if there are fewer, and leaves them.
set -euo pipefail
RUN_DIR=${1:?usage: statement-cost.sh RUN_DIR [ROUNDS] [SECONDS]}
ROUNDS=${2:-5}
SECONDS_PER_RUN=${3:-4}
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
[[ -n ${CATALOG_PGBOUNCER_URL:-} ]] || { echo "statement-cost: the stack has no PgBouncer (stack.sh up --pgbouncer)" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "statement-cost: pgbench not found (postgresql-client)" >&2; exit 1; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# The same role and password over loopback TCP, straight to PostgreSQL.
DIRECT=${CATALOG_PGBOUNCER_URL/@127.0.0.1:*\//@127.0.0.1:$CATALOG_PG_PORT/}
PASSWORD=${CATALOG_PGBOUNCER_URL#postgres://catalog:}
PASSWORD=${PASSWORD%%@*}
PGB_DIR=$(mktemp -d /tmp/catalog-statement-cost.XXXXXX)
chmod 0755 "$PGB_DIR"
SCRIPT=$(mktemp)
trap '"$REPO/scripts/pgbouncer.sh" stop "$PGB_DIR"; rm -rf "$PGB_DIR" "$SCRIPT"' EXIT
PGB_PORT=$(python3 "$REPO/scripts/free-port.py" 1)
PGBOUNCER_PASSWORD=$PASSWORD "$REPO/scripts/pgbouncer.sh" start "$PGB_DIR" --port "$PGB_PORT" --server-port "$CATALOG_PG_PORT" --pool-size 2
POOLER="postgres://catalog:$PASSWORD@127.0.0.1:$PGB_PORT/catalog"

psql "$DIRECT" -Xq -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO products (name, description, price)
SELECT 'statement-cost ' || g, 'd', 9.99 FROM generate_series(1, 10000 - (SELECT count(*) FROM products)) g;
SQL
cat >"$SCRIPT" <<'SQL'
\set id random(1, 10000)
SELECT p.id, p.name, p.description, p.price, p.created_at, p.updated_at, p.offers_synced_at, o.id, o.price, o.items_in_stock, o.updated_at FROM products p LEFT JOIN offers o ON o.product_id = p.id WHERE p.id = :id;
SQL

declare -A RESULTS
run() { # NAME MODE URL
    local tps
    tps=$(pgbench -n -M "$2" -c 2 -j 2 -T "$SECONDS_PER_RUN" -f "$SCRIPT" "$3" 2>&1 | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
    RESULTS[$1]="${RESULTS[$1]:-} ${tps:-0}"
}
for _ in $(seq "$ROUNDS"); do
    run "direct, prepared  " prepared "$DIRECT"
    run "direct, unnamed   " extended "$DIRECT"
    run "PgBouncer, unnamed" extended "$POOLER"
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo "by-id read, pgbench -c 2 -j 2, $ROUNDS rounds of ${SECONDS_PER_RUN}s (median tps; all rounds)"
base=$(median <<<"${RESULTS["direct, prepared  "]}")
for name in "direct, prepared  " "direct, unnamed   " "PgBouncer, unnamed"; do
    m=$(median <<<"${RESULTS[$name]}")
    printf '  %s  %8.0f tps  (%s of direct prepared)  [%s ]\n' "$name" "$m" \
        "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" "${RESULTS[$name]}"
done
