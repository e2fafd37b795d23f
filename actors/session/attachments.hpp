#pragma once

#include <cstdint>
#include <vector>

#include <msgpack.hpp>

#include "actors/session/session.hpp"

// msg.send's attachments (docs/protocol.md §6): read from the request, checked by
// the blob store, then the send goes to its conversation. Kept apart from the
// common send, which never pays for it.
namespace parley {

/// Reads `attachments` of a msg.send (absent, nil or []: none). Answers and returns
/// false when the list is malformed or too long.
bool read_attachment_refs(session_self self, const msgpack::object& map,
                          std::uint64_t rid, std::vector<protocol::blob_ref>& refs);

/// Asks the blob store whether the sender may attach `s.attachments` (completing
/// their size and type), then forwards the send; answers the refusal otherwise.
void send_with_attachments(session_self self, send_request s);

} // namespace parley
