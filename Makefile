# Catalog — developer and CI entry points.
#
#   make deps    install the Debian packages the build, tests and stack need (idempotent)
#   make build   release build (swift build -c release)
#   make run     build and start a local stack on http://127.0.0.1:8080 (state in .run/;
#                what postgres and www-data must reach in /tmp/catalog-stack-<path hash>/),
#                with the offers stand-in and `catalog sync-offers` every minute
#   make stop    stop that stack and remove its /tmp state (logs kept in .run/)
#   make test    unit + database + end-to-end tests against a throwaway stack (what CI runs)
#   make faults  process-manager fault tests under load (reload, kills, timeouts, PostgreSQL
#                outage, stop) against a throwaway stack of their own (CI runs it after test)
#   make fuzz    the fuzz tests at scale (200,000 unit cases, 20,000 bodies end to end on
#                every body route, raw FastCGI params) against a throwaway stack; fails on
#                any failure or any crashed worker (FUZZ_CASES, FUZZ_SEED to change them)
#   make bench   wrk benchmark of the main endpoints against a throwaway stack, with
#                PHP-FPM and gunicorn + Flask peers doing the same by-id read (bench/peers/)
#                (SCALE=1000000: a million products, for the search figures)
#   make scale-test  primary + streaming standby, a PgBouncer in front of each, two pools
#                    behind one nginx upstream (loopback, bounded): the API suites through
#                    it, no failed request when a standby, a pool or the primary stops
#                    under GET load, throughput ratios (scripts/scale-test.sh)
#   make bench-sync  time `catalog sync-offers` over 10,000 products (stand-in at 20 ms)
#   make hostile     can one class of requests starve another? wrk's GET /products/{id}
#                    alone, then under login/registration guessing from 16 loopback
#                    addresses, ~900 KB wide JSON bodies, and both, while a real user signs
#                    in every second (throwaway stack, release build, bounded; exits 0 when
#                    targets are missed). SMOKE=1: a short run that checks the tool (CI)
#   make contract    Schemathesis over every operation of /openapi.json, throwaway stack
#                    (make test runs it too, with the /docs browser check)
#   make loadtest    Locust scenarios against the dev stack (.run/, started if needed):
#                    fails on any error or p95 > 100 ms, then removes the locust_ data
#   make deb         dist/catalog_<version>_<arch>.deb (scripts/deb.sh; packaging/)
#   make docs        install Swagger UI for nginx's /docs into DOCS_DIR
#                    (default /usr/share/catalog/docs; make run does it for .run/docs)
#   make web         install the web page (web/) for nginx's / and /web/ into WEB_DIR
#                    (default /usr/share/catalog/web; make run does it for its stack)
#   make clean   stop the stack, remove .run/ and the build products
#
# The stack (PostgreSQL + `catalog serve` + nginx with deploy/nginx.conf) is
# scripts/stack.sh for all of run, test and bench (it also runs the offers-service
# stand-in, scripts/offers-standin.py). Only loopback addresses are used.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Swift lives in /opt/swift on our machines; a swift already on PATH wins.
export PATH := $(PATH):/opt/swift/usr/bin

SWIFT   ?= swift
PORT    ?= 8080
RUN_DIR := $(CURDIR)/.run
RUN_BIN ?= .build/release/catalog
DOCS_DIR ?= /usr/share/catalog/docs
WEB_DIR ?= /usr/share/catalog/web

# Debian packages: C libraries we link (fcgi, libpq, OpenSSL), the servers of the
# stack, the load generator, and systemd (systemd-analyze and systemd-socket-activate for
# the unit and socket-activation tests).
DEB_PACKAGES := libfcgi-dev libpq-dev libssl-dev nginx postgresql pgbouncer wrk systemd
# Only for the browser checks of `make test` / `make contract` (/docs, and the web page
# at /): headless Chromium and a font for it (Python tools come from PyPI into .build-py/, see scripts/py-venv.sh).
TEST_DEB_PACKAGES := chromium-headless-shell fonts-dejavu-core
test contract deps-test: DEB_PACKAGES += $(TEST_DEB_PACKAGES)
# Only for the Debian package (`make deb`, and its test in `make test`): libcurl's headers
# for the static Swift runtime (FoundationNetworking links libcurl), dpkg-shlibdeps,
# lintian, promtool (Debian's prometheus) to check the shipped alert rules, and what the
# package test uses on the installed package (curl, man).
DEB_BUILD_PACKAGES := libcurl4-openssl-dev dpkg-dev lintian prometheus curl man-db
test deb: DEB_PACKAGES += $(DEB_BUILD_PACKAGES)
# Only for `make bench`: the peers it measures Catalog against, run from Debian's packages
# (bench/peers/: PHP-FPM with PDO pgsql, gunicorn + Flask + psycopg2).
BENCH_DEB_PACKAGES := php8.2-fpm php8.2-pgsql gunicorn python3-flask python3-psycopg2
bench: DEB_PACKAGES += $(BENCH_DEB_PACKAGES)

