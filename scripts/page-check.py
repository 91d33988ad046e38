#!/usr/bin/env python3
"""Check the catalogue's web page (/) in a real headless browser.

    page-check.py --base-url http://127.0.0.1:PORT --admin-file RUN/admin.txt --out-dir RUN/page

Against a running stack (scripts/stack.sh) whose environment (catalog.env) is in ours:

0. checks that the page's sources (web/) use no HTML or code sink (innerHTML, eval, …);
   seeds, through the API and the real offer sync: three products named after a random
   tag and one named `<img src=x onerror=alert(1)>`, then three `catalog sync-offers`
   runs against the offers stand-in, the last in the next minute after the first
   product's offers were pinned and then moved, so it has offers and a price history of
   at least two minute buckets (the others drift as the stand-in makes them);
1. loads / (a browser's Accept: the page, with its Content-Security-Policy and
   Vary: Accept) and expects the grid to show the first page of GET /products in the
   API's order;
2. searches for the tag (three products, in id order), pages through them two at a
   time (keyset: Next, then First);
3. opens a product from the grid (its own address, #/products/ID): its offers are those
   of GET /products/ID, and the chart for the last hour is drawn from
   GET /products/ID/price-history with the page's own from/to/bucket (one dot per point,
   at the point's mean, and a line through them), with the trend of
   GET /products/ID/price-trend; the period switch to 24 h draws the hourly history;
4. signs in as the stack's admin (token in sessionStorage, nothing in localStorage);
   creates a product (first an invalid one: the 422's field errors are shown), edits it
   (If-Match), is refused with a 412 message after a change made behind its back, and
   deletes it — each checked against the API;
5. finds the `<img …>` product by search: its name is shown as text and no element or
   script came of it (no <img>, no dialog);
6. at phone width (390 px) nothing overflows sideways; keyboard focus is visible;
7. signs out (the token leaves sessionStorage);
8. fails if the page requested anything outside the stack's origin or logged an error
   (exceptions, console errors, CSP violations, failed loads, dialogs).

Screenshots (PNG) go to --out-dir: page-grid.png, page-product.png, page-phone.png,
page-phone-product.png. Exit 0 when all of that holds; otherwise prints what failed and
exits 1. Browser machinery: scripts/chromium_devtools.py.
"""

import json
import os
import re
import secrets
import subprocess
import time
import uuid
import urllib.error
import urllib.parse
import urllib.request

from chromium_devtools import OPENER, Browser, admin_credentials, check_arguments, fail, find_chromium, page_problems, run

XSS_NAME = "<img src=x onerror=alert(1)>"


def log(msg):
    print(f"page-check: {msg}", flush=True)


def api(base, method, path, token=None, body=None, headers=None):
    """One API call past the response cache: (status, headers, parsed JSON or None)."""
    sent = {"Accept": "application/json", "Cache-Control": "no-cache", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)
    try:
        with OPENER.open(request, timeout=30) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, error.headers, json.loads(raw) if raw else None


def js_str(value):
    return json.dumps(value)


