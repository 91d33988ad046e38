#!/usr/bin/env python3
"""Check the interactive API docs (/docs) in a real headless browser.

    docs-check.py --base-url http://127.0.0.1:PORT --admin-file RUN/admin.txt \
                  --screenshot RUN/swagger-ui.png [--chromium PATH]

Starts Debian's headless Chromium (chromium-headless-shell, or chromium) with a private
profile on a loopback DevTools port and, over the DevTools protocol:

1. opens BASE/apidocs (nginx redirects to /docs/), waits until Swagger UI has rendered
   one operation block per operation of BASE/openapi.json, and saves a full-page
   screenshot (PNG) of the operations list;
2. "Authorize": types an access token (the stack admin's, from POST /auth/login) into
   the bearerAuth dialog, then "Try it out" + "Execute" on GET /users/me, and expects a
   200 whose body is the admin's record, i.e. the bearer scheme works from the page;
3. reloads the page and expects the authorization to be still there (persistAuthorization);
4. fails if the page requested anything that is not on the stack's own origin (the
   page must work with no internet) or logged a JavaScript error.

Exit 0 when all of that holds; otherwise prints what failed and exits 1.
Needs websocket-client (installed in .build-py/tools by scripts/docs-check.sh).
"""

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket  # websocket-client

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


def fail(msg):
    print(f"docs-check: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def http_json(url, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with OPENER.open(req, timeout=timeout) as r:
        return json.load(r)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_chromium(explicit):
    for c in [explicit, "chromium-headless-shell", "chromium", "/usr/lib/chromium/chromium-headless-shell"]:
        if c and shutil.which(c):
            return shutil.which(c)
    fail("no headless Chromium found (Debian: apt-get install chromium-headless-shell)")


class Browser:
    """A headless Chromium and one page, driven over the DevTools protocol."""

    def __init__(self, chromium, width=1280, height=900):
        self.profile = tempfile.mkdtemp(prefix="catalog-docs-chromium.")
        port = free_port()
        args = [
            chromium, "--headless", f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "--hide-scrollbars",
            "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--metrics-recording-only", "--proxy-server=direct://",
            "--proxy-bypass-list=*", "about:blank",
        ]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        targets = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                targets = http_json(f"http://127.0.0.1:{port}/json/list", timeout=2)
                if any(t.get("type") == "page" for t in targets):
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        page = next((t for t in targets or [] if t.get("type") == "page"), None)
        if page is None:
            self.close()
            fail(f"Chromium did not start (see {self.log.name})")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Network.enable")
        self.send("Log.enable")

    def send(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def js(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JS error in {expression!r}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout, what):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        fail(f"timed out after {timeout}s waiting for {what} (last value {value!r})")

    def click(self, selector, what):
        ok = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                     f" if (!e) return false; e.scrollIntoView(); e.click(); return true; }})()")
        if not ok:
            fail(f"no {what} on the page ({selector})")

    def type_into(self, selector, text, what):
        ok = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                     f" if (!e) return false; e.focus(); return true; }})()")
        if not ok:
            fail(f"no {what} on the page ({selector})")
        self.send("Input.insertText", text=text)  # real input events, so React sees them

    def screenshot(self, path):
        height = self.js("Math.ceil(document.documentElement.scrollHeight)") or 900
        width = self.js("Math.ceil(document.documentElement.scrollWidth)") or 1280
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": min(height, 6000), "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        # Stop the whole process group and wait until it is gone: Chromium's helper
        # processes outlive the main one briefly and recreate cache directories in the
        # profile, which used to leave one profile directory behind in /tmp per run.
        group = self.proc.pid
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and process_group_alive(group):
                self.proc.poll()  # reap the leader, or it stays a member as a zombie
                time.sleep(0.05)
            if not process_group_alive(group):
                break
        self.proc.poll()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
        if os.path.exists(self.profile):
            print(f"docs-check: could not remove the browser profile {self.profile}", file=sys.stderr)


