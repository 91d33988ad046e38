#!/usr/bin/env python3
"""Derive the Debian nginx site (/etc/nginx/sites-available/catalog) from deploy/nginx.conf.

deploy/nginx.conf is a whole nginx.conf: the one truth for nginx, which the dev stack,
the tests and the benchmark run (scripts/render-nginx.py). Debian's nginx package brings
its own /etc/nginx/nginx.conf, which includes each enabled site inside its `http` block.
So the site is the body of our `http` block — maps, zones, upstream, FastCGI settings and
the servers, whatever is added there later — less what Debian's main file already sets
(nginx refuses a second `sendfile`, `gzip`, `default_type` ... in the same block):

    nginx-site.py --template deploy/nginx.conf --out STAGE/etc/nginx/sites-available/catalog

The access log moves from `http` into the server, where it replaces Debian's http-level
log for this site only. Each change is an exact string substitution that must match
exactly once, so drift in deploy/nginx.conf fails here loudly (as render-nginx.py does).
"""

import argparse
import os
import re
import sys

ACCESS_LOG = "    access_log /var/log/nginx/access.log catalog buffer=64k flush=1s;\n"

# (token in the http body, replacement, why)
SUBSTITUTIONS = [
    ("    include /etc/nginx/mime.types;\n", "", "Debian's nginx.conf includes it"),
    ("    default_type application/octet-stream;\n", "", "set by Debian's nginx.conf"),
    ("    sendfile on;\n", "", "set by Debian's nginx.conf"),
    ("    tcp_nopush on;\n", "", "set by Debian's nginx.conf"),
    ("    gzip on;\n", "", "set by Debian's nginx.conf"),
    # The temp paths equal Debian's compiled-in defaults; set in a site they would clash
    # with any other site that sets them.
    ("    # Temp files for large request bodies and buffered upstream responses. Set\n"
     "    # explicitly (they equal Debian's compiled-in defaults) so the dev/test render can\n"
     "    # move them into its run directory.\n", "", "about the temp paths"),
    ("    client_body_temp_path /var/lib/nginx/body;\n", "", "Debian's default"),
    ("    fastcgi_temp_path     /var/lib/nginx/fastcgi;\n", "", "Debian's default"),
    ("    proxy_temp_path       /var/lib/nginx/proxy;\n", "", "Debian's default"),
    ("    scgi_temp_path        /var/lib/nginx/scgi;\n", "", "Debian's default"),
    ("    uwsgi_temp_path       /var/lib/nginx/uwsgi;\n", "", "Debian's default"),
    (ACCESS_LOG, "", "moved into the server below"),
    ("        server_name _;\n",
     "        server_name _;\n\n"
     "        # This site's access log, in the catalog format (replaces Debian's http-level one here).\n"
     "    " + ACCESS_LOG, "the access log, per server"),
]


def fail(msg: str) -> None:
    print(f"nginx-site: error: {msg}", file=sys.stderr)
    sys.exit(1)


def http_body(text: str, template: str) -> str:
    """The lines inside the top-level `http { ... }` block, dedented by four spaces."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line == "http {\n"]
    if len(starts) != 1:
        fail(f"expected one top-level 'http {{' line in {template}, found {len(starts)}")
    start = starts[0]
    ends = [i for i in range(start + 1, len(lines)) if lines[i] == "}\n"]
    if not ends:
        fail(f"no closing '}}' of the http block in {template}")
    end = ends[0]
    if any(line.strip() and not line.lstrip().startswith("#") for line in lines[end + 1:]):
        fail(f"{template}: directives after the http block; the site would lose them")
    body = []
    for number, line in enumerate(lines[start + 1:end], start + 2):
        if line.strip() and not line.startswith("    "):
            fail(f"{template}:{number}: expected the http block indented by four spaces")
        body.append(line[4:] if line.startswith("    ") else line)
    return "".join(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--template", required=True, help="deploy/nginx.conf")
    ap.add_argument("--out", required=True, help="the site file to write")
    args = ap.parse_args()
    try:
        with open(args.template, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        fail(f"cannot read template: {e}")

    problems = []
    for token, replacement, why in SUBSTITUTIONS:
        # Tokens are written as they sit in the http block of the whole file.
        found = text.count(token)
        if found != 1:
            problems.append(f"expected 1x {token.strip()!r} ({why}) in {args.template}, found {found}")
            continue
        text = text.replace(token, replacement)
    if problems:
        fail("the template drifted from what this script replaces:\n  " + "\n  ".join(problems))

    site = http_body(text, args.template)
    # Nothing the main nginx.conf owns may be left in the site.
    for directive in ("user", "worker_processes", "pid", "events", "http"):
        if re.search(rf"^\s*{directive}\b[^;]*[;{{]", site, re.MULTILINE):
            fail(f"a main-level '{directive}' directive ended up in the site")

    header = (
        "# /etc/nginx/sites-available/catalog — Catalog behind Debian's nginx.\n"
        "#\n"
        "# GENERATED at package build from deploy/nginx.conf (scripts/nginx-site.py): the body of\n"
        "# its http block, less what Debian's /etc/nginx/nginx.conf already sets. Comments below\n"
        "# that speak of \"this file\" mean that one. Not enabled by the package; enable it with\n"
        "#   ln -s /etc/nginx/sites-available/catalog /etc/nginx/sites-enabled/catalog\n"
        "#   rm /etc/nginx/sites-enabled/default     # both are the default_server on port 80\n"
        "#   nginx -t && systemctl reload nginx\n"
        "\n")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(header + site)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
