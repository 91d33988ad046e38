#!/usr/bin/env python3
"""Render deploy/nginx.conf (the production config) for a local run directory.

Used by scripts/stack.sh for the dev stack, the end-to-end tests and the benchmark,
so they all run the production file itself, not a private copy. Only a fixed list of
production values is swapped, each by exact string substitution; if any expected
token is missing (or appears a different number of times), rendering fails loudly so
that drift between deploy/nginx.conf and this script is caught at once.

    render-nginx.py --template deploy/nginx.conf --out RUN/nginx.conf \
                    --port 8080 --socket RUN/catalog.sock --run-dir RUN

The user line: when run as root, `user www-data;` is kept (as in production: the
master opens logs and creates the temp dirs, chowned to www-data; the run dir must be
traversable and the socket mode 0666). When not root, nginx cannot switch users, so
the line is dropped. --user NAME overrides (an empty NAME drops the line).

--upstream-server SPEC (repeatable) replaces the production `server` line of the
`upstream catalog` block with `server SPEC;` lines instead of the --socket one, e.g.
two loopback pools with weights (the load-balancing test):

    --upstream-server "127.0.0.1:9001 weight=3 max_fails=1 fail_timeout=5s" \
    --upstream-server "127.0.0.1:9002 weight=1 max_fails=1 fail_timeout=5s"

--fastcgi-keepalive N turns on kept-alive FastCGI connections (off in the template):
`keepalive N;` in the upstream and `fastcgi_keep_conn on;`, as an operator would (the
test of the workers' hand-off of kept connections).

--include PATH (repeatable) adds `include PATH;` at the end of the `http` block: extra
servers that only a local run needs (make bench's peers, bench/peers/nginx.conf.in),
never part of the production file.
"""

import argparse
import os
import sys


