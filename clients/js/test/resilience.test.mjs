// The SDK against a server that dies, stalls and refuses tokens: kill -9 in the
// middle of a burst of sends, resync of missed messages, backoff and `online`,
// request timeouts, token refresh.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import WebSocket from "ws";

import { nextEvent, Server, TestDatabase, until } from "./harness.mjs";

/** A WebSocket class that remembers its sockets, so a test can cut one. */
function trackedSockets() {
  const sockets = [];
  class Tracked extends WebSocket {
    constructor(url) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, cut: () => sockets.at(-1).terminate() };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("resilience", () => {
  let db, server;
  const clients = [];
  const client = (user, options) => {
    const c = server.client(user, options);
    clients.push(c);
    return c;
  };

  before(async () => {
    db = new TestDatabase();
    server = new Server(db);
    await server.start();
    await server.provision(["alice", "bob"]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    db?.drop();
  });

  test("kill -9 during a burst: every message sent is stored exactly once, in order", async () => {
    const alice = client("alice");
    const bob = client("bob");
    await Promise.all([alice.connect(), bob.connect()]);
    const conv = (await alice.createConversation({ kind: "private", participants: ["bob"] })).id;
    await bob.open(conv);
    const seenByBob = [];
    bob.on("message", (m) => m.conv === conv && seenByBob.push(m));
    const states = [];
    alice.on("state", (s) => states.push(s.state));

    const total = 400;
    const items = [];
    let killed = false;
    let restarted;
    let acked = 0;
    alice.on("outbox", ({ item }) => {
      if (item.state !== "sent" || ++acked !== 100) return;
      // In the middle of the burst: the server dies with sends in flight and
      // queued, and comes back on the same port a moment later.
      killed = true;
      restarted = (async () => {
        await server.stop("SIGKILL");
        await sleep(300);
        await server.start();
      })();
    });
    for (let i = 0; i < total; i++) {
      items.push(alice.send(conv, `burst ${i}`));
      if (i % 10 === 9) await sleep(5); // the application keeps sending through the outage
    }
    await until(() => killed, 30_000, "the kill");
    await restarted;
    const results = await Promise.all(items.map((i) => i.done));

    assert.ok(states.includes("disconnected"), "alice saw the connection drop");
    assert.equal(alice.state, "connected");
    // Acknowledged in the order sent, with gapless seqs.
    assert.deepEqual(
      results.map((r) => r.seq),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    assert.ok(items.every((i) => i.state === "sent"));
    // The database holds each exactly once, in the order the application sent them.
    const stored = db.query(`SELECT cid FROM messages WHERE conv = '${conv}' ORDER BY seq`);
    assert.deepEqual(
      stored,
      items.map((i) => i.cid),
    );
    // Bob's client, resynced after the restart, saw each once, in order.
    await until(() => seenByBob.length >= total, 20_000, "bob's resync");
    assert.deepEqual(
      seenByBob.map((m) => m.cid),
      items.map((i) => i.cid),
    );
    const retried = items.filter((i) => i.attempts > 1).length;
    console.log(`# kill -9 burst: ${total} sends, ${retried} retried with their cid, stored once each`);
  });

  test("after a reconnect each missed message arrives once, in order, past conv.open's 200", async () => {
    const network = new EventTarget();
    const tracked = trackedSockets();
    const alice = client("alice");
    const bob = client("bob", {
      WebSocket: tracked.WebSocket,
      onlineSource: network,
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    await Promise.all([alice.connect(), bob.connect()]);
    const conv = (await alice.createConversation({ kind: "private", participants: ["bob"] })).id;
    await alice.send(conv, "before").done;
    await bob.open(conv);
    assert.equal(bob.lastSeq(conv), 1);
    const seen = [];
    bob.on("message", (m) => m.conv === conv && seen.push(m.seq));

    const down = nextEvent(bob, "state", (s) => s.state === "disconnected");
    tracked.cut();
    const ev = await down;
    assert.ok(ev.delayMs >= 30_000, "a long backoff: only `online` brings bob back soon");
    const sends = [];
    for (let i = 0; i < 250; i++) sends.push(alice.send(conv, `missed ${i}`));
    await Promise.all(sends.map((s) => s.done));

    const back = nextEvent(bob, "connected");
    network.dispatchEvent(new Event("online"));
    await back;
    await until(() => seen.length >= 250, 10_000, "the resync");
    await alice.send(conv, "live again").done;
    await until(() => seen.length >= 251, 5000, "the live message");
    assert.deepEqual(
      seen,
      Array.from({ length: 251 }, (_, i) => i + 2),
    );
  });

  test("reconnect backs off with capped jitter while the server is down", async () => {
    const alice = client("alice", { reconnect: { initialDelayMs: 50, maxDelayMs: 400 } });
    await alice.connect();
    const delays = [];
    alice.on("state", (s) => s.state === "disconnected" && delays.push([s.attempt, s.delayMs]));
    await server.stop("SIGKILL");
    await until(() => delays.length >= 6, 15_000, "reconnect attempts");
    const connected = nextEvent(alice, "connected", () => true, 30_000);
    await server.start();
    await connected;
    for (const [attempt, delay] of delays) {
      const step = Math.min(400, 50 * 2 ** attempt);
      assert.ok(delay >= step / 2 && delay <= step, `attempt ${attempt}: ${delay} ms`);
    }
    assert.deepEqual(
      delays.map(([a]) => a),
      delays.map((_, i) => i),
    );
  });

  test("a request times out; a send that timed out is retried with its cid and stored once", async () => {
    const alice = client("alice", { requestTimeoutMs: 400 });
    await alice.connect();
    const conv = (await alice.createConversation({ kind: "private", participants: ["bob"] })).id;
    server.proc.kill("SIGSTOP");
    // kill() returns before every thread has stopped: wait until the process is.
    await until(() => /^\d+ \(.*\) T/.test(readFileSync(`/proc/${server.proc.pid}/stat`, "utf8")), 5000, "the stop");
    try {
      await assert.rejects(alice.getConversation(conv), { code: "timeout" });
      const item = alice.send(conv, "through a stall");
      await until(() => item.attempts >= 2, 10_000, "a retry");
      assert.equal(item.state === "sending" || item.state === "queued", true);
      server.proc.kill("SIGCONT");
      const r = await item.done;
      assert.equal(r.seq, 1);
      assert.deepEqual(db.query(`SELECT count(*) FROM messages WHERE conv = '${conv}'`), ["1"]);
    } finally {
      server.proc.kill("SIGCONT");
    }
  });

  test("short-lived tokens are refreshed on the live connection", async () => {
    const reasons = [];
    const alice = client("alice", {
      token: ({ reason }) => {
        reasons.push(reason);
        return server.token("alice", { ttlSeconds: 3 });
      },
    });
    await alice.connect();
    const states = [];
    alice.on("state", (s) => states.push(s.state));
    await sleep(4500); // past the first token's exp
    assert.deepEqual(states, [], "never disconnected");
    assert.ok(reasons.filter((r) => r === "refresh").length >= 1, reasons.join());
    await alice.listConversations();
  });

  test("a refused token makes the SDK ask for a new one", async () => {
    const reasons = [];
    const alice = client("alice", {
      token: ({ reason }) => {
        reasons.push(reason);
        // The first token has expired already; the server refuses it at hello.
        return server.token("alice", { ttlSeconds: reasons.length === 1 ? -10 : 3600 });
      },
    });
    const hello = await alice.connect();
    assert.equal(hello.user.id, "alice");
    assert.deepEqual(reasons, ["connect", "refused"]);
  });

  test("a connection closed at its token's expiry comes back with a new token", async () => {
    const reasons = [];
    const alice = client("alice", {
      token: ({ reason }) => {
        reasons.push(reason);
        if (reason === "refresh") throw new Error("cannot refresh now");
        return server.token("alice", { ttlSeconds: reason === "connect" ? 2 : 3600 });
      },
    });
    await alice.connect();
    const down = nextEvent(alice, "state", (s) => s.state === "disconnected", 10_000);
    const back = nextEvent(alice, "connected", () => true, 10_000);
    await down;
    await back;
    assert.deepEqual(reasons, ["connect", "refresh", "refused"]);
  });

  test("a fixed token the server refuses ends the client", async () => {
    const alice = client("alice", { token: server.token("alice", { ttlSeconds: -10 }) });
    await assert.rejects(alice.connect(), { code: "unauthenticated" });
    assert.equal(alice.state, "closed");
  });
});
