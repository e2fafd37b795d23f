import { decode, encode } from "@msgpack/msgpack";

import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { isRetryable, ParleyError, type ErrorCode } from "./errors.js";
import { OutboxItem, type SendOptions } from "./outbox.js";
import { tokenExpiry, type TokenReason, type TokenSource } from "./token.js";
import type {
  BlobInfo,
  Conversation,
  ConversationPage,
  DownloadedBlob,
  HelloResult,
  HistoryPage,
  InvitationAcceptedPush,
  InvitationPush,
  InvitationRevokedPush,
  Message,
  NotifyPush,
  RawPush,
  ReadPush,
  RevokedPush,
  TypingPush,
  UnsnoozedPush,
  User,
} from "./types.js";

/**
 * `idle`: not started. `connecting`: opening the socket and saying hello.
 * `connected`: hello accepted; requests flow. `disconnected`: the connection
 * dropped; a reconnect is scheduled. `closed`: close() was called, or the server
 * refused the application's token twice in a row.
 */
export type ConnectionState = "idle" | "connecting" | "connected" | "disconnected" | "closed";

/** The part of the WebSocket API the SDK uses (browsers' WebSocket, the `ws` package). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Something that fires `online` (a browser's window). */
export interface OnlineSource {
  addEventListener(type: "online", listener: () => void): void;
  removeEventListener(type: "online", listener: () => void): void;
}

export interface ClientOptions {
  /** The WebSocket URL, e.g. `ws://127.0.0.1:8080/v1`. */
  url: string;
  /** The JWT, or a callback the SDK calls for one (again when the server refuses it). */
  token: TokenSource;
  /** The WebSocket class: the global one by default; in Node < 22 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** fetch for the blob routes (the global one by default). */
  fetch?: typeof fetch;
  /** Base URL of the HTTP routes; by default the WebSocket URL's origin. */
  httpUrl?: string;
  /** The `device` label sent in hello. */
  device?: string;
  /** How long a request waits for its reply (ms). Default 15000. */
  requestTimeoutMs?: number;
  /** Reconnect backoff. */
  reconnect?: BackoffOptions;
  /** Typing: a `start` at most every `refreshMs` (default 3000) while typing, a
   * `stop` after `idleMs` (default 5000) without a keystroke. */
  typing?: { refreshMs?: number; idleMs?: number };
  /** Where `online` events come from: the global object in browsers; null: none. */
  onlineSource?: OnlineSource | null;
  /** A random source in [0, 1) for jitter (tests). */
  random?: () => number;
}

export interface UnreadChange {
  conv: string;
  unread: number;
}

export interface OutboxChange {
  item: OutboxItem;
}

export interface ClientErrorEvent {
  error: ParleyError | Error;
  /** The conversation concerned, when there is one (a failed resync). */
  conv?: string;
}

/** Every event of the client. The protocol's pushes keep their names. */
export interface ClientEvents {
  state: { state: ConnectionState; previous: ConnectionState; attempt?: number; delayMs?: number };
  /** hello was accepted (first connect or reconnect). */
  connected: HelloResult;
  /** Each message of an open conversation, once, in seq order (live or resynced). */
  message: Message;
  typing: TypingPush;
  read: ReadPush;
  notify: NotifyPush;
  revoked: RevokedPush;
  invitation: InvitationPush;
  invitation_revoked: InvitationRevokedPush;
  invitation_accepted: InvitationAcceptedPush;
  unsnoozed: UnsnoozedPush;
  /** Every push, including ops this SDK does not know yet. */
  push: RawPush;
  /** The caller's unread count of a conversation changed. */
  unread: UnreadChange;
  /** An outbox item changed state. */
  outbox: OutboxChange;
  /** Something failed that no request of the application was waiting for. */
  error: ClientErrorEvent;
}

