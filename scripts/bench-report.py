#!/usr/bin/env python3
"""The table `make bench` prints, from scripts/bench.sh's result lines.

Each input line is `ROUND <tab> ENDPOINT <tab> BENCH key=value ...` (the line that
scripts/bench/report.lua prints after a wrk run), or `... <tab> BENCH failed`.

Per endpoint: the median over the rounds of req/s, p50 and p99, the worst p99, and the
totals of non-2xx responses and socket errors (timeouts in brackets) over all rounds.
The ratios are medians of per-round ratios: each compares two runs of the same round.
The first two endpoints are the references: the ceiling, then /healthz.
"""
import statistics
import sys


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


def main():
    order, rounds = parse(sys.argv[1])
    ceiling, healthz = (order + [None, None])[:2]
    hdr = (f"{'endpoint':<24} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'p99 max':>8} {'non-2xx':>8}"
           f" {'errors (timeouts)':>18} {'x ceiling':>10} {'x healthz':>10}  {'x healthz per round':<20}")
    print(hdr)
    print("-" * len(hdr))
    for name in order:
        runs = [results[name] for results in rounds.values() if results.get(name)]
        failed = sum(1 for results in rounds.values() if name in results and results[name] is None)
        if not runs:
            print(f"{name:<24} {'failed':>8}")
            continue
        median = lambda key: statistics.median(r[key] for r in runs)
        xc = ratios(rounds, name, ceiling)
        xh = ratios(rounds, name, healthz)
        errors = f"{sum(r['errors'] for r in runs)} ({sum(r['timeouts'] for r in runs)})"
        print(f"{name:<24} {median('rps'):>8.0f} {median('p50'):>7.2f} {median('p99'):>7.2f}"
              f" {max(r['p99'] for r in runs):>8.2f} {sum(r['non2xx'] for r in runs):>8} {errors:>18}"
              f" {statistics.median(xc) if xc else 0:>10.3f} {statistics.median(xh) if xh else 0:>10.3f}"
              f"  {' '.join(f'{v:.3f}' for v in xh)}"
              + (f"  ({failed} failed runs)" if failed else ""))


if __name__ == "__main__":
    main()
