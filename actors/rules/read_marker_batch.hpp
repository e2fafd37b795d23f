#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace parley {

/// Read markers waiting for the group commit, as plain logic.
///
/// A `read` used to be a transaction of its own on a pool connection: in a chat
/// day there is almost one per message, and PostgreSQL's cost per transaction
/// (not the one-row upsert) made it as dear as the message. The writer now keeps
/// the markers that arrive between commits here and writes them in the next
/// message batch's statement, or on their own once the oldest has waited
/// `window` (a quiet node).
///
/// Markers of the same user in the same conversation merge into one row: the
/// highest seq wins (markers only move forward), and every request waiting on it
/// gets the one stored result. One row per (conversation, user) is also what
/// `INSERT ... ON CONFLICT DO UPDATE` requires of a single statement.
template <class Waiter>
class read_marker_batch {
public:
  struct row {
    std::string conv;
    std::string user;
    std::uint64_t seq = 0;
    /// The conversation's last committed seq when the newest request was made;
    /// unread is counted up to it.
    std::uint64_t upto = 0;
    bool sees_internal = false;
    std::int64_t ts = 0;
    std::vector<Waiter> waiters;
  };

  /// Adds one request; returns true when it is the first one pending (the caller
  /// then arranges for a flush within the window).
  bool add(std::string conv, std::string user, std::uint64_t seq, std::uint64_t upto,
           bool sees_internal, std::int64_t ts, Waiter w) {
    const bool first = pending_.empty();
    auto [i, fresh] = pending_.try_emplace(key{std::move(conv), std::move(user)});
    auto& r = i->second;
    if (fresh) {
      r.seq = seq;
      r.upto = upto;
      r.sees_internal = sees_internal;
      r.ts = ts;
    } else {
      r.seq = std::max(r.seq, seq);
      r.upto = std::max(r.upto, upto);
      r.sees_internal = r.sees_internal || sees_internal;
      r.ts = std::max(r.ts, ts);
    }
    r.waiters.push_back(std::move(w));
    return first;
  }

  bool empty() const { return pending_.empty(); }
  std::size_t size() const { return pending_.size(); }

  /// Everything pending, one row per (conversation, user), in key order.
  std::vector<row> take() {
    std::vector<row> out;
    out.reserve(pending_.size());
    for (auto& [k, r] : pending_) {
      r.conv = k.first;
      r.user = k.second;
      out.push_back(std::move(r));
    }
    pending_.clear();
    return out;
  }

private:
  using key = std::pair<std::string, std::string>;
  std::map<key, row> pending_;
};

} // namespace parley
