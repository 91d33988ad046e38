#!/usr/bin/env bash
# scripts/offer-sync-loop.sh DIR — the dev stack's stand-in for the systemd timer
# (deploy/systemd/catalog-offer-sync.timer): runs `$CATALOG_BIN sync-offers` with the
# settings of DIR/catalog.env now and then every $OFFERS_SYNC_INTERVAL seconds
# (default 60), start to start, one run at a time. Started by `scripts/stack.sh up DIR
# --sync-loop` (what `make run` does) and stopped by `stack.sh down` (TERM: the run in
# flight is stopped too). Output (the job's summary and log lines) goes to stdout,
# which stack.sh points at DIR/offer-sync.log.
set -uo pipefail
DIR=${1:?usage: offer-sync-loop.sh DIR}
INTERVAL=${OFFERS_SYNC_INTERVAL:-60}
[[ $INTERVAL =~ ^[1-9][0-9]*$ ]] || { echo "offer-sync-loop: OFFERS_SYNC_INTERVAL must be a whole number of seconds" >&2; exit 2; }
echo "$$" >"$DIR/offer-sync-loop.pid"

child=""
on_stop() {
    [[ -n $child ]] && kill -TERM "$child" 2>/dev/null
    wait 2>/dev/null
    echo "offer-sync-loop: stopped"
    exit 0
}
trap on_stop TERM INT

echo "offer-sync-loop: running sync-offers every ${INTERVAL}s (pid $$)"
while :; do
    started=$SECONDS
    (
        # shellcheck disable=SC1091
        . "$DIR/catalog.env" || exit 78
        # the stand-in is on loopback: never through a proxy from the environment
        export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"
        exec "$CATALOG_BIN" sync-offers
    ) </dev/null &
    child=$!
    wait "$child"
    rc=$?
    child=""
    ((rc == 0)) || echo "offer-sync-loop: $(date -u +%Y-%m-%dT%H:%M:%SZ) sync-offers exited with status $rc"
    elapsed=$((SECONDS - started))
    sleep $((elapsed < INTERVAL ? INTERVAL - elapsed : 1)) &
    child=$!
    wait "$child"
    child=""
done
