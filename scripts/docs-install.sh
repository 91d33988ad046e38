#!/usr/bin/env bash
# scripts/docs-install.sh DEST — install the interactive API docs (Swagger UI) into DEST,
# the directory nginx serves at /docs/ (production: /usr/share/catalog/docs; the dev/test
# stack: RUN_DIR/docs, see scripts/render-nginx.py).
#
# Swagger UI is not committed. Its static distribution is taken from a pinned release of
# a package on PyPI that carries it (flask-swagger-ui 5.34.0 = Swagger UI 5.34.0, which
# renders OpenAPI 3.1; only its dist/ files are used, none of its Python code), checked
# against a pinned SHA-256, and cached in REPO/.build-py/wheels so later installs need no
# network. Our own docs/swagger/index.html and swagger-initializer.js (pointing at
# /openapi.json, with persistAuthorization) are installed next to it.
#
# Idempotent: does nothing when DEST already holds this exact release and these files.
# The new tree is built beside DEST and swapped in, so nginx never serves half a copy.
# Env: PYTHON (default python3; its pip downloads the wheel).
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 DEST" >&2; exit 2; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DEST=${1%/}
[[ $DEST == /* ]] || DEST=$PWD/$DEST
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"

PACKAGE=flask-swagger-ui
VERSION=5.34.0
WHEEL=flask_swagger_ui-$VERSION-py3-none-any.whl
SHA256=63e4ecfee6345ca746c11c5341c6f2a1cbe271e518aac1659889cd3905b1110f
DIST_PREFIX=flask_swagger_ui/dist/    # Swagger UI's dist inside the wheel
OURS=$REPO/docs/swagger                # index.html, swagger-initializer.js

die() { echo "docs-install: error: $*" >&2; exit 1; }
PY=${PYTHON:-python3}

stamp=$(cat "$OURS/index.html" "$OURS/swagger-initializer.js" | sha256sum | cut -c1-64)
stamp="swagger-ui $VERSION $SHA256 $stamp"
if [[ -r $DEST/.installed && $(cat "$DEST/.installed") == "$stamp" ]]; then
    exit 0
fi

# ---- the pinned wheel, from the cache or PyPI, verified
cache=$REPO/.build-py/wheels
mkdir -p -- "$cache"
wheel=$cache/$WHEEL
have_ok() { [[ -f $wheel ]] && [[ $(sha256sum "$wheel" | cut -c1-64) == "$SHA256" ]]; }
if ! have_ok; then
    rm -f -- "$wheel"
    tmp=$(mktemp -d "$cache/dl.XXXXXX")
    echo "docs-install: fetching $PACKAGE==$VERSION (Swagger UI $VERSION) from PyPI" >&2
    if ! "$PY" -m pip download --quiet --disable-pip-version-check --no-input --no-deps \
        --only-binary=:all: -d "$tmp" "$PACKAGE==$VERSION" >&2; then
        rm -rf -- "$tmp"
        die "could not download $PACKAGE==$VERSION (is PyPI reachable?)"
    fi
    mv -f -- "$tmp/$WHEEL" "$wheel" 2>/dev/null || { rm -rf -- "$tmp"; die "pip did not produce $WHEEL"; }
    rm -rf -- "$tmp"
    have_ok || { rm -f -- "$wheel"; die "$WHEEL does not match the pinned SHA-256 $SHA256"; }
fi

# ---- build the tree beside DEST, then swap it in
parent=$(dirname -- "$DEST")
mkdir -p -- "$parent"
new=$(mktemp -d "$parent/.docs-new.XXXXXX")
trap 'rm -rf -- "$new"' EXIT
"$PY" - "$wheel" "$DIST_PREFIX" "$new" <<'PY'
import os, sys, zipfile
wheel, prefix, out = sys.argv[1:]
wanted = {"swagger-ui-bundle.js", "swagger-ui.css", "index.css", "favicon-16x16.png",
          "favicon-32x32.png", "oauth2-redirect.html", "oauth2-redirect.js", "LICENSE", "VERSION"}
with zipfile.ZipFile(wheel) as z:
    found = set()
    for name in z.namelist():
        base = name[len(prefix):] if name.startswith(prefix) else None
        if base in wanted:
            with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
                dst.write(src.read())
            found.add(base)
missing = wanted - found
if missing:
    sys.exit(f"docs-install: error: {wheel} lacks {sorted(missing)}")
PY
install -m 0644 "$OURS/index.html" "$OURS/swagger-initializer.js" "$new/"
printf '%s\n' "$stamp" >"$new/.installed"
chmod 0755 "$new"
chmod 0644 "$new"/*

replace_dir "$new" "$DEST"
trap - EXIT
echo "docs-install: Swagger UI $VERSION installed in $DEST" >&2
