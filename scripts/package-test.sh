#!/usr/bin/env bash
# scripts/package-test.sh — the Debian package as an operator meets it (part of `make
# test`, so CI runs it). Root only: it installs the package on this machine, and always
# leaves it as it found it (purge, its own processes, cluster and files), failure or not.
#
#   1. scripts/deb.sh (one static release build; SWIFT_BUILD_ARGS honoured), lintian
#      (no error or warning; scripts/deb-lintian.sh), promtool over the alert rules and
#      the scrape config, the Grafana dashboard's JSON.
#   2. apt-get install ./dist/catalog_*.deb, then: ldd shows no Swift toolchain library,
#      `catalog --version`, the man page and the bash completion, the catalog system
#      user, /etc/catalog/catalog.env 0640 root:catalog with a generated secret, the
#      units enabled through deb-systemd-helper, the nginx site not enabled.
#   3. README "The operator's first hour", its commands as written wherever they can run
#      here (no systemd in this container: the units' own ExecStart/ExecReload lines are
#      run as their User=/Group=, in the RuntimeDirectory= they ask for): role and
#      database (a private PostgreSQL cluster stands in for Debian's main one; PGHOST and
#      PGPORT point the commands at it), DATABASE_URL, `catalog migrate`, an admin, the
#      service, the site enabled in Debian's own nginx on port 80, GET /products, /docs/
#      and the web page (/ for a browser, /web/) through it, the offer-sync unit
#      against the offers stand-in, /metrics
#      (every catalog_* series the alert rules and the dashboard use is there), a
#      reload, pg_dump and its restore.
#   4. upgrade (reinstall) keeps an edited catalog.env, and the restarted service runs
#      with the edit after `catalog migrate`; purge removes /etc/catalog,
#      /usr/bin/catalog, the enablement links and the site link.
# Env: SWIFT, SWIFT_BUILD_ARGS (as scripts/test.sh), PACKAGE_TEST_DEB=path (test that
# .deb instead of building one), KEEP_PACKAGE_TEST=1 (keep the work dir's logs).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

say() { printf '== %s\n' "$*"; }
fail() { printf 'package-test: FAILED: %s\n' "$*" >&2; exit 1; }
check() { # DESCRIPTION COMMAND... — one verified expectation, printed
    local what=$1
    shift
    if "$@"; then printf '   ok   %s\n' "$what"; else fail "$what"; fi
}

# Is any state of a catalog package on this machine (installed, half-done, config files)?
package_present() {
    local status
    status=$(dpkg-query -W -f='${db:Status-Status}' catalog 2>/dev/null) || return 1
    [[ -n $status && $status != not-installed ]]
}

