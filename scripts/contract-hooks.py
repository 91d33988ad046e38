"""Schemathesis hooks for the Catalog contract run (scripts/contract.sh).

Loaded with SCHEMATHESIS_HOOKS=scripts/contract-hooks.py. Two things:

1. Authentication as one principal per run (CONTRACT_ROLE=admin or user), self-healing.
   Fuzzing every operation means the fuzzer may, on purpose, delete or change the very
   account whose token it is using (DELETE/PATCH /users/{id}: a new password, email or
   role invalidates the token). Such requests are kept, not filtered: instead, when a
   request with our token gets 401, Schemathesis asks this provider again (retry_on=401)
   and the provider repairs the principal:
   - admin: signs in as CONTRACT_ADMIN_EMAIL; if that fails, or the account is no longer
     an admin, `$CATALOG_BIN admin create` (create or promote, and reset the password,
     with the stack's DATABASE_URL) restores it, then signs in again;
   - user: signs in as its current account; if that fails, registers a fresh one
     (contract-user-...@catalog.test) through POST /register.
   nginx rate-limits /auth/login and /register (429 with Retry-After): honoured here.

2. Generators for the document's custom string formats, which JSON Schema cannot spell
   out but the service checks:
   - `isbn`: an ISBN-10 or ISBN-13 with a correct check digit (hyphens/spaces allowed);
   - `page-cursor`: the opaque keyset cursor of the `Link: rel="next"` header;
   - `search-term`: a `?q=` term with at least 3 ASCII letters or digits in a row (the
     schema's pattern says the same; README "Search").
"""

import base64
import json
import os
import secrets
import subprocess
import threading
import time
import urllib.error
import urllib.request

import schemathesis
from hypothesis import strategies as st

BASE = os.environ["CONTRACT_BASE_URL"].rstrip("/")
ROLE = os.environ.get("CONTRACT_ROLE", "admin")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


def _call(method, path, body=None, token=None):
    """One JSON request; retries nginx's 429 (rate limit on the password routes)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for _ in range(60):
        req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
        try:
            with _OPENER.open(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            if e.code == 429:
                time.sleep(float(e.headers.get("Retry-After") or 1))
                continue
            payload = e.read()
            try:
                return e.code, json.loads(payload or b"null")
            except ValueError:
                return e.code, payload.decode(errors="replace")
    raise RuntimeError(f"{method} {path}: still rate-limited after 60 tries")


def _claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class _Principal:
    def __init__(self, role):
        self.role = role
        self.lock = threading.Lock()
        self.heals = 0
        if role == "admin":
            self.email = os.environ["CONTRACT_ADMIN_EMAIL"]
            self.password = os.environ["CONTRACT_ADMIN_PASSWORD"]
        else:
            self.email = None
            self.password = secrets.token_urlsafe(12)

    def _login(self):
        if self.email is None:
            return None
        status, body = _call("POST", "/auth/login", {"email": self.email, "password": self.password})
        if status == 200:
            return body["access_token"]
        return None

    def _heal(self):
        self.heals += 1
        if self.role == "admin":
            # create or promote, and reset the password (see AdminBootstrap)
            subprocess.run(
                [os.environ["CATALOG_BIN"], "admin", "create", "--email", self.email, "--name", "Contract Admin",
                 "--password-stdin"],
                input=self.password + "\n", text=True, check=True, capture_output=True, timeout=60)
        else:
            self.email = f"contract-user-{os.getpid()}-{self.heals}-{secrets.token_hex(3)}@catalog.test"
            status, body = _call("POST", "/register", {"email": self.email, "password": self.password,
                                                       "name": "Contract User"})
            if status != 201:
                raise RuntimeError(f"POST /register for the contract user: {status} {body}")

    def token(self):
        with self.lock:
            token = self._login()
            if token is None or _claims(token).get("role") != self.role:
                self._heal()
                token = self._login()
            if token is None or _claims(token).get("role") != self.role:
                raise RuntimeError(f"could not sign in as the contract {self.role} {self.email}")
            return token


_principal = _Principal(ROLE)


# refresh_interval: a token lives 15 minutes; a 401 on one of our requests (the account
# was changed or deleted by a fuzzed request) triggers a fresh get() and a replay.
@schemathesis.auth(refresh_interval=600, retry_on=[401])
class CatalogBearer:
    def get(self, case, ctx):
        return _principal.token()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# ---------------------------------------------------------------- custom formats

def _isbn10(digits):
    total = sum((10 - i) * d for i, d in enumerate(digits))
    check = (11 - total % 11) % 11
    return "".join(map(str, digits)) + ("X" if check == 10 else str(check))


def _isbn13(digits):
    total = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _hyphenate(text, cuts):
    out, last = [], 0
    for cut in sorted(set(c for c in cuts if 0 < c < len(text))):
        out.append(text[last:cut])
        last = cut
    out.append(text[last:])
    return "-".join(out)


_digits = st.integers(min_value=0, max_value=9)
_plain_isbn = st.one_of(
    st.lists(_digits, min_size=9, max_size=9).map(_isbn10),
    st.tuples(st.sampled_from([[9, 7, 8], [9, 7, 9]]), st.lists(_digits, min_size=9, max_size=9))
    .map(lambda t: _isbn13(t[0] + t[1])),
)
schemathesis.openapi.format(
    "isbn",
    st.tuples(_plain_isbn, st.lists(st.integers(min_value=1, max_value=12), max_size=3))
    .map(lambda t: _hyphenate(t[0], t[1])),
)

schemathesis.openapi.format(
    "page-cursor",
    st.integers(min_value=1, max_value=2**63 - 1).map(
        lambda n: base64.urlsafe_b64encode(f"v1:{n}".encode()).decode().rstrip("=")),
)

schemathesis.openapi.format(
    "search-term",
    st.from_regex(r"\A[^\x00]{0,20}[A-Za-z0-9]{3}[^\x00]{0,20}\Z"),
)
