#!/usr/bin/env node
// A minimal fan-out server on the `ws` package speaking Parley's MessagePack frames
// (docs/protocol.md, "Global rules") for the subset bench/loadgen's fan-out scenario
// uses: the reference peer of bench/run-fanout (bench/README.md). It is NOT a chat
// server: it checks no token and no right, stores nothing (a msg.send is acknowledged
// before anything is durable, unlike Parley, whose reply waits for the PostgreSQL
// commit), and keeps rooms in memory. It is what a developer writes in an afternoon
// with the two most used npm packages, and so the floor any fan-out server should beat.
//
//   node fanout-server.js [--listen 127.0.0.1:0] [--notify]
//
// Prints "listening on HOST:PORT" once the socket is bound. --notify also pushes a
// `notify {conv, seq, author, preview, unread}` to every other member, as Parley does,
// so the two servers write the same number of frames.
//
// Also a module: bench/node-peer/chat-server.js (the mixed scenario's peer) requires
// it and serves these handlers with more of its own.
'use strict';

const { WebSocketServer } = require('ws');
const { Encoder, decode } = require('@msgpack/msgpack');

// `flags` names the boolean options the script accepts (each false unless given).
function parseArgs(argv, script, flags) {
  const opts = { host: '127.0.0.1', port: 0 };
  for (const f of flags) opts[f] = false;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--listen' && i + 1 < argv.length) {
      const v = argv[++i];
      const colon = v.lastIndexOf(':');
      opts.host = v.slice(0, colon);
      opts.port = Number(v.slice(colon + 1));
    } else if (argv[i].startsWith('--') && flags.includes(argv[i].slice(2))) {
      opts[argv[i].slice(2)] = true;
    } else {
      const usage = flags.map((f) => ` [--${f}]`).join('');
      console.error(`usage: ${script} [--listen HOST:PORT]${usage} (got ${argv[i]})`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = { notify: false }; // main() fills it from the command line
const encoder = new Encoder();
const encode = (v) => encoder.encode(v);

// The user of a JWT, unverified: the payload's `sub`.
function subjectOf(token) {
  try {
    const payload = JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url'));
    return typeof payload.sub === 'string' ? payload.sub : '';
  } catch {
    return '';
  }
}

const rooms = new Map(); // conv id -> { seq, subscribers: Set<ws> }
const convByCid = new Map(); // conv.create cid -> conv id, so a retried create finds it
let nextConv = 1;
let nextSession = 1;

function room(id) {
  let r = rooms.get(id);
  if (!r) {
    r = { seq: 0, subscribers: new Set() };
    rooms.set(id, r);
  }
  return r;
}

function reply(ws, rid, fields) {
  ws.send(encode({ op: 'reply', rid, ok: true, ...fields }));
}

function fail(ws, rid, code, message) {
  ws.send(encode({ op: 'reply', rid, ok: false, code, message }));
}

// The room a conv.create makes: a new id, or the same one for a repeated cid.
function createRoom(cid) {
  let id = cid !== undefined ? convByCid.get(cid) : undefined;
  if (!id) {
    id = `c${nextConv++}`;
    if (cid !== undefined) convByCid.set(cid, id);
  }
  return { id, room: room(id) };
}

// A msg.send's message: the next seq, encoded once, the same bytes to every subscriber.
function publish(ws, r, req) {
  const message = {
    op: 'message', conv: req.conv, seq: ++r.seq, ts: Date.now(), author: ws.user, cid: req.cid, body: req.body,
    format: 'text',
  };
  const push = encode(message);
  for (const sub of r.subscribers) sub.send(push);
  return message;
}

// A notify's preview: the body's first line, at most 80 characters.
function previewOf(body) {
  return String(body).split('\n', 1)[0].slice(0, 80);
}

const handlers = {
  hello(ws, req) {
    ws.user = subjectOf(req.token);
    reply(ws, req.rid, { user: null, session: `s${nextSession++}`, node: 'node-ws', ts: Date.now() });
  },
  'conv.create'(ws, req) {
    const { id } = createRoom(req.cid);
    const participants = [ws.user, ...(Array.isArray(req.participants) ? req.participants : [])];
    reply(ws, req.rid, {
      conv: { id, kind: req.kind, org: '', participants, created_by: ws.user, created_at: Date.now(), last_seq: 0 },
    });
  },
  'conv.open'(ws, req) {
    const r = rooms.get(req.conv);
    if (!r) return fail(ws, req.rid, 'not_found', 'no such conversation');
    r.subscribers.add(ws);
    ws.rooms.add(r);
    reply(ws, req.rid, { conv: { id: req.conv, last_seq: r.seq }, messages: [], more: false });
  },
  'msg.send'(ws, req) {
    const r = rooms.get(req.conv);
    if (!r) return fail(ws, req.rid, 'not_found', 'no such conversation');
    const { seq, ts } = publish(ws, r, req);
    if (opts.notify) {
      const preview = previewOf(req.body);
      for (const sub of r.subscribers) {
        if (sub === ws) continue;
        sub.send(encode({ op: 'notify', conv: req.conv, seq, author: ws.user, preview, unread: seq }));
      }
    }
    reply(ws, req.rid, { seq, ts });
  },
};

// Serves `table` (op -> handler) on listen.host:listen.port; onClose(ws) runs after a
// connection's subscriptions are dropped.
function serve(listen, table, onClose = () => {}) {
  const wss = new WebSocketServer({
    host: listen.host,
    port: listen.port,
    path: '/v1',
    perMessageDeflate: false,
    maxPayload: 1 << 20,
    backlog: 4096,
  });

  wss.on('connection', (ws) => {
    ws.user = '';
    ws.rooms = new Set();
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return ws.close(1007, 'text frame');
      let req;
      try {
        req = decode(data);
      } catch {
        return ws.close(1007, 'not MessagePack');
      }
      if (req === null || typeof req !== 'object' || typeof req.op !== 'string') {
        return ws.close(1007, 'not a map');
      }
      const h = table[req.op];
      if (h) return h(ws, req);
      if (req.rid !== undefined) reply(ws, req.rid, {}); // admin.*, provisioning: ok
    });
    ws.on('close', () => {
      for (const r of ws.rooms) r.subscribers.delete(ws);
      onClose(ws);
    });
    ws.on('error', () => {});
  });

  wss.on('listening', () => {
    const a = wss.address();
    console.log(`listening on ${a.address}:${a.port}`);
  });

  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      wss.close();
      process.exit(0);
    });
  }
  return wss;
}

module.exports = { opts, parseArgs, encode, subjectOf, rooms, room, createRoom, publish, previewOf, reply, fail, handlers, serve };

if (require.main === module) {
  Object.assign(opts, parseArgs(process.argv, 'fanout-server.js', ['notify']));
  serve(opts, handlers);
}
