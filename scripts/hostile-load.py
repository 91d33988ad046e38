#!/usr/bin/env python3
"""The clients of `make hostile` (scripts/hostile.sh): accounts, attackers, the real user.

    hostile-load.py setup  --base URL --state FILE --access-log FILE [--wide-signed N] [--sources ...]
    hostile-load.py phase  --base URL --state FILE --name NAME [--attacks a,b] --warmup S --seconds S
                           --ready FILE --stop FILE --out FILE [settings]
    hostile-load.py settle --base URL --max S

setup: signs up the reader (whose token wrk's GETs carry), the real user and the
  signed-in wide-body clients' users (one each), signs them in, and checks that a client
  socket bound to each attacker source address reaches nginx from that address (a probe
  per address, found in nginx's access log). Writes the accounts to FILE (mode 600).
phase: the attack for one phase, in one asyncio process. It writes FILE --ready when its
  clients start (scripts/hostile.sh then starts wrk) and goes on until FILE --stop appears
  (wrk is done), or at most warmup + seconds + --grace seconds:
  (a) login guessers (wrong passwords for a handful of real and unknown emails) and
      registration posters (fresh random emails), spread over the source addresses;
  (b) wide-body clients, each posting one JSON object of --wide-members members, half
      anonymous (POST /register, /auth/login), half signed in (POST /authors, POST /books,
      PATCH /users/{own id}), each from a source address of its own.
  Every attacker is a closed loop, one request at a time, paced to at most its rate,
  and never honours Retry-After. Throughout the phase (the baseline too) the real user
  signs in from 127.0.0.1 once a second, honouring Retry-After as a real client does.
  At the end it lets the real user's last sign-in finish (within the client timeout,
  the attack still running), stops the attackers and writes the counts to FILE --out.
settle: waits (at most --max seconds) until /healthz answers promptly three times in a
  row, i.e. the workers have drained what an attack left queued; prints the seconds.

Loopback only: every address is checked to be in 127.0.0.0/8. Standard library only.
"""
import argparse
import asyncio
import collections
import ipaddress
import json
import os
import random
import resource
import secrets
import string
import sys
import time
import urllib.parse

USER_AGENT = "catalog-hostile"


def loopback(address):
    if not ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8"):
        sys.exit(f"hostile-load: refusing a non-loopback address: {address}")
    return address


def parse_base(url):
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname or not u.port:
        sys.exit(f"hostile-load: base URL must be http://127.x.x.x:PORT: {url}")
    return loopback(u.hostname), u.port


class Failure(Exception):
    """A request that got no HTTP answer: kind is 'timeout' or 'error'."""

    def __init__(self, kind, detail=""):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class Client:
    """One HTTP/1.1 connection (keep-alive, reopened when needed) from a bound source address."""

    def __init__(self, host, port, source, timeout):
        self.host, self.port, self.source, self.timeout = host, port, source, timeout
        self.reader = self.writer = None

    def close(self):
        if self.writer is not None:
            try:
                self.writer.transport.abort()
            except Exception:
                pass
        self.reader = self.writer = None

    async def request(self, method, path, body=None, headers=()):
        """(status, {lower-case header: value}, body bytes); raises Failure. Bounded by timeout."""
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, headers), self.timeout)
        except asyncio.TimeoutError:
            self.close()
            raise Failure("timeout") from None
        except Failure:
            self.close()
            raise
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            self.close()
            raise Failure("error", f"{type(e).__name__}: {e}") from None

    async def _exchange(self, method, path, body, headers):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, local_addr=(self.source, 0), limit=1 << 20)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"User-Agent: {USER_AGENT}",
                "Accept: application/json"]
        head += [f"{k}: {v}" for k, v in headers]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        if body is not None:
            self.writer.write(body)
        await self.writer.drain()

        line = await self.reader.readline()
        if not line:
            raise EOFError("connection closed before the status line")
        parts = line.decode("latin-1").split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ValueError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        hdrs = {}
        while True:
            line = await self.reader.readline()
            if not line:
                raise EOFError("connection closed in the headers")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            hdrs[name.strip().lower()] = value.strip()
        if "content-length" in hdrs:
            data = await self.reader.readexactly(int(hdrs["content-length"]))
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(chunks)
        else:
            data = await self.reader.read()
            hdrs["connection"] = "close"
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return status, hdrs, data


def json_body(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def random_password():
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))


def wide_object(members):
    """One JSON object of `members` members {"k00000":0,...}: wide, not deep."""
    width = max(5, len(str(members - 1)))
    return ("{" + ",".join(f'"k{i:0{width}d}":0' for i in range(members)) + "}").encode()