def fail(msg: str) -> None:
    print(f"render-nginx: error: {msg}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--template", required=True, help="deploy/nginx.conf")
    ap.add_argument("--out", required=True, help="rendered config to write")
    ap.add_argument("--port", required=True, type=int, help="loopback port to listen on")
    ap.add_argument("--socket", help="absolute path of the catalog FastCGI socket (required unless --upstream-server)")
    ap.add_argument("--upstream-server", action="append", default=[], metavar="SPEC",
                    help="an upstream server (address and parameters) replacing the socket one; repeatable")
    ap.add_argument("--fastcgi-keepalive", type=int, default=0, metavar="N",
                    help="keep up to N idle FastCGI connections per nginx process (default: off, as deploy/nginx.conf)")
    ap.add_argument("--include", action="append", default=[], metavar="PATH",
                    help="absolute path of a config file included at the end of the http block; repeatable")
    ap.add_argument("--run-dir", required=True, help="absolute run directory (pid, logs, temp)")
    ap.add_argument("--user", default=None,
                    help="worker user (default: www-data as root, none otherwise)")
    args = ap.parse_args()

    if not (0 < args.port < 65536):
        fail(f"bad --port {args.port}")
    if args.socket is None and not args.upstream_server:
        fail("--socket or --upstream-server is required")
    for spec in args.upstream_server:
        if not spec.strip() or any(c in spec for c in ";{}\"'\\$\n#"):
            fail(f"--upstream-server {spec!r}: expected an address and parameters, e.g. '127.0.0.1:9001 weight=2'")
    for name in ("socket", "run_dir"):
        value = getattr(args, name)
        if value is None:
            continue
        if not os.path.isabs(value):
            fail(f"--{name.replace('_', '-')} must be an absolute path: {value!r}")
        if any(c.isspace() or c in "';{}\"\\$" for c in value):
            fail(f"--{name.replace('_', '-')} contains characters unsafe in nginx.conf: {value!r}")
    for value in args.include:
        if not os.path.isabs(value) or any(c.isspace() or c in "';{}\"\\$" for c in value):
            fail(f"--include must be an absolute path without characters unsafe in nginx.conf: {value!r}")
    run = args.run_dir.rstrip("/")

    try:
        with open(args.template, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        fail(f"cannot read template: {e}")

    if args.user is None:
        user_line = "user www-data;\n" if os.geteuid() == 0 else ""
    else:
        user_line = f"user {args.user};\n" if args.user else ""

    tmp = f"{run}/nginx-tmp"
    # (production token, replacement, expected occurrences)
    subs = [
        ("user www-data;\n", user_line, 1),
        ("pid /run/nginx.pid;", f"pid {run}/nginx.pid;", 1),
        ("error_log /var/log/nginx/error.log warn;",
         f"error_log {run}/nginx-error.log warn;", 1),
        ("access_log /var/log/nginx/access.log catalog buffer=64k flush=1s;",
         f"access_log {run}/nginx-access.log catalog buffer=64k flush=1s;", 1),
        ("client_body_temp_path /var/lib/nginx/body;", f"client_body_temp_path {tmp}/body;", 1),
        ("fastcgi_temp_path     /var/lib/nginx/fastcgi;", f"fastcgi_temp_path     {tmp}/fastcgi;", 1),
        ("proxy_temp_path       /var/lib/nginx/proxy;", f"proxy_temp_path       {tmp}/proxy;", 1),
        ("scgi_temp_path        /var/lib/nginx/scgi;", f"scgi_temp_path        {tmp}/scgi;", 1),
        ("uwsgi_temp_path       /var/lib/nginx/uwsgi;", f"uwsgi_temp_path       {tmp}/uwsgi;", 1),
        ("fastcgi_cache_path /var/lib/nginx/catalog-cache ", f"fastcgi_cache_path {tmp}/catalog-cache ", 1),
        ("server unix:/run/catalog/catalog.sock;",
         "\n        ".join(f"server {spec.strip()};" for spec in args.upstream_server)
         if args.upstream_server else f"server unix:{args.socket};", 1),
        ("        listen 80 default_server;\n",
         f"        listen 127.0.0.1:{args.port} default_server;\n", 1),
        ("        listen [::]:80 default_server;\n", "", 1),
        # Swagger UI's static root (scripts/docs-install.sh RUN/docs fills it).
        ("            alias /usr/share/catalog/docs/;\n", f"            alias {run}/docs/;\n", 1),
        # The web page's static root (scripts/web-install.sh RUN/web fills it).
        ("            alias /usr/share/catalog/web/;\n", f"            alias {run}/web/;\n", 1),
    ]
    if args.fastcgi_keepalive > 0:
        subs += [
            ("        # keepalive 16;\n", f"        keepalive {args.fastcgi_keepalive};\n", 1),
            ("    fastcgi_keep_conn off;\n", "    fastcgi_keep_conn on;\n", 1),
        ]
    problems = []
    for token, replacement, expected in subs:
        found = text.count(token)
        if found != expected:
            problems.append(f"expected {expected}x {token.strip()!r} in {args.template}, found {found}")
            continue
        text = text.replace(token, replacement)
    if problems:
        fail("the template drifted from what this script replaces:\n  " + "\n  ".join(problems))

    if args.include:
        body = text.rstrip()
        if not body.endswith("\n}"):
            fail(f"{args.template} does not end with the http block's closing brace")
        text = body[:-1] + "".join(f"    include {path};\n" for path in args.include) + "}\n"

    # Nothing may still point at production locations.
    for leftover in ("/var/log/nginx/", "/var/lib/nginx/", "/run/nginx.pid", "/run/catalog/", "/usr/share/catalog/"):
        for lineno, line in enumerate(text.splitlines(), 1):
            if leftover in line and not line.lstrip().startswith("#"):
                fail(f"unreplaced production path {leftover!r} on rendered line {lineno}: {line.strip()}")

    # nginx creates each temp dir itself (one level only): the parent must exist.
    os.makedirs(tmp, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    header = (f"# RENDERED by scripts/render-nginx.py from {os.path.abspath(args.template)}"
              f" — do not edit; edit the template.\n")
    tmp_out = args.out + ".tmp"
    with open(tmp_out, "w", encoding="utf-8") as f:
        f.write(header + text)
    os.replace(tmp_out, args.out)


if __name__ == "__main__":
    main()
