let counter = 0;
/** A cid unique for this author: time, a per-process counter and randomness. */
export function newCid() {
    counter = (counter + 1) % 0x100000;
    const c = globalThis.crypto;
    if (c && typeof c.randomUUID === "function")
        return c.randomUUID();
    const rand = Math.floor(Math.random() * 0x100000000).toString(36);
    return `${Date.now().toString(36)}-${counter.toString(36)}-${rand}`;
}
export class OutboxItem {
    constructor(conv, options) {
        this.state = "queued";
        /** How many times it went on the wire. */
        this.attempts = 0;
        /** @internal the earliest time of the next attempt (after a transient error). */
        this.notBefore = 0;
        this.conv = conv;
        this.cid = options.cid ?? newCid();
        this.options = { ...options, cid: this.cid };
        this.done = new Promise((resolve, reject) => {
            this.resolve = resolve;
            this.reject = reject;
        });
        // A failure the application does not await is not an unhandled rejection: it
        // is reported through the `outbox` event too.
        this.done.catch(() => undefined);
    }
    /** The arguments of msg.send. */
    /** @internal */ request() {
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
