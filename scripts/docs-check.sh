#!/usr/bin/env bash
# scripts/docs-check.sh [RUN_DIR] — check /docs (Swagger UI) in headless Chromium:
# the operations list renders (screenshot: RUN_DIR/swagger-ui.png), "Authorize" with a
# bearer token then "Try it out" on GET /users/me answers 200, the authorization
# persists across a reload, and nothing is fetched from outside the stack
# (scripts/docs-check.py does the browsing).
#
# RUN_DIR: a running stack (scripts/stack.sh up RUN_DIR); without it, a throwaway
# stack with $CHECK_BIN (default .build/debug/catalog).
# Needs Debian's chromium-headless-shell (or chromium): `make deps-test` installs it.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
browser_check docs-check "$@"

"$VENV/bin/python" scripts/docs-check.py --base-url "$CATALOG_BASE_URL" \
    --admin-file "$CATALOG_ADMIN_PASSWORD_FILE" \
    --screenshot "$RUN_DIR/swagger-ui.png" --tryout-screenshot "$RUN_DIR/swagger-ui-tryout.png"
