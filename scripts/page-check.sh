#!/usr/bin/env bash
# scripts/page-check.sh [RUN_DIR] — the catalogue's web page (/) in headless Chromium,
# against the stack in RUN_DIR, or against a throwaway stack of its own (with $CHECK_BIN,
# default .build/debug/catalog) when none is given. scripts/page-check.py does the
# browsing: grid, search and paging, a product's offers and price-history chart,
# sign-in, create / edit / delete, a hostile product name shown as text, phone width,
# sign-out; no request beyond the stack's origin and no page error. It seeds its
# products through the API and their offers and history with `catalog sync-offers`
# against the stack's offers stand-in. Screenshots: RUN_DIR/page/*.png (kept with the
# run dir: KEEP_RUN_DIR=1 make test). Chromium: Debian's chromium-headless-shell.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
browser_check page-check "$@"
"$VENV/bin/python" scripts/page-check.py --out-dir "$RUN_DIR/page" \
    --base-url "$CATALOG_BASE_URL" --admin-file "$CATALOG_ADMIN_PASSWORD_FILE"
