#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/api/frame.hpp"
#include "actors/node/metrics.hpp"
#include "protocol/codec.hpp"

namespace parley {

/// An error reply, counted in the metrics by code.
frame reply_error(metrics& stats, std::optional<std::uint64_t> rid,
                  protocol::error_code code, std::string_view message);

/// A success reply with `fields`.
frame reply_ok(std::optional<std::uint64_t> rid, const protocol::map_builder& fields);

/// A success reply without fields.
frame reply_ok(std::optional<std::uint64_t> rid);

/// The reply for a conversation the caller may not read: exactly what a missing
/// conversation gets, so existence is never revealed.
frame reply_not_found(metrics& stats, std::uint64_t rid);

/// `unavailable` because the database did not answer or failed: safe to retry (a
/// send with the same cid never duplicates).
frame reply_storage_unavailable(metrics& stats, std::uint64_t rid);

} // namespace parley
