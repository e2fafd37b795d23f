#pragma once

#include <cstddef>
#include <cstdint>

// Every bound the wire protocol promises (docs/protocol.md: "Global rules", §5, §6,
// §7 and §11), in one place so the codec, the server and the tests agree on them.
namespace parley::protocol::limits {

/// Largest WebSocket message the server reads; larger ones close with 1009.
inline constexpr std::size_t max_frame_bytes = 1 << 20;

/// Deepest container nesting accepted in a frame. Requests need three levels; the
/// margin allows forward-compatible extensions without letting a client exhaust the
/// stack of a recursive reader.
inline constexpr std::size_t max_nesting = 16;

/// Most MessagePack objects (scalars and containers) in one frame. The largest
/// legitimate request holds a few thousand; the bound keeps a 1 MiB frame of nils
/// from expanding into tens of MiB of decoded objects.
inline constexpr std::size_t max_frame_objects = 65536;

/// Largest message body, in bytes of UTF-8.
inline constexpr std::size_t max_body_bytes = 64 * 1024;

/// Host-chosen ids (org, user, company, team): 1..128 bytes of UTF-8.
inline constexpr std::size_t max_id_bytes = 128;

/// Client message ids: 1..64 bytes.
inline constexpr std::size_t max_cid_bytes = 64;

/// Conversation subjects, display names, e-mail addresses.
inline constexpr std::size_t max_text_bytes = 1024;

/// Participants named in one request.
inline constexpr std::size_t max_participants = 1000;

/// Mentions in one message.
inline constexpr std::size_t max_mentions = 100;

/// Attachments of one message (docs/protocol.md §6).
inline constexpr std::size_t max_attachments = 50;

/// History pages.
inline constexpr std::uint64_t default_history_limit = 50;
inline constexpr std::uint64_t max_history_limit = 200;

/// Messages returned by conv.open {since}.
inline constexpr std::uint64_t max_open_backlog = 200;

/// Bytes of encoded messages in one history page or conv.open backlog: a page of
/// 200 large messages would otherwise be a 13 MB frame, more than a client reads
/// at once and more than a connection's outbound bound. A page holds at least one
/// message; a cut page says `more: true`.
inline constexpr std::size_t max_page_bytes = 768 * 1024;

/// msg.around: messages on each side of the linked one (default and maximum).
inline constexpr std::uint64_t default_around_limit = 10;
inline constexpr std::uint64_t max_around_limit = 100;

/// Open conversations per connection.
inline constexpr std::size_t max_open_conversations = 256;

/// Characters (code points) in a reply preview.
inline constexpr std::size_t preview_chars = 80;

} // namespace parley::protocol::limits