[[ $EUID -eq 0 ]] || fail "must run as root: it installs the package with apt/dpkg (CI runs as root)"
for tool in apt-get dpkg runuser promtool lintian nginx python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (make test installs it through make deps)"
done
PG_BIN=/usr/lib/postgresql/15/bin
[[ -x $PG_BIN/initdb ]] || PG_BIN=$(dirname "$(ls -1d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
export PATH=$PATH:$PG_BIN

WORK=$(mktemp -d /tmp/catalog-package-test.XXXXXX)
chmod 0755 "$WORK" # the postgres user runs the cluster from here
ENV_FILE=/etc/catalog/catalog.env
STARTED_PIDS=()
created_user=0
created_run_dir=0
default_site_removed=0
site_linked=0
nginx_started=0

# ---------------------------------------------------------------- cleanup, always
cleanup() {
    local status=$? pid
    set +e
    if [[ $nginx_started == 1 && -s /run/nginx.pid ]]; then
        pid=$(cat /run/nginx.pid)
        kill -QUIT "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    if [[ -s $WORK/pg/postmaster.pid ]]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1
    fi
    if package_present; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq catalog >/dev/null 2>&1 || dpkg --purge catalog >/dev/null 2>&1
    fi
    [[ $site_linked == 1 ]] && rm -f /etc/nginx/sites-enabled/catalog
    if [[ $default_site_removed == 1 && ! -e /etc/nginx/sites-enabled/default ]]; then
        ln -s /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default
    fi
    [[ $created_run_dir == 1 ]] && rm -rf /run/catalog
    if [[ $created_user == 1 ]] && getent passwd catalog >/dev/null; then
        deluser --system --quiet catalog >/dev/null 2>&1
        getent group catalog >/dev/null && delgroup --system --quiet catalog >/dev/null 2>&1
    fi
    if [[ $status -ne 0 ]]; then
        for f in "$WORK"/*.log; do
            [[ -s $f ]] || continue
            printf '\n----- last 30 lines of %s -----\n' "${f##*/}" >&2
            tail -n 30 -- "$f" >&2
        done
    fi
    if [[ ${KEEP_PACKAGE_TEST:-0} == 1 ]]; then
        echo "package-test: work dir kept: $WORK" >&2
    else
        rm -rf -- "$WORK"
    fi
    if [[ $status -eq 0 ]]; then echo "package-test: passed"; else echo "package-test: FAILED (exit $status)" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if package_present; then
    fail "a catalog package is already installed here; this test installs and purges its own (apt-get purge catalog first)"
fi
getent passwd catalog >/dev/null || created_user=1
[[ -e /run/catalog ]] || created_run_dir=1

# ---------------------------------------------------------------- 1. build and static checks
if [[ -n ${PACKAGE_TEST_DEB:-} ]]; then
    DEB=$PACKAGE_TEST_DEB
else
    say "make deb (scripts/deb.sh)"
    started=$SECONDS
    DEB=$(DEB_LINTIAN=0 scripts/deb.sh | tail -n 1)
    say "package built in $((SECONDS - started)) s: $DEB ($(du -h "$DEB" | cut -f1))"
fi
[[ -f $DEB ]] || fail "no package at $DEB"
VERSION=$(dpkg-deb -f "$DEB" Version)
scripts/deb-lintian.sh "$DEB" || fail "lintian"
check "Depends: computed by dpkg-shlibdeps (libpq5, libfcgi0ldbl, libssl3, libc6 ...)" \
    bash -c "dpkg-deb -f '$DEB' Depends | grep -q 'libpq5' && dpkg-deb -f '$DEB' Depends | grep -q 'libfcgi0ldbl' && dpkg-deb -f '$DEB' Depends | grep -q 'libssl3'"
check "Recommends: nginx, postgresql" test "$(dpkg-deb -f "$DEB" Recommends)" = "nginx, postgresql"
say "promtool"
promtool check rules deploy/monitoring/catalog-alerts.yml || fail "promtool check rules"
check "the Grafana dashboard is JSON with panels" python3 -c '
import json, sys
d = json.load(open("deploy/monitoring/grafana-dashboard.json"))
assert d["panels"] and all(p.get("targets") or p.get("type") == "row" for p in d["panels"])'

# ---------------------------------------------------------------- 2. install
say "apt-get install $DEB"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log" >&2; fail "apt-get install"; }
check "catalog --version prints $VERSION" test "$(catalog --version)" = "$VERSION"
ldd /usr/bin/catalog >"$WORK/ldd.txt"
check "ldd: every library found" bash -c "! grep -q 'not found' '$WORK/ldd.txt'"
check "ldd: no Swift toolchain library (runtime, Foundation, dispatch, ICU)" \
    bash -c "! grep -Eiq 'swift|Foundation|dispatch|BlocksRuntime|/opt/' '$WORK/ldd.txt'"
check "the man page: man -w catalog" bash -c "man -w catalog | grep -q '/usr/share/man/man1/catalog.1.gz'"
check "the man page lists the subcommands" bash -c "zcat /usr/share/man/man1/catalog.1.gz | grep -q 'sync-offers'"
check "bash completion: complete -p catalog" \
    bash -c '. /usr/share/bash-completion/completions/catalog && complete -p catalog >/dev/null'
check "the catalog system user: no login shell, no home of its own" \
    bash -c 'u=$(getent passwd catalog) && [ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] && [ "$(echo "$u" | cut -d: -f7)" = /usr/sbin/nologin ] && [ "$(echo "$u" | cut -d: -f6)" = /nonexistent ] && [ ! -e /nonexistent ]'
check "catalog.env is 0640 root:catalog" test "$(stat -c '%a %U:%G' "$ENV_FILE")" = "640 root:catalog"
check "/etc/catalog is 0750 root:catalog" test "$(stat -c '%a %U:%G' /etc/catalog)" = "750 root:catalog"
check "catalog.env has a generated 32-byte secret" grep -Eq '^CATALOG_JWT_SECRET=[0-9a-f]{64}$' "$ENV_FILE"
check "catalog.env asks for DATABASE_URL (empty, marked FILL IN)" \
    bash -c "grep -q '^DATABASE_URL=\$' '$ENV_FILE' && grep -q 'FILL IN' '$ENV_FILE'"
refused=0
refusal=$(runuser -u catalog -- env CATALOG_ENV_FILE=$ENV_FILE catalog migrate 2>&1) || refused=$?
check "unset DATABASE_URL: catalog migrate refuses with exit 78 and says why" \
    bash -c "[ $refused -eq 78 ] && grep -q 'DATABASE_URL' <<<'$refusal'"
for link in multi-user.target.wants/catalog.service sockets.target.wants/catalog.socket timers.target.wants/catalog-offer-sync.timer; do
    check "enabled (not started): /etc/systemd/system/$link" test -L "/etc/systemd/system/$link"
done
check "the nginx site is installed and not enabled" \
    bash -c 'test -f /etc/nginx/sites-available/catalog && ! test -e /etc/nginx/sites-enabled/catalog'
check "promtool check config of the shipped scrape config (it names the shipped rules)" \
    bash -c 'promtool check config /usr/share/catalog/monitoring/prometheus.yml >/dev/null'

# ---------------------------------------------------------------- 3. the operator's first hour
say "PostgreSQL: a private cluster in $WORK standing in for Debian's main cluster"
PG_PORT=$(python3 scripts/free-port.py 1)
install -d -m 0700 -o postgres -g postgres "$WORK/pg"
install -d -m 0755 -o postgres -g postgres "$WORK/pgsock"
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" --auth-local=peer --auth-host=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$WORK/initdb.log" 2>&1 || fail "initdb"
install -m 0640 -o postgres -g postgres /dev/null "$WORK/postgres.log"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/postgres.log" -w -s \
    -o "-c listen_addresses='' -c port=$PG_PORT -c unix_socket_directories='$WORK/pgsock'" start || fail "PostgreSQL start"
export PGHOST=$WORK/pgsock PGPORT=$PG_PORT

say "README: role and database"
runuser -u postgres -- createuser catalog
runuser -u postgres -- createdb --owner=catalog catalog
say "README: DATABASE_URL in $ENV_FILE (peer authentication over the Unix socket)"
sed -i "s|^DATABASE_URL=\$|DATABASE_URL=postgres:///catalog?host=$PGHOST\&port=$PGPORT|" "$ENV_FILE"
check "DATABASE_URL is set" grep -q "^DATABASE_URL=postgres:///catalog?host=" "$ENV_FILE"
say "README: catalog migrate"
runuser -u catalog -- env CATALOG_ENV_FILE=/etc/catalog/catalog.env catalog migrate >"$WORK/migrate.log" 2>&1 ||
    fail "catalog migrate"
ADMIN_PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$ADMIN_PW" | runuser -u catalog -- env CATALOG_ENV_FILE=/etc/catalog/catalog.env \
    catalog admin create --email admin@example.com --name "First Admin" --password-stdin >>"$WORK/migrate.log" 2>&1 ||
    fail "catalog admin create"

# A unit's `KEY=value` (the first, or all with ALL=1) from the installed file.
unit_value() { sed -n "s/^$2=//p" "/lib/systemd/system/$1" | head -n 1; }

say "catalog.service, its ExecStart run as its User=/Group= (no systemd here)"
SERVICE_USER=$(unit_value catalog.service User)
SERVICE_GROUP=$(unit_value catalog.service Group)
SERVICE_GROUPS=$(unit_value catalog.service SupplementaryGroups)
EXEC_START=$(unit_value catalog.service ExecStart)
EXEC_RELOAD=$(unit_value catalog.service ExecReload)
STATUS_ENV=$(unit_value catalog.service Environment)
RUNTIME_MODE=$(unit_value catalog.service RuntimeDirectoryMode)
WORKDIR=$(unit_value catalog.service WorkingDirectory)
[[ $EXEC_START == /usr/bin/catalog\ serve* ]] || fail "unexpected ExecStart: $EXEC_START"
# RuntimeDirectory=catalog: /run/catalog, owned by User/Group, RuntimeDirectoryMode.
install -d -m "$RUNTIME_MODE" -o "$SERVICE_USER" -g "$SERVICE_GROUP" /run/catalog
start_service() {
    # EnvironmentFile= is read by systemd at start; --env-file (in ExecStart) reads it too.
    # setpriv, like systemd, execs the command itself (no PAM session, no parent left),
    # so $! is the master, as $MAINPID is under systemd.
    (
        cd "$WORKDIR"
        umask "$(unit_value catalog.service UMask)"
        # shellcheck disable=SC2086
        exec setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_GROUP" --groups="$SERVICE_GROUPS" --inh-caps=-all \
            env "$STATUS_ENV" $EXEC_START
    ) >>"$WORK/catalog.log" 2>&1 </dev/null &
    SERVICE_PID=$!
    STARTED_PIDS+=("$SERVICE_PID")
    rm -f /run/catalog/catalog.pid
    for _ in $(seq 200); do
        [[ -S /run/catalog/catalog.sock && -s /run/catalog/catalog.pid ]] && return 0
        kill -0 "$SERVICE_PID" 2>/dev/null || fail "catalog serve exited at start"
        sleep 0.1
    done
    fail "catalog serve made no socket in /run/catalog"
}
stop_service() { # systemctl stop: TERM to the master (KillMode=mixed), which stops its workers
    kill -TERM "$SERVICE_PID"
    for _ in $(seq 300); do kill -0 "$SERVICE_PID" 2>/dev/null || return 0; sleep 0.1; done
    fail "catalog serve did not stop on TERM"
}
start_service
check "the socket is 0660 catalog:www-data" test "$(stat -c '%a %U:%G' /run/catalog/catalog.sock)" = "660 catalog:www-data"

say "README: enable the nginx site"
if [[ -L /etc/nginx/sites-enabled/default ]]; then default_site_removed=1; fi
ln -s /etc/nginx/sites-available/catalog /etc/nginx/sites-enabled/catalog
site_linked=1
rm -f /etc/nginx/sites-enabled/default
nginx -t -q || fail "nginx -t with the site enabled"
python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 80))' 2>/dev/null ||
    fail "port 80 is taken on this machine: the test runs Debian's nginx with the site as installed"
