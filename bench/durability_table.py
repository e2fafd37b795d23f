#!/usr/bin/env python3
"""bench/run durability's summary over repetitions (bench/README.md): reads the
tables bench/run-durability printed, one file per repetition, and prints per writer
count the median [min-max] of parley acked/s, COPY rows/s, parley / COPY, and with a
nats-server table also nats acked/s and parley / nats. Ratios are medians of the
per-run ratios (each measured inside its own run). Last line: parley/COPY = <median
ratio of the 64-writer row> (else of the largest row)."""

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


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def main(paths):
    parley = defaultdict(list)  # writers -> [(acked, copy, ratio)]
    nats = defaultdict(list)  # writers -> [(acked, parley_over_nats)]
    for path in paths:
        section = "parley"
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("nats-server JetStream"):
                    section = "nats"
                    continue
                cols = line.split()
                if len(cols) < 7 or not cols[0].isdigit() or not cols[1].isdigit():
                    continue
                w = int(cols[0])
                if section == "parley":
                    acked, copy, ratio = number(cols[2]), number(cols[3]), number(cols[4])
                    if None not in (acked, copy, ratio):
                        parley[w].append((acked, copy, ratio))
                else:
                    acked = number(cols[2])
                    over = number(cols[7]) if len(cols) > 7 else None
                    if acked is not None:
                        nats[w].append((acked, over))

    runs = len(paths)
    print(f"durability over {runs} run(s): median [min-max]; ratios are medians of "
          "the per-run ratios")
    print("| writers | parley acked/s | COPY rows/s | parley ÷ COPY | nats acked/s "
          "| parley ÷ nats | runs |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for w in sorted(parley):
        rows = parley[w]
        n = nats.get(w, [])
        print(f"| {w} | {spread([r[0] for r in rows], '{:.0f}')} "
              f"| {spread([r[1] for r in rows], '{:.0f}')} "
              f"| {spread([r[2] for r in rows], '{:.4f}')} "
              f"| {spread([x[0] for x in n], '{:.0f}')} "
              f"| {spread([x[1] for x in n if x[1] is not None], '{:.4f}')} "
              f"| {len(rows)} |")
    if not parley:
        print("no parley row in any run")
        return 1
    w = 64 if 64 in parley else max(parley)
    if w != 64:
        print(f"(no 64-writer row: the ratio is the {w}-writer row's)")
    print(f"parley/COPY = {statistics.median([r[2] for r in parley[w]]):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
