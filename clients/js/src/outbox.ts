import { ParleyError } from "./errors.js";
import type { Attachment, SendResult } from "./types.js";

/**
 * A send's life: `queued` (waiting for the connection or its turn), `sending` (on
 * the wire), `sent` (durably committed, `seq` known) or `failed` (refused for good;
 * `error` says why). A send whose reply is lost goes back to `queued` and is sent
 * again with the same cid, which the server never stores twice.
 */
export type OutboxState = "queued" | "sending" | "sent" | "failed";

export interface SendOptions {
  body: string;
  format?: "text" | "markdown";
  /** The seq of the message this one replies to. */
  replyTo?: number;
  mentions?: string[];
  attachments?: Attachment[];
  /** An internal comment (staff only). */
  internal?: boolean;
  /** The client id of the message; generated when absent. */
  cid?: string;
}

let counter = 0;

/** A cid unique for this author: time, a per-process counter and randomness. */
export function newCid(): string {
  counter = (counter + 1) % 0x100000;
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const rand = Math.floor(Math.random() * 0x100000000).toString(36);
  return `${Date.now().toString(36)}-${counter.toString(36)}-${rand}`;
}

export class OutboxItem {
  readonly cid: string;
  readonly conv: string;
  readonly options: Readonly<SendOptions>;
  state: OutboxState = "queued";
  seq: number | undefined;
  ts: number | undefined;
  /** Why it failed (state `failed`), or the last transient error while retried. */
  error: ParleyError | undefined;
  /** How many times it went on the wire. */
  attempts = 0;
  /** Resolves once committed; rejects with the ParleyError when it fails. */
  readonly done: Promise<SendResult>;

  /** @internal */ resolve!: (r: SendResult) => void;
  /** @internal */ reject!: (e: ParleyError) => void;
  /** @internal the earliest time of the next attempt (after a transient error). */
  notBefore = 0;

  constructor(conv: string, options: SendOptions) {
    this.conv = conv;
    this.cid = options.cid ?? newCid();
    this.options = { ...options, cid: this.cid };
    this.done = new Promise<SendResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A failure the application does not await is not an unhandled rejection: it
    // is reported through the `outbox` event too.
    this.done.catch(() => undefined);
  }

  /** The arguments of msg.send. */
  /** @internal */ request(): Record<string, unknown> {
    const o = this.options;
    return {
      conv: this.conv,
      cid: this.cid,
      body: o.body,
      format: o.format,
      reply_to: o.replyTo,
      mentions: o.mentions,
      attachments: o.attachments?.map((a) => ({ blob: a.blob, name: a.name })),
      internal: o.internal,
    };
  }
}
