#!/usr/bin/env bash
# scripts/deb-lintian.sh DEB — lintian over the built package. Fails on any error or
# warning: the ones we keep on purpose are overridden, each with its reason, in
# packaging/deb/lintian-overrides (shipped in the package, where lintian reads them).
# Informational tags are printed, not fatal.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 DEB" >&2; exit 2; }
command -v lintian >/dev/null 2>&1 || { echo "deb-lintian: lintian is missing (make deps via make deb / make test)" >&2; exit 1; }
echo "== lintian $(basename "$1")"
# As root lintian warns that it should not be; it unpacks into its own temp dir anyway.
lintian --fail-on error,warning --display-info --show-overrides "$1" 2>&1 | grep -v '^running with root privileges is not recommended!$' || {
    status=${PIPESTATUS[0]}
    [[ $status -eq 0 ]] || { echo "deb-lintian: FAILED (lintian exit $status)" >&2; exit "$status"; }
}
echo "== lintian: no errors or warnings"
