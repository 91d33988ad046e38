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
The browser machinery is scripts/chromium_devtools.py (shared with page-check.py);
it needs websocket-client (installed in .build-py/tools by scripts/docs-check.sh).
"""

import base64
import json
import urllib.parse

from chromium_devtools import Browser, admin_credentials, check_arguments, fail, find_chromium, http_json, page_problems, run


def main():
    ap = check_arguments(__doc__.split("\n\n")[0], timeout=60)
    ap.add_argument("--screenshot", required=True, help="PNG to write (the operations list)")
    ap.add_argument("--tryout-screenshot", default=None, help="PNG of the executed GET /users/me (optional)")
    args = ap.parse_args()
    base = args.base_url.rstrip("/")
    origin = urllib.parse.urlsplit(base)

    creds = admin_credentials(args.admin_file)
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
        foreign, errors, failed_loads = page_problems(browser.events, origin)
        errors += [f"{text} ({url})" for url, text in failed_loads]
        if foreign:
            fail(f"the page requested other origins: {sorted(foreign)}")
        if errors:
            fail(f"errors in the page: {errors}")
        print("docs-check: no requests beyond the stack's origin, no page errors")
    finally:
        browser.close()


if __name__ == "__main__":
    run(main, "docs-check")
