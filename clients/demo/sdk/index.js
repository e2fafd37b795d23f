// @parley/client: a client SDK for the Parley chat server (clients/js/README.md).
export { ParleyClient, fileName } from "./client.js";
export { ParleyError, isRetryable } from "./errors.js";
export { OutboxItem, newCid } from "./outbox.js";
export { backoffDelay } from "./backoff.js";
export { tokenExpiry } from "./token.js";
export { Emitter } from "./emitter.js";
