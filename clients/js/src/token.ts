/** Why the SDK asks the application for a token. */
export type TokenReason =
  /** Connecting (first time, or after a disconnect when the last token is near its expiry). */
  | "connect"
  /** The current token expires soon: the SDK sends it to the server with auth.refresh. */
  | "refresh"
  /**
   * The server refused the last token (hello or a blob route answered
   * unauthenticated, or the connection was closed because the token expired):
   * the application must return a newer one.
   */
  | "refused";

export interface TokenRequest {
  reason: TokenReason;
  /** The token the SDK had, if any. */
  previous?: string;
}

/** A fixed token, or a callback that returns a fresh one (JWT, see docs/protocol.md §3). */
export type TokenSource = string | ((request: TokenRequest) => string | Promise<string>);

/** The `exp` claim of a JWT, in milliseconds, or undefined when it has none. */
export function tokenExpiry(token: string): number | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    const claims = JSON.parse(atob(padded)) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
