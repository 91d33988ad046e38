#!/usr/bin/env bash
# scripts/py-venv.sh NAME REQUIREMENTS — a Python virtualenv for the project's own
# tools (Schemathesis, Locust, the docs browser check), never the system's Python.
#
# Creates (or re-creates when REQUIREMENTS changed) REPO/.build-py/NAME with
# `python3 -m venv` and `pip install -r REQUIREMENTS` (exact pins), and prints the
# venv's directory. Idempotent and quick when nothing changed (a stamp file holds the
# requirements' checksum). .build-py/ is git-ignored (.build*/).
# Env: PYTHON (default python3).
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 NAME REQUIREMENTS" >&2; exit 2; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
name=$1
req=$2
[[ $name =~ ^[A-Za-z0-9_-]+$ ]] || { echo "py-venv: bad name: $name" >&2; exit 2; }
[[ -r $req ]] || { echo "py-venv: no requirements file: $req" >&2; exit 2; }
dir=$REPO/.build-py/$name
want=$( (sha256sum "$req"; "${PYTHON:-python3}" --version) 2>&1 | sha256sum | cut -c1-64)
if [[ -x $dir/bin/python && -r $dir/.stamp && $(cat "$dir/.stamp") == "$want" ]]; then
    echo "$dir"
    exit 0
fi
echo "py-venv: creating $dir from ${req#"$REPO"/}" >&2
rm -rf -- "$dir"
mkdir -p -- "$REPO/.build-py"
"${PYTHON:-python3}" -m venv "$dir" >&2
# Quiet, no version nag; a failed install leaves no stamp, so the next run retries.
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2 ||
    { echo "py-venv: pip install -r $req failed" >&2; exit 1; }
echo "$want" >"$dir/.stamp"
echo "$dir"
