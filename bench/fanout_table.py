#!/usr/bin/env python3
"""bench/run-fanout's table (bench/README.md). Reads the JSON lines parley-fanout
printed, one per rate step and one summary per run, each tagged by the script with
server, shape, repetition and load average, and prints per shape, server and step the
median over the repetitions; then each server's best figures and parley ÷ each peer,
and last `parley/<best peer> = <ratio>`: per shape against the peer with the higher
figure (node-ws, nats-ws, whichever ran), geometric mean over the shapes."""

import argparse
import json
import math
import statistics
import sys
from collections import defaultdict



def ratio(a, b):
    return a / b if b > 0 else float("nan")


def fmt_ratio(a, b):
    return "%.3f" % ratio(a, b) if b > 0 else "n/a"


def median(values):
    return statistics.median(values) if values else float("nan")


def per_cpu(step):
    """All deliveries of a step over the server's CPU seconds (PostgreSQL's included)."""
    s = step.get("cpu_server_s", 0) + step.get("cpu_postgres_s", 0)
    return step["deliveries_all"] / s if s > 0 else 0.0


def best_per_cpu(runs_steps, bound_ms):
    """Per run: deliveries per server CPU-second at the run's best sustained step
    (steadier than deliveries/s when the machine's cores are shared)."""
    out = []
    for steps in runs_steps:
        ok = [s for s in steps if s["drained"] and s["missing"] == 0 and s["send_errors"] == 0
              and s["p50_ms"] <= bound_ms and s["deliveries"] > 0]
        out.append(per_cpu(max(ok, key=lambda s: s["deliveries_per_s"])) if ok else 0.0)
    return out


