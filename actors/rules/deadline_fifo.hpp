#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

namespace parley {

/// Requests waiting for their answers, each with a deadline: a session's requests
/// by ticket, a conversation's database requests by message id. Plain logic with
/// table tests (tests/actors/deadline_fifo_test.cpp).
///
/// Keys come in ascending order and every request waits equally long, so the
/// deadlines never decrease either: the oldest request is always the next due, and
/// the waiting requests are a queue in a vector. An answer (in any order) marks its
/// request taken, found by binary search; taken requests leave from the front. A
/// std::map did a node allocation and a rebalancing per request (bench/RESULTS.md
/// "Hot path, round 12"); an empty vector is also half its size, and most
/// connections are idle.
template <class Key, class Value = std::monostate>
class deadline_fifo {
public:
  struct item {
    Key key;
    std::int64_t deadline_ms;
    Value value;
  };

  bool empty() const { return head_ == slots_.size(); }
  std::size_t size() const { return live_; }

  /// Files `key` (greater than every key filed before) due at `deadline_ms` (no
  /// earlier than any filed before).
  void push(Key key, std::int64_t deadline_ms, Value value = {}) {
    slots_.push_back({{std::move(key), deadline_ms, std::move(value)}, true});
    ++live_;
  }

  /// The answer for `key` came: true when it was still waiting (it is taken now).
  bool take(const Key& key) {
    auto first = slots_.begin() + static_cast<std::ptrdiff_t>(head_);
    auto at = std::lower_bound(first, slots_.end(), key, [](const slot& s, const Key& k) {
      return s.entry.key < k;
    });
    if (at == slots_.end() || key < at->entry.key || !at->live) return false;
    at->live = false;
    --live_;
    drop_taken();
    return true;
  }

  /// The deadline of the oldest request still waiting (precondition: !empty()).
  std::int64_t next_deadline() const { return slots_[head_].entry.deadline_ms; }

  /// Takes the requests due at `now_ms`, oldest first, calling `f(item&&)` for
  /// each. `f` may file or take others.
  template <class F>
  void take_due(std::int64_t now_ms, F&& f) {
    while (!empty() && slots_[head_].entry.deadline_ms <= now_ms) {
      auto due = std::move(slots_[head_].entry);
      slots_[head_].live = false;
      --live_;
      drop_taken();
      f(std::move(due));
    }
  }

private:
  struct slot {
    item entry;
    bool live;
  };

  /// Moves the front past taken requests; the vector is emptied when all are
  /// taken (the common case: answers come back in order) and its taken prefix is
  /// cut when it is most of it.
  void drop_taken() {
    while (head_ < slots_.size() && !slots_[head_].live)
      ++head_;
    if (head_ == slots_.size()) {
      // A burst's room is given back, so an idle connection holds little.
      if (slots_.capacity() > 16)
        slots_ = {};
      else
        slots_.clear();
      head_ = 0;
    } else if (head_ >= 32 && head_ * 2 >= slots_.size()) {
      slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  std::vector<slot> slots_;
  std::size_t head_ = 0; // the oldest slot still waiting
  std::size_t live_ = 0;
};

} // namespace parley
