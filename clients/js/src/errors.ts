/** The error codes of the protocol (PROTOCOL.md section 2). */
export type ServerErrorCode =
  | "bad_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "blocked"
  | "window_closed"
  | "unavailable"
  | "internal";

/**
 * Codes the SDK adds for what happens on the client's side: `timeout` (no reply
 * within the request timeout), `disconnected` (the connection closed before the
 * reply), `closed` (the client was closed).
 */
export type ClientErrorCode = "timeout" | "disconnected" | "closed";

export type ErrorCode = ServerErrorCode | ClientErrorCode;

/**
 * An error of a request: `code` is the protocol's code (branch on it; `message`
 * is human text for logs). HTTP errors of the blob routes carry `status` too.
 */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly op: string | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, op?: string, status?: number) {
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
  get retryable(): boolean {
    return isRetryable(this.code);
  }
}

export function isRetryable(code: ErrorCode): boolean {
  return (
    code === "unavailable" ||
    code === "rate_limited" ||
    code === "timeout" ||
    code === "disconnected"
  );
}
