/**
 * An error of a request: `code` is the protocol's code (branch on it; `message`
 * is human text for logs). HTTP errors of the blob routes carry `status` too.
 */
export class ParleyError extends Error {
    constructor(code, message, op, status) {
        super(message ? `${code}: ${message}` : code);
        this.name = "ParleyError";
        this.code = code;
        this.op = op;
        this.status = status;
    }
    /**
     * Whether the same request may simply be sent again (a send with the same cid
     * never duplicates): storage or the node was down, the rate budget was spent, or
     * the reply was lost with the connection.
     */
    get retryable() {
        return isRetryable(this.code);
    }
}
export function isRetryable(code) {
    return (code === "unavailable" ||
        code === "rate_limited" ||
        code === "timeout" ||
        code === "disconnected");
}
