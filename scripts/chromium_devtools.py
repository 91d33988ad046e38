"""Headless Chromium over the DevTools protocol, for the project's browser checks
(scripts/docs-check.py: /docs; scripts/page-check.py: the web page at /).

Starts Debian's headless Chromium (chromium-headless-shell, or chromium) with a private
profile on a loopback DevTools port, never through a proxy, and drives one page:
navigate, evaluate JavaScript, wait for a condition, click, type, screenshot. Every
DevTools event is kept (Browser.events) so a check can ask afterwards what the page
requested and what went wrong (page_problems). Needs websocket-client (installed in
.build-py/tools by the checks' shell wrappers).
"""

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


def check_arguments(description, timeout):
    """The command line every browser check takes: the stack's base URL, the file with its
    admin's credentials, the Chromium to use and the wait limit; add the check's own."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--admin-file", required=True, help="file with lines 'email: ...' and 'password: ...'")
    ap.add_argument("--chromium", default=None)
    ap.add_argument("--timeout", type=float, default=timeout)
    return ap


def admin_credentials(path):
    """{'email': …, 'password': …} from the stack's admin.txt."""
    return dict(line.split(": ", 1) for line in open(path).read().splitlines() if ": " in line)


class Failure(Exception):
    """A check that did not hold; `run` prints it and exits 1."""


def fail(msg):
    raise Failure(msg)


def run(main, name):
    """Runs a check's main(), turning a Failure into `NAME: FAILED: …` and exit status 1."""
    try:
        main()
    except Failure as failure:
        print(f"{name}: FAILED: {failure}", file=sys.stderr)
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
        self.profile = tempfile.mkdtemp(prefix="catalog-chromium.")
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
        """Polls `expression` until it is truthy. An exception in it counts as not yet (a
        page between two documents has no body for a moment), and is reported at the end."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.js(expression)
            except RuntimeError as error:
                value = error
            if value and not isinstance(value, RuntimeError):
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
            print(f"could not remove the browser profile {self.profile}", file=sys.stderr)


def process_group_alive(group):
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def page_problems(events, origin):
    """What a page did wrong, from the DevTools events seen so far. Returns three lists:
    requests to any other origin than `origin` (a urlsplit of the stack's base URL);
    errors — uncaught exceptions, console errors, CSP violations and other log entries
    at level error, JavaScript dialogs (alert, confirm, prompt); and failed loads —
    Chromium's "Failed to load resource" entries, as (url, text): every answer >= 400,
    which a check may expect (an API's 422 it provoked) where it expects nothing else."""
    foreign, errors, failed_loads = set(), [], []
    for ev in events:
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Network.requestWillBeSent":
            url = urllib.parse.urlsplit(params["request"]["url"])
            if url.scheme in ("http", "https", "ws", "wss") and url.netloc != origin.netloc:
                foreign.add(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("exception", {}).get("description")
                          or params["exceptionDetails"].get("text"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            if entry.get("source") == "network" and entry.get("url"):
                failed_loads.append((entry["url"], entry.get("text", "")))
            else:
                errors.append(f"{entry.get('text')} ({entry.get('url', '')})")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Page.javascriptDialogOpening":
            errors.append(f"a JavaScript {params.get('type')} dialog opened: {params.get('message')!r}")
    return sorted(foreign), errors, failed_loads
