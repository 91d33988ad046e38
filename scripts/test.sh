#!/usr/bin/env bash
# scripts/test.sh — what `make test` (and so CI) runs:
#   1. swift build --build-tests (debug)
#   2. a throwaway stack (scripts/stack.sh) in a mktemp dir on free loopback ports,
#      with the debug binary and 4 workers, and a PgBouncer in transaction mode with one
#      server connection beside it (--pgbouncer: PgBouncerTests run through it) and a
#      streaming hot standby (--standby: ReadReplicaTests)
#   3. swift test --skip-build --no-parallel with that stack's settings in the
#      environment (DATABASE_URL, CATALOG_BASE_URL, ... from catalog.env)
#   4. scripts/docs-check.sh (/docs in headless Chromium), scripts/page-check.sh (the
#      web page at / in headless Chromium) and scripts/contract.sh (Schemathesis over
#      every operation of /openapi.json) on the same stack
#   5. always tears the stack down; exits with the test status.
# Env: SWIFT (default swift), TEST_WORKERS (default 4), TEST_BIN (default
# .build/debug/catalog), KEEP_RUN_DIR=1 keeps the run dir (logs, database) for
# inspection, SWIFT_TEST_ARGS extra args for swift test (e.g. "--filter CoreTests"),
# SWIFT_BUILD_ARGS extra args for both swift build and swift test (e.g. "--scratch-path
# .build-x" for a build directory of one's own; TEST_BIN then defaults to its binary),
# SKIP_CONTRACT=1 skips step 4, CONTRACT_* tune it (see scripts/contract.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

build_tests

throwaway_run_dir test KEEP_RUN_DIR

echo "== stack up in $RUN_DIR"
scripts/stack.sh up "$RUN_DIR" --workers "${TEST_WORKERS:-4}" --bin "$DEBUG_BIN" --pgbouncer --standby

# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
# Test clients talk to 127.0.0.1 only: never through a proxy from the environment.
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

echo "== swift test (stack: $CATALOG_BASE_URL, PostgreSQL 127.0.0.1:$CATALOG_PG_PORT)"
status=0
# shellcheck disable=SC2086
"$SWIFT" test --skip-build --no-parallel "${BUILD_ARGS[@]}" ${SWIFT_TEST_ARGS:-} || status=$?

# /docs and the web page in a real headless browser, then contract fuzzing of every
# operation against /openapi.json (Schemathesis), on the same stack. The browser checks
# first: they sign in as the stack's admin, which the contract run's fuzzed requests may
# change. SKIP_CONTRACT=1 skips all three (e.g. a quick local run of the Swift tests).
if [[ ${SKIP_CONTRACT:-0} != 1 ]]; then
    echo "== API docs: /docs in headless Chromium (scripts/docs-check.sh)"
    scripts/docs-check.sh "$RUN_DIR" || { echo "test: docs check FAILED" >&2; status=1; }
    echo "== web page: / in headless Chromium (scripts/page-check.sh; screenshots in the run dir's page/)"
    scripts/page-check.sh "$RUN_DIR" || { echo "test: page check FAILED" >&2; status=1; }
    echo "== contract: Schemathesis against /openapi.json (scripts/contract.sh)"
    scripts/contract.sh "$RUN_DIR" || { echo "test: contract run FAILED" >&2; status=1; }
fi

if [[ $status -ne 0 ]]; then
    for f in "$RUN_DIR/catalog.log" "$RUN_DIR/nginx-error.log" "$RUN_DIR/offers-standin.log"; do
        if [[ -s $f ]]; then
            printf '\n----- last 60 lines of %s -----\n' "${f##*/}" >&2
            tail -n 60 -- "$f" >&2 || true
        fi
    done
    echo "test: FAILED (exit $status)" >&2
fi
exit "$status"