# ------------------------------------------------------------------ setup

async def polite(client, method, path, body=None, headers=(), attempts=20):
    """A request from us (not an attacker): honours Retry-After on 429/503, bounded."""
    for _ in range(attempts):
        status, hdrs, data = await client.request(method, path, body, headers)
        if status in (429, 503) and "retry-after" in hdrs:
            await asyncio.sleep(min(float(hdrs["retry-after"] or 1), 10))
            continue
        return status, hdrs, data
    raise SystemExit(f"hostile-load: {method} {path}: still {status} after {attempts} attempts")


async def sign_up(host, port, timeout, label):
    """Registers and signs in a fresh user; returns {email, password, id, token}."""
    client = Client(host, port, "127.0.0.1", timeout)
    email = f"hostile-{label}-{secrets.token_hex(4)}@hostile.test"
    password = random_password()
    try:
        status, _, data = await polite(client, "POST", "/register",
                                       json_body({"email": email, "password": password, "name": f"Hostile {label}"}))
        if status != 201:
            raise SystemExit(f"hostile-load: POST /register for the {label} user: {status} {data[:300]!r}")
        user_id = json.loads(data)["id"]
        status, _, data = await polite(client, "POST", "/auth/login", json_body({"email": email, "password": password}))
        if status != 200:
            raise SystemExit(f"hostile-load: POST /auth/login for the {label} user: {status} {data[:300]!r}")
        return {"email": email, "password": password, "id": user_id, "token": json.loads(data)["access_token"]}
    except Failure as e:
        raise SystemExit(f"hostile-load: signing up the {label} user: {e}")
    finally:
        client.close()


async def probe_sources(host, port, timeout, sources, access_log):
    """GET /healthz bound to each source address, then find each in nginx's access log."""
    tag = secrets.token_hex(6)
    for source in sources:
        client = Client(host, port, source, timeout)
        try:
            status, _, _ = await client.request("GET", "/healthz", headers=[("X-Request-ID", f"hostile-probe-{tag}-{source}")])
        except Failure as e:
            raise SystemExit(f"hostile-load: GET /healthz from {source}: {e}")
        finally:
            client.close()
        if status != 200:
            raise SystemExit(f"hostile-load: GET /healthz from {source}: {status}")
    seen = {}
    deadline = time.monotonic() + 5  # the access log is buffered (flush=1s)
    while time.monotonic() < deadline and len(seen) < len(sources):
        await asyncio.sleep(0.5)
        seen.clear()
        with open(access_log, encoding="utf-8", errors="replace") as f:
            for line in f:
                marker = f"request_id=hostile-probe-{tag}-"
                if marker in line:
                    seen[line.split(marker, 1)[1].split()[0]] = line.split(" ", 1)[0]
    wrong = [f"{s} (nginx saw {seen.get(s, 'nothing')})" for s in sources if seen.get(s) != s]
    if wrong:
        raise SystemExit("hostile-load: source addresses not seen by nginx as such: " + ", ".join(wrong))


async def setup(args):
    host, port = parse_base(args.base)
    sources = [loopback(s) for s in args.sources.split(",") if s]
    await probe_sources(host, port, args.timeout, sources, args.access_log)
    reader = await sign_up(host, port, args.timeout, "reader")
    real = await sign_up(host, port, args.timeout, "real")
    wide = await asyncio.gather(*(sign_up(host, port, args.timeout, f"wide{i}") for i in range(args.wide_signed)))
    state = {"reader": reader, "real": real, "wide": list(wide)}
    fd = os.open(args.state, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)
    print(f"   reader {reader['email']} (id {reader['id']}), real user {real['email']} (id {real['id']}), "
          f"{len(wide)} signed-in wide-body users; {len(sources)} source addresses seen by nginx as themselves")


# ------------------------------------------------------------------ phase

async def attacker(name, client, rate, make, counts, inflight, halt):
    """Closed loop, one request at a time, at most `rate` per second; ignores Retry-After.
    Ends when `halt` is set (checked each turn: Python 3.11's wait_for can swallow a
    cancellation that races with a finishing request, so cancelling alone may not end it)."""
    loop = asyncio.get_running_loop()
    interval = 1.0 / rate
    await asyncio.sleep(random.uniform(0, interval))  # not all in step
    while not halt.is_set():
        start = loop.time()
        method, path, body, headers = make()
        inflight[name] += 1
        try:
            status, _, _ = await client.request(method, path, body, headers)
            counts[name][str(status)] += 1
        except Failure as e:
            counts[name][e.kind] += 1
        finally:
            inflight[name] -= 1
        delay = start + interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


