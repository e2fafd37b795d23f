#!/usr/bin/env python3
"""The soak's samples as a PNG and a Markdown table (bench/run-soak).

samples.jsonl: one line a minute from run-soak's sampler (RSS, open files, ...).
runs.jsonl: one line per load run (parley-mixed's JSON line with the loop's name,
its end time and exit status; parley-connections' exit status).

The PNG has four panels over the soak's minutes: parleyd's RSS with the
allocator's heap and in-use bytes, its open files and connections, the p99 of
send->ack and send->deliver of the chat-day runs ended in each minute with the
group commit's p99 per minute, and parleyd's CPU per minute. The table gives the first and
last five minutes side by side, which is what "flat" means here.
"""
import argparse
import json
import statistics
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples")
    ap.add_argument("runs")
    ap.add_argument("--png", required=True)
    ap.add_argument("--markdown-to")
    ap.add_argument("--minutes", type=float,
                    help="the soak's length: the table's last 5 minutes end there "
                    "(later samples are the wind-down, reported on their own)")
    a = ap.parse_args()

    samples = load(a.samples)
    runs = load(a.runs)
    if len(samples) < 2:
        print("soak_plot: fewer than two samples", file=sys.stderr)
        return 1
    # "new": the second loop's name before it rotated through user pools.
    mixed = [r for r in runs if r.get("loop") in ("returning", "rotating", "new")]
    idle = [r for r in runs if r.get("loop") == "idle"]
    failed = [r for r in runs if r.get("exit", 0) != 0]

    t = [s["t"] / 60.0 for s in samples]
    rss = [s["rss_kb"] / 1024.0 for s in samples]
    fds = [s["fds"] for s in samples]
    conns = [s.get("connections") for s in samples]
    cpu = [0.0] + [
        (samples[i]["cpu_s"] - samples[i - 1]["cpu_s"]) / max(1e-9, (samples[i]["t"] - samples[i - 1]["t"]))
        for i in range(1, len(samples))
    ]

    # The commit latency's p99 per minute, from the deltas of the cumulative
    # histogram buckets (the bucket's upper bound: 0.25, 0.5, 1, 2, 4, ... ms).
    def bucket_p99(prev, cur):
        if not prev or not cur:
            return None
        keys = sorted((k for k in cur if k != "+Inf"), key=float)
        total = cur.get("+Inf", 0) - prev.get("+Inf", 0)
        if total <= 0:
            return None
        for k in keys:
            if cur[k] - prev.get(k, 0) >= 0.99 * total:
                return float(k)
        return float(keys[-1]) * 2 if keys else None

    commit_p99 = [None] + [
        bucket_p99(samples[i - 1].get("commit_ms_buckets"), samples[i].get("commit_ms_buckets"))
        for i in range(1, len(samples))
    ]

    # Samples carry seconds since the soak's start and the epoch second they were
    # taken; runs carry the epoch second they ended.
    origin = samples[0]["epoch"] - samples[0]["t"]
    ack_pts, deliver_pts = [], []
    for r in mixed:
        if "ack_p99_ms" not in r:
            continue
        m = (r["end"] - origin) / 60.0
        ack_pts.append((m, r["ack_p99_ms"]))
        deliver_pts.append((m, r["deliver_p99_ms"]))
    ack_pts.sort()
    deliver_pts.sort()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(4, 1, figsize=(9, 11), sharex=True)
    ax[0].plot(t, rss, marker="o", ms=3, label="RSS")
    ax[0].plot(t, [s["hwm_kb"] / 1024.0 for s in samples], ls="--", label="peak RSS")
    if all(s.get("heap") is not None for s in samples):
        ax[0].plot(t, [s["heap"] / 2**20 for s in samples], ls="-.", label="allocator's heap")
        ax[0].plot(t, [s["heap_allocated"] / 2**20 for s in samples], ls=":",
                   label="allocated (in use)")
    ax[0].set_ylabel("parleyd MiB")
    ax[0].set_ylim(bottom=0)
    ax[0].legend(loc="lower right")
    ax[1].plot(t, fds, marker="o", ms=3, label="open files")
    if all(c is not None for c in conns):
        ax[1].plot(t, conns, marker="x", ms=3, ls=":", label="connections (at the sample)")
    ax[1].set_ylabel("count")
    ax[1].set_ylim(bottom=0)
    ax[1].legend(loc="lower right")
    if ack_pts:
        ax[2].plot([p[0] for p in ack_pts], [p[1] for p in ack_pts], "o", ms=3, label="send->ack p99")
        ax[2].plot([p[0] for p in deliver_pts], [p[1] for p in deliver_pts], "x", ms=3,
                   label="send->deliver p99")
    if any(c is not None for c in commit_p99[1:]):
        ax[2].step([x for x, c in zip(t[1:], commit_p99[1:]) if c is not None],
                   [c for c in commit_p99[1:] if c is not None], where="pre", color="grey",
                   label="group commit p99 (per minute, bucket bound)")
    ax[2].set_ylabel("ms, per chat-day run")
    ax[2].set_ylim(bottom=0)
    ax[2].legend(loc="lower left", fontsize="small")
    ax[3].plot(t[1:], [c * 100 for c in cpu[1:]], marker="o", ms=3)
    ax[3].set_ylabel("parleyd CPU %")
    ax[3].set_ylim(bottom=0)
    ax[3].set_xlabel("minutes")
    fig.suptitle(
        f"parleyd soak: {len(mixed)} chat-day runs, {len(idle)} idle-connection runs, "
        f"{len(failed)} failed"
    )
    fig.tight_layout()
    fig.savefig(a.png, dpi=90)

    def window(values, times, lo, hi):
        return [v for v, x in zip(values, times) if lo <= x < hi and v is not None]

    end = a.minutes if a.minutes else t[-1]
    rows = []

    def row(name, values, times, fmt):
        head = window(values, times, 0, 5.01)
        tail = window(values, times, end - 5, end + 0.01)
        if not head or not tail:
            return
        h, l = statistics.median(head), statistics.median(tail)
        rows.append((name, fmt.format(h), fmt.format(l), f"{l / h:.2f}" if h else "-",
                     fmt.format(max(v for v in values if v is not None))))

    row("parleyd RSS, MiB", rss, t, "{:.1f}")
    if all(s.get("heap") is not None for s in samples):
        row("allocated (in use), MiB", [s["heap_allocated"] / 2**20 for s in samples], t, "{:.1f}")
        row("allocator's heap, MiB", [s["heap"] / 2**20 for s in samples], t, "{:.1f}")
    row("open files", fds, t, "{:.0f}")
    row("parleyd CPU, %", [c * 100 for c in cpu[1:]], t[1:], "{:.1f}")
    row("send->ack p99, ms", [p[1] for p in ack_pts], [p[0] for p in ack_pts], "{:.2f}")
    row("group commit p99, ms (bucket bound)", [c for c in commit_p99[1:]],
        [x for x in t[1:]], "{:.0f}")
    row("send->deliver p99, ms", [p[1] for p in deliver_pts], [p[0] for p in deliver_pts], "{:.2f}")
    msgs = sum(r.get("messages", 0) for r in mixed if r.get("exit") == 0)
    errors = sum(r.get("errors_total", 0) for r in mixed)
    missing = sum(r.get("missing", 0) for r in mixed)
    lines = [
        f"Soak of {t[-1]:.0f} minutes: {len(mixed)} chat-day runs ({msgs} messages), "
        f"{len(idle)} idle-connection runs, {len(failed)} runs failed; "
        f"error replies {errors}, missing pushes {missing}.",
        "",
        "| sample | median, first 5 min | median, last 5 min | last ÷ first | max |",
        "|---|---|---|---|---|",
    ] + [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |" for r in rows]
    last = samples[-1]
    if a.minutes and t[-1] > a.minutes:
        heap = ""
        if last.get("heap_allocated") is not None:
            heap = f", allocated {last['heap_allocated'] / 2**20:.1f} MiB"
        lines += [
            "",
            f"After the loops ended ({t[-1]:.1f} min): {last.get('connections')} connections, "
            f"{last['fds']} open files, RSS {last['rss_kb'] / 1024:.1f} MiB{heap}.",
        ]
    text = "\n".join(lines)
    print(text)
    if a.markdown_to:
        with open(a.markdown_to, "w") as f:
            f.write(text + "\n")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