def process_group_alive(group):
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--admin-file", required=True, help="file with lines 'email: ...' and 'password: ...'")
    ap.add_argument("--screenshot", required=True, help="PNG to write (the operations list)")
    ap.add_argument("--tryout-screenshot", default=None, help="PNG of the executed GET /users/me (optional)")
    ap.add_argument("--chromium", default=None)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    base = args.base_url.rstrip("/")
    origin = urllib.parse.urlsplit(base)

    creds = dict(line.split(": ", 1) for line in open(args.admin_file).read().splitlines() if ": " in line)
    document = http_json(f"{base}/openapi.json")
    operations = [(m.upper(), p, op.get("operationId")) for p, item in document["paths"].items() for m, op in item.items()]
    token = http_json(f"{base}/auth/login", {"email": creds["email"], "password": creds["password"]})["access_token"]

    browser = Browser(find_chromium(args.chromium))
    try:
        # 1. the operations list, reached through the /apidocs redirect
        browser.send("Page.navigate", url=f"{base}/apidocs")
        browser.wait_for("location.pathname === '/docs/'", args.timeout, "the /apidocs → /docs/ redirect")
        count = browser.wait_for(
            f"(() => {{ const n = document.querySelectorAll('.opblock').length; return n >= {len(operations)} ? n : 0; }})()",
            args.timeout, f"{len(operations)} operations to render")
        missing = browser.js("(" + json.dumps([f"{m} {p}" for m, p, _ in operations]) + """).filter(label => {
            const [method, path] = label.split(' ');
            return ![...document.querySelectorAll('.opblock')].some(b =>
                b.querySelector('.opblock-summary-method')?.textContent.trim() === method &&
                b.querySelector('.opblock-summary-path')?.getAttribute('data-path') === path);
        })""")
        if missing:
            fail(f"operations not shown: {missing}")
        title = browser.js("document.querySelector('.info .title')?.textContent || ''")
        if "Catalog API" not in title:
            fail(f"unexpected title {title!r}")
        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(args.screenshot)
        print(f"docs-check: {count} operations rendered ({title.strip()}); screenshot: {args.screenshot}")

        # 2. Authorize, then Try it out → Execute on GET /users/me
        browser.click(".auth-wrapper .authorize", "Authorize button")
        browser.wait_for("!!document.querySelector('.modal-ux input')", 10, "the Authorize dialog")
        browser.type_into(".modal-ux input", token, "token field")
        browser.click(".modal-ux .auth-btn-wrapper .authorize", "Authorize button of the dialog")
        browser.wait_for("!!document.querySelector('.modal-ux .auth-btn-wrapper button[aria-label=\"Remove authorization\"]')", 10, "the authorized state (Logout)")
        browser.click(".modal-ux .btn-done", "Close button of the dialog")
        op = "#operations-users-getCurrentUser"
        browser.click(f"{op} .opblock-summary-control", "GET /users/me")
        browser.wait_for(f"!!document.querySelector('{op} .try-out__btn')", 10, "the Try it out button")
        browser.click(f"{op} .try-out__btn", "Try it out button")
        browser.wait_for(f"!!document.querySelector('{op} .execute')", 10, "the Execute button")
        browser.click(f"{op} .execute", "Execute button")
        status = browser.wait_for(
            f"document.querySelector('{op} .live-responses-table tbody .response-col_status')?.textContent.trim()",
            args.timeout, "the response of GET /users/me")
        body = browser.js(f"document.querySelector('{op} .live-responses-table tbody .response-col_description pre')?.textContent || ''")
        if not status.startswith("200") or creds["email"] not in body:
            fail(f"Try it out on GET /users/me gave {status!r}: {body[:300]!r}")
        print(f"docs-check: Authorize + Try it out: GET /users/me → {status} as {creds['email']}")
        if args.tryout_screenshot:
            box = browser.js(f"(() => {{ const r = document.querySelector('{op}').getBoundingClientRect();"
                             f" return {{x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}}; }})()")
            shot = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                clip={**box, "height": min(box["height"], 4000), "scale": 1})
            with open(args.tryout_screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))

        # 3. persistAuthorization: still authorized after a reload
        browser.send("Page.reload", ignoreCache=True)
        browser.wait_for("document.querySelectorAll('.opblock').length > 0", args.timeout, "the page after a reload")
        browser.wait_for("!!document.querySelector('.auth-wrapper .authorize.locked')", 10,
                         "the authorization to survive a reload (persistAuthorization)")
        print("docs-check: authorization persists across a reload")

        # 4. nothing fetched from elsewhere; no JavaScript errors
        foreign, errors = set(), []
        for ev in browser.events:
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Network.requestWillBeSent":
                url = urllib.parse.urlsplit(params["request"]["url"])
                if url.scheme in ("http", "https", "ws", "wss") and url.netloc != origin.netloc:
                    foreign.add(params["request"]["url"])
            elif method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("exception", {}).get("description")
                              or params["exceptionDetails"].get("text"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(f"{params['entry'].get('text')} ({params['entry'].get('url', '')})")
        if foreign:
            fail(f"the page requested other origins: {sorted(foreign)}")
        if errors:
            fail(f"errors in the page: {errors}")
        print("docs-check: no requests beyond the stack's origin, no page errors")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
