#!/usr/bin/env python3
"""scripts/offers-standin.py — a loopback stand-in for the external offers service.

Implements the contract in docs/OFFERS-SERVICE.md (Python 3.11 standard library only)
so `make run`, `make test` and `make bench-sync` can exercise `catalog sync-offers`
without the real service:

  POST {base}/auth                    header `Bearer: <refresh token>` -> 201 {"access_token": JWT};
                                      400 while the previously issued token is still valid;
                                      401 wrong refresh token; 422 header missing
  POST {base}/products/register       header `Bearer: <access token>`, {"id", "name", "description"}
                                      -> 201 {"id"}; 401; 409 already registered; 422 malformed
  GET  {base}/products/{uuid}/offers  -> 200 [{"id", "price", "items_in_stock"}]; 401;
                                      404 {"detail": "Product does not exist"}; 422 bad uuid

Offers drift between calls the way real ones do: prices and stock move, offers sell out
and disappear, new ones appear; offer ids are stable. Access tokens are HS256 JWTs with
`exp`, living --token-lifetime seconds (default 300, the real service's 5 minutes).

Fault switches (flags at start, or at run time through the control endpoint):
latency (+ jitter), a rate of 500 answers, a rate of malformed bodies (truncated JSON,
HTML, wrong shapes), forced 401s (`revoke_token_after_calls`), early token expiry.

Control endpoint (loopback only, not part of the real contract):
  GET  /__control                   switches, counters, requests in flight, token state
  GET  /__control/products/{uuid}   what the service holds for one product (no drift)
  POST /__control  {"reset": true, "latency_ms": 20, "jitter_ms": 0, "error_rate": 0.5,
                    "malformed_rate": 0.1, "fault_endpoints": ["auth", "register", "offers"],
                    "token_lifetime": 2.5, "drift": false, "change_interval": 0,
                    "expire_token": true, "revoke_token_after_calls": 3,
                    "set_offers": {"<uuid>": [{"id"?: "<uuid>", "price": 1200, "items_in_stock": 3}]},
                    "unpin": ["<uuid>"], "forget_products": ["<uuid>"]}
    Any subset; "reset" (applied first) restores the start-up switches. set_offers pins a
    product's offers (no drift) until "unpin". Answers with the same document as GET.

Usage: offers-standin.py [--port N | --port 0 --port-file FILE] [--pid-file FILE] [--base-path /api/v1]
       [--token-lifetime S] [--latency-ms N] [--jitter-ms N] [--error-rate R]
       [--malformed-rate R] [--change-interval S] [--seed N] [--verbose]
The refresh token comes from $OFFERS_REFRESH_TOKEN (or --refresh-token-file), never argv.
Binds 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ENDPOINTS = ("auth", "register", "offers")
MAX_BODY = 1 << 20


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Switches:
    """Behaviour that tests and developers flip at run time."""

    FIELDS = {
        "latency_ms": (int, float),
        "jitter_ms": (int, float),
        "error_rate": (int, float),
        "malformed_rate": (int, float),
        "token_lifetime": (int, float),
        "change_interval": (int, float),
        "drift": (bool,),
        "fault_endpoints": (list,),
    }

    def __init__(self, **values):
        self.latency_ms = 0.0
        self.jitter_ms = 0.0
        self.error_rate = 0.0
        self.malformed_rate = 0.0
        self.token_lifetime = 300.0
        self.change_interval = 0.0
        self.drift = True
        self.fault_endpoints = list(ENDPOINTS)
        for key, value in values.items():
            setattr(self, key, value)

    def copy(self) -> "Switches":
        return Switches(**self.as_dict())

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in self.FIELDS}

    def apply(self, changes: dict) -> None:
        """Validates every change first, so a bad request changes nothing."""
        staged = {}
        for key, value in changes.items():
            types = self.FIELDS[key]
            if isinstance(value, bool) and bool not in types:
                raise ValueError(f"{key}: expected a number")
            if not isinstance(value, types):
                raise ValueError(f"{key}: wrong type")
            if key in ("error_rate", "malformed_rate") and not 0 <= value <= 1:
                raise ValueError(f"{key}: must be from 0 to 1")
            if key in ("latency_ms", "jitter_ms") and not 0 <= value <= 120_000:
                raise ValueError(f"{key}: must be from 0 to 120000")
            if key == "token_lifetime" and not 0.1 <= value <= 86_400:
                raise ValueError("token_lifetime: must be from 0.1 to 86400 seconds")
            if key == "change_interval" and not 0 <= value <= 86_400:
                raise ValueError("change_interval: must be from 0 to 86400 seconds")
            if key == "fault_endpoints" and not all(e in ENDPOINTS for e in value):
                raise ValueError(f"fault_endpoints: each must be one of {', '.join(ENDPOINTS)}")
            staged[key] = float(value) if types == (int, float) else value
        for key, value in staged.items():
            setattr(self, key, value)


class Product:
    __slots__ = ("name", "description", "offers", "pinned", "changed_at")

    def __init__(self, name: str, description: str, offers: list, now: float):
        self.name = name
        self.description = description
        self.offers = offers  # [{"id", "price", "items_in_stock"}]
        self.pinned = False
        self.changed_at = now


class Service:
    """All state, behind one lock. Sleeping (latency) happens outside it."""

    def __init__(self, refresh_token: str, switches: Switches, seed: int | None):
        self.lock = threading.Lock()
        self.refresh_token = refresh_token
        self.defaults = switches.copy()
        self.switches = switches
        self.rng = random.Random(seed)
        self.secret = secrets.token_bytes(32)
        self.token: str | None = None
        self.token_expires = 0.0
        self.token_revoked = False
        self.revoke_after: int | None = None
        self.products: dict[str, Product] = {}
        self.malformed_turn = 0
        self.in_flight = 0  # API requests being answered (some may be sleeping out their latency)
        self.stats = {
            "requests": 0, "auth_issued": 0, "auth_refused_still_valid": 0, "auth_bad_refresh_token": 0,
            "register_created": 0, "register_conflict": 0, "offers_served": 0, "offers_not_found": 0,
            "unauthorized": 0, "faults_500": 0, "faults_malformed": 0, "control": 0,
        }

    # ---- tokens
    def _token_valid(self, now: float) -> bool:
        return self.token is not None and not self.token_revoked and now < self.token_expires

    def _issue_token(self, now: float) -> str:
        lifetime = self.switches.token_lifetime
        exp = now + lifetime
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = {"sub": "catalog", "iat": int(now), "exp": int(exp) if lifetime >= 10 else round(exp, 3),
                  "jti": uuid.uuid4().hex}
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = b64url(hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        self.token = f"{header}.{payload}.{signature}"
        self.token_expires = exp
        self.token_revoked = False
        self.stats["auth_issued"] += 1
        return self.token

    def access_allowed(self, presented: str | None, now: float) -> bool:
        """Checks an access token; counts down a pending forced revocation first."""
        if self.revoke_after is not None:
            if self.revoke_after <= 0:
                self.token_revoked = True
                self.revoke_after = None
            else:
                self.revoke_after -= 1
        ok = (presented is not None and self._token_valid(now)
              and hmac.compare_digest(presented.encode("utf-8", "replace"), self.token.encode()))
        if not ok:
            self.stats["unauthorized"] += 1
        return ok

    # ---- offers
    def _new_offer(self) -> dict:
        return {"id": str(uuid.uuid4()), "price": self.rng.randint(500, 50_000),
                "items_in_stock": self.rng.randint(0, 40)}

    def initial_offers(self) -> list:
        return [self._new_offer() for _ in range(self.rng.randint(1, 4))]

    def drift(self, product: Product, now: float) -> None:
        """Prices move, stock moves, offers sell out and new ones appear; ids stay."""
        if product.pinned or not self.switches.drift or now - product.changed_at < self.switches.change_interval:
            return
        rng = self.rng
        for offer in product.offers:
            if rng.random() < 0.5:
                offer["price"] = max(1, round(offer["price"] * rng.uniform(0.9, 1.1)))
            if rng.random() < 0.5:
                offer["items_in_stock"] = max(0, offer["items_in_stock"] + rng.randint(-3, 3))
        if product.offers and rng.random() < 0.2:
            product.offers.pop(rng.randrange(len(product.offers)))
        if len(product.offers) < 6 and rng.random() < (0.5 if not product.offers else 0.2):
            product.offers.append(self._new_offer())
        product.changed_at = now

    # ---- faults
    def roll_fault(self, endpoint: str) -> str | None:
        s = self.switches
        if endpoint not in s.fault_endpoints:
            return None
        if s.error_rate > 0 and self.rng.random() < s.error_rate:
            self.stats["faults_500"] += 1
            return "500"
        if s.malformed_rate > 0 and self.rng.random() < s.malformed_rate:
            self.stats["faults_malformed"] += 1
            return "malformed"
        return None

    def malformed_body(self, endpoint: str) -> tuple[str, bytes]:
        self.malformed_turn += 1
        variants = [
            ("application/json", b'[{"id": "'),  # truncated
            ("text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
            ("application/json", b'{"offers": []}' if endpoint == "offers" else b'{"token": 1}'),
            ("application/json", b'[{"id": 5, "price": "12.50", "items_in_stock": -1}]'),
        ]
        return variants[self.malformed_turn % len(variants)]

    # ---- control
    def control_document(self) -> dict:
        now = time.time()
        return {
            "switches": self.switches.as_dict(),
            "stats": dict(self.stats),
            "in_flight": self.in_flight,
            "token": {"valid": self._token_valid(now), "expires_in": round(max(0.0, self.token_expires - now), 3)
                      if self.token else None, "revoke_after_calls": self.revoke_after},
            "products": len(self.products),
        }

    def control(self, changes: dict) -> dict:
        allowed = set(Switches.FIELDS) | {"reset", "expire_token", "revoke_token_after_calls", "set_offers",
                                          "unpin", "forget_products"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        now = time.time()
        pins = changes.get("set_offers", {})
        if not isinstance(pins, dict):
            raise ValueError("set_offers: expected an object of uuid -> offers")
        staged_pins = {}
        for key, offers in pins.items():
            product_uuid = key.lower()
            if product_uuid not in self.products:
                raise ValueError(f"set_offers: {key} is not registered")
            if not isinstance(offers, list):
                raise ValueError(f"set_offers.{key}: expected a list")
            staged = []
            for offer in offers:
                if not isinstance(offer, dict):
                    raise ValueError(f"set_offers.{key}: offers must be objects")
                oid = offer.get("id") or str(uuid.uuid4())
                price, stock = offer.get("price"), offer.get("items_in_stock")
                if not isinstance(oid, str) or not UUID_RE.match(oid):
                    raise ValueError(f"set_offers.{key}: bad offer id")
                if not (isinstance(price, int) and not isinstance(price, bool) and price >= 0
                        and isinstance(stock, int) and not isinstance(stock, bool) and stock >= 0):
                    raise ValueError(f"set_offers.{key}: price and items_in_stock must be non-negative integers")
                staged.append({"id": oid.lower(), "price": price, "items_in_stock": stock})
            staged_pins[product_uuid] = staged
        revoke = changes.get("revoke_token_after_calls")
        if revoke is not None and (not isinstance(revoke, int) or isinstance(revoke, bool) or revoke < 0):
            raise ValueError("revoke_token_after_calls: expected a non-negative integer")
        for name in ("unpin", "forget_products"):
            if not isinstance(changes.get(name, []), list):
                raise ValueError(f"{name}: expected a list of uuids")
        switch_changes = {k: v for k, v in changes.items() if k in Switches.FIELDS}
        candidate = self.defaults.copy() if changes.get("reset") else self.switches.copy()
        candidate.apply(switch_changes)
        # Everything validated: apply.
        self.switches = candidate
        if changes.get("reset"):
            self.revoke_after = None
        if changes.get("expire_token") and self.token is not None:
            self.token_expires = min(self.token_expires, now)
        if revoke is not None:
            self.revoke_after = revoke
        for product_uuid, offers in staged_pins.items():
            product = self.products[product_uuid]
            product.offers = offers
            product.pinned = True
        for key in changes.get("unpin", []):
            if isinstance(key, str) and key.lower() in self.products:
                self.products[key.lower()].pinned = False
        for key in changes.get("forget_products", []):
            if isinstance(key, str):
                self.products.pop(key.lower(), None)
        return {**self.control_document(), "set_offers": staged_pins} if staged_pins else self.control_document()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the job reuses its connections
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server_version = "offers-standin/1"
    service: Service
    base_path: str
    verbose: bool

    # ---- plumbing
    def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
        if self.verbose:
            sys.stderr.write("offers-standin: %s %s\n" % (self.address_string(), fmt % args))

    def send_json(self, status: int, document, content_type: str = "application/json") -> None:
        body = document if isinstance(document, bytes) else json.dumps(document, separators=(",", ":")).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout was shorter than our latency): expected.
            self.close_connection = True

    def read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.send_json(411, {"detail": "Length Required"})
            self.close_connection = True
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.send_json(413 if length > MAX_BODY else 400, {"detail": "bad Content-Length"})
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def route(self) -> tuple[str, str | None]:
        path = self.path.split("?", 1)[0]
        if path == "/__control" or path.startswith("/__control/"):
            return "control", path[len("/__control"):]
        if not path.startswith(self.base_path + "/"):
            return "unknown", None
        rest = path[len(self.base_path):]
        if rest == "/auth":
            return "auth", None
        if rest == "/products/register":
            return "register", None
        m = re.fullmatch(r"/products/([^/]+)/offers", rest)
        if m:
            return "offers", m.group(1)
        return "unknown", None

    def do_GET(self):  # noqa: N802
        self.dispatch("GET")

    def do_POST(self):  # noqa: N802
        self.dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self.dispatch("PUT")

    def do_DELETE(self):  # noqa: N802
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        endpoint, arg = self.route()
        body = self.read_body() if method in ("POST", "PUT") else b""
        if body is None:
            return
        expected = {"auth": "POST", "register": "POST", "offers": "GET"}
        if endpoint == "control":
            return self.control(method, arg, body)
        if endpoint == "unknown":
            return self.send_json(404, {"detail": "Not Found"})
        if method != expected[endpoint]:
            return self.send_json(405, {"detail": "Method Not Allowed"})
        svc = self.service
        with svc.lock:
            svc.stats["requests"] += 1
            svc.in_flight += 1
            latency = svc.switches.latency_ms + (svc.rng.uniform(0, svc.switches.jitter_ms) if svc.switches.jitter_ms else 0)
            fault = svc.roll_fault(endpoint)  # decided on arrival, under the switches of that moment
        try:
            if latency > 0:
                time.sleep(latency / 1000.0)
            self.answer(svc, endpoint, arg, body, fault)
        finally:
            with svc.lock:
                svc.in_flight -= 1

    def answer(self, svc: Service, endpoint: str, arg, body: bytes, fault: str | None) -> None:
        with svc.lock:
            if fault == "500":
                status, document, ctype = 500, {"detail": "Internal Server Error"}, "application/json"
            elif fault == "malformed":
                ctype, raw = svc.malformed_body(endpoint)
                status, document = (201 if endpoint in ("auth", "register") else 200), raw
            else:
                status, document = getattr(self, "api_" + endpoint)(svc, arg, body, time.time())
                ctype = "application/json"
        self.send_json(status, document, ctype)

    # ---- the contract
    def api_auth(self, svc: Service, _arg, _body, now: float):
        presented = self.headers.get("Bearer")
        if presented is None:
            return 422, {"detail": [{"loc": ["header", "Bearer"], "msg": "field required", "type": "value_error.missing"}]}
        if not hmac.compare_digest(presented.encode("utf-8", "replace"), svc.refresh_token.encode()):
            svc.stats["auth_bad_refresh_token"] += 1
            return 401, {"detail": "Invalid refresh token"}
        if svc._token_valid(now):
            svc.stats["auth_refused_still_valid"] += 1
            return 400, {"detail": "Cannot generate access token because another is valid"}
        return 201, {"access_token": svc._issue_token(now)}

    def api_register(self, svc: Service, _arg, body: bytes, now: float):
        if not svc.access_allowed(self.headers.get("Bearer"), now):
            return 401, {"detail": "Invalid or expired access token"}
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 422, {"detail": [{"loc": ["body"], "msg": "invalid JSON", "type": "value_error.jsondecode"}]}
        problems = []
        if not isinstance(doc, dict):
            return 422, {"detail": [{"loc": ["body"], "msg": "expected an object", "type": "type_error.dict"}]}
        if not (isinstance(doc.get("id"), str) and UUID_RE.match(doc["id"])):
            problems.append({"loc": ["body", "id"], "msg": "value is not a valid uuid", "type": "type_error.uuid"})
        if not (isinstance(doc.get("name"), str) and doc["name"]):
            problems.append({"loc": ["body", "name"], "msg": "field required", "type": "value_error.missing"})
        if not isinstance(doc.get("description"), str):
            problems.append({"loc": ["body", "description"], "msg": "field required", "type": "value_error.missing"})
        if problems:
            return 422, {"detail": problems}
        product_uuid = doc["id"].lower()
        if product_uuid in svc.products:
            svc.stats["register_conflict"] += 1
            return 409, {"detail": "Product already registered"}
        svc.products[product_uuid] = Product(doc["name"], doc["description"], svc.initial_offers(), now)
        svc.stats["register_created"] += 1
        return 201, {"id": product_uuid}

    def api_offers(self, svc: Service, arg: str, _body, now: float):
        if not svc.access_allowed(self.headers.get("Bearer"), now):
            return 401, {"detail": "Invalid or expired access token"}
        if not UUID_RE.match(arg):
            return 422, {"detail": [{"loc": ["path", "product_id"], "msg": "value is not a valid uuid", "type": "type_error.uuid"}]}
        product = svc.products.get(arg.lower())
        if product is None:
            svc.stats["offers_not_found"] += 1
            return 404, {"detail": "Product does not exist"}
        svc.drift(product, now)
        svc.stats["offers_served"] += 1
        return 200, [dict(o) for o in product.offers]

    # ---- control (loopback only; not part of the real contract)
    def control(self, method: str, arg: str, body: bytes) -> None:
        host = self.client_address[0]
        if not (host.startswith("127.") or host == "::1"):
            return self.send_json(403, {"detail": "control is loopback-only"})
        svc = self.service
        with svc.lock:
            svc.stats["control"] += 1
            if method == "GET" and arg in ("", "/"):
                return self.send_json(200, svc.control_document())
            m = re.fullmatch(r"/products/([^/]+)", arg or "")
            if method == "GET" and m:
                product = svc.products.get(m.group(1).lower())
                if product is None:
                    return self.send_json(404, {"detail": "Product does not exist"})
                return self.send_json(200, {"registered": True, "name": product.name, "pinned": product.pinned,
                                            "offers": [dict(o) for o in product.offers]})
            if method != "POST" or arg not in ("", "/"):
                return self.send_json(404, {"detail": "Not Found"})
            try:
                changes = json.loads(body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                document = svc.control(changes)
            except ValueError as e:  # includes json.JSONDecodeError
                return self.send_json(400, {"detail": str(e)})
        sys.stderr.write(f"offers-standin: control: {json.dumps(changes)[:300]}\n")
        self.send_json(200, document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--port", type=int, default=int(env("OFFERS_STANDIN_PORT", "0")),
                        help="TCP port on 127.0.0.1 (0: any free one; see --port-file)")
    parser.add_argument("--port-file", help="write the port actually bound to this file once listening")
    parser.add_argument("--pid-file", help="write this process's id to this file once listening")
    parser.add_argument("--base-path", default=env("OFFERS_STANDIN_BASE_PATH", "/api/v1"))
    parser.add_argument("--refresh-token-file", help="read the refresh token from this file instead of $OFFERS_REFRESH_TOKEN")
    parser.add_argument("--token-lifetime", type=float, default=float(env("OFFERS_STANDIN_TOKEN_LIFETIME", "300")),
                        help="access token lifetime in seconds (default 300)")
    parser.add_argument("--latency-ms", type=float, default=float(env("OFFERS_STANDIN_LATENCY_MS", "0")))
    parser.add_argument("--jitter-ms", type=float, default=float(env("OFFERS_STANDIN_JITTER_MS", "0")))
    parser.add_argument("--error-rate", type=float, default=float(env("OFFERS_STANDIN_ERROR_RATE", "0")))
    parser.add_argument("--malformed-rate", type=float, default=float(env("OFFERS_STANDIN_MALFORMED_RATE", "0")))
    parser.add_argument("--change-interval", type=float, default=float(env("OFFERS_STANDIN_CHANGE_INTERVAL", "0")),
                        help="least seconds between two changes of one product's offers (default 0: every call)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (reproducible offers)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args()

    if args.refresh_token_file:
        with open(args.refresh_token_file, encoding="utf-8") as f:
            refresh_token = f.readline().strip()
    else:
        refresh_token = env("OFFERS_REFRESH_TOKEN", "")
    if not refresh_token:
        sys.exit("offers-standin: no refresh token: set OFFERS_REFRESH_TOKEN or pass --refresh-token-file")
    if not args.base_path.startswith("/") or args.base_path.endswith("/"):
        sys.exit("offers-standin: --base-path must start with / and not end with /")

    switches = Switches()
    try:
        switches.apply({"token_lifetime": args.token_lifetime, "latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms,
                        "error_rate": args.error_rate, "malformed_rate": args.malformed_rate,
                        "change_interval": args.change_interval})
    except ValueError as e:
        sys.exit(f"offers-standin: {e}")

    Handler.service = Service(refresh_token, switches, args.seed)
    Handler.base_path = args.base_path
    Handler.verbose = args.verbose

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)  # loopback only, always
    port = server.server_address[1]
    if args.pid_file:
        with open(args.pid_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pid_file + ".tmp", args.pid_file)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write(f"offers-standin: listening on http://127.0.0.1:{port}{args.base_path} "
                     f"(token lifetime {switches.token_lifetime:g} s, latency {switches.latency_ms:g} ms, pid {os.getpid()})\n")
    sys.stderr.flush()
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    sys.stderr.write("offers-standin: stopped\n")


if __name__ == "__main__":
    main()
