#include "actors/session/attachments.hpp"

#include "actors/node/replies.hpp"
#include "actors/rules/ids.hpp"
#include "protocol/limits.hpp"
#include "protocol/sniff.hpp"

namespace parley {

namespace {

using protocol::error_code;

/// A string field of a msgpack map, or nullptr.
const msgpack::object* str_field(const msgpack::object& map, std::string_view key) {
  auto v = protocol::find_in_map(map, key);
  return v && v->type == msgpack::type::STR ? v : nullptr;
}

} // namespace

bool read_attachment_refs(session_self self, const msgpack::object& map,
                          std::uint64_t rid, std::vector<protocol::blob_ref>& refs) {
  auto att = protocol::find_in_map(map, "attachments");
  if (!att || att->type == msgpack::type::NIL) return true;
  if (att->type != msgpack::type::ARRAY) {
    send_error(self, rid, error_code::bad_request,
               "'attachments' must be a list of {blob, name}");
    return false;
  }
  if (att->via.array.size > protocol::limits::max_attachments) {
    send_error(self, rid, error_code::too_large, "at most 50 attachments a message");
    return false;
  }
  for (std::uint32_t i = 0; i < att->via.array.size; ++i) {
    const auto& item = att->via.array.ptr[i];
    auto which = "attachments[" + std::to_string(i) + "]";
    const msgpack::object* blob = nullptr;
    const msgpack::object* name = nullptr;
    if (item.type == msgpack::type::MAP) {
      blob = str_field(item, "blob");
      name = str_field(item, "name");
    }
    if (!blob || !name) {
      send_error(self, rid, error_code::bad_request,
                 which + " must be a map with string 'blob' and 'name'");
      return false;
    }
    protocol::blob_ref ref;
    ref.blob.assign(blob->via.str.ptr, blob->via.str.size);
    ref.name.assign(name->via.str.ptr, name->via.str.size);
    if (!protocol::valid_file_name(ref.name)) {
      send_error(self, rid, error_code::bad_request,
                 which + ".name is no valid file name");
      return false;
    }
    if (!valid_blob_id(ref.blob)) {
      // Not even the shape of a blob id: it names no blob, like a missing one.
      send_error(self, rid, error_code::not_found,
                 "attachment " + std::to_string(i) + ": no such blob");
      return false;
    }
    refs.push_back(std::move(ref));
  }
  return true;
}

void send_with_attachments(session_self self, send_request s) {
  auto& st = self->state;
  auto rid = s.rid;
  // Any store will do: a claim reads rows, it holds no upload state.
  const auto& store = st.svc.blobs.for_key(s.attachments.front().blob);
  blob_claim c{s.user, s.attachments};
  ask_storage(
      self, store, rid,
      [=](blob_claim_result& out) mutable {
        if (out.code != 0) {
          send_error(self, rid, static_cast<error_code>(out.code - 1), out.message);
          return;
        }
        s.attachments = std::move(out.refs);
        ask_conversation(self, send_atom_v, std::move(s));
      },
      blob_claim_atom_v, std::move(c));
}

} // namespace parley
