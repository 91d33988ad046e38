# scripts/lib.sh — sourced by the project's scripts: the Swift toolchain, and throwaway
# stacks. Sets SWIFT (default `swift`) and, when it is not on PATH, adds the toolchain
# the machines ship at /opt/swift.
SWIFT=${SWIFT:-swift}
if ! command -v "$SWIFT" >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH=$PATH:/opt/swift/usr/bin
fi

# build_tests — `swift build --build-tests`, with SWIFT_BUILD_ARGS (e.g. "--scratch-path
# .build-x") in BUILD_ARGS for the caller's later `swift build`/`swift test` calls too, and
# DEBUG_BIN set to the catalog binary of that build (TEST_BIN, when set, wins).
build_tests() {
    # shellcheck disable=SC2206
    BUILD_ARGS=(${SWIFT_BUILD_ARGS:-})
    echo "== swift build --build-tests ${BUILD_ARGS[*]}"
    "$SWIFT" build --build-tests "${BUILD_ARGS[@]}"
    DEBUG_BIN=${TEST_BIN:-.build/debug/catalog}
    if [[ -z ${TEST_BIN:-} && ${#BUILD_ARGS[@]} -gt 0 ]]; then
        DEBUG_BIN=$("$SWIFT" build --build-tests "${BUILD_ARGS[@]}" --show-bin-path)/catalog
    fi
}

# seed_products PSQL COUNT — COUNT products ('Bench product N', description 'Seeded') in
# the database of DATABASE_URL, then VACUUM ANALYZE; sets SEED_ID_MIN and SEED_ID_MAX to
# the seeded ids. What `make bench` and `make hostile` read.
seed_products() {
    "$1" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v count="$2" <<'SQL'
INSERT INTO products (name, description, price)
SELECT 'Bench product ' || g, 'Seeded', (g % 10000) / 100.0
FROM generate_series(1, :count) g;
VACUUM ANALYZE products, offers;  -- current statistics for both, as autovacuum would leave them
SQL
    read -r SEED_ID_MIN SEED_ID_MAX < <("$1" "$DATABASE_URL" -X -q -At -F ' ' \
        -c "SELECT min(id), max(id) FROM products WHERE description = 'Seeded'")
    [[ $SEED_ID_MIN =~ ^[0-9]+$ && $SEED_ID_MAX =~ ^[0-9]+$ ]] || { echo "seed_products: no seeded products" >&2; return 1; }
}

# throwaway_run_dir NAME KEEP_VAR — makes RUN_DIR (TMPDIR/catalog-NAME.XXXXXX) for a
# throwaway stack and arranges that, however the script ends (INT and TERM included),
# the stack in it is stopped and the directory removed — kept instead when the variable
# named KEEP_VAR is 1 (for reading its logs). Callers run from the repository root.
throwaway_run_dir() {
    _throwaway_name=$1
    _throwaway_keep=$2
    RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/catalog-$1.XXXXXX")
    trap _throwaway_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

_throwaway_cleanup() {
    scripts/stack.sh down "$RUN_DIR" >/dev/null 2>&1 || true
    if [[ ${!_throwaway_keep:-0} == 1 ]]; then
        echo "$_throwaway_name: run dir kept: $RUN_DIR" >&2
    else
        rm -rf -- "$RUN_DIR"
    fi
}
