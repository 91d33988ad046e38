#!/usr/bin/env python3
"""The tables `make hostile` prints, and whether the targets hold.

    hostile-report.py [--access-log FILE] [--drain-limit S] WRK_RESULTS PHASE_DIR PHASE...

WRK_RESULTS has one line per phase, `PHASE <tab> GET /products/{id} <tab> BENCH ...` (the
format of scripts/bench.sh's results, parsed by scripts/bench-report.py). PHASE_DIR holds
each phase's `PHASE.json` (scripts/hostile-load.py phase) and `PHASE.drain` (seconds the
workers took to drain after it, from scripts/hostile-load.py settle). The first PHASE is
the baseline. nginx's access log (--access-log) gives the measured GETs wrk never saw
answered: logged 499 (wrk closed the connection at its end) with X-Request-ID
hostile-get-PHASE, after waiting longer than wrk's 2 s timeout.

Targets, for every attack phase against the baseline: GET req/s >= 70 % of the
baseline's, GET p99 <= 3x the baseline's, no failed GET (non-2xx, socket error, timeout
or unanswered); and in every phase, the real user never timed out, never went
unanswered, and got no 5xx but 503 with Retry-After. Missing a target is a finding, not a
failure: the exit status is 0 unless the input is missing or broken.
"""
import argparse
import importlib.util
import json
import os
import re
import statistics
import sys

WRK_TIMEOUT_S = 2.0  # wrk's default --timeout
LOG_LINE = re.compile(r'"GET [^"]*" (\d{3}) .* request_id=hostile-get-(\S+) rt=([0-9.]+)')

MIN_RPS_RATIO = 0.70
MAX_P99_RATIO = 3.0
ENDPOINT = "GET /products/{id}"
TITLES = {
    "baseline": "baseline (no attack)",
    "a": "a: login/register flood",
    "b": "b: wide JSON bodies",
    "c": "c: a + b",
}