nginx # Debian's own /etc/nginx/nginx.conf, which now includes the site
nginx_started=1

BASE=http://127.0.0.1
get() { curl -sS --noproxy '*' -o "$WORK/body" -w '%{http_code}' "$@"; }
for _ in $(seq 50); do [[ $(get "$BASE/healthz" || true) == 200 ]] && break; sleep 0.2; done
check "GET /healthz through nginx: 200" test "$(get "$BASE/healthz")" = 200
check "GET /products through nginx: 200 JSON" bash -c "[ \"\$(curl -sS --noproxy '*' -o '$WORK/products.json' -w '%{http_code}' $BASE/products)\" = 200 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$WORK/products.json'"
check "GET /docs/: Swagger UI from /usr/share/catalog/docs" bash -c "[ \"\$(curl -sS --noproxy '*' -o '$WORK/docs.html' -w '%{http_code}' $BASE/docs/)\" = 200 ] && grep -q swagger '$WORK/docs.html'"
check "GET / reports version $VERSION" bash -c "curl -sS --noproxy '*' $BASE/ | grep -q '\"version\":\"$VERSION\"'"
page_served() { # / for a browser: the page (its module script), the CSP, its files under /web/
    curl -sS --noproxy '*' -D "$WORK/page.head" -o "$WORK/page.html" -H 'Accept: text/html' "$BASE/" &&
        grep -q '/web/js/app.js' "$WORK/page.html" &&
        grep -qi "^content-security-policy: default-src 'self'" "$WORK/page.head" &&
        [[ $(get "$BASE/web/js/app.js") == 200 ]]
}
check "GET / for a browser: the web page from /usr/share/catalog/web, with its CSP" page_served

