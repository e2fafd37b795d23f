#!/usr/bin/env node
// The reference peer of the mixed chat day (bench/run-mixed, bench/README.md): the
// fan-out peer (fanout-server.js, whose handlers and server it reuses) grown into a
// small chat server, so that it writes the frames parleyd writes for what the
// scenario does:
//   conv.create   remembers the participants (the fan-out peer does not)
//   msg.send      the message push to every open subscription, a `notify` with the
//                 recipient's unread count to every connection of every other
//                 participant, and the end of the author's typing (as parleyd does);
//                 the message is kept in the room's in-memory list
//   typing        `{op: typing, conv, user, kind: human, state}` to the other open
//                 subscriptions, on a change only; a start expires after 6 s
//   read          the reader's marker forward, `{op: read, conv, user, seq}` to the
//                 other open subscriptions and with `unread` to the reader's own
//                 connections; reply {seq, unread}
//   conv.list     the caller's conversations, newest activity first, with unread
//   msg.history   a page of the room's in-memory list, as docs/protocol.md §6 pages it
// Rights: a participant may read and write; anyone else gets not_found. Like the
// fan-out peer it checks no token and is NOT durable: nothing reaches a disk, every
// reply goes out at once. It is an upper bound for a chat server, not an equal.
//
//   node chat-server.js [--listen 127.0.0.1:0]
'use strict';

const peer = require('./fanout-server.js');
const { encode, rooms, reply, fail } = peer;

const typingExpiryMs = 6000;
const connsByUser = new Map(); // user -> Set<ws>
const convsByUser = new Map(); // user -> Set<room>

function setOf(map, key) {
  let s = map.get(key);
  if (!s) {
    s = new Set();
    map.set(key, s);
  }
  return s;
}

// The room of req.conv if the caller takes part in it, else the not_found reply.
function memberRoom(ws, req) {
  const r = rooms.get(req.conv);
  if (r && r.members && r.members.has(ws.user)) return r;
  fail(ws, req.rid, 'not_found', 'no such conversation');
  return null;
}

function unreadOf(r, user) {
  return r.seq - (r.reads.get(user) || 0);
}

// To the room's open subscriptions of users other than `user`.
function toOthers(r, user, frame) {
  for (const sub of r.subscribers) if (sub.user !== user) sub.send(frame);
}

function pushTyping(r, user, state) {
  toOthers(r, user, encode({ op: 'typing', conv: r.conv.id, user, kind: 'human', state }));
}

function stopTyping(r, user) {
  const timer = r.typing.get(user);
  if (timer === undefined) return;
  clearTimeout(timer);
  r.typing.delete(user);
  pushTyping(r, user, 'stop');
}

function item(r, user) {
  return { ...r.conv, last_seq: r.seq, unread: unreadOf(r, user) };
}

const handlers = {
  ...peer.handlers,
  hello(ws, req) {
    peer.handlers.hello(ws, req);
    setOf(connsByUser, ws.user).add(ws);
  },
  'conv.create'(ws, req) {
    const { id, room: r } = peer.createRoom(req.cid);
    if (!r.members) {
      const participants = [ws.user, ...(Array.isArray(req.participants) ? req.participants : [])];
      r.members = new Set(participants);
      r.messages = [];
      r.reads = new Map();
      r.typing = new Map(); // user -> expiry timer
      r.lastTs = Date.now();
      r.conv = { id, kind: req.kind, org: '', participants, created_by: ws.user, created_at: r.lastTs };
      for (const u of r.members) setOf(convsByUser, u).add(r);
    }
    reply(ws, req.rid, { conv: { ...r.conv, last_seq: r.seq } });
  },
  'conv.open'(ws, req) {
    if (memberRoom(ws, req)) peer.handlers['conv.open'](ws, req);
  },
  'msg.send'(ws, req) {
    const r = memberRoom(ws, req);
    if (!r) return;
    const message = peer.publish(ws, r, req);
    r.messages.push(message);
    r.lastTs = message.ts;
    stopTyping(r, ws.user);
    const preview = peer.previewOf(req.body);
    for (const user of r.members) {
      if (user === ws.user) continue;
      const conns = connsByUser.get(user);
      if (!conns || conns.size === 0) continue;
      const notify = encode({
        op: 'notify', conv: req.conv, seq: message.seq, author: ws.user, preview, unread: unreadOf(r, user),
      });
      for (const c of conns) c.send(notify);
    }
    reply(ws, req.rid, { seq: message.seq, ts: message.ts });
  },
  typing(ws, req) {
    const r = memberRoom(ws, req);
    if (!r) return;
    if (req.state === 'start') {
      const was = r.typing.get(ws.user);
      if (was !== undefined) clearTimeout(was);
      const user = ws.user;
      r.typing.set(user, setTimeout(() => stopTyping(r, user), typingExpiryMs));
      if (was === undefined) pushTyping(r, user, 'start');
    } else {
      stopTyping(r, ws.user);
    }
    if (req.rid !== undefined) reply(ws, req.rid, {});
  },
  read(ws, req) {
    const r = memberRoom(ws, req);
    if (!r) return;
    if (!Number.isInteger(req.seq) || req.seq < 1 || req.seq > r.seq) {
      return fail(ws, req.rid, 'bad_request', "'seq' must be 1..last_seq");
    }
    const seq = Math.max(req.seq, r.reads.get(ws.user) || 0);
    r.reads.set(ws.user, seq);
    const unread = unreadOf(r, ws.user);
    reply(ws, req.rid, { seq, unread });
    toOthers(r, ws.user, encode({ op: 'read', conv: req.conv, user: ws.user, seq }));
    const own = encode({ op: 'read', conv: req.conv, user: ws.user, seq, unread });
    for (const c of connsByUser.get(ws.user) || []) c.send(own);
  },
  'conv.list'(ws, req) {
    const limit = Number.isInteger(req.limit) && req.limit > 0 ? Math.min(req.limit, 200) : 50;
    const mine = [...(convsByUser.get(ws.user) || [])].sort((a, b) => b.lastTs - a.lastTs);
    const from = Number.isInteger(Number(req.cursor)) ? Number(req.cursor) : 0;
    const page = mine.slice(from, from + limit).map((r) => item(r, ws.user));
    const more = from + limit < mine.length;
    reply(ws, req.rid, more ? { items: page, cursor: String(from + limit) } : { items: page });
  },
  'msg.history'(ws, req) {
    const r = memberRoom(ws, req);
    if (!r) return;
    const limit = Number.isInteger(req.limit) && req.limit > 0 ? Math.min(req.limit, 200) : 50;
    const all = r.messages; // all[i] has seq i + 1
    if (Number.isInteger(req.after)) {
      const from = Math.max(0, req.after);
      return reply(ws, req.rid, { messages: all.slice(from, from + limit), more: from + limit < all.length });
    }
    const end = Number.isInteger(req.before) ? Math.min(all.length, Math.max(0, req.before - 1)) : all.length;
    const start = Math.max(0, end - limit);
    reply(ws, req.rid, { messages: all.slice(start, end), more: start > 0 });
  },
};

Object.assign(peer.opts, peer.parseArgs(process.argv, 'chat-server.js', []));
peer.serve(peer.opts, handlers, (ws) => {
  const conns = connsByUser.get(ws.user);
  if (conns) conns.delete(ws);
  // A disconnect stops the user's typing, as in parleyd, once no connection is left.
  if (!conns || conns.size === 0) {
    for (const r of convsByUser.get(ws.user) || []) stopTyping(r, ws.user);
  }
});
