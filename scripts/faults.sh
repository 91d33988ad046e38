#!/usr/bin/env bash
# scripts/faults.sh — what `make faults` (and CI, after `make test`) runs: the process
# manager's fault tests (Tests/FCGIAppTests/FaultsTests.swift) under a steady wrk load
# through nginx, against a throwaway stack of their own:
#   1. swift build --build-tests (debug)
#   2. scripts/stack.sh up in a mktemp dir (free loopback ports, 4 workers), with
#      DIR/extra.env: CATALOG_ENABLE_TEST_ROUTES=1 (GET /__test/sleep), CATALOG_TIMEOUT=2
#      (a hung handler is killed after 2 s), CATALOG_GRACEFUL_TIMEOUT=10
#   3. swift test --skip-build --no-parallel --filter FaultsTests, with CATALOG_FAULTS=1
#      and the stack's settings in the environment
#   4. always tears the stack down; exits with the test status.
# The tests: HUP x5 under load (zero non-2xx), SIGKILL of a random worker every second
# for 10 s (only in-flight requests fail, none after), a handler sleeping past the
# timeout (killed, replaced, logged), TTIN/TTOU (pool size via `catalog status`), a 5 s
# PostgreSQL outage (fast 503 + Retry-After, recovery within 2 s, no acknowledged write
# lost), TERM under load (in-flight requests complete). About a minute in all.
# Env: SWIFT (default swift), SWIFT_BUILD_ARGS (e.g. "--scratch-path .build-x", passed to
# build and test), TEST_BIN (default: the debug catalog of that build), KEEP_RUN_DIR=1 keeps the run dir.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
build_tests

throwaway_run_dir faults KEEP_RUN_DIR

cat >"$RUN_DIR/extra.env" <<'ENV'
export CATALOG_ENABLE_TEST_ROUTES=1
export CATALOG_TIMEOUT=2
export CATALOG_GRACEFUL_TIMEOUT=10
ENV

echo "== stack up in $RUN_DIR (fault-test settings: $(grep -o 'CATALOG_[A-Z_]*=[^ ]*' "$RUN_DIR/extra.env" | tr '\n' ' '))"
scripts/stack.sh up "$RUN_DIR" --workers 4 --bin "$DEBUG_BIN"

# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
export CATALOG_FAULTS=1
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

echo "== swift test --filter FaultsTests (stack: $CATALOG_BASE_URL)"
status=0
"$SWIFT" test --skip-build --no-parallel "${BUILD_ARGS[@]}" --filter FaultsTests || status=$?

if [[ $status -ne 0 ]]; then
    for f in "$RUN_DIR/catalog.log" "$RUN_DIR/nginx-error.log"; do
        if [[ -s $f ]]; then
            printf '\n----- last 80 lines of %s (without request lines) -----\n' "${f##*/}" >&2
            grep -v 'msg=request ' -- "$f" | tail -n 80 >&2 || true
        fi
    done
    echo "faults: FAILED (swift test exit $status)" >&2
fi
exit "$status"