def best(runs_steps, bound_ms, pct="p99_ms"):
    """Per run: the highest deliveries/s of a step with that percentile <= bound and
    nothing missing or refused (0 when none)."""
    out = []
    for steps in runs_steps:
        ok = [s["deliveries_per_s"] for s in steps
              if s["drained"] and s["missing"] == 0 and s["send_errors"] == 0
              and s[pct] <= bound_ms and s["deliveries"] > 0]
        out.append(max(ok) if ok else 0.0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--slo-ms", type=float, default=10)
    ap.add_argument("--sustained-p50-ms", type=float, default=100,
                    help="a step keeps up when nothing is missing and p50 is within this")
    ap.add_argument("--machine", default="")
    ap.add_argument("--markdown-to", default="", help="also write the table as markdown")
    args = ap.parse_args()

    steps = defaultdict(list)  # (shape, server, step) -> [line per run]
    runs = defaultdict(lambda: defaultdict(list))  # (shape, server) -> rep -> [step]
    failed = defaultdict(int)
    loads, shapes, servers = [], [], []
    with open(args.results) as f:
        for raw in f:
            raw = raw.strip()
            if not raw:
                continue
            line = json.loads(raw)
            shape, server = line["shape"], line["server"]
            if shape not in shapes:
                shapes.append(shape)
            if server not in servers:
                servers.append(server)
            if line.get("summary"):
                loads.append(line.get("loadavg", 0.0))
                runs[(shape, server)].setdefault(line["rep"], [])
                if line.get("failed"):
                    failed[(shape, server)] += 1
            else:
                steps[(shape, server, line["step"])].append(line)
                runs[(shape, server)][line["rep"]].append(line)

    cols = ["shape", "server", "msgs/s", "offered/s", "dlv/s", "p50 ms", "p99 ms [min-max]",
            "p99.9 ms", "max ms", "missing", "dlv/cpu-s", "runs"]
    fmt = "%-9s %-8s %8s %10s %10s %7s %20s %9s %9s %8s %10s %5s"
    rows = []
    for shape in shapes:
        for server in servers:
            for step in range(100):
                lines = steps.get((shape, server, step))
                if not lines:
                    continue
                p99s = [r["p99_ms"] for r in lines]
                cpu = []
                for r in lines:
                    s = r.get("cpu_server_s", 0) + r.get("cpu_postgres_s", 0)
                    if s > 0:
                        cpu.append(r["deliveries_all"] / s)
                rows.append([
                    shape, server, "%g" % lines[0]["rate"], "%.0f" % lines[0]["offered_per_s"],
                    "%.0f" % median([r["deliveries_per_s"] for r in lines]),
                    "%.2f" % median([r["p50_ms"] for r in lines]),
                    "%.2f [%.2f-%.2f]" % (median(p99s), min(p99s), max(p99s)),
                    "%.2f" % median([r["p999_ms"] for r in lines]),
                    "%.1f" % median([r["max_ms"] for r in lines]),
                    "%d" % max(r["missing"] for r in lines),
                    "%.0f" % median(cpu) if cpu else "-",
                    "%d" % len(lines),
                ])
    print("fan-out: deliveries/s and send->deliver latency per rate step, median of the "
          "runs (dlv/cpu-s: all deliveries over the server's CPU seconds, with PostgreSQL's "
          "for parley)")
    print(fmt % tuple(cols))
    for r in rows:
        print(fmt % tuple(r))
    if args.markdown_to:
        with open(args.markdown_to, "w") as md:
            md.write("| " + " | ".join(cols) + " |\n")
            md.write("|" + "|".join(["---"] * 2 + ["---:"] * (len(cols) - 2)) + "|\n")
            for r in rows:
                md.write("| " + " | ".join(r) + " |\n")

    print()
    print("best deliveries/s per server (median of runs; each run in brackets):")
    print("  %-9s %-8s %22s %26s %22s" % ("shape", "server", "p99 <= %g ms" % args.slo_ms,
                                            "sustained (p50 <= %g ms)" % args.sustained_p50_ms,
                                            "dlv/server-cpu-s there"))
    # Per shape: (ratio, best peer) at p99 <= slo and sustained; a peer is every
    # server but parley, and the best one is the peer with the higher figure.
    slo_ratios, sus_ratios, shapes_with_ratio = [], [], []
    for shape in shapes:
        fig = {}
        for server in servers:
            if (shape, server) not in runs:
                continue
            per_run = [runs[(shape, server)][k] for k in sorted(runs[(shape, server)])]
            a = best(per_run, args.slo_ms)
            b = best(per_run, args.sustained_p50_ms, "p50_ms")
            c = best_per_cpu(per_run, args.sustained_p50_ms)
            fig[server] = (median(a), median(b), median(c))
            note = " (%d failed)" % failed[(shape, server)] if failed[(shape, server)] else ""
            print("  %-9s %-8s %9.0f [%s] %9.0f [%s] %9.0f [%s]%s" % (
                shape, server, fig[server][0], " ".join("%.0f" % v for v in a),
                fig[server][1], " ".join("%.0f" % v for v in b),
                fig[server][2], " ".join("%.0f" % v for v in c), note))
        peers = [s for s in servers if s != "parley" and s in fig]
        if "parley" not in fig or not peers:
            continue
        pa, pb, pc = fig["parley"]
        for peer in peers:
            na, nb, nc = fig[peer]
            print("  %-9s parley/%s: %s at p99 <= %g ms, %s sustained, %s per server "
                  "CPU-second there" % (shape, peer, fmt_ratio(pa, na), args.slo_ms,
                                        fmt_ratio(pb, nb), fmt_ratio(pc, nc)))
        best_slo = max(peers, key=lambda s: fig[s][0])
        best_sus = max(peers, key=lambda s: fig[s][1])
        shapes_with_ratio.append(shape)
        slo_ratios.append((ratio(pa, fig[best_slo][0]), best_slo))
        sus_ratios.append((ratio(pb, fig[best_sus][1]), best_sus))
        if len(peers) > 1:
            def which(name, figure):
                return name if figure > 0 else "none"
            print("  %-9s best peer: %s at p99 <= %g ms (parley/%s %s), %s sustained "
                  "(parley/%s %s)" % (shape, which(best_slo, fig[best_slo][0]), args.slo_ms,
                                      best_slo, fmt_ratio(pa, fig[best_slo][0]),
                                      which(best_sus, fig[best_sus][1]), best_sus,
                                      fmt_ratio(pb, fig[best_sus][1])))
    if args.machine:
        print("machine: " + args.machine)
    if loads:
        print("load average at the end of each run: " + " ".join("%.2f" % v for v in loads))

    def gmean(per_shape):
        """Geometric mean of the ratios where parley and the best peer have a figure;
        the shapes used and the peers they were taken against."""
        xs = [(shape, x, peer) for shape, (x, peer) in per_shape if x > 0]
        if not xs:
            return None, [], []
        g = math.exp(sum(math.log(x) for _, x, _ in xs) / len(xs))
        return g, [s for s, _, _ in xs], sorted({p for _, _, p in xs})

    chosen = slo_ratios
    g, used, against = gmean(zip(shapes_with_ratio, chosen))
    which = "deliveries/s at the highest step with p99 <= %g ms" % args.slo_ms
    if g is None:
        chosen = sus_ratios
        g, used, against = gmean(zip(shapes_with_ratio, chosen))
        which = ("no shape had a step with p99 <= %g ms on parley and a peer; sustained "
                 "deliveries/s instead (nothing missing, p50 <= %g ms)" % (
                     args.slo_ms, args.sustained_p50_ms))
    if g is None:
        print("ratio: no shape has a figure for parley and a peer")
        print("parley/peer = n/a")
        return 1
    peer_of = ", ".join("%s %s" % (s, p) for s, (_, p) in zip(shapes_with_ratio, chosen)
                        if s in used)
    print("ratio: %s, against the best peer of each shape (%s); %s" % (
        which, peer_of,
        "shape " + used[0] if len(used) == 1 else "geometric mean over " + ", ".join(used)))
    name = against[0] if len(against) == 1 else "best(" + ",".join(against) + ")"
    print("parley/%s = %.3f" % (name, g))
    return 0


if __name__ == "__main__":
    sys.exit(main())
