#!/usr/bin/env bash
# scripts/web-install.sh DEST — install the catalogue's web page (web/ in the repository:
# index.html, style.css, favicon.svg, js/*.js) into DEST, the directory nginx serves at
# /web/ and, for browsers, at / (production: /usr/share/catalog/web, shipped by the
# Debian package; the dev/test stack: STATE/web, see scripts/stack.sh and
# scripts/render-nginx.py). The files are used as they are: no build step.
#
# Idempotent: does nothing when DEST already holds these exact files. The new tree is
# built beside DEST and swapped in, so nginx never serves half a copy.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"
SRC=$REPO/web
case ${1:-} in
    /*) DEST=${1%/} ;;
    ?*) DEST=$PWD/${1%/} ;;
    *) echo "usage: $0 DEST" >&2; exit 2 ;;
esac

# The stamp: every file's path and content.
stamp="web $(cd "$SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
if [[ -r $DEST/.installed && $(cat "$DEST/.installed") == "$stamp" ]]; then
    exit 0
fi

parent=$(dirname -- "$DEST")
mkdir -p -- "$parent"
new=$(mktemp -d "$parent/.web-new.XXXXXX")
trap 'rm -rf -- "$new"' EXIT
cp -R -- "$SRC/." "$new/"
find "$new" -type d -exec chmod 0755 {} +
find "$new" -type f -exec chmod 0644 {} +
printf '%s\n' "$stamp" >"$new/.installed"
chmod 0644 "$new/.installed"
replace_dir "$new" "$DEST"
trap - EXIT
echo "web-install: the web page installed in $DEST" >&2
