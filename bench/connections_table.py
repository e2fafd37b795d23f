#!/usr/bin/env python3
"""bench/run-connections' table (bench/README.md). Reads the JSON lines
parley-connections printed, one per run, tagged by the script with server,
repetition and load average; prints per count and server the median over the
repetitions with [min-max], then `parley/<leanest peer> = <ratio>`: the peer's bytes
per connection over parleyd's at the largest count both reached (> 1: parleyd is
leaner)."""

import argparse
import json
import statistics
import sys
from collections import defaultdict


def spread(values, fmt):
    if not values:
        return "-"
    med = fmt.format(statistics.median(values))
    if len(values) == 1:
        return med
    return f"{med} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--machine", default="")
    args = ap.parse_args()

    runs = defaultdict(list)  # (count, server) -> [line]
    failed = defaultdict(int)
    order = []
    with open(args.results, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            key = (r["connections"], r["server"])
            if key not in order:
                order.append(key)
            if r.get("failed") or r.get("exit", 0) != 0:
                failed[key] += 1
            else:
                runs[key].append(r)

    if args.machine:
        print(f"machine: {args.machine}")
    print("RSS per idle authenticated connection (server VmRSS after - before, / N); "
          "median [min-max] over the runs")
    print()
    hdr = ("| connections | server | bytes/conn | KiB/conn | connect s | conn/s "
           "| server CPU us/conn | runs (failed) |")
    print(hdr)
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for key in sorted(order, key=lambda k: (k[0], k[1] != "parley", k[1])):
        n, server = key
        rs = runs.get(key, [])
        b = [r["bytes_per_conn"] for r in rs]
        print(f"| {n} | {server} | {spread(b, '{:.0f}')} "
              f"| {spread([x / 1024 for x in b], '{:.2f}')} "
              f"| {spread([r['connect_s'] for r in rs], '{:.2f}')} "
              f"| {spread([n / r['connect_s'] for r in rs if r['connect_s'] > 0], '{:.0f}')} "
              f"| {spread([r['server_cpu_connect_s'] * 1e6 / n for r in rs], '{:.0f}')} "
              f"| {len(rs)} ({failed.get(key, 0)}) |")
    print()

    # The ratio at the largest count that parleyd and at least one peer both reached.
    counts = sorted({n for n, _ in runs}, reverse=True)
    for n in counts:
        parley = [r["bytes_per_conn"] for r in runs.get((n, "parley"), [])]
        peers = {s: [r["bytes_per_conn"] for r in rs]
                 for (m, s), rs in runs.items() if m == n and s != "parley" and rs}
        if not parley or not peers:
            continue
        p = statistics.median(parley)
        best = min(peers, key=lambda s: statistics.median(peers[s]))
        q = statistics.median(peers[best])
        print(f"at {n} connections: parley {p:.0f} B/conn, {best} {q:.0f} B/conn "
              f"(ratio = peer / parley: > 1 means parleyd uses less memory per connection)")
        ratio = q / p if p > 0 else float("inf")
        print(f"parley/{best} = {ratio:.3f}")
        return 0
    print("parley/none = 0 (no count where parleyd and a peer both succeeded)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
