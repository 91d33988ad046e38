#!/usr/bin/env bash
# scripts/contract.sh [RUN_DIR] — contract fuzzing: Schemathesis against the live
# stack's /openapi.json, every operation, with all of Schemathesis' default checks
# (no 5xx; status codes, content types, headers and bodies as documented; schema-valid
# requests accepted, schema-invalid ones rejected; undeclared methods → 405 with Allow;
# auth enforced; deleted resources gone), in every phase (examples, coverage, fuzzing,
# stateful sequences built from the Location headers).
#
# Two runs over all operations: one with an admin's token, one with a user's token
# (the user registers through POST /register). The principals heal themselves when a
# fuzzed request deletes or changes them (scripts/contract-hooks.py). Per-operation
# settings: scripts/contract-schemathesis.toml.
#
# RUN_DIR: a running stack (scripts/stack.sh up RUN_DIR); its catalog.env is used.
# Without RUN_DIR: a throwaway stack with $CONTRACT_BIN (default .build/debug/catalog).
#
# Env: CONTRACT_MAX_EXAMPLES (per operation and phase; default 25),
#      CONTRACT_SEED (default: random; the seed is printed for a replay),
#      CONTRACT_ROLES (default "admin user"), CONTRACT_WORKERS (default 1).
# Reports (JUnit XML, NDJSON events) go to RUN_DIR/contract/.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-25}
# One worker: with several threads, Hypothesis (describing lambdas with `ast`) hits a
# CPython 3.11 thread-safety bug ("AST constructor recursion depth mismatch").
WORKERS=${CONTRACT_WORKERS:-1}
ROLES=${CONTRACT_ROLES:-admin user}

VENV=$(scripts/py-venv.sh tools scripts/contract-requirements.txt)

own_stack=""
if [[ $# -ge 1 ]]; then
    RUN_DIR=$(cd -- "$1" && pwd -P)
else
    throwaway_run_dir contract KEEP_RUN_DIR
    own_stack=1
    scripts/stack.sh up "$RUN_DIR" --bin "${CONTRACT_BIN:-.build/debug/catalog}"
fi
[[ -r $RUN_DIR/catalog.env ]] || { echo "contract: no stack in $RUN_DIR (no catalog.env)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"

# A dedicated admin for the run (the stack's dev admin is left alone), created with the
# command line tool, as an operator would; its password never leaves this process tree.
export CONTRACT_BASE_URL=$CATALOG_BASE_URL
export CONTRACT_ADMIN_EMAIL="contract-admin@catalog.test"
CONTRACT_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
export CONTRACT_ADMIN_PASSWORD
export DATABASE_URL CATALOG_BIN
printf '%s\n' "$CONTRACT_ADMIN_PASSWORD" |
    "$CATALOG_BIN" admin create --email "$CONTRACT_ADMIN_EMAIL" --name "Contract Admin" --password-stdin >/dev/null ||
    { echo "contract: could not create the contract admin" >&2; exit 1; }

out=$RUN_DIR/contract
mkdir -p -- "$out"
seed_args=()
[[ -n ${CONTRACT_SEED:-} ]] && seed_args=(--seed "$CONTRACT_SEED")

status=0
for role in $ROLES; do
    echo "== schemathesis as $role: $CATALOG_BASE_URL/openapi.json (max $MAX_EXAMPLES examples per operation and phase)"
    started=$SECONDS
    # --include-path-regex "^/": every operation; without a filter, Schemathesis leaves
    # out the one serving the document (GET /openapi.json).
    # cwd = the report dir, so Hypothesis' example database (.hypothesis) stays there.
    rc=0
    (cd "$out" && CONTRACT_ROLE=$role SCHEMATHESIS_HOOKS="$REPO/scripts/contract-hooks.py" \
        "$VENV/bin/schemathesis" --config-file "$REPO/scripts/contract-schemathesis.toml" run \
        "$CATALOG_BASE_URL/openapi.json" --include-path-regex "^/" \
        --max-examples "$MAX_EXAMPLES" --workers "$WORKERS" "${seed_args[@]}" \
        --request-timeout 30 --no-color \
        --report junit,ndjson --report-dir "$out" \
        --report-junit-path "$out/$role.junit.xml" --report-ndjson-path "$out/$role.ndjson") || rc=$?
    echo "== schemathesis as $role: exit $rc in $((SECONDS - started))s"
    [[ $rc -eq 0 ]] || status=1
done
if [[ $status -ne 0 ]]; then
    echo "contract: FAILED (reports in $out; logs: $RUN_DIR/catalog.log)" >&2
fi
exit $status