interface Pending {
  op: string;
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: ParleyError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** An open conversation: what the application has seen of it. */
interface Subscription {
  conv: string;
  /** The highest seq delivered to the application (or known through open). */
  lastSeq: number;
  /** True once lastSeq means something (after the first open reply). */
  known: boolean;
  /** While a (re)open is in flight, pushes wait here. */
  syncing: boolean;
  buffer: Message[];
  /** The connection generation this subscription was opened on. */
  generation: number;
}

interface TypingState {
  lastStart: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}

const MAX_PAGE = 200;
const UNREAD_CAP = 1000;
const MAX_TIMER_MS = 0x7fffffff;

/**
 * A Parley client: one WebSocket, kept up. See clients/js/README.md.
 */
export class ParleyClient extends Emitter<ClientEvents> {
  private readonly opts: ClientOptions;
  private readonly WS: WebSocketConstructor;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly onlineSource: OnlineSource | null;

  private stateValue: ConnectionState = "idle";
  private ws: WebSocketLike | undefined;
  /** Bumped at each new socket: callbacks of an older one are ignored. */
  private generation = 0;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRid = 1;
  private pending = new Map<number, Pending>();

  private token: string | undefined;
  private nextTokenReason: TokenReason = "connect";
  /** Consecutive hellos refused as unauthenticated. */
  private authRefusals = 0;
  private helloInfo: HelloResult | undefined;
  private connectWaiters: { resolve: (h: HelloResult) => void; reject: (e: Error) => void }[] =
    [];

  private subs = new Map<string, Subscription>();
  private unreadCounts = new Map<string, number>();
  /** The seq up to which each unread count includes the conversation's messages. */
  private countedTo = new Map<string, number>();
  private queues = new Map<string, OutboxItem[]>();
  private retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingStates = new Map<string, TypingState>();

  private readonly onOnline = () => this.reconnectNow();

  constructor(options: ClientOptions) {
    super();
    this.opts = options;
    const WS =
      options.WebSocket ??
      (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS)
      throw new Error(
        "ParleyClient: no WebSocket class; pass options.WebSocket (e.g. the `ws` package on Node < 22)",
      );
    this.WS = WS;
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.requestTimeoutMs ?? 15000;
    const g = globalThis as unknown as Partial<OnlineSource> & { document?: unknown };
    this.onlineSource =
      options.onlineSource !== undefined
        ? options.onlineSource
        : typeof g.addEventListener === "function" && g.document !== undefined
          ? (g as OnlineSource)
          : null;
  }

  // -- connection ---------------------------------------------------------------

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The signed-in user (after the first hello). */
  get user(): User | null {
    return this.helloInfo?.user ?? null;
  }

  /** The last hello reply. */
  get hello(): HelloResult | undefined {
    return this.helloInfo;
  }

