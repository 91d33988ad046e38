"""Catalog load scenarios for Locust (run by `make loadtest`, scripts/loadtest.sh).

Weighted user classes, each a kind of client of the API:

- Browser        anonymous catalogue browsing: product list (and its next page), name
                 search, product detail with its embedded offers, the offers list
- Reader         registers an account (email locust_reader_...), signs in, reads its own
                 record and the library; signs in again now and then
- Writer         a signed-in user who adds authors and books (all named locust_...),
                 reads and replaces its own books, and deletes some of them
- AdminEditor    the stack's admin editing products: conditional reads (ETag → 304),
                 PATCH with If-Match, PUT; only the products seeded for the run
                 (named locust_...), never anyone else's

Every name, email and title starts with `locust_`, so `catalog cleanup-loadtest
--prefix locust_` (accounts and what they own) and scripts/loadtest.sh (the seeded
products) leave nothing behind.

Pacing: each user runs at a constant rate (constant_throughput), so the offered load
is fixed by the user counts, not by how fast the service answers. The password routes
(/register, /auth/login: scrypt; limited by nginx per client and in total, and by the
pool's hashing slots) are used rarely; a 429/503 with Retry-After on them is waited out
and retried (password_post), as a real client would.

Environment (set by scripts/loadtest.sh):
  LOADTEST_ADMIN_EMAIL, LOADTEST_ADMIN_PASSWORD   the admin for AdminEditor
  LOADTEST_PRODUCT_IDS                            comma-separated ids AdminEditor may edit
  LOADTEST_P95_MS (default 100), LOADTEST_AUTH_P95_MS (default 1000)

At the end (quitting): the run fails (exit code 1) if any request failed, if the
aggregated 95th percentile is above LOADTEST_P95_MS, or if any endpoint other than the
two password routes is above it; the password routes (deliberately slow hashing) are
held to LOADTEST_AUTH_P95_MS.
"""

import itertools
import os
import random
import secrets

import re

import gevent
from locust import FastHttpUser, constant_throughput, events, task

P95_MS = float(os.environ.get("LOADTEST_P95_MS", "100"))
AUTH_P95_MS = float(os.environ.get("LOADTEST_AUTH_P95_MS", "1000"))
PASSWORD_ROUTES = {"/register", "/auth/login"}
# Search terms need 3 letters or digits in a row (shorter ones are 422; docs/SEARCH.md).
SEARCH_WORDS = ["locust", "product", "lamp", "chair", "book", "pro", "ust", "duc", "123", "xyz"]
_counter = itertools.count(1)



def unique(kind):
    """A unique locust_ name: kind, a process-wide counter and random hex."""
    return f"locust_{kind}_{next(_counter)}_{secrets.token_hex(4)}"