TOKEN=$(curl -sS --noproxy '*' -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@example.com\",\"password\":\"$ADMIN_PW\"}" "$BASE/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') || fail "admin sign-in"
new_product() { # NAME -> id
    curl -sS --noproxy '*' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1\",\"description\":\"package test\",\"price\":12.50}" "$BASE/products" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
PRODUCT=$(new_product "Package test lamp") || fail "POST /products"
check "POST /products as the admin: product $PRODUCT" test -n "$PRODUCT"

say "README: the offer sync (catalog-offer-sync.service's ExecStart, as its User=)"
OFFERS_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
(
    export OFFERS_REFRESH_TOKEN=$OFFERS_TOKEN
    exec python3 "$REPO/scripts/offers-standin.py" --port 0 --port-file "$WORK/standin.port" --pid-file "$WORK/standin.pid"
) >"$WORK/offers-standin.log" 2>&1 </dev/null &
STARTED_PIDS+=("$!")
for _ in $(seq 100); do [[ -s $WORK/standin.port ]] && break; sleep 0.1; done
[[ -s $WORK/standin.port ]] || fail "offers stand-in did not start"
# Offers as first made: the stand-in's drift can sell a product's only offer out between
# two calls, and this check is about the sync, not the drift.
curl -sS --noproxy '*' -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"drift": false}' \
    "http://127.0.0.1:$(cat "$WORK/standin.port")/__control" || fail "offers stand-in: drift off"
printf '%s\n' "$OFFERS_TOKEN" | install -m 0640 -o root -g catalog /dev/stdin /etc/catalog/offers-refresh-token
sed -i "s|^OFFERS_BASE_URL=.*|OFFERS_BASE_URL=http://127.0.0.1:$(cat "$WORK/standin.port")/api/v1|" "$ENV_FILE"
SYNC_EXEC=$(unit_value catalog-offer-sync.service ExecStart)
# EnvironmentFile= by hand here (systemd would read it); CATALOG_ENV_FILE does the same.
# shellcheck disable=SC2086
(cd / && runuser -u "$(unit_value catalog-offer-sync.service User)" -g "$(unit_value catalog-offer-sync.service Group)" -- \
    env CATALOG_ENV_FILE="$(unit_value catalog-offer-sync.service EnvironmentFile)" NO_PROXY=127.0.0.1 $SYNC_EXEC) \
    >"$WORK/offer-sync.log" 2>&1 </dev/null || fail "catalog sync-offers (exit $?)"
check "offer sync: the product got offers" bash -c "curl -sS --noproxy '*' -H 'Cache-Control: no-cache' $BASE/products/$PRODUCT/offers | python3 -c 'import json,sys; v=json.load(sys.stdin); sys.exit(0 if v else 1)'"

say "/metrics: every series the alert rules and the dashboard use"
get "$BASE/metrics" >/dev/null
cp "$WORK/body" "$WORK/metrics.txt"
python3 - "$WORK/metrics.txt" deploy/monitoring/catalog-alerts.yml deploy/monitoring/grafana-dashboard.json <<'PY' || fail "a series the monitoring files use is missing from /metrics"
import re, sys
exposed = set()
for line in open(sys.argv[1]):
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
    if m and not line.startswith("#"):
        exposed.add(m.group(1))
missing = []
for path in sys.argv[2:]:
    used = set(re.findall(r"\b(catalog_[a-z0-9_]+)", open(path).read()))
    for name in sorted(used):
        if name not in exposed:
            missing.append(f"{path}: {name}")
print(f"   ok   {len(exposed)} series exposed; the monitoring files use only those" if not missing else "\n".join(missing))
sys.exit(1 if missing else 0)
PY

say "README: systemctl reload catalog (its ExecReload, with MAINPID)"
generation() { catalog status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["generation"])'; }
before=$(generation)
MAINPID=$(cat /run/catalog/catalog.pid)
reload_cmd=${EXEC_RELOAD//\$MAINPID/$MAINPID}
$reload_cmd
for _ in $(seq 100); do [[ $(generation) -gt $before ]] && break; sleep 0.1; done
check "reload: a new generation serves ($before -> $(generation))" test "$(generation)" -gt "$before"
check "GET /products after the reload: 200" test "$(get "$BASE/products")" = 200

say "README: backup with pg_dump, restore with pg_restore"
runuser -u postgres -- pg_dump --format=custom catalog >"$WORK/catalog.dump"
check "the dump is not empty" test -s "$WORK/catalog.dump"
curl -sS --noproxy '*' -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$BASE/products/$PRODUCT"
check "the product is gone before the restore" test "$(get "$BASE/products/$PRODUCT")" = 404
stop_service
runuser -u postgres -- dropdb --if-exists catalog || fail "dropdb"
runuser -u postgres -- pg_restore --create --exit-on-error --dbname=postgres <"$WORK/catalog.dump" ||
    fail "pg_restore"
start_service
for _ in $(seq 50); do [[ $(get "$BASE/healthz" || true) == 200 ]] && break; sleep 0.2; done
check "after the restore the product is back" test "$(get "$BASE/products/$PRODUCT")" = 200
stop_service

# ---------------------------------------------------------------- 4. upgrade and purge
say "upgrade: reinstall keeps the operator's catalog.env"
printf '# operator edit %s\nCATALOG_WORKERS=3\n' "$(date -u +%FT%TZ)" >>"$ENV_FILE"
sum_before=$(sha256sum "$ENV_FILE")
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall --no-install-recommends "$DEB" >"$WORK/upgrade.log" 2>&1 ||
    { cat "$WORK/upgrade.log" >&2; fail "apt-get install --reinstall"; }
check "catalog.env unchanged by the upgrade" test "$(sha256sum "$ENV_FILE")" = "$sum_before"
check "catalog.env still 0640 root:catalog" test "$(stat -c '%a %U:%G' "$ENV_FILE")" = "640 root:catalog"
say "README: after the upgrade, catalog migrate, then systemctl restart catalog"
runuser -u catalog -- env CATALOG_ENV_FILE=/etc/catalog/catalog.env catalog migrate >>"$WORK/migrate.log" 2>&1 ||
    fail "catalog migrate after the upgrade"
start_service
for _ in $(seq 50); do [[ $(get "$BASE/healthz" || true) == 200 ]] && break; sleep 0.2; done
check "GET /products after the restart: 200" test "$(get "$BASE/products")" = 200
check "the restarted pool runs the operator's edit (CATALOG_WORKERS=3)" \
    test "$(catalog status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["configured_workers"])')" = 3
stop_service

say "apt-get purge catalog"
kill -QUIT "$(cat /run/nginx.pid)"
for _ in $(seq 50); do [[ -e /run/nginx.pid ]] || break; sleep 0.1; done
nginx_started=0
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq catalog >"$WORK/purge.log" 2>&1 ||
    { cat "$WORK/purge.log" >&2; fail "apt-get purge"; }
check "purge removed /etc/catalog" test ! -e /etc/catalog
check "purge removed /usr/bin/catalog" test ! -e /usr/bin/catalog
check "purge removed the enablement links" bash -c '! ls /etc/systemd/system/*.wants/catalog* >/dev/null 2>&1'
check "purge removed the site and the link enabling it" \
    bash -c 'test ! -e /etc/nginx/sites-available/catalog && test ! -L /etc/nginx/sites-enabled/catalog'
site_linked=0
check "dpkg knows no catalog package any more" bash -c "! dpkg-query -W catalog >/dev/null 2>&1 || [ \"\$(dpkg-query -W -f='\${Status}' catalog)\" = 'unknown ok not-installed' ]"