  /**
   * Starts the connection (and keeps it up until close()). Resolves at the first
   * accepted hello; rejects when the server refuses the token twice (a fresh one
   * from the token callback included) or close() is called first.
   */
  connect(): Promise<HelloResult> {
    if (this.stateValue === "connected" && this.helloInfo) return Promise.resolve(this.helloInfo);
    const p = new Promise<HelloResult>((resolve, reject) =>
      this.connectWaiters.push({ resolve, reject }),
    );
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
  close(): void {
    if (this.stateValue === "closed") return;
    this.onlineSource?.removeEventListener("online", this.onOnline);
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    this.generation++;
    if (ws) {
      try {
        ws.close(1000, "client closed");
      } catch {
        /* already closing */
      }
    }
    this.failPending("closed", "the client was closed");
    for (const [, queue] of this.queues)
      for (const item of queue) this.failItem(item, new ParleyError("closed", "the client was closed"));
    this.queues.clear();
    this.typingStates.clear();
    this.setState("closed");
    this.rejectConnectWaiters(new ParleyError("closed", "the client was closed"));
  }

  /**
   * The network is back (browsers: the `online` event does this): a scheduled
   * reconnect happens now, with the backoff started over.
   */
  reconnectNow(): void {
    if (this.stateValue !== "disconnected") return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.attempt = 0;
    void this.openSocket();
  }

  private setState(
    state: ConnectionState,
    extra: { attempt?: number; delayMs?: number } = {},
  ): void {
    const previous = this.stateValue;
    if (previous === state) return;
    this.stateValue = state;
    this.emit("state", { state, previous, ...extra });
  }

  private async openSocket(): Promise<void> {
    const generation = ++this.generation;
    this.setState("connecting");
    let token: string;
    try {
      token = await this.currentToken();
    } catch (e) {
      if (generation !== this.generation) return;
      this.emit("error", { error: e instanceof Error ? e : new Error(String(e)) });
      this.scheduleReconnect();
      return;
    }
    if (generation !== this.generation) return;
    let ws: WebSocketLike;
    try {
      ws = new this.WS(this.opts.url);
    } catch (e) {
      this.emit("error", { error: e instanceof Error ? e : new Error(String(e)) });
      this.scheduleReconnect();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      if (generation !== this.generation) return;
      void this.sayHello(generation, token);
    };
    ws.onmessage = (ev) => {
      if (generation !== this.generation) return;
      this.onFrame(ev.data);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = (ev) => {
      if (generation !== this.generation) return;
      this.onSocketClosed(ev.code, ev.reason);
    };
  }

  private async currentToken(): Promise<string> {
    const source = this.opts.token;
    if (typeof source === "string") return source;
    const reason = this.nextTokenReason;
    // After a network drop the token in hand is still good unless it is about to
    // expire: the application is asked only when needed.
    if (reason === "connect" && this.token) {
      const exp = tokenExpiry(this.token);
      if (exp === undefined || exp - Date.now() > 30_000) return this.token;
    }
    const token = await source({ reason, previous: this.token });
    this.token = token;
    this.nextTokenReason = "connect";
    return token;
  }

  private async sayHello(generation: number, token: string): Promise<void> {
    let reply: Record<string, unknown>;
    try {
      reply = await this.rawRequest("hello", { token, device: this.opts.device });
    } catch (e) {
      if (generation !== this.generation) return;
      const err = e as ParleyError;
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
      if (err.code !== "disconnected") this.dropSocket(); // onclose did the rest otherwise
      if (this.stateValue !== "disconnected") this.onSocketLost();
      return;
    }
    if (generation !== this.generation) return;
    this.token = token;
    this.authRefusals = 0;
    this.attempt = 0;
    this.helloInfo = reply as unknown as HelloResult;
    this.setState("connected");
    this.scheduleRefresh();
    this.emit("connected", this.helloInfo);
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w.resolve(this.helloInfo);
    // Resync every open conversation, then send what waits.
    for (const sub of this.subs.values()) void this.syncSubscription(sub);
    for (const conv of this.queues.keys()) this.pump(conv);
  }

  /** A refusal that reconnecting cannot fix: the client closes. */
  private fail(err: ParleyError): void {
    this.rejectConnectWaiters(err);
    this.emit("error", { error: err });
    this.close();
  }

  private rejectConnectWaiters(err: Error): void {
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  /** Forgets the current socket (its callbacks are ignored from now on). */
  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.generation++;
    if (ws) {
      try {
        ws.close();
      } catch {
        /* ignore */
      }
    }
    this.failPending("disconnected", "the connection closed");
  }

  private onSocketClosed(code: number, reason: string): void {
    this.ws = undefined;
    this.generation++;
    // The server ends a connection whose token expired (docs/protocol.md §3): the
    // next hello needs a new one.
    if (code === 1008 && /token expired/i.test(reason)) this.nextTokenReason = "refused";
    this.failPending("disconnected", `the connection closed (${code}${reason ? " " + reason : ""})`);
    this.onSocketLost();
  }

  private onSocketLost(): void {
    if (this.stateValue === "closed") return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    // The server stops our typing when the connection closes.
    for (const t of this.typingStates.values()) if (t.idle) clearTimeout(t.idle);
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

  private scheduleReconnect(): void {
    if (this.stateValue === "closed") return;
    const delayMs = backoffDelay(this.attempt, this.opts.reconnect, this.random);
    const attempt = this.attempt++;
    this.setState("disconnected", { attempt, delayMs });
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.openSocket();
    }, delayMs);
  }

  /** auth.refresh before the token expires (docs/protocol.md §3). */
  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (typeof this.opts.token === "string" || !this.token) return;
    const exp = tokenExpiry(this.token);
    if (exp === undefined) return;
    const left = exp - Date.now();
    const lead = left > 120_000 ? 60_000 : left / 2;
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, left - lead));
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (Date.now() < exp - lead - 1000) return this.scheduleRefresh(); // a capped timer
      void this.refreshToken();
    }, delay);
  }

  private async refreshToken(): Promise<void> {
    const source = this.opts.token;
    if (typeof source === "string" || this.stateValue !== "connected") return;
    for (const reason of ["refresh", "refused"] as const) {
      try {
        const token = await source({ reason, previous: this.token });
        await this.request<{ exp: number }>("auth.refresh", { token });
        this.token = token;
        this.scheduleRefresh();
        return;
      } catch (e) {
        const err = e as ParleyError;
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

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.reconnectTimer = undefined;
    this.refreshTimer = undefined;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    for (const t of this.typingStates.values()) if (t.idle) clearTimeout(t.idle);
  }

  // -- requests -----------------------------------------------------------------

  /**
   * Sends a request and resolves with its reply (without `op`, `rid`, `ok`), or
   * rejects with a ParleyError carrying the protocol's code. Requires a connection
   * (`disconnected` otherwise); sends go through send(), which waits and retries.
   */
  request<T = Record<string, unknown>>(
    op: string,
    args: Record<string, unknown> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    if (this.stateValue !== "connected")
      return Promise.reject(
        new ParleyError(this.stateValue === "closed" ? "closed" : "disconnected", "not connected", op),
      );
    return this.rawRequest(op, args, options) as Promise<T>;
  }

  private rawRequest(
    op: string,
    args: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ): Promise<Record<string, unknown>> {
    const ws = this.ws;
    if (!ws) return Promise.reject(new ParleyError("disconnected", "not connected", op));
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
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(rid);
        reject(new ParleyError("disconnected", String(e), op));
      }
    });
  }

  /** A request without rid: no reply, not even an error (typing). */
  private fireAndForget(op: string, args: Record<string, unknown>): void {
    if (this.stateValue !== "connected" || !this.ws) return;
    try {
      this.ws.send(encode({ op, ...args }, { ignoreUndefined: true }));
    } catch {
      /* the close handler takes over */
    }
  }

  private failPending(code: ErrorCode, message: string): void {
    const pending = this.pending;
    this.pending = new Map();
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ParleyError(code, message, p.op));
    }
  }

  private onFrame(data: unknown): void {
    let frame: Record<string, unknown>;
    try {
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : undefined;
      if (!bytes) return;
      frame = decode(bytes) as Record<string, unknown>;
    } catch (e) {
      this.emit("error", { error: e instanceof Error ? e : new Error(String(e)) });
      return;
    }
    if (!frame || typeof frame !== "object") return;
    if (frame.op === "reply") {
      const rid = frame.rid as number;
      const p = this.pending.get(rid);
      if (!p) return; // timed out earlier, or a reply to a request without rid
      this.pending.delete(rid);
      clearTimeout(p.timer);
      if (frame.ok === true) {
        const { op: _op, rid: _rid, ok: _ok, ...rest } = frame;
        void _op, void _rid, void _ok;
        p.resolve(rest);
      } else {
        p.reject(
          new ParleyError(
            (frame.code as ErrorCode) ?? "internal",
            (frame.message as string) ?? "",
            p.op,
          ),
        );
      }
      return;
    }
    this.onPush(frame as RawPush);
  }

  private onPush(push: RawPush): void {
    const { op, ...body } = push;
    const p = body as Record<string, unknown>;
    switch (op) {
      case "message":
        this.onMessagePush(p as unknown as Message);
        break;
      case "typing":
        this.emit("typing", p as unknown as TypingPush);
        break;
      case "read": {
        const r = p as unknown as ReadPush;
        if (typeof r.unread === "number" && r.user === this.user?.id)
          this.setUnread(r.conv, r.unread, r.seq);
        this.emit("read", r);
        break;
      }
      case "notify": {
        const n = p as unknown as NotifyPush;
        this.setUnread(n.conv, n.unread, n.seq);
        this.emit("notify", n);
        break;
      }
      case "revoked": {
        const r = p as unknown as RevokedPush;
        this.subs.delete(r.conv);
        this.emit("revoked", r);
        break;
      }
      case "invitation":
        this.emit("invitation", p as unknown as InvitationPush);
        break;
      case "invitation_revoked":
        this.emit("invitation_revoked", p as unknown as InvitationRevokedPush);
        break;
      case "invitation_accepted":
        this.emit("invitation_accepted", p as unknown as InvitationAcceptedPush);
        break;
      case "unsnoozed":
        this.emit("unsnoozed", p as unknown as UnsnoozedPush);
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
  async open(conv: string, options: { since?: number } = {}): Promise<Conversation> {
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
  async closeConversation(conv: string): Promise<void> {
    this.subs.delete(conv);
    if (this.stateValue === "connected") await this.request("conv.close", { conv });
  }

  /** The conversations this client has open. */
  get openConversations(): string[] {
    return [...this.subs.keys()];
  }

  /** The last seq delivered through `message` events for an open conversation. */
  lastSeq(conv: string): number | undefined {
    const s = this.subs.get(conv);
    return s?.known ? s.lastSeq : undefined;
  }

  private async syncSubscription(sub: Subscription, fromApp = false): Promise<Conversation> {
    const generation = this.generation;
    for (let attempt = 0; ; attempt++) {
      sub.syncing = true;
      try {
        const since = sub.known ? sub.lastSeq : undefined;
        const reply = await this.request<{ conv: Conversation; messages: Message[]; more: boolean }>(
          "conv.open",
          { conv: sub.conv, since },
        );
        const collected = [...reply.messages];
        let more = reply.more;
        let cursor = collected.length ? collected[collected.length - 1].seq : (since ?? 0);
        while (more && since !== undefined) {
          const page = await this.request<HistoryPage>("msg.history", {
            conv: sub.conv,
            after: cursor,
            limit: MAX_PAGE,
          });
          collected.push(...page.messages);
          more = page.more && page.messages.length > 0;
          if (page.messages.length) cursor = page.messages[page.messages.length - 1].seq;
        }
        if (this.subs.get(sub.conv) !== sub || this.generation !== generation) return reply.conv;
        if (!sub.known) {
          sub.lastSeq = reply.conv.last_seq;
          sub.known = true;
        }
        sub.generation = generation;
        // The backlog, the pages and the pushes that came meanwhile, each once.
        const all = [...collected, ...sub.buffer].sort((a, b) => a.seq - b.seq);
        sub.buffer = [];
        sub.syncing = false;
        for (const m of all) this.deliver(sub, m);
        return reply.conv;
      } catch (e) {
        const err = e as ParleyError;
        if (this.subs.get(sub.conv) === sub) {
          sub.syncing = false;
          sub.buffer = [];
        }
        const sameConnection = this.generation === generation && this.stateValue === "connected";
        if (err.code === "rate_limited" || err.code === "unavailable" || err.code === "timeout") {
          if (sameConnection && attempt < 8) {
            await new Promise((r) => setTimeout(r, backoffDelay(attempt, {}, this.random)));
            if (this.subs.get(sub.conv) === sub && this.generation === generation) continue;
          }
        }
        if (err.code === "not_found" || err.code === "forbidden") this.subs.delete(sub.conv);
        // Lost with the connection: the reconnect resyncs it (also an application's
        // open() that rejects with `disconnected`). Anything else is reported.
        if (!fromApp && err.code !== "disconnected" && err.code !== "closed")
          this.emit("error", { error: err, conv: sub.conv });
        throw err;
      }
    }
  }

  private onMessagePush(m: Message): void {
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

  private deliver(sub: Subscription, m: Message): void {
    if (m.seq <= sub.lastSeq) return;
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
  async createConversation(args: {
    kind: Conversation["kind"];
    participants: string[];
    company?: string;
    subject?: string;
    cid?: string;
    first?: { body: string; format?: "text" | "markdown"; mentions?: string[]; cid?: string };
  }): Promise<Conversation> {
    const r = await this.request<{ conv: Conversation }>("conv.create", args);
    return r.conv;
  }

  async getConversation(conv: string): Promise<Conversation> {
    const r = await this.request<{ conv: Conversation }>("conv.get", { conv });
    return r.conv;
  }

  /** One page of conv.list; the unread counts are remembered. */
  async listConversations(options: { limit?: number; cursor?: string } = {}): Promise<ConversationPage> {
    const page = await this.request<ConversationPage>("conv.list", options);
    for (const c of page.items)
      if (typeof c.unread === "number") this.setUnread(c.id, c.unread, c.last_seq);
    return page;
  }

  /**
   * msg.history: without `before`/`after` the newest page; `before` pages back,
   * `after` forward. Ascending by seq.
   */
  history(
    conv: string,
    options: { before?: number; after?: number; limit?: number } = {},
  ): Promise<HistoryPage> {
    return this.request<HistoryPage>("msg.history", { conv, ...options });
  }

  /** msg.around, for deep links. */
  async around(conv: string, seq: number, limit?: number): Promise<Message[]> {
    const r = await this.request<{ messages: Message[] }>("msg.around", { conv, seq, limit });
    return r.messages;
  }

  /** Moves the caller's read marker forward; resolves with the unread count after it. */
  async read(conv: string, seq: number): Promise<{ seq: number; unread: number }> {
    const r = await this.request<{ seq: number; unread: number }>("read", { conv, seq });
    this.setUnread(conv, r.unread, r.seq);
    return r;
  }

  // -- unread ---------------------------------------------------------------------

  /** The caller's unread count of a conversation, as last known. */
  unread(conv: string): number | undefined {
    return this.unreadCounts.get(conv);
  }

  /** Every known unread count. */
  unreadCountsSnapshot(): Map<string, number> {
    return new Map(this.unreadCounts);
  }

  /** `countedTo`: the count includes the messages up to this seq (at least). */
  private setUnread(conv: string, unread: number, countedTo: number): void {
    this.countedTo.set(conv, Math.max(countedTo, this.countedTo.get(conv) ?? 0));
    if (this.unreadCounts.get(conv) === unread) return;
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
  send(conv: string, message: SendOptions | string): OutboxItem {
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
  pendingSends(conv?: string): OutboxItem[] {
    if (conv) return [...(this.queues.get(conv) ?? [])];
    return [...this.queues.values()].flat();
  }

  private pump(conv: string): void {
    const queue = this.queues.get(conv);
    if (!queue || queue.length === 0) {
      this.queues.delete(conv);
      return;
    }
    if (this.stateValue !== "connected") return;
    const item = queue[0];
    if (item.state === "sending") return;
    const wait = item.notBefore - Date.now();
    if (wait > 0) {
      if (!this.retryTimers.has(conv))
        this.retryTimers.set(
          conv,
          setTimeout(() => {
            this.retryTimers.delete(conv);
            this.pump(conv);
          }, wait),
        );
      return;
    }
    item.state = "sending";
    item.attempts++;
    this.emit("outbox", { item });
    const generation = this.generation;
    this.request<{ seq: number; ts: number; dup?: boolean }>("msg.send", item.request()).then(
      (r) => {
        queue.shift();
        item.state = "sent";
        item.seq = r.seq;
        item.ts = r.ts;
        item.error = undefined;
        item.resolve({ seq: r.seq, ts: r.ts, dup: r.dup });
        this.emit("outbox", { item });
        this.pump(conv);
      },
      (e: ParleyError) => {
        if (item.state !== "sending") return; // failed by close()
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
      },
    );
  }

  private failItem(item: OutboxItem, error: ParleyError): void {
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
  typing(conv: string, options: { internal?: boolean } = {}): void {
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
    if (t.idle) clearTimeout(t.idle);
    t.idle = setTimeout(() => this.stopTyping(conv), idleMs);
  }

  /** Sends `typing stop` if a start was sent. */
  stopTyping(conv: string): void {
    const t = this.typingStates.get(conv);
    if (!t) return;
    if (t.idle) clearTimeout(t.idle);
    this.typingStates.delete(conv);
    if (t.lastStart > 0) this.fireAndForget("typing", { conv, state: "stop" });
  }

  // -- attachments ------------------------------------------------------------------

  private httpBase(): string {
    if (this.opts.httpUrl) return this.opts.httpUrl.replace(/\/$/, "");
    const u = new URL(this.opts.url);
    u.protocol = u.protocol === "wss:" ? "https:" : "http:";
    return u.origin;
  }

  private async authorizedFetch(path: string, init: RequestInit): Promise<Response> {
    const f = this.opts.fetch ?? globalThis.fetch;
    if (!f) throw new Error("ParleyClient: no fetch; pass options.fetch");
    let token = this.token ?? (await this.currentToken());
    for (let i = 0; ; i++) {
      const res = await f(this.httpBase() + path, {
        ...init,
        headers: { ...(init.headers ?? {}), Authorization: `Bearer ${token}` },
      });
      if (res.status !== 401 || i > 0 || typeof this.opts.token === "string") return res;
      // Refused: a fresh token from the application, once.
      this.nextTokenReason = "refused";
      token = await this.currentToken();
    }
  }

  /**
   * Uploads an attachment (POST /v1/blobs). Attach the result to send() as
   * `attachments: [{blob, name}]`.
   */
  async upload(
    data: Blob | ArrayBuffer | Uint8Array | string,
    name: string,
  ): Promise<BlobInfo> {
    const res = await this.authorizedFetch(`/v1/blobs?name=${encodeURIComponent(name)}`, {
      method: "POST",
      body: data as BodyInit,
    });
    if (res.status !== 201) throw await httpError(res, "upload");
    return decode(new Uint8Array(await res.arrayBuffer())) as BlobInfo;
  }

  /** Downloads an attachment (GET /v1/blobs/<id>). */
  async download(blob: string): Promise<DownloadedBlob> {
    const res = await this.authorizedFetch(`/v1/blobs/${encodeURIComponent(blob)}`, {
      method: "GET",
    });
    if (res.status !== 200) throw await httpError(res, "download");
    const bytes = new Uint8Array(await res.arrayBuffer());
    return {
      bytes,
      type: res.headers.get("content-type") ?? "application/octet-stream",
      name: fileName(res.headers.get("content-disposition")) ?? blob,
    };
  }
}

const httpCodes: Record<number, ErrorCode> = {
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

async function httpError(res: Response, op: string): Promise<ParleyError> {
  let text = "";
  try {
    text = (await res.text()).trim();
  } catch {
    /* no body */
  }
  return new ParleyError(httpCodes[res.status] ?? "internal", `HTTP ${res.status} ${text}`.trim(), op, res.status);
}

/** The file name of a Content-Disposition header (filename* first). */
export function fileName(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(header);
  if (plain) return (plain[1] ?? plain[2]).replace(/\\(.)/g, "$1").trim();
  return undefined;
}
