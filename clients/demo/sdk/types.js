// The shapes of the protocol's objects and pushes (PROTOCOL.md v1.1 and the
// server's docs/protocol.md). Unknown keys the server adds are kept on the objects.
export {};
