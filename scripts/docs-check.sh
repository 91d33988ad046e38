#!/usr/bin/env bash
# scripts/docs-check.sh [RUN_DIR] — check /docs (Swagger UI) in headless Chromium:
# the operations list renders (screenshot: RUN_DIR/swagger-ui.png), "Authorize" with a
# bearer token then "Try it out" on GET /users/me answers 200, the authorization
# persists across a reload, and nothing is fetched from outside the stack
# (scripts/docs-check.py does the browsing).
#
# RUN_DIR: a running stack (scripts/stack.sh up RUN_DIR); without it, a throwaway
# stack with $DOCS_BIN (default .build/debug/catalog).
# Needs Debian's chromium-headless-shell (or chromium): `make deps-test` installs it.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
    echo "docs-check: no headless Chromium; install Debian's chromium-headless-shell (make deps-test)" >&2
    exit 1
fi
VENV=$(scripts/py-venv.sh tools scripts/contract-requirements.txt)

if [[ $# -ge 1 ]]; then
    RUN_DIR=$(cd -- "$1" && pwd -P)
else
    throwaway_run_dir docs KEEP_RUN_DIR
    scripts/stack.sh up "$RUN_DIR" --bin "${DOCS_BIN:-.build/debug/catalog}"
fi
[[ -r $RUN_DIR/catalog.env ]] || { echo "docs-check: no stack in $RUN_DIR (no catalog.env)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$RUN_DIR/catalog.env"

"$VENV/bin/python" scripts/docs-check.py --base-url "$CATALOG_BASE_URL" \
    --admin-file "$CATALOG_ADMIN_PASSWORD_FILE" \
    --screenshot "$RUN_DIR/swagger-ui.png" --tryout-screenshot "$RUN_DIR/swagger-ui-tryout.png"
