#!/usr/bin/env bash
# scripts/fuzz.sh — what `make fuzz` runs: the fuzz tests at a much larger scale than
# `make test` gives them, against a throwaway stack of their own, then the pool's crash
# count; it fails if any test failed or any worker crashed.
#   1. swift build --build-tests (debug)
#   2. scripts/stack.sh up in a mktemp dir (free loopback ports, 4 workers)
#   3. swift test --skip-build --no-parallel --filter on the fuzz and limit tests, with
#      CATALOG_FUZZ_CASES=$FUZZ_CASES (default 200000: 200,000 unit cases — JSON parser,
#      money, integers, query strings, cursors, ISBNs, emails — and a tenth of that,
#      20,000, generated bodies end to end through nginx on every body route, plus the
#      hostile corpus, the 80,000-member object and raw FastCGI params) and
#      CATALOG_FUZZ_SEED=$FUZZ_SEED (default: a new random seed, printed for replaying)
#   4. prints the workers crashed, from `catalog status` and from /metrics; exits 1 if
#      either is not 0, else with the test status. Always tears the stack down.
# About three minutes on a quiet 2-core machine with the default scale.
# Env: SWIFT (default swift), SWIFT_BUILD_ARGS (e.g. "--scratch-path .build-x", passed to
# build and test), TEST_BIN (default: the debug catalog of that build), FUZZ_CASES,
# FUZZ_SEED, KEEP_RUN_DIR=1 keeps the run dir.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
build_tests
BIN=$DEBUG_BIN

throwaway_run_dir fuzz KEEP_RUN_DIR
echo "== stack up in $RUN_DIR"
scripts/stack.sh up "$RUN_DIR" --workers 4 --bin "$BIN"

# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
export CATALOG_FUZZ_CASES=${FUZZ_CASES:-200000}
export CATALOG_FUZZ_SEED=${FUZZ_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
echo "== fuzz: CATALOG_FUZZ_CASES=$CATALOG_FUZZ_CASES CATALOG_FUZZ_SEED=$CATALOG_FUZZ_SEED (replay: FUZZ_SEED=$CATALOG_FUZZ_SEED make fuzz)"

status=0
started=$SECONDS
"$SWIFT" test --skip-build --no-parallel "${BUILD_ARGS[@]}" \
    --filter 'HostileInputFuzzTests|JSONLimitsTests|HostileBodiesTests|FastCGIBridgeTests' || status=$?
echo "== fuzz tests finished in $((SECONDS - started)) s (exit $status)"

# The crash counter two ways: the master's status file and the pool's /metrics.
crashed_status=$("$BIN" status --json --status-file "$CATALOG_STATUS_FILE" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["counters"]["workers_crashed"])') || crashed_status="?"
crashed_metrics=$(python3 - "$CATALOG_BASE_URL/metrics" <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for line in opener.open(sys.argv[1], timeout=10).read().decode().splitlines():
    if line.startswith('catalog_worker_exits_total{reason="crashed"} '):
        print(line.split()[-1])
PY
) || crashed_metrics="?"
echo "== workers crashed: $crashed_status (catalog status), ${crashed_metrics:-?} (/metrics)"
"$BIN" status --status-file "$CATALOG_STATUS_FILE" | sed -n '1,12p'

if [[ $crashed_status != 0 || $crashed_metrics != 0 ]]; then
    echo "fuzz: FAILED: a worker crashed (or the count could not be read); its log:" >&2
    grep -E 'worker died|signal' -- "$RUN_DIR/catalog.log" | tail -n 20 >&2 || true
    status=1
fi
if [[ $status -ne 0 ]]; then
    echo "fuzz: FAILED (exit $status; CATALOG_FUZZ_SEED=$CATALOG_FUZZ_SEED)" >&2
fi
exit "$status"