def bench_report():
    """scripts/bench-report.py as a module (its parse of wrk's result lines); no bytecode left behind."""
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location(
        "bench_report", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-report.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def real_user_outcome(r):
    """200, 'limited' (429/503 with Retry-After), 'timeout', or 'other' (anything else)."""
    if r.get("failure") == "timeout":
        return "timeout"
    status = r.get("status")
    if status == 200:
        return "200"
    if status in (429, 503) and r.get("retry_after"):
        return "limited"
    return "other"


def real_user_bad(r):
    """Against the target: a timeout, no answer at all, or a 5xx but 503 with Retry-After."""
    if "failure" in r:
        return True
    status = r.get("status", 0)
    return status >= 500 and not (status == 503 and r.get("retry_after"))


def describe_other(records):
    labels = {}
    for r in records:
        if real_user_outcome(r) == "other":
            label = str(r["status"]) if "status" in r else (r.get("failure") or "?")
            labels[label] = labels.get(label, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(labels.items()))


def unanswered_gets(access_log, phases):
    """Per phase: measured GETs still unanswered after wrk's timeout when wrk stopped."""
    counts = {p: 0 for p in phases}
    if access_log:
        with open(access_log, encoding="utf-8", errors="replace") as f:
            for line in f:
                if "request_id=hostile-get-" not in line:
                    continue
                m = LOG_LINE.search(line)
                if m and m.group(1) == "499" and m.group(2) in counts and float(m.group(3)) >= WRK_TIMEOUT_S:
                    counts[m.group(2)] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--access-log", help="nginx's access log (for the GETs never answered)")
    ap.add_argument("--drain-limit", type=float, help="the longest wait for a drain (for the footnote)")
    ap.add_argument("results")
    ap.add_argument("phase_dir")
    ap.add_argument("phases", nargs="+")
    args = ap.parse_args()
    results, phase_dir, phases = args.results, args.phase_dir, args.phases
    _, rounds = bench_report().parse(results)
    gets = {p: (rounds.get(p) or {}).get(ENDPOINT) for p in phases}
    unanswered = unanswered_gets(args.access_log, phases)
    for p, g in gets.items():
        if g:
            g["unanswered"] = unanswered[p]
            g["failed"] = g["non2xx"] + g["errors"] + unanswered[p]
            g["answered"] = g["p99"] > 0  # wrk's latencies hold only the answers within its timeout
    loads, drains = {}, {}
    for p in phases:
        with open(os.path.join(phase_dir, p + ".json"), encoding="utf-8") as f:
            loads[p] = json.load(f)
        try:
            drains[p] = open(os.path.join(phase_dir, p + ".drain"), encoding="utf-8").read().strip()
        except OSError:
            drains[p] = "?"
    base = gets[phases[0]]

    print(f"\n{ENDPOINT} under attack (wrk; latencies of the GETs answered within wrk's 2 s timeout;"
          " ratios to the baseline)")
    hdr = (f"{'phase':<24} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8} {'errors (timeouts)':>18}"
           f" {'unanswered':>10} {'x req/s':>8} {'x p99':>7} {'drain s':>8}")
    print(hdr)
    print("-" * len(hdr))
    for p in phases:
        g = gets[p]
        if not g:
            print(f"{TITLES.get(p, p):<24} {'failed':>8}")
            continue
        x_rps = f"{g['rps'] / base['rps']:.3f}" if base and base["rps"] else "-"
        x_p99 = f"{g['p99'] / base['p99']:.2f}" if base and base["answered"] and g["answered"] else "-"
        p50, p99 = (f"{g['p50']:.2f}", f"{g['p99']:.2f}") if g["answered"] else ("-", "-")
        errors = f"{g['errors']} ({g['timeouts']})"
        print(f"{TITLES.get(p, p):<24} {g['rps']:>8.0f} {p50:>7} {p99:>7} {g['non2xx']:>8}"
              f" {errors:>18} {g['unanswered']:>10} {x_rps:>8} {x_p99:>7} {drains[p]:>8}")
    print("unanswered: GETs wrk had waited over 2 s for when it stopped (from nginx's log: 499)."
          "\ndrain: seconds after the phase until /healthz answered promptly again (the workers had"
          " worked off what the attack left queued)"
          + (f"; N+ = not within {args.drain_limit:g} s (a following phase began with that load still queued)"
             if any(d.endswith("+") for d in drains.values()) and args.drain_limit else "") + ".")

    print("\nAttackers: requests finished by status during the attack (warm-up + measured + the real"
          " user's last sign-in), in flight when it stopped")
    hdr = f"{'phase':<24} {'attacker':<22} {'clients':>7} {'requests':>9} {'per s':>7}  {'by status':<40} {'in flight':>9}"
    print(hdr)
    print("-" * len(hdr))
    for p in phases:
        attackers = loads[p]["attackers"]
        if not attackers:
            print(f"{TITLES.get(p, p):<24} (none)")
        for name, a in attackers.items():
            total = sum(a["counts"].values())
            per_s = total / loads[p]["attack_seconds"] if loads[p]["attack_seconds"] else 0.0
            by_status = " ".join(f"{k}:{v}" for k, v in sorted(a["counts"].items())) or "-"
            print(f"{TITLES.get(p, p):<24} {name:<22} {a['clients']:>7} {total:>9} {per_s:>7.1f}  {by_status:<40}"
                  f" {a['unfinished']:>9}")

    print("\nThe real user: a sign-in per second from 127.0.0.1 with the right password"
          " (limited = 429/503 with Retry-After, honoured)")
    hdr = (f"{'phase':<24} {'sign-ins':>8} {'200':>5} {'limited':>8} {'other':>6} {'timeout':>8}"
           f" {'p50 s':>7} {'max s':>7}  other were")
    print(hdr)
    print("-" * len(hdr))
    for p in phases:
        recs = loads[p]["real_user"]
        n = {k: sum(1 for r in recs if real_user_outcome(r) == k) for k in ("200", "limited", "other", "timeout")}
        secs = [r["seconds"] for r in recs if "seconds" in r]
        print(f"{TITLES.get(p, p):<24} {len(recs):>8} {n['200']:>5} {n['limited']:>8} {n['other']:>6} {n['timeout']:>8}"
              f" {statistics.median(secs) if secs else 0:>7.2f} {max(secs) if secs else 0:>7.2f}  {describe_other(recs)}".rstrip())

    print(f"\nTargets: under each attack GET req/s >= {MIN_RPS_RATIO:.0%} of the baseline, p99 <= {MAX_P99_RATIO:g}x"
          " the baseline, no failed GET; in every phase the real user never timed out, went unanswered"
          " or got a 5xx other than 503 with Retry-After")
    missed = []
    for i, p in enumerate(phases):
        g, findings = gets[p], []
        if not g:
            findings.append("no wrk result")
        elif not g["answered"]:
            findings.append("no GET answered within 2 s")
        else:
            if i > 0 and base and base["answered"]:
                x_rps = g["rps"] / base["rps"]
                x_p99 = g["p99"] / base["p99"] if base["p99"] else float("inf")
                if x_rps < MIN_RPS_RATIO:
                    findings.append(f"GET req/s {x_rps:.2f}x baseline")
                if x_p99 > MAX_P99_RATIO:
                    findings.append(f"GET p99 {x_p99:.1f}x baseline")
        if g and g["failed"]:
            findings.append(f"{g['failed']} failed GETs")
        bad = [r for r in loads[p]["real_user"] if real_user_bad(r)]
        if bad:
            findings.append(f"real user: {len(bad)} of {len(loads[p]['real_user'])} sign-ins timed out, went unanswered"
                            f" or got a 5xx ({describe_bad(bad)})")
        if not loads[p]["real_user"]:
            findings.append("real user: no sign-in")
        print(f"  {TITLES.get(p, p):<24} {'holds' if not findings else 'MISSED: ' + '; '.join(findings)}")
        if findings:
            missed.append(p)
    if missed:
        print(f"RESULT: targets MISSED in {', '.join(missed)} (a finding, not a tool failure)")
    else:
        print("RESULT: targets hold")
    if not base or any(not gets[p] for p in phases):
        sys.exit("hostile-report: a wrk run gave no result")


def describe_bad(records):
    labels = {}
    for r in records:
        label = str(r["status"]) if "status" in r else r.get("failure", "?")
        labels[label] = labels.get(label, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(labels.items()))


if __name__ == "__main__":
    main()
