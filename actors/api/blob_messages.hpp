#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/api/inspect.hpp"
#include "protocol/types.hpp"

// The values that travel to and from the blob store actors (attachments,
// docs/protocol.md §6), with their inspect overloads.
namespace parley {

/// Bytes per stored chunk: what an upload holds in memory at most, and one row.
inline constexpr std::size_t blob_chunk_bytes = 256 * 1024;

/// What a download may serve: nothing (`found` false: missing or not readable by
/// the caller, indistinguishable on purpose), or the blob's facts.
struct blob_grant {
  bool found = false;
  bool failed = false; // the database could not be read
  std::string name;
  std::string type;
  std::uint64_t size = 0;
  std::uint64_t chunks = 0;
};

/// One chunk of a blob being downloaded.
struct blob_bytes {
  bool ok = false;
  std::string data;
};

/// msg.send's attachments to check for `user`: each must name a blob the user may
/// read, of a type and size the user's organisation allows now.
struct blob_claim {
  std::string user;
  std::vector<protocol::blob_ref> refs; // blob and name as the client gave them
};

/// The verdict on a claim: `code` 0 with every ref completed (size, type), or the
/// protocol::error_code + 1 of the first refusal and its message.
struct blob_claim_result {
  std::uint8_t code = 0;
  std::string message;
  std::vector<protocol::blob_ref> refs;
};

PARLEY_INSPECT(blob_grant, x.found, x.failed, x.name, x.type, x.size, x.chunks);
PARLEY_INSPECT(blob_bytes, x.ok, x.data);
PARLEY_INSPECT(blob_claim, x.user, x.refs);
PARLEY_INSPECT(blob_claim_result, x.code, x.message, x.refs);

} // namespace parley

namespace parley::protocol {

PARLEY_INSPECT(blob_ref, x.blob, x.name, x.size, x.type);

} // namespace parley::protocol