.PHONY: deps deps-test build run stop test faults fuzz bench bench-sync hostile contract loadtest docs web deb clean scale-test

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q ' ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" -eq 0 ]; then SUDO=""; \
	    elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	    else echo "deps: missing Debian packages:$$missing (run as root or install sudo)" >&2; exit 1; fi; \
	    echo "deps: installing$$missing"; \
	    policy_created=""; \
	    if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        : "don't let the packages start system nginx/PostgreSQL services (port 80 on all addresses)"; \
	        printf '#!/bin/sh\nexit 101\n' | $$SUDO tee /usr/sbin/policy-rc.d >/dev/null; \
	        $$SUDO chmod 755 /usr/sbin/policy-rc.d; policy_created=1; \
	    fi; \
	    rc=0; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	        || rc=$$?; \
	    if [ -n "$$policy_created" ]; then $$SUDO rm -f /usr/sbin/policy-rc.d; fi; \
	    if [ $$rc -ne 0 ]; then echo "deps: apt-get failed ($$rc)" >&2; exit $$rc; fi; \
	fi

build:
	$(SWIFT) build -c release

run: deps build
	@if scripts/stack.sh status "$(RUN_DIR)" >/dev/null 2>&1; then \
	    echo "Catalog is already running (make stop, then make run, to restart with a new build):"; \
	    scripts/stack.sh status "$(RUN_DIR)"; \
	else \
	    scripts/stack.sh down "$(RUN_DIR)" >/dev/null 2>&1 || true; \
	    scripts/stack.sh up "$(RUN_DIR)" --port $(PORT) --bin $(RUN_BIN) --sync-loop; \
	    echo ""; \
	    echo "Dev admin (shown once; also in .run/admin.txt, mode 600):"; \
	    sed 's/^/  /' "$(RUN_DIR)/admin.txt"; \
	fi; \
	echo ""; \
	echo "  http://127.0.0.1:$(PORT)/          (the web page in a browser; the JSON index for API clients)"; \
	echo "  http://127.0.0.1:$(PORT)/products"; \
	echo "  http://127.0.0.1:$(PORT)/openapi.json"; \
	echo ""; \
	echo "Logs: .run/catalog.log  .run/nginx-error.log  .run/nginx-access.log  .run/postgres.log"; \
	echo "Offers: stand-in on $$(sed -n 's/^export OFFERS_BASE_URL=//p' "$(RUN_DIR)/catalog.env") (log .run/offers-standin.log);"; \
	echo "        sync-offers runs every minute (log .run/offer-sync.log): new products get offers within a minute."; \
	echo "'make stop' stops it; '. .run/catalog.env' gives a shell its settings (DATABASE_URL, CATALOG_BASE_URL, ...)."

stop:
	@scripts/stack.sh down "$(RUN_DIR)"

test: deps
	@SWIFT="$(SWIFT)" scripts/test.sh
	@SWIFT="$(SWIFT)" scripts/package-test.sh

faults: deps
	@SWIFT="$(SWIFT)" scripts/faults.sh

scale-test: deps
	@SWIFT="$(SWIFT)" scripts/scale-test.sh

fuzz: deps
	@SWIFT="$(SWIFT)" scripts/fuzz.sh

bench: deps
	@SWIFT="$(SWIFT)" $(if $(SCALE),BENCH_SCALE="$(SCALE)") scripts/bench.sh

bench-sync: deps
	@SWIFT="$(SWIFT)" scripts/bench-sync.sh

hostile: deps
	@SWIFT="$(SWIFT)" $(if $(SMOKE),HOSTILE_SMOKE="$(SMOKE)") scripts/hostile.sh

deps-test: deps

contract: deps
	$(SWIFT) build
	@scripts/contract.sh

loadtest: deps build
	@RUN_DIR="$(RUN_DIR)" PORT="$(PORT)" RUN_BIN="$(RUN_BIN)" scripts/loadtest.sh

docs:
	@scripts/docs-install.sh "$(DOCS_DIR)"

web:
	@scripts/web-install.sh "$(WEB_DIR)"

deb: deps
	@SWIFT="$(SWIFT)" scripts/deb.sh

clean:
	@scripts/stack.sh down "$(RUN_DIR)" >/dev/null 2>&1 || true
	rm -rf "$(RUN_DIR)" dist
	$(SWIFT) package clean