class CatalogUser(FastHttpUser):
    abstract = True

    # FastHttpUser (geventhttpclient): far less client CPU per request than requests,
    # so the times measured are the service's, not Locust's own queueing. It never
    # uses a proxy from the environment.
    def on_start(self):
        self.token = None

    @property
    def auth(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def password_post(self, path, body, expected):
        """POSTs to a password route as a well-behaved client: a 429 or 503 that carries
        Retry-After (nginx's limits, the hashing slots; README "Password work cannot
        starve reads") is the service's documented back-pressure, not a failure: wait
        that long and try again, a few times. Returns the parsed body, or None."""
        for _ in range(5):
            with self.client.post(path, json=body, catch_response=True) as r:
                if r.status_code == expected:
                    return r.json()
                retry_after = r.headers.get("Retry-After")
                if r.status_code in (429, 503) and retry_after and retry_after.isdigit():
                    r.success()
                    gevent.sleep(int(retry_after))
                    continue
                r.failure(f"{path}: {r.status_code} {r.text[:200]}")
                return None
        return None

    def register_and_login(self, kind):
        self.email = f"{unique(kind)}@loadtest.example"
        self.password = secrets.token_urlsafe(12)
        user = self.password_post("/register", {"email": self.email, "password": self.password,
                                                "name": f"locust {kind}"}, 201)
        if user is None:
            return
        self.user_id = user["id"]
        self.login()

    def login(self):
        answer = self.password_post("/auth/login", {"email": self.email, "password": self.password}, 200)
        if answer is not None:
            self.token = answer["access_token"]

    def product_ids(self, limit=50):
        r = self.client.get(f"/products?limit={limit}", name="/products?limit=N")
        return [p["id"] for p in r.json()] if r.status_code == 200 else []


class Browser(CatalogUser):
    """Anonymous catalogue browsing: most of the traffic."""

    weight = 12
    wait_time = constant_throughput(2)  # requests-tasks per second per user

    def on_start(self):
        super().on_start()
        self.known = []

    @task(4)
    def list_products(self):
        r = self.client.get("/products?limit=20", name="/products?limit=N")
        if r.status_code == 200:
            self.known = [p["id"] for p in r.json()] or self.known
            link = re.search(r'<([^>]+)>;\s*rel="next"', r.headers.get("Link") or "")
            nxt = link.group(1) if link else None
            if nxt and random.random() < 0.3:
                self.client.get(nxt, name="/products?limit=N&cursor=…")

    @task(2)
    def search(self):
        self.client.get(f"/products?q={random.choice(SEARCH_WORDS)}&limit=20", name="/products?q=…")

    @task(5)
    def product_detail(self):
        if not self.known:
            self.known = self.product_ids()
            if not self.known:
                return
        pid = random.choice(self.known)
        with self.client.get(f"/products/{pid}", name="/products/[id]", catch_response=True) as r:
            if r.status_code == 404:  # deleted meanwhile (another run's cleanup): not an error
                self.known.remove(pid)
                r.success()
            elif r.status_code == 200 and "offers" not in r.json():
                r.failure("product without its offers")
        if random.random() < 0.3:
            with self.client.get(f"/products/{pid}/offers", name="/products/[id]/offers", catch_response=True) as r:
                if r.status_code == 404:
                    r.success()


class Reader(CatalogUser):
    """Registers, signs in, reads; signs in again now and then."""

    weight = 2
    wait_time = constant_throughput(1)

    def on_start(self):
        super().on_start()
        self.register_and_login("reader")

    @task(5)
    def me(self):
        if self.token:
            self.client.get("/users/me", headers=self.auth)

    @task(1)
    def login_again(self):
        if random.random() < 0.2 and getattr(self, "email", None):  # ~1 sign-in per 30 s per reader
            self.login()

    @task(3)
    def browse_library(self):
        r = self.client.get("/books?limit=20", name="/books?limit=N")
        if r.status_code == 200 and r.json():
            book = random.choice(r.json())
            with self.client.get(f"/books/{book['id']}", name="/books/[id]", catch_response=True) as b:
                if b.status_code == 404:
                    b.success()
        self.client.get("/authors?limit=20", name="/authors?limit=N")


class Writer(CatalogUser):
    """A signed-in user adding authors and books, and tending its own books."""

    weight = 2
    wait_time = constant_throughput(1)

    def on_start(self):
        super().on_start()
        self.authors, self.books = [], []
        self.register_and_login("writer")

    @task(2)
    def add_author(self):
        if not self.token:
            return
        r = self.client.post("/authors", json={"name": unique("author"), "bio": "Written by the load test."},
                             headers=self.auth)
        if r.status_code == 201:
            self.authors.append(r.json()["id"])

    @task(4)
    def add_book(self):
        if not self.token or not self.authors:
            return self.add_author()
        body = {"title": unique("book"), "author_id": random.choice(self.authors),
                "published_year": random.randint(1900, 2025)}
        r = self.client.post("/books", json=body, headers=self.auth)
        if r.status_code == 201:
            self.books.append(r.json()["id"])

    @task(3)
    def author_books(self):
        if self.authors:
            self.client.get(f"/authors/{random.choice(self.authors)}/books", name="/authors/[id]/books")

    @task(2)
    def replace_book(self):
        if not self.books:
            return
        bid = random.choice(self.books)
        r = self.client.get(f"/books/{bid}", name="/books/[id]")
        if r.status_code != 200:
            return
        book = r.json()
        body = {"title": unique("book"), "author_id": book["author_id"], "published_year": book["published_year"]}
        self.client.put(f"/books/{bid}", json=body, headers={**self.auth, "If-Match": r.headers["ETag"]},
                        name="/books/[id]")

    @task(1)
    def delete_book(self):
        if len(self.books) > 3:
            bid = self.books.pop(0)
            self.client.delete(f"/books/{bid}", headers=self.auth, name="/books/[id]")


class AdminEditor(CatalogUser):
    """The admin editing the products seeded for this run."""

    weight = 1
    fixed_count = 1
    wait_time = constant_throughput(2)

    def on_start(self):
        super().on_start()
        self.email = os.environ["LOADTEST_ADMIN_EMAIL"]
        self.password = os.environ["LOADTEST_ADMIN_PASSWORD"]
        self.ids = [int(i) for i in os.environ.get("LOADTEST_PRODUCT_IDS", "").split(",") if i]
        self.etags = {}
        self.login()

    @task(3)
    def conditional_read(self):
        if not self.ids:
            return
        pid = random.choice(self.ids)
        headers = {"If-None-Match": self.etags[pid]} if pid in self.etags else {}
        with self.client.get(f"/products/{pid}", headers=headers, name="/products/[id] (admin)",
                             catch_response=True) as r:
            if r.status_code in (200, 304):
                if r.status_code == 200:
                    self.etags[pid] = r.headers.get("ETag")
                r.success()

    @task(3)
    def patch_price(self):
        if not self.ids or not self.token:
            return
        pid = random.choice(self.ids)
        r = self.client.get(f"/products/{pid}", name="/products/[id] (admin)")
        if r.status_code != 200:
            return
        price = f"{random.randint(1, 99999) / 100:.2f}"
        with self.client.patch(f"/products/{pid}", data=f'{{"price": {price}}}',
                               headers={**self.auth, "Content-Type": "application/json", "If-Match": r.headers["ETag"]},
                               name="/products/[id]", catch_response=True) as p:
            if p.status_code == 200:
                self.etags[pid] = p.headers.get("ETag")
            elif p.status_code == 412:  # edited between our read and write: optimistic concurrency at work
                p.success()

    @task(1)
    def replace(self):
        if not self.ids or not self.token:
            return
        pid = random.choice(self.ids)
        body = {"name": unique("product"), "description": "Replaced by the load test.",
                "price": round(random.uniform(1, 500), 2)}
        r = self.client.put(f"/products/{pid}", json=body, headers=self.auth, name="/products/[id]")
        if r.status_code == 200:
            self.etags[pid] = r.headers.get("ETag")


@events.quitting.add_listener
def enforce_thresholds(environment, **_kwargs):
    stats = environment.stats
    problems = []
    if stats.total.num_requests == 0:
        problems.append("no requests were made")
    if stats.total.num_failures:
        problems.append(f"{stats.total.num_failures} of {stats.total.num_requests} requests failed")
    total_p95 = stats.total.get_response_time_percentile(0.95)
    if total_p95 > P95_MS:
        problems.append(f"aggregated p95 {total_p95:.0f} ms > {P95_MS:.0f} ms")
    for (name, method), entry in stats.entries.items():
        if not entry.num_requests:
            continue
        p95 = entry.get_response_time_percentile(0.95)
        limit = AUTH_P95_MS if name in PASSWORD_ROUTES else P95_MS
        if p95 > limit:
            problems.append(f"{method} {name}: p95 {p95:.0f} ms > {limit:.0f} ms")
    if problems:
        print("loadtest: FAILED: " + "; ".join(problems))
        environment.process_exit_code = 1
    else:
        print(f"loadtest: OK: {stats.total.num_requests} requests, no failures, aggregated p95 {total_p95:.0f} ms "
              f"(limit {P95_MS:.0f} ms; password routes {AUTH_P95_MS:.0f} ms)")
