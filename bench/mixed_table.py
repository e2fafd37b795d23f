#!/usr/bin/env python3
"""bench/run-mixed's table (bench/README.md). Reads the JSON lines parley-mixed
printed, one per run, each tagged by the script with server, repetition, load average
and exit status, and prints per server the median [min-max] over the repetitions;
the last line is parley/node-ws: the peer's server CPU per 1,000 messages over
parley's (parleyd + PostgreSQL), the median of the per-repetition ratios."""

import argparse
import json
import statistics
import sys
from collections import defaultdict


def spread(values, fmt):
    """median [min-max], or '-' without values."""
    if not values:
        return "-"
    if len(values) == 1:
        return fmt % values[0]
    return (fmt + " [" + fmt + "-" + fmt + "]") % (statistics.median(values), min(values), max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--machine", default="")
    ap.add_argument("--markdown-to", default="", help="also write the table as markdown")
    args = ap.parse_args()

    runs = defaultdict(dict)  # server -> rep -> line
    servers = []
    with open(args.results) as f:
        for raw in f:
            raw = raw.strip()
            if not raw:
                continue
            line = json.loads(raw)
            if line["server"] not in servers:
                servers.append(line["server"])
            runs[line["server"]][line["rep"]] = line

    def ok(line):
        return not line.get("failed") and line.get("measured_messages", 0) > 0 \
            and line.get("server_cpu_s", 0) > 0

    cols = ["server", "runs", "CPU ms / 1k msgs", "CPU ms / 1k frames", "server CPU %",
            "ack p50 ms", "ack p99 ms", "deliver p50 ms", "deliver p99 ms", "deliver p99.9 ms",
            "deliver max ms", "list p99 ms", "history p99 ms", "missing", "errors", "drained"]
    rows = []
    for server in servers:
        good = [l for _, l in sorted(runs[server].items()) if ok(l)]
        failed = len(runs[server]) - len(good)

        def col(key, fmt):
            return spread([l[key] for l in good if key in l], fmt)
        busy = [100.0 * l["server_cpu_s"] / l["measured_s"] for l in good if l.get("measured_s")]
        rows.append([
            server, "%d%s" % (len(good), " (%d failed)" % failed if failed else ""),
            col("cpu_ms_per_1k_msgs", "%.0f"), col("cpu_ms_per_1k_frames", "%.1f"),
            spread(busy, "%.0f"),
            col("ack_p50_ms", "%.2f"), col("ack_p99_ms", "%.1f"),
            col("deliver_p50_ms", "%.2f"), col("deliver_p99_ms", "%.1f"),
            col("deliver_p999_ms", "%.1f"), col("deliver_max_ms", "%.1f"),
            col("list_p99_ms", "%.1f"), col("history_p99_ms", "%.1f"),
            "%d" % max([l.get("missing", 0) for l in good] or [0]),
            "%d" % max([l.get("errors_total", 0) for l in good] or [0]),
            "%d/%d" % (sum(1 for l in good if l.get("drained")), len(good)),
        ])

    first = next((l for s in servers for l in runs[s].values() if ok(l)), None)
    if first:
        mix = "%d users, %d conversations (%d groups), %g msgs/s, %d messages (%d measured)" % (
            first["users"], first["conversations"], first["groups"], first["rate"],
            first["messages"], first["measured_messages"])
        per_msg = []
        for op in ("typing", "read", "conv_list", "msg_history"):
            if first.get("sent_msg_send"):
                per_msg.append("%s %.2f" % (op.replace("_", "."), first.get("sent_" + op, 0) /
                                            first["sent_msg_send"]))
        frames = (first["frames_read"] + first["frames_written"]) / max(1, first["measured_messages"])
        mix += "; per message: " + ", ".join(per_msg) + "; %.1f frames in+out" % frames
    else:
        mix = "no successful run"
    print("mixed chat day: server CPU per 1,000 messages (parley: parleyd + PostgreSQL; "
          "node-ws: node), median [min-max] of the runs")
    print("ratio = node-ws CPU per 1k msgs / parley's: < 1 means parley spends more CPU per "
          "message than the in-memory peer")
    print("shape: " + mix)
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths))))
    for r in rows:
        print("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))))
    if args.markdown_to:
        with open(args.markdown_to, "w") as md:
            md.write("| " + " | ".join(cols) + " |\n")
            md.write("|---|" + "|".join(["---:"] * (len(cols) - 1)) + "|\n")
            for r in rows:
                md.write("| " + " | ".join(r) + " |\n")

    ratios = []
    for rep in sorted(set(runs.get("parley", {})) & set(runs.get("node-ws", {}))):
        p, n = runs["parley"][rep], runs["node-ws"][rep]
        if ok(p) and ok(n):
            ratios.append(n["cpu_ms_per_1k_msgs"] / p["cpu_ms_per_1k_msgs"])
    if args.machine:
        print("machine: " + args.machine)
    loads = [l.get("loadavg", 0) for s in servers for _, l in sorted(runs[s].items())]
    if loads:
        print("load average after each run: " + " ".join("%.2f" % v for v in loads))
    if not ratios:
        print("ratio: no repetition has a successful run of both parley and node-ws")
        print("parley/node-ws = n/a")
        return 1
    print("ratio per repetition: " + " ".join("%.3f" % r for r in ratios))
    print("parley/node-ws = %.3f" % statistics.median(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