async def real_user(host, port, timeout, account, stop, records, t0):
    """Signs in once a second from 127.0.0.1 until `stop` is set, honouring Retry-After."""
    loop = asyncio.get_running_loop()
    body = json_body({"email": account["email"], "password": account["password"]})
    while not stop.is_set():
        start = loop.time()
        client = Client(host, port, "127.0.0.1", timeout)  # a fresh connection per sign-in
        record = {"t": round(start - t0, 3)}
        try:
            status, hdrs, _ = await client.request("POST", "/auth/login", body)
            record.update(status=status, retry_after=hdrs.get("retry-after"))
        except Failure as e:
            record.update(failure=e.kind, detail=e.detail)
        finally:
            client.close()
        record["seconds"] = round(loop.time() - start, 3)
        records.append(record)
        wait = start + 1.0 - loop.time()
        if record.get("status") in (429, 503) and record.get("retry_after"):
            try:
                wait = max(wait, min(float(record["retry_after"]), 10.0))
            except ValueError:
                pass
        if wait > 0:
            try:
                await asyncio.wait_for(stop.wait(), wait)
            except asyncio.TimeoutError:
                pass


async def phase(args):
    host, port = parse_base(args.base)
    with open(args.state, encoding="utf-8") as f:
        state = json.load(f)
    attacks = set(a for a in args.attacks.split(",") if a)
    if attacks - {"a", "b"}:
        sys.exit(f"hostile-load: unknown attacks: {','.join(sorted(attacks - {'a', 'b'}))}")
    sources = [loopback(s) for s in args.sources.split(",") if s]
    wide_sources = [loopback(s) for s in args.wide_sources.split(",") if s]
    timeout = args.timeout
    counts = collections.defaultdict(collections.Counter)
    inflight = collections.Counter()
    clients, tasks, kinds = [], [], {}
    halt = asyncio.Event()

    def spawn(name, source, rate, make):
        client = Client(host, port, source, timeout)
        clients.append(client)
        kinds[name] = kinds.get(name, 0) + 1
        counts[name]  # listed even when it never finishes a request
        tasks.append(asyncio.create_task(attacker(name, client, rate, make, counts, inflight, halt)))

    if "a" in attacks:
        real_emails = [state["real"]["email"], state["reader"]["email"]] + [w["email"] for w in state["wide"]]
        targets = real_emails[:4] + [f"nobody{i}-{secrets.token_hex(3)}@hostile.test" for i in range(3)]

        def guess():
            return "POST", "/auth/login", json_body({"email": random.choice(targets), "password": random_password()}), ()

        def register():
            email = f"hostile-reg-{secrets.token_hex(6)}@hostile.test"
            return "POST", "/register", json_body({"email": email, "password": random_password(), "name": "Hostile"}), ()

        n = 0
        for _ in range(args.guessers):
            spawn("login guesser", sources[n % len(sources)], args.rate, guess)
            n += 1
        for _ in range(args.registrars):
            spawn("registration poster", sources[n % len(sources)], args.rate, register)
            n += 1

    if "b" in attacks:
        wide = wide_object(args.wide_members)
        if len(wide) > 1 << 20:
            sys.exit(f"hostile-load: a {len(wide)}-byte body is over nginx's client_max_body_size (1 MiB)")
        anonymous = (args.wide_clients + 1) // 2
        if args.wide_clients > anonymous and not state["wide"]:
            sys.exit("hostile-load: signed-in wide-body clients, but setup made no users for them (--wide-signed)")
        for i in range(args.wide_clients):
            source = wide_sources[i % len(wide_sources)]
            if i < anonymous:
                routes = [("POST", "/register"), ("POST", "/auth/login")]
                headers = ()
                name = "wide body, anonymous"
            else:
                user = state["wide"][(i - anonymous) % len(state["wide"])]
                routes = [("POST", "/authors"), ("POST", "/books"), ("PATCH", f"/users/{user['id']}")]
                headers = (("Authorization", "Bearer " + user["token"]),)
                name = "wide body, signed in"
            turn = iter(range(1 << 62))

            def make(routes=routes, headers=headers, turn=turn):
                method, path = routes[next(turn) % len(routes)]
                return method, path, wide, headers
            spawn(name, source, args.wide_rate, make)

    loop = asyncio.get_running_loop()
    t0 = loop.time()
    # The phase lasts until wrk's measured run has ended (scripts/hostile.sh then creates
    # the --stop file), and at most warm-up + measured + --grace seconds.
    end = t0 + args.warmup + args.seconds + args.grace
    stop = asyncio.Event()
    records = []
    user_task = asyncio.create_task(real_user(host, port, timeout, state["real"], stop, records, t0))
    with open(args.ready, "w") as f:
        f.write(f"{len(tasks)} attackers\n")
    while loop.time() < end and not os.path.exists(args.stop):
        await asyncio.sleep(0.05)
    # Then the real user's last sign-in finishes (bounded by the client timeout) while the
    # attack still runs; then the attack stops.
    stop.set()
    try:
        await asyncio.wait_for(user_task, timeout + 2)
    except asyncio.TimeoutError:
        records.append({"t": round(loop.time() - t0, 3), "failure": "timeout", "detail": "phase end"})
    attack_seconds = loop.time() - t0
    broken = [t.exception() for t in tasks if t.done() and not t.cancelled() and t.exception()]
    if broken:  # an attacker died of a bug in this script, not of an answer: a tool failure
        sys.exit(f"hostile-load: {len(broken)} attackers failed: {broken[0]!r}")
    halt.set()
    for task in tasks:
        task.cancel()
    # Each attacker ends at its next turn, within one request (bounded by the client timeout).
    stuck = (await asyncio.wait(tasks, timeout=timeout + 2))[1] if tasks else set()
    for client in clients:
        client.close()
    if stuck:
        await asyncio.wait(stuck, timeout=2)
    result = {
        "phase": args.name,
        "attacks": sorted(attacks),
        "attack_seconds": round(attack_seconds, 3),
        "attackers": {name: {"clients": kinds[name], "counts": dict(counts[name]), "unfinished": inflight[name]}
                      for name in kinds},
        "real_user": records,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


# ------------------------------------------------------------------ settle

async def settle(args):
    host, port = parse_base(args.base)
    loop = asyncio.get_running_loop()
    start = loop.time()
    prompt = 0
    while prompt < 3 and loop.time() - start < args.max:
        client = Client(host, port, "127.0.0.1", min(2.0, args.max))
        t = loop.time()
        try:
            status, _, _ = await client.request("GET", "/healthz")
            prompt = prompt + 1 if status == 200 and loop.time() - t < 0.1 else 0
        except Failure:
            prompt = 0
        finally:
            client.close()
        await asyncio.sleep(0.1)
    elapsed = loop.time() - start
    print(f"{elapsed:.1f}" if prompt >= 3 else f"{elapsed:.1f}+")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("setup", "phase", "settle"):
        p = sub.add_parser(name)
        p.add_argument("--base", required=True)
        p.add_argument("--timeout", type=float, default=10.0, help="client timeout per request, seconds")
        if name == "setup":
            p.add_argument("--state", required=True)
            p.add_argument("--access-log", required=True)
            p.add_argument("--wide-signed", type=int, default=4)
            p.add_argument("--sources", default="")
        if name == "phase":
            p.add_argument("--state", required=True)
            p.add_argument("--name", required=True)
            p.add_argument("--attacks", default="")
            p.add_argument("--warmup", type=float, required=True)
            p.add_argument("--seconds", type=float, required=True)
            p.add_argument("--ready", required=True, help="written when the clients have started")
            p.add_argument("--stop", required=True, help="the phase ends when this file appears")
            p.add_argument("--grace", type=float, default=30.0,
                           help="seconds after warm-up + measured at which the phase ends without --stop")
            p.add_argument("--out", required=True)
            p.add_argument("--sources", default="")
            p.add_argument("--wide-sources", default="")
            p.add_argument("--guessers", type=int, default=64)
            p.add_argument("--registrars", type=int, default=16)
            p.add_argument("--rate", type=float, default=10.0, help="attempts/s per attacker, at most")
            p.add_argument("--wide-clients", type=int, default=8)
            p.add_argument("--wide-rate", type=float, default=4.0)
            p.add_argument("--wide-members", type=int, default=80000)
        if name == "settle":
            p.add_argument("--max", type=float, default=60.0)
    args = ap.parse_args()
    if args.command == "phase":
        if "a" in args.attacks and args.guessers + args.registrars > 0 and not args.sources:
            ap.error("attack a needs --sources")
        if "b" in args.attacks and args.wide_clients > 0 and not args.wide_sources:
            ap.error("attack b needs --wide-sources")
        if args.rate <= 0 or args.wide_rate <= 0:
            ap.error("rates must be positive")
    # A socket per client: make sure the descriptor limit is not what stops a big run.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    asyncio.run({"setup": setup, "phase": phase, "settle": settle}[args.command](args))


if __name__ == "__main__":
    main()
