// Two clients chat through a real parleyd: messages, replies, typing, read markers,
// unread counts, typed errors, outbox states, history paging, attachments.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { ParleyError } from "../dist/index.js";
import { nextEvent, Server, TestDatabase, until } from "./harness.mjs";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1f1d7580000000049454e44ae426082",
  "hex",
);

describe("two clients chat", () => {
  let db, server, alice, bob, conv;

  before(async () => {
    db = new TestDatabase();
    server = new Server(db);
    await server.start();
    await server.provision(["alice", "bob", "carol"]);
    alice = server.client("alice", { typing: { refreshMs: 3000, idleMs: 400 } });
    bob = server.client("bob");
    const [ha, hb] = await Promise.all([alice.connect(), bob.connect()]);
    assert.equal(ha.user.id, "alice");
    assert.equal(hb.user.id, "bob");
    assert.equal(alice.state, "connected");
    conv = (await alice.createConversation({ kind: "private", participants: ["bob"], subject: "Plans" })).id;
  });

  after(async () => {
    alice?.close();
    bob?.close();
    await server?.stop();
    db?.drop();
  });

  test("a message reaches the other client once, with its reply_to", async () => {
    await alice.open(conv);
    await bob.open(conv);
    const seen = [];
    const off = bob.on("message", (m) => seen.push(m));
    const first = alice.send(conv, "hello bob");
    assert.equal(first.state, "sending");
    const r1 = await first.done;
    assert.equal(r1.seq, 1);
    assert.equal(first.state, "sent");
    assert.equal(first.seq, 1);
    await until(() => seen.length === 1, 5000, "bob's message");
    assert.equal(seen[0].body, "hello bob");
    assert.equal(seen[0].author, "alice");
    assert.equal(seen[0].cid, first.cid);

    const got = nextEvent(alice, "message", (m) => m.seq === 2);
    const reply = await bob.send(conv, { body: "hi alice", replyTo: 1 }).done;
    assert.equal(reply.seq, 2);
    const m2 = await got;
    assert.deepEqual(m2.reply_to, { seq: 1, author: "alice", preview: "hello bob" });
    const page = await alice.history(conv);
    assert.deepEqual(
      page.messages.map((m) => m.seq),
      [1, 2],
    );
    off();
  });

  test("typing starts throttled and stops when idle or on send", async () => {
    const events = [];
    const off = bob.on("typing", (t) => events.push(`${t.user}:${t.state}`));
    alice.typing(conv);
    alice.typing(conv); // within 3 s: no second start on the wire
    await until(() => events.length >= 1, 5000, "typing start");
    assert.deepEqual(events, ["alice:start"]);
    await until(() => events.length >= 2, 5000, "idle stop"); // idleMs 400
    assert.deepEqual(events, ["alice:start", "alice:stop"]);

    alice.typing(conv);
    await until(() => events.length >= 3, 5000, "typing start again");
    const msg = nextEvent(bob, "message", (m) => m.body === "typed");
    await alice.send(conv, "typed").done;
    await msg;
    assert.deepEqual(events.slice(2), ["alice:start", "alice:stop"]);
    off();
  });

  test("read markers are pushed and unread counts follow notify and read", async () => {
    const carol = server.client("carol");
    await carol.connect();
    try {
      await alice.request("conv.participants.add", { conv, users: ["carol"] });
      const list = await carol.listConversations();
      assert.equal(list.items[0].id, conv);
      assert.equal(carol.unread(conv), 0); // a participant added later has read it all
      // carol has the conversation closed: notify carries her unread count.
      const notified = nextEvent(carol, "notify", (n) => n.conv === conv);
      const unreadEv = nextEvent(carol, "unread", (u) => u.conv === conv && u.unread === 1);
      const sent = await alice.send(conv, "for carol too").done;
      const n = await notified;
      assert.equal(n.unread, 1);
      assert.equal(n.preview, "for carol too");
      await unreadEv;
      assert.equal(carol.unread(conv), 1);

      // bob reads: alice sees his marker; bob's own count drops to 0.
      await bob.listConversations();
      const marker = nextEvent(alice, "read", (r) => r.user === "bob" && r.seq === sent.seq);
      const r = await bob.read(conv, sent.seq);
      assert.equal(r.unread, 0);
      assert.equal(bob.unread(conv), 0);
      await marker;

      // With the conversation open, bob gets messages, not notify, and counts them.
      const counted = nextEvent(bob, "unread", (u) => u.conv === conv && u.unread === 1);
      await alice.send(conv, "counted by bob's client").done;
      await counted;
      // His own messages do not count.
      await bob.send(conv, "mine").done;
      await until(() => bob.lastSeq(conv) === sent.seq + 2, 5000, "bob's own message");
      assert.equal(bob.unread(conv), 1);
    } finally {
      carol.close();
    }
  });

  test("errors are typed with the protocol's codes; a refused send fails", async () => {
    await assert.rejects(alice.getConversation("cnosuchconversationaaaaaaaaa"), (e) => {
      assert.ok(e instanceof ParleyError);
      assert.equal(e.code, "not_found");
      assert.equal(e.op, "conv.get");
      return true;
    });
    await assert.rejects(alice.request("no.such.op"), { code: "bad_request" });
    const states = [];
    const item = alice.send(conv, { body: "x", replyTo: 9999 });
    const off = alice.on("outbox", ({ item: i }) => i === item && states.push(i.state));
    await assert.rejects(item.done, { code: "bad_request" });
    assert.equal(item.state, "failed");
    assert.deepEqual(states, ["failed"]);
    off();
    // The outbox goes on after a failure.
    assert.ok((await alice.send(conv, "after the failure").done).seq > 0);
  });

  test("history pages backwards and forwards", async () => {
    const c = (await alice.createConversation({ kind: "private", participants: ["bob"] })).id;
    await alice.open(c);
    const items = [];
    for (let i = 1; i <= 120; i++) items.push(alice.send(c, `m${i}`));
    await Promise.all(items.map((i) => i.done));
    assert.deepEqual(
      items.map((i) => i.seq),
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    const newest = await bob.history(c, { limit: 50 });
    assert.equal(newest.messages[0].seq, 71);
    assert.equal(newest.messages.at(-1).seq, 120);
    assert.equal(newest.more, true);
    const older = await bob.history(c, { before: 71, limit: 50 });
    assert.deepEqual([older.messages[0].seq, older.messages.at(-1).seq, older.more], [21, 70, true]);
    const oldest = await bob.history(c, { before: 21, limit: 50 });
    assert.deepEqual([oldest.messages[0].seq, oldest.messages.length, oldest.more], [1, 20, false]);
    const forward = await bob.history(c, { after: 100 });
    assert.deepEqual([forward.messages[0].seq, forward.messages.length, forward.more], [101, 20, false]);
  });

  test("attachments upload, send and download", async () => {
    const info = await alice.upload(PNG, "dot.png");
    assert.match(info.blob, /^b[a-z2-7]{26}$/);
    assert.equal(info.type, "image/png");
    assert.equal(info.size, PNG.length);
    const pushed = nextEvent(bob, "message", (m) => m.attachments?.length === 1);
    await alice.send(conv, { body: "a picture", attachments: [info] }).done;
    const m = await pushed;
    assert.deepEqual(m.attachments[0], { blob: info.blob, name: "dot.png", size: PNG.length, type: "image/png" });
    const file = await bob.download(info.blob);
    assert.equal(file.type, "image/png");
    assert.equal(file.name, "dot.png");
    assert.deepEqual(Buffer.from(file.bytes), PNG);

    await assert.rejects(alice.upload("MZ", "tool.exe"), (e) => e.code === "forbidden" && e.status === 415);
    await assert.rejects(bob.download("bnosuchblobaaaaaaaaaaaaaaaaa"), (e) => e.code === "not_found" && e.status === 404);
  });
});
