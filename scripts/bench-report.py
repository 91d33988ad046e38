#!/usr/bin/env python3
"""The table `make bench` prints, from scripts/bench.sh's result lines.

Each input line is `ROUND <tab> ENDPOINT <tab> BENCH key=value ...` (the line that
scripts/bench/report.lua prints after a wrk run), or `... <tab> BENCH failed`.

Per endpoint: the median over the rounds of req/s, p50 and p99, the worst p99, and the
totals of non-2xx responses and socket errors (timeouts in brackets) over all rounds.
The ratios are medians of per-round ratios: each compares two runs of the same round.
The first two endpoints are the references: the ceiling, then /healthz.

    bench-report.py RESULTS [--compare CATALOG_ROW PEER_ROW]...

Each --compare adds a line to a second table: CATALOG_ROW's req/s divided by PEER_ROW's
(median of per-round ratios, and each round's), and the same for p99 (the peer's p99
divided by Catalog's, so above 1 means Catalog answers faster). make bench compares
Catalog's GET /products/{id} with its peers' (bench/peers/) this way.
"""
import argparse
import statistics


def parse(path):
    rounds = {}  # round -> {endpoint: result or None}
    order = []
    for raw in open(path, encoding="utf-8"):
        round_, name, line = raw.rstrip("\n").split("\t", 2)
        if name not in order:
            order.append(name)
        fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        result = None
        if "requests" in fields:
            f = {k: int(v) for k, v in fields.items()}
            result = dict(
                rps=f["requests"] / (f["duration_us"] / 1e6) if f["duration_us"] else 0.0,
                p50=f["p50_us"] / 1000, p99=f["p99_us"] / 1000, non2xx=f["non2xx3xx"],
                errors=f["connect"] + f["read"] + f["write"] + f["timeout"], timeouts=f["timeout"])
        rounds.setdefault(round_, {})[name] = result
    return order, rounds


def ratios(rounds, name, reference):
    values = []
    for results in rounds.values():
        r, ref = results.get(name), results.get(reference)
        if r and ref and ref["rps"]:
            values.append(r["rps"] / ref["rps"])
    return values


def per_round(rounds, name, reference, key):
    """Each round's `name` value of `key` over `reference`'s (req/s: name/reference; p99:
    reference/name, so that above 1 always favours `name`)."""
    values = []
    for results in rounds.values():
        r, ref = results.get(name), results.get(reference)
        if r and ref and r[key] and ref[key]:
            values.append(r[key] / ref[key] if key == "rps" else ref[key] / r[key])
    return values


def compare(rounds, pairs):
    hdr = (f"{'Catalog / peer':<60} {'x req/s':>8} {'x p99':>6}  {'x req/s per round':<20}")
    print()
    print(hdr)
    print("-" * len(hdr))
    for catalog, peer in pairs:
        rps, p99 = per_round(rounds, catalog, peer, "rps"), per_round(rounds, catalog, peer, "p99")
        label = f"{catalog} / {peer}"
        if not rps:
            print(f"{label:<60} {'no pair of runs':>15}")
            continue
        print(f"{label:<60} {statistics.median(rps):>8.3f} {statistics.median(p99):>6.2f}"
              f"  {' '.join(f'{v:.3f}' for v in rps)}")


def main():
    ap = argparse.ArgumentParser(description="The table make bench prints.")
    ap.add_argument("results")
    ap.add_argument("--compare", nargs=2, action="append", default=[], metavar=("CATALOG_ROW", "PEER_ROW"))
    args = ap.parse_args()
    order, rounds = parse(args.results)
    # The references by name: with BENCH_ONLY, a run may have measured either or neither.
    ceiling = "/nginx-ceiling" if "/nginx-ceiling" in order else None
    healthz = "/healthz" if "/healthz" in order else None
    hdr = (f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'p99 max':>8} {'non-2xx':>8}"
           f" {'errors (timeouts)':>18} {'x ceiling':>10} {'x healthz':>10}  {'x healthz per round':<20}")
    print(hdr)
    print("-" * len(hdr))
    for name in order:
        runs = [results[name] for results in rounds.values() if results.get(name)]
        failed = sum(1 for results in rounds.values() if name in results and results[name] is None)
        if not runs:
            print(f"{name:<30} {'failed':>8}")
            continue
        median = lambda key: statistics.median(r[key] for r in runs)
        xc = ratios(rounds, name, ceiling)
        xh = ratios(rounds, name, healthz)
        errors = f"{sum(r['errors'] for r in runs)} ({sum(r['timeouts'] for r in runs)})"
        print(f"{name:<30} {median('rps'):>8.0f} {median('p50'):>7.2f} {median('p99'):>7.2f}"
              f" {max(r['p99'] for r in runs):>8.2f} {sum(r['non2xx'] for r in runs):>8} {errors:>18}"
              f" {statistics.median(xc) if xc else 0:>10.3f} {statistics.median(xh) if xh else 0:>10.3f}"
              f"  {' '.join(f'{v:.3f}' for v in xh)}"
              + (f"  ({failed} failed runs)" if failed else ""))
    if args.compare:
        compare(rounds, args.compare)


if __name__ == "__main__":
    main()
