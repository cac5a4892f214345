#!/usr/bin/env python3
"""Python reference for the integer-percentage Monte Carlo (Kobak, Shpilkin & Pshenichnikov
2016), the same method as scrutineer's stats::forensics::integer_percentages, for the
benchmark in BENCHMARKS.md. Needs numpy. Run through bench/forensics-mc.sh.

Stations: Russian State Duma 2011 (../shared/data/russia/duma-2011.csv.zip), columns as in
../shared/data/README.md. Included: ballots (valid + invalid) > 0, registered >= 100,
turnout (issued / registered) <= 99%, leader's share (United Russia / ballots) <= 99%.
Integer: turnout or share within 0.05 percentage points of a whole percent, inclusive,
decided in integers. Null: issued ~ Binomial(registered, observed turnout) and
leader ~ Binomial(ballots, observed share), per station, 1000 replicates.
"""

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
import zipfile

import numpy as np


def shared_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("SCRUTINEER_SHARED", os.path.join(here, "..", "..", "..", "shared"))


def load(path):
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        rows = csv.reader(io.TextIOWrapper(z.open(name), encoding="utf-8"))
        next(rows)
        a = np.array([[int(r[i]) for i in (3, 5, 6, 7, 11, 12, 26)] for r in rows], dtype=np.int64)
    registered = a[:, 0]
    issued = a[:, 1] + a[:, 2] + a[:, 3]
    ballots = a[:, 4] + a[:, 5]
    leader = a[:, 6]
    return registered, issued, ballots, leader


def is_integer(num, den):
    # |100 num/den - k| <= 0.05  <=>  |2000 num - 20 k den| <= den, k the nearest integer.
    k = (200 * num + den) // (2 * den)
    return np.abs(2000 * num - 20 * k * den) <= den


def monte_carlo(registered, issued, ballots, leader, replicates, seed):
    rng = np.random.default_rng(seed)
    p_turnout = issued / registered
    p_share = leader / ballots
    counts = np.empty(replicates, dtype=np.int64)
    for r in range(replicates):
        v = rng.binomial(registered, p_turnout)
        l = rng.binomial(ballots, p_share)
        counts[r] = np.count_nonzero(is_integer(v, registered) | is_integer(l, ballots))
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    registered, issued, ballots, leader = load(os.path.join(shared_dir(), "data/russia/duma-2011.csv.zip"))
    read = time.perf_counter() - t0
    keep = (ballots > 0) & (registered >= 100) & (100 * issued <= 99 * registered) & (100 * leader <= 99 * ballots)
    registered, issued, ballots, leader = registered[keep], issued[keep], ballots[keep], leader[keep]
    observed = int(np.count_nonzero(is_integer(issued, registered) | is_integer(leader, ballots)))

    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        counts = monte_carlo(registered, issued, ballots, leader, args.replicates, args.seed)
        times.append(time.perf_counter() - t0)
    result = {
        "stations": int(keep.size),
        "included": int(keep.sum()),
        "integer": observed,
        "mc_mean": float(counts.mean()),
        "mc_sd": float(counts.std(ddof=1)),
        "excess": observed - float(counts.mean()),
        "read_seconds": read,
        "mc_seconds_median": statistics.median(times),
        "runs": args.runs,
        "replicates": args.replicates,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("| what | figure |\n|---|---|")
        print(f"| Python {result['python']} + numpy {result['numpy']}: read the file | {read:.2f} s |")
        print(
            f"| Python Monte Carlo, {args.replicates} replicates × {result['included']} stations, 1 thread "
            f"(median of {args.runs}) | **{result['mc_seconds_median']:.2f} s** |"
        )
        print(
            f"| Python result | {observed} integer stations, MC mean {result['mc_mean']:.1f}, "
            f"SD {result['mc_sd']:.1f}, excess {result['excess']:.1f} |"
        )


if __name__ == "__main__":
    main()
