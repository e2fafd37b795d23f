#include "actors/node/replies.hpp"

namespace parley {

frame reply_error(metrics& stats, std::optional<std::uint64_t> rid,
                  protocol::error_code code, std::string_view message) {
  stats.count_error(code);
  return frame{protocol::encode_error(rid, code, message)};
}

frame reply_ok(std::optional<std::uint64_t> rid, const protocol::map_builder& fields) {
  return frame{protocol::encode_ok(rid, fields)};
}

frame reply_ok(std::optional<std::uint64_t> rid) {
  return frame{protocol::encode_ok(rid)};
}

frame reply_not_found(metrics& stats, std::uint64_t rid) {
  return reply_error(stats, rid, protocol::error_code::not_found, "no such conversation");
}

frame reply_storage_unavailable(metrics& stats, std::uint64_t rid) {
  return reply_error(stats, rid, protocol::error_code::unavailable,
                     "storage unavailable");
}

} // namespace parley
