#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/types.hpp"

namespace parley {

/// What reply-to needs to know about a recent message.
struct recent_message {
  protocol::reply_ref ref;
  bool internal = false;
};

/// The newest `capacity` committed messages of one conversation, by seq: reply-to
/// previews and unread counts without a database read. Plain logic with table
/// tests (tests/actors/recent_messages_test.cpp).
///
/// Messages commit in seq order, one after the other, so this is a ring indexed by
/// seq: remembering one overwrites the oldest slot in place (its strings keep their
/// buffers), and finding one is arithmetic. A std::map did an allocation, a walk
/// to its right end and a rebalancing erase per message, each a cache miss on a
/// node with many busy conversations (bench/RESULTS.md "Hot path, round 12"). A
/// seq that does not follow the newest (none happens in a running conversation)
/// starts the ring afresh from it: what is forgotten is read from the database.
class recent_messages {
public:
  explicit recent_messages(std::size_t capacity = 256) : capacity_(capacity) {}

  void remember(std::uint64_t seq, std::string_view author, std::string preview,
                bool internal) {
    if (capacity_ == 0) return;
    if (slots_.empty() || seq != newest_ + 1) {
      slots_.clear();
      first_ = seq;
    }
    newest_ = seq;
    if (slots_.size() < capacity_) {
      slots_.push_back({{seq, std::string{author}, std::move(preview)}, internal});
      return;
    }
    auto& slot = slots_[index(seq)];
    slot.ref.seq = seq;
    slot.ref.author.assign(author);
    slot.ref.preview = std::move(preview);
    slot.internal = internal;
  }

  /// The message `seq`, or null when it is not among the newest remembered.
  const recent_message* find(std::uint64_t seq) const {
    if (!holds(seq)) return nullptr;
    return &slots_[index(seq)];
  }

  /// Calls `f` with each remembered message whose seq is above `after`, oldest
  /// first.
  template <class F>
  void for_each_after(std::uint64_t after, F&& f) const {
    if (slots_.empty()) return;
    for (auto seq = std::max(after + 1, oldest()); seq <= newest_; ++seq)
      f(slots_[index(seq)]);
  }

  std::size_t size() const { return slots_.size(); }

private:
  std::uint64_t oldest() const { return newest_ + 1 - slots_.size(); }
  bool holds(std::uint64_t seq) const {
    return !slots_.empty() && seq <= newest_ && seq >= oldest();
  }
  /// Slots fill in seq order from first_, then wrap.
  std::size_t index(std::uint64_t seq) const {
    return static_cast<std::size_t>((seq - first_) % capacity_);
  }

  std::size_t capacity_;
  std::vector<recent_message> slots_;
  std::uint64_t first_ = 0;  // the seq in slot 0
  std::uint64_t newest_ = 0; // the newest seq remembered
};

} // namespace parley
