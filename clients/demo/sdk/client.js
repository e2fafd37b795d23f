import { decode, encode } from "@msgpack/msgpack";
import { backoffDelay } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { isRetryable, ParleyError } from "./errors.js";
import { OutboxItem } from "./outbox.js";
import { tokenExpiry } from "./token.js";
const MAX_PAGE = 200;
const UNREAD_CAP = 1000;
const MAX_TIMER_MS = 0x7fffffff;
/**
 * A Parley client: one WebSocket, kept up. See clients/js/README.md.
 */
export class ParleyClient extends Emitter {
    constructor(options) {
        super();
        this.stateValue = "idle";
        /** Bumped at each new socket: callbacks of an older one are ignored. */
        this.generation = 0;
        this.attempt = 0;
        this.nextRid = 1;
        this.pending = new Map();
        this.nextTokenReason = "connect";
        /** Consecutive hellos refused as unauthenticated. */
        this.authRefusals = 0;
        this.connectWaiters = [];
        this.subs = new Map();
        this.unreadCounts = new Map();
        /** The seq up to which each unread count includes the conversation's messages. */
        this.countedTo = new Map();
        this.queues = new Map();
        this.retryTimers = new Map();
        this.typingStates = new Map();
        this.onOnline = () => this.reconnectNow();
        this.opts = options;
        const WS = options.WebSocket ??
            globalThis.WebSocket;
        if (!WS)
            throw new Error("ParleyClient: no WebSocket class; pass options.WebSocket (e.g. the `ws` package on Node < 22)");
        this.WS = WS;
        this.random = options.random ?? Math.random;
        this.timeoutMs = options.requestTimeoutMs ?? 15000;
        const g = globalThis;
        this.onlineSource =
            options.onlineSource !== undefined
                ? options.onlineSource
                : typeof g.addEventListener === "function" && g.document !== undefined
                    ? g
                    : null;
    }
    // -- connection ---------------------------------------------------------------
    get state() {
        return this.stateValue;
    }
    /** The signed-in user (after the first hello). */
    get user() {
        return this.helloInfo?.user ?? null;
    }
    /** The last hello reply. */
    get hello() {
        return this.helloInfo;
    }
    /**
     * Starts the connection (and keeps it up until close()). Resolves at the first
     * accepted hello; rejects when the server refuses the token twice (a fresh one
     * from the token callback included) or close() is called first.
     */
    connect() {
        if (this.stateValue === "connected" && this.helloInfo)
            return Promise.resolve(this.helloInfo);
        const p = new Promise((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
        if (this.stateValue === "idle" || this.stateValue === "closed") {
            this.onlineSource?.addEventListener("online", this.onOnline);
            this.attempt = 0;
            this.authRefusals = 0;
            void this.openSocket();
        }
        return p;
    }
    /**
     * Closes the connection for good. Requests in flight and unsent messages fail
     * with `closed`.
     */
    close() {
        if (this.stateValue === "closed")
            return;
        this.onlineSource?.removeEventListener("online", this.onOnline);
        this.clearTimers();
        const ws = this.ws;
        this.ws = undefined;
        this.generation++;
        if (ws) {
            try {
                ws.close(1000, "client closed");
            }
            catch {
                /* already closing */
            }
        }
        this.failPending("closed", "the client was closed");
        for (const [, queue] of this.queues)
            for (const item of queue)
                this.failItem(item, new ParleyError("closed", "the client was closed"));
        this.queues.clear();
        this.typingStates.clear();
        this.setState("closed");
        this.rejectConnectWaiters(new ParleyError("closed", "the client was closed"));
    }
    /**
     * The network is back (browsers: the `online` event does this): a scheduled
     * reconnect happens now, with the backoff started over.
     */
    reconnectNow() {
        if (this.stateValue !== "disconnected")
            return;
        if (this.reconnectTimer)
            clearTimeout(this.reconnectTimer);
        this.reconnectTimer = undefined;
        this.attempt = 0;
        void this.openSocket();
    }
    setState(state, extra = {}) {
        const previous = this.stateValue;
        if (previous === state)
            return;
        this.stateValue = state;
        this.emit("state", { state, previous, ...extra });
    }
    async openSocket() {
        const generation = ++this.generation;
        this.setState("connecting");
        let token;
        try {
            token = await this.currentToken();
        }
        catch (e) {
            if (generation !== this.generation)
                return;
            this.emit("error", { error: e instanceof Error ? e : new Error(String(e)) });
            this.scheduleReconnect();
            return;
        }
        if (generation !== this.generation)
            return;
        let ws;
        try {
            ws = new this.WS(this.opts.url);
        }
        catch (e) {
            this.emit("error", { error: e instanceof Error ? e : new Error(String(e)) });
            this.scheduleReconnect();
            return;
        }
        ws.binaryType = "arraybuffer";
        this.ws = ws;
        ws.onopen = () => {
            if (generation !== this.generation)
                return;
            void this.sayHello(generation, token);
        };
        ws.onmessage = (ev) => {
            if (generation !== this.generation)
                return;
            this.onFrame(ev.data);
        };
        ws.onerror = () => {
            /* onclose follows */
        };
        ws.onclose = (ev) => {
            if (generation !== this.generation)
                return;
            this.onSocketClosed(ev.code, ev.reason);
        };
    }
    async currentToken() {
        const source = this.opts.token;
        if (typeof source === "string")
            return source;
        const reason = this.nextTokenReason;
        // After a network drop the token in hand is still good unless it is about to
        // expire: the application is asked only when needed.
        if (reason === "connect" && this.token) {
            const exp = tokenExpiry(this.token);
            if (exp === undefined || exp - Date.now() > 30000)
                return this.token;
        }
        const token = await source({ reason, previous: this.token });
        this.token = token;
        this.nextTokenReason = "connect";
        return token;
    }
    async sayHello(generation, token) {
        let reply;
        try {
            reply = await this.rawRequest("hello", { token, device: this.opts.device });
        }
        catch (e) {
            if (generation !== this.generation)
                return;
            const err = e;
            if (err.code === "unauthenticated") {
                // The server closes after refusing; ask the application for a new token
                // and try at once, but only once in a row: a second refusal is final.
                this.authRefusals++;
                if (this.authRefusals >= 2 || typeof this.opts.token === "string") {
                    this.fail(err);
                    return;
                }
                this.nextTokenReason = "refused";
                this.dropSocket();
                this.setState("disconnected");
                void this.openSocket();
                return;
            }
            if (err.code !== "disconnected")
                this.dropSocket(); // onclose did the rest otherwise
            if (this.stateValue !== "disconnected")
                this.onSocketLost();
            return;
        }
        if (generation !== this.generation)
            return;
        this.token = token;
        this.authRefusals = 0;
        this.attempt = 0;
        this.helloInfo = reply;
        this.setState("connected");
        this.scheduleRefresh();
        this.emit("connected", this.helloInfo);
        const waiters = this.connectWaiters;
        this.connectWaiters = [];
        for (const w of waiters)
            w.resolve(this.helloInfo);
        // Resync every open conversation, then send what waits.
        for (const sub of this.subs.values())
            void this.syncSubscription(sub);
        for (const conv of this.queues.keys())
            this.pump(conv);
    }
    /** A refusal that reconnecting cannot fix: the client closes. */
    fail(err) {
        this.rejectConnectWaiters(err);
        this.emit("error", { error: err });
        this.close();
    }
    rejectConnectWaiters(err) {
        const waiters = this.connectWaiters;
        this.connectWaiters = [];
        for (const w of waiters)
            w.reject(err);
    }
    /** Forgets the current socket (its callbacks are ignored from now on). */
    dropSocket() {
        const ws = this.ws;
        this.ws = undefined;
        this.generation++;
        if (ws) {
            try {
                ws.close();
            }
            catch {
                /* ignore */
            }
        }
        this.failPending("disconnected", "the connection closed");
    }
    onSocketClosed(code, reason) {
        this.ws = undefined;
        this.generation++;
        // The server ends a connection whose token expired (docs/protocol.md §3): the
        // next hello needs a new one.
        if (code === 1008 && /token expired/i.test(reason))
            this.nextTokenReason = "refused";
        this.failPending("disconnected", `the connection closed (${code}${reason ? " " + reason : ""})`);
        this.onSocketLost();
    }
    onSocketLost() {
        if (this.stateValue === "closed")
            return;
        if (this.refreshTimer)
            clearTimeout(this.refreshTimer);
        this.refreshTimer = undefined;
        // The server stops our typing when the connection closes.
        for (const t of this.typingStates.values())
            if (t.idle)
                clearTimeout(t.idle);
        this.typingStates.clear();
        for (const sub of this.subs.values()) {
            sub.syncing = false;
            sub.buffer = [];
        }
        if (this.nextTokenReason === "refused" && this.attempt === 0) {
            // An expired token: reconnect at once with a new one.
            this.setState("disconnected");
            this.attempt++;
            void this.openSocket();
            return;
        }
        this.scheduleReconnect();
    }
    scheduleReconnect() {
        if (this.stateValue === "closed")
            return;
        const delayMs = backoffDelay(this.attempt, this.opts.reconnect, this.random);
        const attempt = this.attempt++;
        this.setState("disconnected", { attempt, delayMs });
        if (this.reconnectTimer)
            clearTimeout(this.reconnectTimer);
        this.reconnectTimer = setTimeout(() => {
            this.reconnectTimer = undefined;
            void this.openSocket();
        }, delayMs);
    }
    /** auth.refresh before the token expires (docs/protocol.md §3). */
    scheduleRefresh() {
        if (this.refreshTimer)
            clearTimeout(this.refreshTimer);
        this.refreshTimer = undefined;
        if (typeof this.opts.token === "string" || !this.token)
            return;
        const exp = tokenExpiry(this.token);
        if (exp === undefined)
            return;
        const left = exp - Date.now();
        const lead = left > 120000 ? 60000 : left / 2;
        const delay = Math.max(0, Math.min(MAX_TIMER_MS, left - lead));
        this.refreshTimer = setTimeout(() => {
            this.refreshTimer = undefined;
            if (Date.now() < exp - lead - 1000)
                return this.scheduleRefresh(); // a capped timer
            void this.refreshToken();
        }, delay);
    }
    async refreshToken() {
        const source = this.opts.token;
        if (typeof source === "string" || this.stateValue !== "connected")
            return;
        for (const reason of ["refresh", "refused"]) {
            try {
                const token = await source({ reason, previous: this.token });
                await this.request("auth.refresh", { token });
                this.token = token;
                this.scheduleRefresh();
                return;
            }
            catch (e) {
                const err = e;
                // Refused: ask once more for a newer token; otherwise the connection ends
                // at expiry and the reconnect asks for one.
                if (err.code !== "unauthenticated") {
                    if (err.retryable && this.stateValue === "connected") {
                        this.refreshTimer = setTimeout(() => void this.refreshToken(), 1000);
                    }
                    return;
                }
            }
        }
    }
    clearTimers() {
        if (this.reconnectTimer)
            clearTimeout(this.reconnectTimer);
        if (this.refreshTimer)
            clearTimeout(this.refreshTimer);
        this.reconnectTimer = undefined;
        this.refreshTimer = undefined;
        for (const t of this.retryTimers.values())
            clearTimeout(t);
        this.retryTimers.clear();
        for (const t of this.typingStates.values())
            if (t.idle)
                clearTimeout(t.idle);
    }
    // -- requests -----------------------------------------------------------------
    /**
     * Sends a request and resolves with its reply (without `op`, `rid`, `ok`), or
     * rejects with a ParleyError carrying the protocol's code. Requires a connection
     * (`disconnected` otherwise); sends go through send(), which waits and retries.
     */
    request(op, args = {}, options = {}) {
        if (this.stateValue !== "connected")
            return Promise.reject(new ParleyError(this.stateValue === "closed" ? "closed" : "disconnected", "not connected", op));
        return this.rawRequest(op, args, options);
    }
    rawRequest(op, args, options = {}) {
        const ws = this.ws;
        if (!ws)
            return Promise.reject(new ParleyError("disconnected", "not connected", op));
        const rid = this.nextRid++;
        return new Promise((resolve, reject) => {
            const timeoutMs = options.timeoutMs ?? this.timeoutMs;
            const timer = setTimeout(() => {
                this.pending.delete(rid);
                reject(new ParleyError("timeout", `no reply within ${timeoutMs} ms`, op));
            }, timeoutMs);
            this.pending.set(rid, { op, resolve, reject, timer });
            try {
                ws.send(encode({ op, rid, ...args }, { ignoreUndefined: true }));
            }
            catch (e) {
                clearTimeout(timer);
                this.pending.delete(rid);
                reject(new ParleyError("disconnected", String(e), op));
            }
        });
    }
    /** A request without rid: no reply, not even an error (typing). */
    fireAndForget(op, args) {
        if (this.stateValue !== "connected" || !this.ws)
            return;
        try {
            this.ws.send(encode({ op, ...args }, { ignoreUndefined: true }));
        }
        catch {
            /* the close handler takes over */
        }
    }
    failPending(code, message) {
        const pending = this.pending;
        this.pending = new Map();
        for (const p of pending.values()) {
            clearTimeout(p.timer);
            p.reject(new ParleyError(code, message, p.op));
        }
    }
    onFrame(data) {
        let frame;
        try {
            const bytes = data instanceof ArrayBuffer
                ? new Uint8Array(data)
                : ArrayBuffer.isView(data)
                    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
                    : undefined;
            if (!bytes)
                return;
            frame = decode(bytes);
        }
        catch (e) {
            this.emit("error", { error: e instanceof Error ? e : new Error(String(e)) });
            return;
        }
        if (!frame || typeof frame !== "object")
            return;
        if (frame.op === "reply") {
            const rid = frame.rid;
            const p = this.pending.get(rid);
            if (!p)
                return; // timed out earlier, or a reply to a request without rid
            this.pending.delete(rid);
            clearTimeout(p.timer);
            if (frame.ok === true) {
                const { op: _op, rid: _rid, ok: _ok, ...rest } = frame;
                void _op, void _rid, void _ok;
                p.resolve(rest);
            }
            else {
                p.reject(new ParleyError(frame.code ?? "internal", frame.message ?? "", p.op));
            }
            return;
        }
        this.onPush(frame);
    }
    onPush(push) {
        const { op, ...body } = push;
        const p = body;
        switch (op) {
            case "message":
                this.onMessagePush(p);
                break;
            case "typing":
                this.emit("typing", p);
                break;
            case "read": {
                const r = p;
                if (typeof r.unread === "number" && r.user === this.user?.id)
                    this.setUnread(r.conv, r.unread, r.seq);
                this.emit("read", r);
                break;
            }
            case "notify": {
                const n = p;
                this.setUnread(n.conv, n.unread, n.seq);
                this.emit("notify", n);
                break;
            }
            case "revoked": {
                const r = p;
                this.subs.delete(r.conv);
                this.emit("revoked", r);
                break;
            }
            case "invitation":
                this.emit("invitation", p);
                break;
            case "invitation_revoked":
                this.emit("invitation_revoked", p);
                break;
            case "invitation_accepted":
                this.emit("invitation_accepted", p);
                break;
            case "unsnoozed":
                this.emit("unsnoozed", p);
                break;
        }
        this.emit("push", push);
    }
    // -- conversations, messages --------------------------------------------------
    /**
     * Subscribes to a conversation's live events. Without `since` (and the first
     * time), messages up to the conversation's `last_seq` are the application's to
     * read with history(); every later one arrives as a `message` event. With
     * `since`, the messages after it are delivered as `message` events first (all of
     * them, paging past the 200 that conv.open returns), then the live ones. After a
     * reconnect the SDK reopens with `since` = the last seq delivered, so each missed
     * message arrives once, in order.
     */
    async open(conv, options = {}) {
        let sub = this.subs.get(conv);
        if (!sub) {
            sub = { conv, lastSeq: 0, known: false, syncing: false, buffer: [], generation: -1 };
            this.subs.set(conv, sub);
        }
        if (options.since !== undefined) {
            sub.lastSeq = options.since;
            sub.known = true;
        }
        return this.syncSubscription(sub, true);
    }
    /** Unsubscribes (conv.close). */
    async closeConversation(conv) {
        this.subs.delete(conv);
        if (this.stateValue === "connected")
            await this.request("conv.close", { conv });
    }
    /** The conversations this client has open. */
    get openConversations() {
        return [...this.subs.keys()];
    }
    /** The last seq delivered through `message` events for an open conversation. */
    lastSeq(conv) {
        const s = this.subs.get(conv);
        return s?.known ? s.lastSeq : undefined;
    }
    async syncSubscription(sub, fromApp = false) {
        const generation = this.generation;
        for (let attempt = 0;; attempt++) {
            sub.syncing = true;
            try {
                const since = sub.known ? sub.lastSeq : undefined;
                const reply = await this.request("conv.open", { conv: sub.conv, since });
                const collected = [...reply.messages];
                let more = reply.more;
                let cursor = collected.length ? collected[collected.length - 1].seq : (since ?? 0);
                while (more && since !== undefined) {
                    const page = await this.request("msg.history", {
                        conv: sub.conv,
                        after: cursor,
                        limit: MAX_PAGE,
                    });
                    collected.push(...page.messages);
                    more = page.more && page.messages.length > 0;
                    if (page.messages.length)
                        cursor = page.messages[page.messages.length - 1].seq;
                }
                if (this.subs.get(sub.conv) !== sub || this.generation !== generation)
                    return reply.conv;
                if (!sub.known) {
                    sub.lastSeq = reply.conv.last_seq;
                    sub.known = true;
                }
                sub.generation = generation;
                // The backlog, the pages and the pushes that came meanwhile, each once.
                const all = [...collected, ...sub.buffer].sort((a, b) => a.seq - b.seq);
                sub.buffer = [];
                sub.syncing = false;
                for (const m of all)
                    this.deliver(sub, m);
                return reply.conv;
            }
            catch (e) {
                const err = e;
                if (this.subs.get(sub.conv) === sub) {
                    sub.syncing = false;
                    sub.buffer = [];
                }
                const sameConnection = this.generation === generation && this.stateValue === "connected";
                if (err.code === "rate_limited" || err.code === "unavailable" || err.code === "timeout") {
                    if (sameConnection && attempt < 8) {
                        await new Promise((r) => setTimeout(r, backoffDelay(attempt, {}, this.random)));
                        if (this.subs.get(sub.conv) === sub && this.generation === generation)
                            continue;
                    }
                }
                if (err.code === "not_found" || err.code === "forbidden")
                    this.subs.delete(sub.conv);
                // Lost with the connection: the reconnect resyncs it (also an application's
                // open() that rejects with `disconnected`). Anything else is reported.
                if (!fromApp && err.code !== "disconnected" && err.code !== "closed")
                    this.emit("error", { error: err, conv: sub.conv });
                throw err;
            }
        }
    }
    onMessagePush(m) {
        const sub = this.subs.get(m.conv);
        if (!sub) {
            this.emit("message", m);
            return;
        }
        if (sub.syncing) {
            sub.buffer.push(m);
            return;
        }
        this.deliver(sub, m);
    }
    deliver(sub, m) {
        if (m.seq <= sub.lastSeq)
            return;
        sub.lastSeq = m.seq;
        // An open connection gets no notify: it counts unread itself (PROTOCOL.md §7),
        // from the messages that its last count did not include yet.
        const me = this.user?.id;
        const counted = this.countedTo.get(m.conv);
        if (me && counted !== undefined && m.seq > counted) {
            const unread = this.unreadCounts.get(m.conv) ?? 0;
            this.setUnread(m.conv, m.author === me ? unread : Math.min(UNREAD_CAP, unread + 1), m.seq);
        }
        this.emit("message", m);
    }
    /** conv.create; `first` creates the first message in the same step. */
    async createConversation(args) {
        const r = await this.request("conv.create", args);
        return r.conv;
    }
    async getConversation(conv) {
        const r = await this.request("conv.get", { conv });
        return r.conv;
    }
    /** One page of conv.list; the unread counts are remembered. */
    async listConversations(options = {}) {
        const page = await this.request("conv.list", options);
        for (const c of page.items)
            if (typeof c.unread === "number")
                this.setUnread(c.id, c.unread, c.last_seq);
        return page;
    }
    /**
     * msg.history: without `before`/`after` the newest page; `before` pages back,
     * `after` forward. Ascending by seq.
     */
    history(conv, options = {}) {
        return this.request("msg.history", { conv, ...options });
    }
    /** msg.around, for deep links. */
    async around(conv, seq, limit) {
        const r = await this.request("msg.around", { conv, seq, limit });
        return r.messages;
    }
    /** Moves the caller's read marker forward; resolves with the unread count after it. */
    async read(conv, seq) {
        const r = await this.request("read", { conv, seq });
        this.setUnread(conv, r.unread, r.seq);
        return r;
    }
    // -- unread ---------------------------------------------------------------------
    /** The caller's unread count of a conversation, as last known. */
    unread(conv) {
        return this.unreadCounts.get(conv);
    }
    /** Every known unread count. */
    unreadCountsSnapshot() {
        return new Map(this.unreadCounts);
    }
    /** `countedTo`: the count includes the messages up to this seq (at least). */
    setUnread(conv, unread, countedTo) {
        this.countedTo.set(conv, Math.max(countedTo, this.countedTo.get(conv) ?? 0));
        if (this.unreadCounts.get(conv) === unread)
            return;
        this.unreadCounts.set(conv, unread);
        this.emit("unread", { conv, unread });
    }
    // -- outbox -----------------------------------------------------------------------
    /**
     * Queues a message. It is sent when connected, one at a time per conversation in
     * the order queued (so rate limits, attachment checks and reconnects never
     * reorder a conversation's messages), and sent again with the same cid after a
     * lost reply or a transient error (`unavailable`, `rate_limited`) until the
     * server acknowledges it. Any other error fails it. Watch `item.done` or the
     * `outbox` event.
     */
    send(conv, message) {
        const options = typeof message === "string" ? { body: message } : message;
        const item = new OutboxItem(conv, options);
        this.stopTyping(conv);
        let queue = this.queues.get(conv);
        if (!queue) {
            queue = [];
            this.queues.set(conv, queue);
        }
        queue.push(item);
        this.emit("outbox", { item });
        this.pump(conv);
        return item;
    }
    /** Items not yet sent or failed, per conversation in order. */
    pendingSends(conv) {
        if (conv)
            return [...(this.queues.get(conv) ?? [])];
        return [...this.queues.values()].flat();
    }
    pump(conv) {
        const queue = this.queues.get(conv);
        if (!queue || queue.length === 0) {
            this.queues.delete(conv);
            return;
        }
        if (this.stateValue !== "connected")
            return;
        const item = queue[0];
        if (item.state === "sending")
            return;
        const wait = item.notBefore - Date.now();
        if (wait > 0) {
            if (!this.retryTimers.has(conv))
                this.retryTimers.set(conv, setTimeout(() => {
                    this.retryTimers.delete(conv);
                    this.pump(conv);
                }, wait));
            return;
        }
        item.state = "sending";
        item.attempts++;
        this.emit("outbox", { item });
        const generation = this.generation;
        this.request("msg.send", item.request()).then((r) => {
            queue.shift();
            item.state = "sent";
            item.seq = r.seq;
            item.ts = r.ts;
            item.error = undefined;
            item.resolve({ seq: r.seq, ts: r.ts, dup: r.dup });
            this.emit("outbox", { item });
            this.pump(conv);
        }, (e) => {
            if (item.state !== "sending")
                return; // failed by close()
            if (isRetryable(e.code)) {
                item.state = "queued";
                item.error = e;
                // Lost with the connection: again right after the reconnect. Refused for
                // now: again after a growing pause.
                item.notBefore =
                    e.code === "disconnected" || generation !== this.generation
                        ? 0
                        : Date.now() + backoffDelay(item.attempts - 1, { initialDelayMs: 200, maxDelayMs: 5000 }, this.random);
                this.emit("outbox", { item });
                this.pump(conv);
                return;
            }
            queue.shift();
            this.failItem(item, e);
            this.pump(conv);
        });
    }
    failItem(item, error) {
        item.state = "failed";
        item.error = error;
        item.reject(error);
        this.emit("outbox", { item });
    }
    // -- typing -------------------------------------------------------------------------
    /**
     * Call on every keystroke: sends `typing start` at most every 3 s while the user
     * types, and `stop` after 5 s without a keystroke (send() stops it at once).
     */
    typing(conv, options = {}) {
        const refreshMs = this.opts.typing?.refreshMs ?? 3000;
        const idleMs = this.opts.typing?.idleMs ?? 5000;
        let t = this.typingStates.get(conv);
        if (!t) {
            t = { lastStart: 0, idle: undefined };
            this.typingStates.set(conv, t);
        }
        const now = Date.now();
        if (now - t.lastStart >= refreshMs && this.stateValue === "connected") {
            t.lastStart = now;
            this.fireAndForget("typing", { conv, state: "start", internal: options.internal });
        }
        if (t.idle)
            clearTimeout(t.idle);
        t.idle = setTimeout(() => this.stopTyping(conv), idleMs);
    }
    /** Sends `typing stop` if a start was sent. */
    stopTyping(conv) {
        const t = this.typingStates.get(conv);
        if (!t)
            return;
        if (t.idle)
            clearTimeout(t.idle);
        this.typingStates.delete(conv);
        if (t.lastStart > 0)
            this.fireAndForget("typing", { conv, state: "stop" });
    }
    // -- attachments ------------------------------------------------------------------
    httpBase() {
        if (this.opts.httpUrl)
            return this.opts.httpUrl.replace(/\/$/, "");
        const u = new URL(this.opts.url);
        u.protocol = u.protocol === "wss:" ? "https:" : "http:";
        return u.origin;
    }
    async authorizedFetch(path, init) {
        const f = this.opts.fetch ?? globalThis.fetch;
        if (!f)
            throw new Error("ParleyClient: no fetch; pass options.fetch");
        let token = this.token ?? (await this.currentToken());
        for (let i = 0;; i++) {
            const res = await f(this.httpBase() + path, {
                ...init,
                headers: { ...(init.headers ?? {}), Authorization: `Bearer ${token}` },
            });
            if (res.status !== 401 || i > 0 || typeof this.opts.token === "string")
                return res;
            // Refused: a fresh token from the application, once.
            this.nextTokenReason = "refused";
            token = await this.currentToken();
        }
    }
    /**
     * Uploads an attachment (POST /v1/blobs). Attach the result to send() as
     * `attachments: [{blob, name}]`.
     */
    async upload(data, name) {
        const res = await this.authorizedFetch(`/v1/blobs?name=${encodeURIComponent(name)}`, {
            method: "POST",
            body: data,
        });
        if (res.status !== 201)
            throw await httpError(res, "upload");
        return decode(new Uint8Array(await res.arrayBuffer()));
    }
    /** Downloads an attachment (GET /v1/blobs/<id>). */
    async download(blob) {
        const res = await this.authorizedFetch(`/v1/blobs/${encodeURIComponent(blob)}`, {
            method: "GET",
        });
        if (res.status !== 200)
            throw await httpError(res, "download");
        const bytes = new Uint8Array(await res.arrayBuffer());
        return {
            bytes,
            type: res.headers.get("content-type") ?? "application/octet-stream",
            name: fileName(res.headers.get("content-disposition")) ?? blob,
        };
    }
}
const httpCodes = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    413: "too_large",
    // The org does not take this type of file: what msg.send answers for it.
    415: "forbidden",
    429: "rate_limited",
    503: "unavailable",
};
async function httpError(res, op) {
    let text = "";
    try {
        text = (await res.text()).trim();
    }
    catch {
        /* no body */
    }
    return new ParleyError(httpCodes[res.status] ?? "internal", `HTTP ${res.status} ${text}`.trim(), op, res.status);
}
/** The file name of a Content-Disposition header (filename* first). */
export function fileName(header) {
    if (!header)
        return undefined;
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
    if (star) {
        try {
            return decodeURIComponent(star[1].trim());
        }
        catch {
            /* fall through */
        }
    }
    const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(header);
    if (plain)
        return (plain[1] ?? plain[2]).replace(/\\(.)/g, "$1").trim();
    return undefined;
}
