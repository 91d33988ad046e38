#!/usr/bin/env bash
# scripts/deb.sh — what `make deb` runs: dist/catalog_<version>_<arch>.deb, built with
# Debian's own tools from a staged tree (dpkg-shlibdeps for Depends:, dpkg-deb to pack).
#
#   1. swift build -c release --static-swift-stdlib (+ SWIFT_BUILD_ARGS, e.g.
#      "--scratch-path .build-x"): the target needs no Swift toolchain, only the C
#      libraries the binary links (libfcgi, libpq, OpenSSL, libcurl for
#      FoundationNetworking), which dpkg-shlibdeps turns into Depends:.
#   2. the version: `catalog --version` (CatalogVersion.current, its one declaration);
#      packaging/deb/changelog's latest entry must carry the same version.
#   3. the tree (see packaging/deb/README.md for what goes where and why), generated
#      parts included: the man page and bash completion from the command line's own
#      definitions (swift-argument-parser's generate-manual and
#      --generate-completion-script), the nginx site from deploy/nginx.conf
#      (scripts/nginx-site.py), Swagger UI (scripts/docs-install.sh), the web page
#      (scripts/web-install.sh).
#   4. dpkg-deb --root-owner-group --build; then lintian (fails on an error or warning
#      not explained in packaging/deb/lintian-overrides), unless DEB_LINTIAN=0.
# Prints the path of the .deb on the last line of stdout.
# Env: SWIFT, SWIFT_BUILD_ARGS, DEB_LINTIAN (1), DEB_OUT_DIR (dist).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
PKG=packaging/deb
die() { echo "deb: error: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps dpkg-parsechangelog gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run 'make deps' via 'make deb' (dpkg-dev)"
done

# ---- 1. the static release build
# shellcheck disable=SC2206
# -z now (with relro): full RELRO, the GOT read-only after start-up, as Debian's
# hardening flags do for C programs.
BUILD_ARGS=(-c release --static-swift-stdlib -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now ${SWIFT_BUILD_ARGS:-})
echo "== swift build ${BUILD_ARGS[*]}" >&2
"$SWIFT" build "${BUILD_ARGS[@]}" >&2
BIN_DIR=$("$SWIFT" build "${BUILD_ARGS[@]}" --show-bin-path)
BIN=$BIN_DIR/catalog
[[ -x $BIN ]] || die "no binary at $BIN"

# ---- 2. version, architecture, maintainer
VERSION=$("$BIN" --version)
[[ $VERSION =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "catalog --version printed '$VERSION', not a Debian version"
CHANGELOG_VERSION=$(dpkg-parsechangelog -l "$PKG/changelog" -S Version)
[[ $CHANGELOG_VERSION == "$VERSION" ]] ||
    die "$PKG/changelog's latest entry is $CHANGELOG_VERSION, the binary is $VERSION: add an entry (dch -c $PKG/changelog -v $VERSION)"
MAINTAINER=$(dpkg-parsechangelog -l "$PKG/changelog" -S Maintainer)
ARCH=$(dpkg --print-architecture)
# Reproducible timestamps: the changelog entry's date (Debian's SOURCE_DATE_EPOCH rule).
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$PKG/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH

OUT_DIR=${DEB_OUT_DIR:-dist}
mkdir -p -- "$OUT_DIR"
OUT_DIR=$(cd -- "$OUT_DIR" && pwd -P)
DEB=$OUT_DIR/catalog_${VERSION}_${ARCH}.deb
WORK=$(mktemp -d "$OUT_DIR/.stage.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
ROOT=$WORK/root
echo "== staging catalog $VERSION ($ARCH) in $ROOT" >&2

# ---- 3. the tree
install -d -m 0755 "$ROOT"/usr/bin "$ROOT"/usr/share/man/man1 "$ROOT"/usr/share/bash-completion/completions \
    "$ROOT"/lib/systemd/system "$ROOT"/usr/share/catalog/migrations "$ROOT"/usr/share/catalog/monitoring \
    "$ROOT"/usr/share/doc/catalog "$ROOT"/etc/nginx/sites-available "$ROOT"/DEBIAN

# The binary, without its symbol table and debug info (as dh_strip does); Swift's
# runtime metadata lives in sections strip keeps.
install -m 0755 "$BIN" "$ROOT/usr/bin/catalog"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$ROOT/usr/bin/catalog"

# The man page: swift-argument-parser's generate-manual reads the command line's own
# definitions (`catalog --experimental-dump-help`). Built from the argument-parser
# checkout SwiftPM already resolved, in a scratch path beside the main build.
SCRATCH=$(dirname "$(dirname "$BIN_DIR")")   # .../SCRATCH/<triple>/release -> SCRATCH
AP_SRC=$SCRATCH/checkouts/swift-argument-parser
[[ -f $AP_SRC/Package.swift ]] || die "no swift-argument-parser checkout in $SCRATCH/checkouts"
echo "== generate-manual (swift-argument-parser)" >&2
"$SWIFT" build -c release --package-path "$AP_SRC" --scratch-path "$SCRATCH/tools" --product generate-manual >&2 ||
    "$SWIFT" build -c release --package-path "$AP_SRC" --scratch-path "$SCRATCH/tools" --target generate-manual >&2
GENERATE_MANUAL=$("$SWIFT" build -c release --package-path "$AP_SRC" --scratch-path "$SCRATCH/tools" --show-bin-path)/generate-manual
[[ -x $GENERATE_MANUAL ]] || die "generate-manual was not built"
MAN_DIR=$WORK/man
mkdir -p "$MAN_DIR"
date_of_entry=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
"$GENERATE_MANUAL" "$ROOT/usr/bin/catalog" --output-directory "$MAN_DIR" --date "$date_of_entry" \
    --section 1 --authors "$MAINTAINER" >&2
for page in "$MAN_DIR"/*.1; do
    gzip -9n <"$page" >"$ROOT/usr/share/man/man1/$(basename "$page").gz"
done
[[ -s $ROOT/usr/share/man/man1/catalog.1.gz ]] || die "generate-manual wrote no catalog.1"

# (bash-completion sources the file: no #! line, which lintian flags.)
"$ROOT/usr/bin/catalog" --generate-completion-script bash | sed '1{/^#!/d}' \
    >"$ROOT/usr/share/bash-completion/completions/catalog"
grep -q 'complete .*catalog' "$ROOT/usr/share/bash-completion/completions/catalog" || die "no bash completion generated"

install -m 0644 deploy/systemd/*.service deploy/systemd/*.socket deploy/systemd/*.timer "$ROOT/lib/systemd/system/"
install -m 0644 migrations/*.sql "$ROOT/usr/share/catalog/migrations/"
install -m 0644 deploy/catalog.env.example "$ROOT/usr/share/catalog/catalog.env.example"
install -m 0644 deploy/monitoring/* "$ROOT/usr/share/catalog/monitoring/"
scripts/docs-install.sh "$ROOT/usr/share/catalog/docs"
rm -f -- "$ROOT/usr/share/catalog/docs/.installed"   # docs-install's own stamp, not content
scripts/web-install.sh "$ROOT/usr/share/catalog/web"
rm -f -- "$ROOT/usr/share/catalog/web/.installed"    # likewise
python3 scripts/nginx-site.py --template deploy/nginx.conf --out "$ROOT/etc/nginx/sites-available/catalog"
chmod 0644 "$ROOT/etc/nginx/sites-available/catalog"

# Docs: the guides, compressed as Debian does for anything over 4 kB; the copyright
# file and the changelog (a native package: changelog.gz).
for doc in README.md docs/OPERATIONS.md docs/OFFER-SYNC.md docs/API-DOCS.md docs/LOADTEST.md; do
    gzip -9n <"$doc" >"$ROOT/usr/share/doc/catalog/$(basename "$doc").gz"
done
install -m 0644 "$PKG/copyright" "$ROOT/usr/share/doc/catalog/copyright"
gzip -9n <"$PKG/changelog" >"$ROOT/usr/share/doc/catalog/changelog.gz"
if [[ -s $PKG/lintian-overrides ]]; then
    install -d -m 0755 "$ROOT/usr/share/lintian/overrides"
    install -m 0644 "$PKG/lintian-overrides" "$ROOT/usr/share/lintian/overrides/catalog"
fi

# ---- Depends: from the libraries the binary really links (dpkg-shlibdeps reads
# debian/control of a source tree; a minimal one is enough)
mkdir -p "$WORK/src/debian"
printf 'Source: catalog\n\nPackage: catalog\nArchitecture: any\n' >"$WORK/src/debian/control"
SHLIBS=$(cd "$WORK/src" && dpkg-shlibdeps -O -e"$ROOT/usr/bin/catalog" 2>"$WORK/shlibdeps.err") ||
    { cat "$WORK/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
SHLIBS=${SHLIBS#shlibs:Depends=}
[[ -n $SHLIBS ]] || die "dpkg-shlibdeps found no dependencies"

# ---- DEBIAN/
install -m 0755 "$PKG/postinst" "$PKG/prerm" "$PKG/postrm" "$ROOT/DEBIAN/"
install -m 0644 "$PKG/conffiles" "$ROOT/DEBIAN/conffiles"
# Every file modified at the changelog entry's time, so two builds of one version match.
find "$ROOT" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    >"$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/md5sums"
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@MAINTAINER@|$MAINTAINER|" \
    -e "s|@INSTALLED_SIZE@|$INSTALLED_SIZE|" -e "s|@SHLIBS_DEPENDS@|$SHLIBS|" \
    "$PKG/control.in" >"$ROOT/DEBIAN/control"
grep -q '@[A-Z_]*@' "$ROOT/DEBIAN/control" && die "unfilled placeholder in DEBIAN/control"

# ---- 4. pack and check
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >&2
echo "== $(basename "$DEB"): $(du -h "$DEB" | cut -f1), Depends: $(dpkg-deb -f "$DEB" Depends)" >&2
if [[ ${DEB_LINTIAN:-1} == 1 ]]; then
    scripts/deb-lintian.sh "$DEB" >&2
fi
echo "$DEB"
