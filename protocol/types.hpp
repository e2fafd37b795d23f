#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/codec.hpp"

// The domain values that travel on the wire, with their MessagePack encodings.
// Plain structs: actors carry them in messages, storage reads and writes them.
namespace parley::protocol {

enum class conv_kind { company, confidential, private_, direct, support };
std::string_view to_string(conv_kind kind);
std::optional<conv_kind> parse_conv_kind(std::string_view name);

enum class user_kind { staff, client, contact, ai, bot };
std::string_view to_string(user_kind kind);
std::optional<user_kind> parse_user_kind(std::string_view name);

enum class staff_role { owner, admin, member, guest };
std::string_view to_string(staff_role role);
std::optional<staff_role> parse_staff_role(std::string_view name);

/// Message body formats.
bool valid_format(std::string_view format);

/// What a reply-to push carries about the message it answers.
struct reply_ref {
  std::uint64_t seq = 0;
  std::string author;
  std::string preview;
};

/// What a server-written message records (`system: {event, by, ...}`).
struct system_event {
  std::string event; // e.g. "ended", "assigned"
  std::string by;    // the user who caused it; empty: the server itself (nil)
  // Support events (docs/protocol.md §9) record what changed; absent optionals are
  // not sent, except that `assigned` always sends assignee and team (nil: none).
  std::optional<std::string> assignee;
  std::optional<std::string> team;
  std::optional<std::string> from;   // takeover: the ai user; reopened: the old status
  std::optional<std::string> note;   // closed: the closing note
  std::optional<std::int64_t> until; // snoozed
  bool handoff = false;              // assigned by an AI agent handing over
};

/// An attachment of a message: an uploaded blob, the name it is shown under, and
/// its size and sniffed Content-Type (docs/protocol.md §6).
struct blob_ref {
  std::string blob;
  std::string name;
  std::uint64_t size = 0;
  std::string type;
};

/// A committed message as every reader sees it.
struct message {
  std::string conv;
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string author;
  std::string cid;
  std::string body;
  std::string format = "text";
  std::optional<reply_ref> reply_to;
  std::vector<std::string> mentions;
  bool internal = false;
  std::optional<system_event> system; // server-written events only
  std::vector<blob_ref> attachments;
};

/// What a support conversation carries beyond an ordinary one (section 9), as
/// stored and sent.
struct support_info {
  std::string contact;         // the contact who writes to the org's alias
  std::string status = "open"; // open | closed | snoozed
  std::optional<std::string> assignee;
  std::optional<std::string> team;
  std::optional<std::int64_t> snoozed_until;
  std::optional<std::int64_t> last_contact_ts;
  bool unreplied = false;
};

/// A conversation's public description (the `<conv>` object of docs/protocol.md §5).
struct conversation {
  std::string id;
  conv_kind kind = conv_kind::private_;
  std::string org;
  std::optional<std::string> company;
  std::optional<std::string> subject;
  std::vector<std::string> participants;
  std::string created_by;
  std::int64_t created_at = 0;
  std::uint64_t last_seq = 0;
  std::int64_t last_ts = 0; // time of the newest message (or creation): list order
  /// A cross-organisation direct conversation: the invitee's org (`org` is the
  /// inviter's). Empty for every other conversation.
  std::optional<std::string> peer_org;
  /// Set once the conversation has ended (conv.end): who ended it, and when.
  std::optional<std::string> ended_by;
  std::int64_t ended_at = 0;
  /// Support conversations only (docs/protocol.md §9).
  std::optional<support_info> support;
};

/// An organisation and its settings (docs/protocol.md §4), with the protocol's
/// defaults.
struct org_info {
  std::string id;
  std::string name;
  std::string connect_policy = "all";     // all | admins | none
  std::string closing_notes = "optional"; // off | optional | required
  std::int64_t window_hours = 0;
  std::optional<std::string> alias;
  std::int64_t max_attachment_bytes = 20 * 1024 * 1024;
  std::vector<std::string> attachment_types{"pdf", "png", "jpeg", "jpg", "gif", "txt"};
  bool display_as_alias = false;
  /// An addition: the user a new support conversation starts assigned to (an `ai`
  /// user answers the contact's first message).
  std::optional<std::string> support_assignee;
};

/// A provisioned user (docs/protocol.md §4).
struct user_info {
  std::string id;
  std::string org;
  user_kind kind = user_kind::staff;
  std::optional<staff_role> role; // staff only; member when not given
  std::string name;
  std::optional<std::string> email;
  std::optional<std::string> company; // client users
};

/// A client company of an organisation (docs/protocol.md §4).
struct company_info {
  std::string id;
  std::string org;
  std::string name;
};

/// A team of an organisation's users, for support assignment (section 9).
struct team_info {
  std::string id;
  std::string org;
  std::string name;
  std::vector<std::string> members;
};

/// Writes the fields of a message (no `op`), as in the `message` push.
void put_message(map_builder& b, const message& m);

/// The message as a standalone map, for history pages.
std::string encode_message(const message& m);

/// The `{op: "message", ...}` push. Encoded once per message and shared by every
/// subscription it fans out to.
std::string encode_message_push(const message& m);

/// The `{op: "notify", conv, seq, author, preview, unread}` push (section 7).
std::string encode_notify(std::string_view conv, std::uint64_t seq,
                          std::string_view author, std::string_view preview,
                          std::uint64_t unread);

/// Writes the fields of a `<conv>` object.
void put_conversation(map_builder& b, const conversation& c);

/// Writes the fields of a user object (as in the hello reply).
void put_user(map_builder& b, const user_info& u);

} // namespace parley::protocol
