# scripts/lib.sh — sourced by the scripts that build with SwiftPM (test, faults, bench).
# Sets SWIFT (default `swift`) and, when it is not on PATH, adds the toolchain the
# machines ship at /opt/swift.
SWIFT=${SWIFT:-swift}
if ! command -v "$SWIFT" >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH=$PATH:/opt/swift/usr/bin
fi
