// @parley/client: a client SDK for the Parley chat server (clients/js/README.md).
export { ParleyClient, fileName } from "./client.js";
export type {
  ClientErrorEvent,
  ClientEvents,
  ClientOptions,
  ConnectionState,
  OnlineSource,
  OutboxChange,
  UnreadChange,
  WebSocketConstructor,
  WebSocketLike,
} from "./client.js";
export { ParleyError, isRetryable } from "./errors.js";
export type { ClientErrorCode, ErrorCode, ServerErrorCode } from "./errors.js";
export { OutboxItem, newCid } from "./outbox.js";
export type { OutboxState, SendOptions } from "./outbox.js";
export { backoffDelay } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
export { tokenExpiry } from "./token.js";
export type { TokenReason, TokenRequest, TokenSource } from "./token.js";
export { Emitter } from "./emitter.js";
export type * from "./types.js";