def sync_offers():
    """`catalog sync-offers` once, as the timer runs it, with the stack's environment."""
    binary = os.environ.get("CATALOG_BIN") or fail("CATALOG_BIN is not set (source the stack's catalog.env)")
    done = subprocess.run([binary, "sync-offers"], capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        fail(f"sync-offers failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-1500:]}")
    return done.stdout.strip().splitlines()[-1]


def standin(changes):
    """POST to the offers stand-in's control endpoint."""
    control = os.environ.get("CATALOG_OFFERS_STANDIN_CONTROL") or fail("CATALOG_OFFERS_STANDIN_CONTROL is not set")
    request = urllib.request.Request(control, data=json.dumps(changes).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with OPENER.open(request, timeout=10) as response:
        response.read()


def offers_uuid(product_id):
    """The product's id at the offers service (not in the API: the sync's own column)."""
    done = subprocess.run(["psql", os.environ["DATABASE_URL"], "-XAtq", "-v", "ON_ERROR_STOP=1", "-v", f"id={int(product_id)}"],
                          input="SELECT offers_uuid::text FROM products WHERE id = :'id';\n",
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0 or not done.stdout.strip():
        fail(f"could not read product {product_id}'s offers_uuid: {done.stderr.strip()}")
    return done.stdout.strip()


def seed_history(product_id):
    """Offers and a price history of two minute buckets or more for `product_id` (and
    drifting offers for every other product), through the real sync: a run that registers
    the new products; a run after pinning two offers at the stand-in; then, in the next
    minute, a run after moving both prices."""
    standin({"reset": True})
    sync_offers()
    product_uuid = offers_uuid(product_id)
    ids = [str(uuid.uuid4()) for _ in range(2)]
    standin({"set_offers": {product_uuid: [{"id": ids[0], "price": 1000, "items_in_stock": 4},
                                           {"id": ids[1], "price": 1200, "items_in_stock": 2}]}})
    sync_offers()
    time.sleep(61 - time.time() % 60)  # into the next minute: a second minute bucket
    standin({"set_offers": {product_uuid: [{"id": ids[0], "price": 1100, "items_in_stock": 3},
                                           {"id": ids[1], "price": 1300, "items_in_stock": 2}]}})
    summary = sync_offers()
    standin({"unpin": [product_uuid]})
    log(f"seeded offers and history with 3 sync-offers runs, the last a minute later ({summary})")


class Page:
    """The browser on the web page, with the waits the steps need."""

    def __init__(self, browser, base, timeout):
        self.b, self.base, self.timeout = browser, base, timeout

    def wait(self, expression, what, timeout=None):
        return self.b.wait_for(expression, timeout or self.timeout, what)

    def texts(self, selector):
        return self.b.js(f"[...document.querySelectorAll({js_str(selector)})].map(e => e.textContent)")

    def go(self, hash_):
        self.b.js(f"location.hash = {js_str(hash_)}")

    def fill(self, selector, text):
        """Replaces a field's value with real typing (select all, then insert)."""
        ok = self.b.js(f"(() => {{ const e = document.querySelector({js_str(selector)}); if (!e) return false;"
                       f" e.focus(); e.select(); return true; }})()")
        if not ok:
            fail(f"no field {selector} on the page")
        if text:
            self.b.send("Input.insertText", text=text)
        else:
            self.b.send("Input.dispatchKeyEvent", type="keyDown", key="Delete", code="Delete", windowsVirtualKeyCode=46)
            self.b.send("Input.dispatchKeyEvent", type="keyUp", key="Delete", code="Delete", windowsVirtualKeyCode=46)

    def grid_ready(self, hash_fragment):
        self.wait(f"location.hash.includes({js_str(hash_fragment)}) && !!document.querySelector('ul.grid') &&"
                  " !document.querySelector('ul.grid[aria-busy]') && document.body.dataset.view === 'grid'",
                  f"the grid at {hash_fragment!r}")

    def problem_shown(self, status, what):
        return self.wait(f"document.querySelector('#messages .problem[data-status=\"{status}\"]')?.textContent",
                         f"the {status} problem of {what}")

    def key(self, key, code, vk, shift=False):
        mods = 8 if shift else 0
        self.b.send("Input.dispatchKeyEvent", type="rawKeyDown", key=key, code=code, windowsVirtualKeyCode=vk, modifiers=mods)
        self.b.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=vk, modifiers=mods)


# Ways to turn a string into markup or code. The page inserts text from the API with
# text nodes only (web/js/dom.js); none of these may appear in its scripts.
HTML_SINKS = re.compile(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\b"
                        r"|createContextualFragment|\.srcdoc\b|DOMParser")


def check_sources():
    web = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web")
    found = []
    for folder, _, files in os.walk(web):
        for name in files:
            if name.endswith((".js", ".html")):
                path = os.path.join(folder, name)
                for number, line in enumerate(open(path, encoding="utf-8"), 1):
                    if HTML_SINKS.search(line):
                        found.append(f"{os.path.relpath(path, web)}:{number}: {line.strip()}")
    if found:
        fail("the page's sources turn strings into markup or code:\n  " + "\n  ".join(found))
    log("web/: no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval or Function in the sources")


def main():
    ap = check_arguments(__doc__.split("\n\n")[0], timeout=30)
    ap.add_argument("--out-dir", required=True, help="directory for the screenshots")
    args = ap.parse_args()
    base = args.base_url.rstrip("/")
    origin = urllib.parse.urlsplit(base)
    os.makedirs(args.out_dir, exist_ok=True)
    shot = lambda name: os.path.join(args.out_dir, name)  # noqa: E731

    check_sources()
    creds = admin_credentials(args.admin_file)
    status, _, login = api(base, "POST", "/auth/login", body={"email": creds["email"], "password": creds["password"]})
    if status != 200:
        fail(f"POST /auth/login as the stack's admin answered {status}: {login}")
    admin = login["access_token"]

    # ---- 0. seed: products, offers and history through the API and the real sync
    tag = "pagecheck" + secrets.token_hex(4)
    seeded = []
    for n, word in enumerate(["Anvil", "Beacon", "Compass"]):
        status, _, product = api(base, "POST", "/products", admin,
                                 {"name": f"{word} {tag}", "description": f"Seeded by the page check, {n + 1} of 3.",
                                  "price": 10.5 + n})
        if status != 201:
            fail(f"creating a product answered {status}: {product}")
        seeded.append(product)
    status, _, xss = api(base, "POST", "/products", admin,
                         {"name": XSS_NAME, "description": "<script>alert(2)</script> & <b>bold</b>", "price": 1})
    if status != 201:
        fail(f"creating the <img> product answered {status}: {xss}")
    seed_history(seeded[0]["id"])

    # Answers >= 400 the check provokes on purpose (Chromium logs each as a failed load);
    # any other is a failure.
    expected_failures = [(r"/products", 422), (r"/products/\d+", 412)]

    browser = Browser(find_chromium(args.chromium))
    page = Page(browser, base, args.timeout)
    try:
        # ---- 1. / in a browser: the page, and the grid is GET /products' first page
        browser.send("Page.navigate", url=f"{base}/")
        page.grid_ready("")
        page.wait("document.querySelectorAll('ul.grid .card').length > 0", "products in the grid")
        document = next((e["params"]["response"] for e in browser.events
                         if e.get("method") == "Network.responseReceived" and e["params"].get("type") == "Document"
                         and e["params"]["response"]["url"] == f"{base}/"), None)
        if document is None:
            fail("no response for / seen")
        headers = {k.lower(): v for k, v in document["headers"].items()}
        if not headers.get("content-type", "").startswith("text/html"):
            fail(f"/ answered the browser {headers.get('content-type')!r}, not the page")
        csp = headers.get("content-security-policy", "")
        if "default-src 'self'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
            fail(f"/ has no strict Content-Security-Policy: {csp!r}")
        if "accept" not in [v.strip().lower() for v in headers.get("vary", "").replace("\n", ",").split(",")]:
            fail(f"/ does not say Vary: Accept: {headers.get('vary')!r}")
        _, _, first_page = api(base, "GET", "/products?limit=24")
        shown = page.texts("ul.grid .card a.name")
        if shown != [p["name"] for p in first_page]:
            fail(f"the grid shows {shown[:5]}…, GET /products starts {[p['name'] for p in first_page][:5]}…")
        log(f"/ is the page (CSP {csp.split(';')[0]}; Vary: Accept); the grid shows GET /products' first "
            f"{len(shown)} products in order")
        browser.screenshot(shot("page-grid.png"))

        # ---- 2. search, then keyset paging two at a time
        page.fill("#search-q", tag)
        browser.click("form.search button[type=submit]", "Search button")
        page.grid_ready(f"q={tag}")
        names = [p["name"] for p in seeded]
        page.wait(f"document.querySelectorAll('ul.grid .card').length === 3", "three search results")
        if page.texts("ul.grid .card a.name") != names:
            fail(f"searching {tag!r} shows {page.texts('ul.grid .card a.name')}, expected {names}")
        page.go(f"#/?q={tag}&limit=2")
        page.grid_ready("limit=2")
        page.wait("document.querySelectorAll('ul.grid .card').length === 2", "the first page of two")
        if page.texts("ul.grid .card a.name") != names[:2] or browser.js("!!document.querySelector('a[rel=first]')"):
            fail(f"page 1 of 2: {page.texts('ul.grid .card a.name')}")
        browser.click("a[rel=next]", "Next page link")
        page.grid_ready("cursor=")
        page.wait("document.querySelectorAll('ul.grid .card').length === 1", "the second page")
        if page.texts("ul.grid .card a.name") != names[2:] or browser.js("!!document.querySelector('a[rel=next]')"):
            fail(f"page 2 of 2: {page.texts('ul.grid .card a.name')}")
        browser.click("a[rel=first]", "First page link")
        page.wait("!location.hash.includes('cursor=') && document.querySelectorAll('ul.grid .card').length === 2",
                  "the first page again")
        log(f"search {tag!r}: 3 products in id order; paging 2 + 1 with Next and First")

        # ---- 3. a product: offers and the chart from the history API
        target = seeded[0]
        browser.click(f"ul.grid .card[data-id='{target['id']}'] a.name", "the product's link")
        page.wait(f"location.hash === '#/products/{target['id']}' && document.querySelector('h1')?.textContent === {js_str(target['name'])}",
                  "the product view")
        _, _, current = api(base, "GET", f"/products/{target['id']}")
        page.wait(f"document.querySelectorAll('section.offers tbody tr').length === {len(current['offers'])}"
                  + (" && true" if current["offers"] else " && !!document.querySelector('section.offers .empty')"),
                  f"{len(current['offers'])} offers")
        shown_offers = browser.js("[...document.querySelectorAll('section.offers tbody tr')].map(r => [r.dataset.offer, r.cells[1].textContent, r.cells[2].textContent])")
        expected_offers = [[o["id"], str(o["price"]), str(o["items_in_stock"])] for o in current["offers"]]
        if sorted(shown_offers) != sorted(expected_offers):
            fail(f"offers shown {shown_offers}, GET /products/{target['id']} has {expected_offers}")
        if not current["offers"]:
            fail("the seeded product has no offers after three syncs")
        browser.click("button.period[data-period='1h']", "the 1h period button")
        page.wait("document.querySelector('.chart-box')?.dataset.bucket === 'minute' && !document.querySelector('.chart-box[aria-busy]')",
                  "the 1-hour chart")
        box = browser.js("(() => { const b = document.querySelector('.chart-box'); return {from: b.dataset.from, to: b.dataset.to}; })()")
        query = urllib.parse.urlencode({"from": box["from"], "to": box["to"], "bucket": "minute"})
        h_status, _, history = api(base, "GET", f"/products/{target['id']}/price-history?{query}")
        if h_status != 200:
            fail(f"GET /products/{target['id']}/price-history?{query} answered {h_status}: {history}")
        points = history["points"]
        if len(points) < 2:
            fail(f"the history API has {len(points)} point(s) for a product whose prices changed in two minutes")
        dots = browser.js("[...document.querySelectorAll('.chart-box svg.chart circle.point')].map(c => [c.dataset.at, Number(c.dataset.avg)])")
        if dots != [[p["at"], float(p["avg"])] for p in points]:
            fail(f"the chart's dots {dots} are not the history's points {[(p['at'], p['avg']) for p in points]}")
        if not browser.js("!!document.querySelector('.chart-box svg.chart polyline.mean')"):
            fail("the chart has no line through the means")
        t_status, _, trend = api(base, "GET", f"/products/{target['id']}/price-trend?period=1h")
        trend_text = browser.js("document.querySelector('.trend')?.textContent || ''")
        if t_status != 200:
            fail(f"GET /products/{target['id']}/price-trend?period=1h answered {t_status}: {trend}")
        if trend.get("change_percent") is not None and f"{float(trend['change_percent']):.2f} %" not in trend_text:
            fail(f"the trend shown {trend_text!r} does not carry the API's change_percent {trend['change_percent']}")
        if trend.get("change_percent") is None and not trend_text.startswith("No trend"):
            fail(f"the trend shown {trend_text!r} for a trend without a start ({trend})")
        log(f"product {target['id']}: {len(current['offers'])} offers as the API has them; the 1h chart has the "
            f"history's {len(points)} point(s); trend: {trend_text!r}")
        # The period switch: 24 hours in hourly buckets, drawn from the history for that range.
        browser.click("button.period[data-period='24h']", "the 24h period button")
        page.wait("document.querySelector('.chart-box')?.dataset.bucket === 'hour' && !document.querySelector('.chart-box[aria-busy]')"
                  " && location.hash.endsWith('period=24h')", "the 24-hour chart")
        box = browser.js("(() => { const b = document.querySelector('.chart-box'); return {from: b.dataset.from, to: b.dataset.to}; })()")
        query = urllib.parse.urlencode({"from": box["from"], "to": box["to"], "bucket": "hour"})
        _, _, day = api(base, "GET", f"/products/{target['id']}/price-history?{query}")
        dots = browser.js("[...document.querySelectorAll('.chart-box svg.chart circle.point')].map(c => [c.dataset.at, Number(c.dataset.avg)])")
        if not day["points"] or dots != [[p["at"], float(p["avg"])] for p in day["points"]]:
            fail(f"the 24h chart's dots {dots} are not the hourly history's points {day['points']}")
        log(f"the 24h switch draws the hourly history's {len(dots)} point(s)")
        browser.click("button.period[data-period='1h']", "the 1h period button")
        page.wait("document.querySelector('.chart-box')?.dataset.bucket === 'minute' && !document.querySelector('.chart-box[aria-busy]')",
                  "the 1-hour chart again")
        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(shot("page-product.png"))

        # ---- 4. sign in; create (a 422 first), edit, a 412, delete
        browser.click("#sign-in", "Sign in link")
        page.wait("!!document.querySelector('#signin-email')", "the sign-in form")
        page.fill("#signin-email", creds["email"])
        page.fill("#signin-password", creds["password"])
        browser.click("form.form button[type=submit]", "Sign in button")
        page.wait("document.querySelector('#account .who')?.textContent.includes('(admin)')", "the signed-in admin")
        stored = browser.js("({session: !!sessionStorage.getItem('catalog.session'), local: localStorage.length})")
        if not stored["session"] or stored["local"] != 0:
            fail(f"after sign-in: sessionStorage has the session {stored['session']}, localStorage has {stored['local']} entries")
        log("signed in as the admin (token in sessionStorage, localStorage empty)")

        page.wait("document.body.dataset.view === 'grid'", "the grid after sign-in")
        browser.click("a.brand", "the Catalog link")
        page.grid_ready("")
        page.wait("!!document.querySelector('a[href=\"#/products/new\"]')", "the New product link")
        browser.click("a[href='#/products/new']", "New product link")
        page.wait("!!document.querySelector('#product-name')", "the new-product form")
        page.fill("#product-price", "abc")
        browser.click("form.form button[type=submit]", "Create button")
        text = page.problem_shown(422, "an empty name and a price that is no number")
        fields = browser.js("[...document.querySelectorAll('#messages .errors code')].map(c => c.textContent)")
        if "name" not in fields or "price" not in fields:
            fail(f"the 422 shown lists fields {fields}, expected name and price: {text!r}")
        new_name = f"Drum {tag}"
        page.fill("#product-name", new_name)
        page.fill("#product-description", "Made in the browser.")
        page.fill("#product-price", "12.34")
        browser.click("form.form button[type=submit]", "Create button")
        page.wait(f"/^#\\/products\\/\\d+$/.test(location.hash) && document.querySelector('h1')?.textContent === {js_str(new_name)}",
                  "the created product's view")
        created_id = int(browser.js("location.hash.split('/')[2]"))
        status, _, created = api(base, "GET", f"/products/{created_id}")
        if status != 200 or created["name"] != new_name or str(created["price"]) != "12.34":
            fail(f"GET /products/{created_id} after creating: {status} {created}")
        log(f"created product {created_id} (after the 422 listing name and price)")

        browser.click(f"a[href='#/products/{created_id}/edit']", "Edit link")
        page.wait(f"document.querySelector('#product-name')?.value === {js_str(new_name)}", "the edit form")
        page.fill("#product-price", "56.78")
        browser.click("form.form button[type=submit]", "Save button")
        page.wait(f"location.hash === '#/products/{created_id}' && document.querySelector('.facts .price')?.textContent === '56.78'",
                  "the edited product's view")
        status, _, edited = api(base, "GET", f"/products/{created_id}")
        if str(edited["price"]) != "56.78":
            fail(f"GET /products/{created_id} after editing: {edited}")

        browser.click(f"a[href='#/products/{created_id}/edit']", "Edit link")
        page.wait(f"document.querySelector('#product-name')?.value === {js_str(new_name)}", "the edit form again")
        status, _, _ = api(base, "PATCH", f"/products/{created_id}", admin, {"description": "Changed elsewhere."})
        if status != 200:
            fail(f"PATCH behind the page's back answered {status}")
        page.fill("#product-name", f"Lost {tag}")
        browser.click("form.form button[type=submit]", "Save button")
        page.problem_shown(412, "a save after the product changed")
        page.wait("!!document.querySelector('.stale a')", "the link to the current version")
        _, _, after = api(base, "GET", f"/products/{created_id}")
        if after["name"] != new_name:
            fail(f"the refused save changed the product: {after}")
        log(f"edited product {created_id} with If-Match; a save after a change elsewhere was shown its 412 and changed nothing")

        browser.click(".stale a", "Look at the current version link")
        page.wait(f"location.hash === '#/products/{created_id}' && document.querySelector('.facts .description')?.textContent === 'Changed elsewhere.'",
                  "the current version")
        browser.click("#delete", "Delete button")
        page.wait("!!document.querySelector('#confirm-delete')", "the delete confirmation")
        browser.click("#confirm-delete", "the confirming Delete button")
        page.wait("document.body.dataset.view === 'grid' && document.querySelector('#messages .notice')?.textContent.includes('Deleted')",
                  "the grid after deleting")
        status, _, _ = api(base, "GET", f"/products/{created_id}")
        if status != 404:
            fail(f"GET /products/{created_id} after deleting answered {status}")
        log(f"deleted product {created_id}")

        # ---- 5. the <img …> product: text, nothing run
        page.go("#/?q=onerror")
        page.grid_ready("q=onerror")
        page.wait(f"[...document.querySelectorAll('ul.grid .card a.name')].some(a => a.textContent === {js_str(XSS_NAME)})",
                  "the <img> product's name as text")
        browser.click(f"ul.grid .card[data-id='{xss['id']}'] a.name", "the <img> product's link")
        page.wait(f"document.querySelector('h1')?.textContent === {js_str(XSS_NAME)}", "the <img> product's view")
        description = browser.js("document.querySelector('.facts .description')?.textContent")
        imgs = browser.js("document.querySelectorAll('main img, main script, #messages img').length")
        if description != xss["description"] or imgs != 0:
            fail(f"the <img> product: description {description!r}, {imgs} img/script elements in the page")
        log(f"a product named {XSS_NAME} shows as text; no element or script came of it")

        # ---- 6. phone width, keyboard focus
        browser.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
        page.go(f"#/?q={tag}")
        page.grid_ready(f"q={tag}")
        page.wait("document.querySelectorAll('ul.grid .card').length === 3", "the grid at phone width")
        overflow = browser.js("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            fail(f"at 390 px the grid is {overflow} px wider than the screen")
        browser.screenshot(shot("page-phone.png"))
        page.go(f"#/products/{target['id']}?period=1h")
        page.wait("document.querySelector('.chart-box')?.dataset.bucket === 'minute' && !document.querySelector('.chart-box[aria-busy]')",
                  "the product at phone width")
        overflow = browser.js("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            fail(f"at 390 px the product view is {overflow} px wider than the screen")
        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(shot("page-phone-product.png"))
        browser.send("Emulation.clearDeviceMetricsOverride")

        browser.send("Page.reload")  # a fresh load: focus starts at the top of the document
        page.wait("document.readyState === 'complete' && document.body.dataset.view === 'products' && !!document.querySelector('h1')",
                  "the product view after a reload")
        page.key("Tab", "Tab", 9)
        first = browser.js("(() => { const e = document.activeElement; const s = getComputedStyle(e);"
                           " return {text: e.textContent, outline: s.outlineStyle, width: s.outlineWidth}; })()")
        if first["text"] != "Skip to content" or first["outline"] == "none":
            fail(f"the first Tab reaches {first}, expected the visible skip link")
        focusable = browser.js("[...document.querySelectorAll('main [onclick], main div[tabindex]:not([tabindex=\"-1\"])')].length")
        if focusable:
            fail(f"{focusable} clickable non-controls in the page")
        log("at 390 px nothing overflows; Tab reaches the skip link first, with a visible focus outline")

        # ---- 7. sign out
        browser.click("#sign-out", "Sign out button")
        page.wait("!!document.querySelector('#sign-in') && !document.querySelector('#delete')", "the signed-out page")
        stored = browser.js("({session: sessionStorage.getItem('catalog.session'), local: localStorage.length})")
        if stored["session"] is not None or stored["local"] != 0:
            fail(f"after sign-out: {stored}")
        log("signed out (the token left sessionStorage)")

        # ---- 8. nothing from elsewhere, no errors
        time.sleep(0.5)
        browser.send("Runtime.evaluate", expression="1")  # collect the events still queued
        foreign, errors, failed_loads = page_problems(browser.events, origin)
        if foreign:
            fail(f"the page requested other origins: {foreign}")
        if errors:
            fail(f"errors in the page: {errors}")
        unexpected = [(url, text) for url, text in failed_loads if not any(
            re.fullmatch(pattern, urllib.parse.urlsplit(url).path) and f"status of {status} " in text
            for pattern, status in expected_failures)]
        if unexpected:
            fail(f"loads that failed unexpectedly: {unexpected}")
        log(f"no requests beyond the stack's origin, no page errors; screenshots in {args.out_dir}")
    finally:
        browser.close()
        for product in seeded + [xss]:
            api(base, "DELETE", f"/products/{product['id']}", admin)


if __name__ == "__main__":
    run(main, "page-check")
