#!/usr/bin/python3
"""parleyd reads bit-flipped input from its listening port: Debian's zzuf runs it
with network fuzzing (-n) restricted to the listening port (-p) and to sockets whose
local address is 127.0.0.1 (-a; zzuf asks getsockname), no file fuzzed (-I matches
no file name). parleyd listens on 0.0.0.0 for the run, so a client can reach it at
127.0.0.1 (fuzzed) or at 127.0.0.2 (not fuzzed). For each seed of a fixed list, a
small client workload at 127.0.0.1 (handshake, hello, sends, history, pings,
reconnects when the server closes) has its bytes flipped on the way in, while a
bystander at 127.0.0.2 keeps sending. Must hold for every
seed: parleyd never crashes (zzuf reports no signal, the process is alive at the
end and stops cleanly on SIGTERM) and every send of the bystander is acknowledged.

Exits 77 (skipped) when zzuf is missing.
Usage: zzuf_network.py PARLEYD [SEED...]   (default seeds: 1-16)"""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import parley_wire  # noqa: E402

SEEDS = list(range(1, 17))
RATIO = "0.00002:0.001"  # zzuf picks a ratio in this range per seed
ROUNDS = 8              # fuzzed client connections per seed


def fuzzed_client(server, conv, stop, seen):
    """Connects at 127.0.0.1 (fuzzed) over and over and talks; any failure just
    starts the next connection. `seen` counts how far each connection got."""
    n = 0
    while not stop.is_set() and n < ROUNDS:
        n += 1
        try:
            stage = "handshake refused"
            ws = parley_wire.RawWs(server.port, timeout=2, host="127.0.0.1")
            stage = "hello failed"
            ws.request("hello", timeout=2, token=server.token("fuzzy"))
            stage = "cut after hello"
            for i in range(5):
                ws.request("msg.send", timeout=2, conv=conv, cid=f"f{n}-{i}-{time.time()}",
                           body="fuzzed " * 20)
                ws.request("msg.history", timeout=2, conv=conv, limit=20)
                ws.send_frame(9, b"ping")
            ws.close()
            stage = "all answered"
        except Exception:  # noqa: BLE001 - whatever the flipped bits did: next connection
            pass
        seen[stage] = seen.get(stage, 0) + 1


def run_seed(binary, db, secret, seed):
    port = parley_wire.free_port()
    zzuf = ["zzuf", "-n", "-p", str(port), "-a", "127.0.0.1", "-I", "^$",
            "-s", str(seed), "-r", RATIO, "-M", "-1"]
    server = parley_wire.Parleyd(binary, wrapper=zzuf, db=db, port=port, secret=secret,
                                 host="0.0.0.0")
    problems = []
    try:
        # The bystander, at 127.0.0.2: not fuzzed.
        by = parley_wire.RawWs(server.port, host="127.0.0.2")
        assert by.request("hello", token=server.token("bystander"))["ok"]
        r = by.request("conv.create", kind="private", participants=["fuzzy"])
        assert r["ok"], r
        conv = r["conv"]["id"]
        stop = threading.Event()
        seen = {}
        fuzz = threading.Thread(target=fuzzed_client, args=(server, conv, stop, seen))
        fuzz.start()
        acks = 0
        sends = 0
        deadline = time.time() + 4
        while time.time() < deadline or fuzz.is_alive():
            sends += 1
            r = by.request("msg.send", conv=conv, cid=f"b{seed}-{sends}", body="still here")
            if r.get("ok"):
                acks += 1
            else:
                problems.append(f"bystander send {sends}: {r}")
            time.sleep(0.05)
            if time.time() > deadline + 30:
                stop.set()
        fuzz.join()
        by.close()
        if acks != sends:
            problems.append(f"bystander: {acks} of {sends} sends acknowledged")
        if not server.alive():
            problems.append(f"parleyd died: exit {server.proc.returncode}")
        return problems, f"{sends} bystander sends; fuzzed connections: " + ", ".join(
            f"{k} {v}" for k, v in sorted(seen.items()))
    except Exception as e:  # noqa: BLE001
        problems.append(f"{type(e).__name__}: {e}")
        return problems, "no workload"
    finally:
        alive = server.alive()
        server.stop()
        err = server.stderr_at_stop
        code = server.proc.returncode
        # zzuf exits with parleyd's status: 0 after a clean SIGTERM shutdown.
        if alive and code != 0:
            problems.append(f"stop: exit status {code}")
        if "signal" in err or "crash" in err:
            problems.append("zzuf: " + err.strip()[-300:])


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    if not shutil.which("zzuf"):
        print("SKIP: zzuf is not installed (apt-get install zzuf)")
        return 77
    binary = sys.argv[1]
    seeds = [int(s) for s in sys.argv[2:]] or SEEDS
    db = "parley_zzuf_" + str(os.getpid())
    subprocess.run(["createdb", db], check=True)
    failures = 0
    try:
        # Provision once, on a parleyd without zzuf.
        plain = parley_wire.Parleyd(binary, db=db)
        secret = plain.secret
        parley_wire.provision(plain, ["bystander", "fuzzy"])
        plain.stop()
        for seed in seeds:
            problems, summary = run_seed(binary, db, secret, seed)
            failures += bool(problems)
            print(f"{'ok  ' if not problems else 'FAIL'} seed {seed}: {summary}"
                  + "".join("\n     " + p for p in problems), flush=True)
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)
    print(f"{len(seeds) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
