#!/usr/bin/env bash
# scripts/page-check.sh [RUN_DIR] — check the catalogue's web page (/) in headless
# Chromium (scripts/page-check.py does the browsing): the grid, search and paging, a
# product's offers and its price-history chart, sign-in, create / edit / delete, a
# hostile product name shown as text, phone width, sign-out; no request beyond the
# stack's origin and no page error. It seeds its products through the API and their
# offers and history with `catalog sync-offers` against the stack's offers stand-in.
# Screenshots: RUN_DIR/page/*.png (kept with the run dir: KEEP_RUN_DIR=1 make test).
#
# RUN_DIR: a running stack (scripts/stack.sh up RUN_DIR); without it, a throwaway
# stack with $CHECK_BIN (default .build/debug/catalog).
# Needs Debian's chromium-headless-shell (or chromium): `make deps-test` installs it.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
browser_check page-check "$@"

"$VENV/bin/python" scripts/page-check.py --base-url "$CATALOG_BASE_URL" \
    --admin-file "$CATALOG_ADMIN_PASSWORD_FILE" --out-dir "$RUN_DIR/page"
