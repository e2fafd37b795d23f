#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/rules/write_epoch.hpp"
#include "protocol/types.hpp"

namespace parley {

/// The sequencing and idempotency bookkeeping of one conversation: plain logic,
/// no actors, so every rule is tested in a table (tests/actors/seq_ledger_test.cpp).
///
/// Rules it keeps:
/// - seqs are assigned 1, 2, 3, ... in arrival order; a message is "in flight" from
///   assignment until the persistence actor answers for the batch holding it;
/// - batches go to the writer in seq order and are answered in that order; a
///   failed batch fails every message after it too, the next seq rolls back to the
///   last committed one + 1, and the ledger takes a new epoch so that late answers
///   for the failed one are ignored: no gap can ever be committed. Epochs come
///   from the process-wide counter (write_epoch.hpp), so they only grow, also
///   across incarnations of the same conversation;
/// - a (author, cid) seen before answers with the stored seq (committed) or waits
///   for the in-flight original; the committed keys of the newest `capacity`
///   messages are remembered.
///
/// `Waiter` is whatever answers a client later (a response promise in the actor, an
/// int in tests).
template <class Waiter>
class seq_ledger {
  /// A key's seq and timestamp; `in_flight` until its batch commits.
  struct key_state {
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    bool in_flight = false;
  };
  using key_map = std::unordered_map<std::string, key_state>;
  using key_node = typename key_map::value_type;

public:
  struct entry {
    protocol::message msg;
    std::vector<Waiter> waiters; // the sender, then any retries that arrived meanwhile
    /// Its (author, cid) in the key map (nodes never move) while in flight; null
    /// once answered, and for a key find() did not report fresh (which stays as
    /// it was).
    key_node* key = nullptr;
  };

  enum class found { fresh, committed, in_flight };

  struct lookup {
    found kind = found::fresh;
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
  };

  seq_ledger(std::uint64_t last_seq, std::int64_t last_ts, std::size_t capacity = 4096)
      : last_committed_(last_seq), next_seq_(last_seq + 1), last_ts_(last_ts),
        capacity_(capacity), epoch_(next_write_epoch()) {}

  // The eviction order and the entries point into the key map: a copy would point into
  // the original's. Moving keeps the map's nodes and so the pointers.
  seq_ledger(const seq_ledger&) = delete;
  seq_ledger& operator=(const seq_ledger&) = delete;
  seq_ledger(seq_ledger&&) = default;
  seq_ledger& operator=(seq_ledger&&) = default;

  std::uint64_t last_committed() const { return last_committed_; }
  std::uint64_t next_seq() const { return next_seq_; }
  /// The newest timestamp assigned (a new message gets at least this).
  std::int64_t last_ts() const { return last_ts_; }
  std::uint64_t epoch() const { return epoch_; }
  bool idle() const { return in_flight_.empty(); }
  std::size_t in_flight() const { return in_flight_.size(); }

  /// Records a committed key (from a snapshot, a commit, or a collision report).
  void remember(std::string_view author, std::string_view cid, std::uint64_t seq,
                std::int64_t ts) {
    remember_key(key(author, cid), seq, ts);
  }

  lookup find(std::string_view author, std::string_view cid) const {
    auto i = keys_.find(key(author, cid));
    if (i == keys_.end()) return {};
    if (i->second.in_flight) return {found::in_flight, i->second.seq, 0};
    return {found::committed, i->second.seq, i->second.ts};
  }

  /// Attaches a retry to its in-flight original (precondition: find() said so).
  void wait_for(std::uint64_t seq, Waiter w) { at(seq).waiters.push_back(std::move(w)); }

  /// Assigns the next seq and a timestamp that never goes back, and queues `m`.
  const protocol::message& assign(protocol::message m, Waiter w, std::int64_t now) {
    m.seq = next_seq_++;
    last_ts_ = std::max(last_ts_, now);
    m.ts = last_ts_;
    entry e;
    auto [at, fresh] = keys_.try_emplace(key(m.author, m.cid), key_state{m.seq, 0, true});
    if (fresh) e.key = &*at;
    e.msg = std::move(m);
    e.waiters.push_back(std::move(w));
    in_flight_.push_back(std::move(e));
    return in_flight_.back().msg;
  }

  /// The assigned messages not yet handed to the writer, as one batch of the
  /// current epoch. Empty when there is nothing new.
  std::vector<protocol::message> take_unsent() {
    std::vector<protocol::message> out;
    out.reserve(in_flight_.size() - sent_);
    for (std::size_t i = sent_; i < in_flight_.size(); ++i)
      out.push_back(in_flight_[i].msg);
    if (!out.empty()) {
      batches_.push_back(out.size());
      sent_ = in_flight_.size();
    }
    return out;
  }

  /// The writer committed the oldest outstanding batch of `epoch`. Returns its
  /// entries in seq order, for replies and fan-out. A stale epoch returns nothing.
  std::vector<entry> commit(std::uint64_t epoch) {
    std::vector<entry> out;
    if (epoch != epoch_ || batches_.empty()) return out;
    auto n = batches_.front();
    batches_.pop_front();
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& e = in_flight_.front();
      last_committed_ = e.msg.seq;
      if (e.key) committed_key(*e.key, e.msg.ts);
      e.key = nullptr; // the key may be evicted from here on
      out.push_back(std::move(e));
      in_flight_.pop_front();
    }
    sent_ -= n;
    return out;
  }

  /// A batch of `epoch` failed: every in-flight message fails with it (sent or not,
  /// since later ones would leave a gap). Returns them for error replies, rolls the
  /// next seq back and takes a new epoch. A stale epoch returns nothing.
  std::vector<entry> fail(std::uint64_t epoch) {
    std::vector<entry> out;
    if (epoch != epoch_) return out;
    for (auto& e : in_flight_) {
      if (e.key) keys_.erase(e.key->first);
      e.key = nullptr;
      out.push_back(std::move(e));
    }
    in_flight_.clear();
    batches_.clear();
    sent_ = 0;
    next_seq_ = last_committed_ + 1;
    epoch_ = next_write_epoch();
    return out;
  }

private:
  // One map holds the keys in flight and the committed ones: a send costs one
  // lookup, one insert at assign and a flag at commit, where two maps took five
  // operations, each a cache miss on a busy node (bench/RESULTS.md "Hot path,
  // round 12"). The eviction order points at the map's own keys, whose nodes never
  // move.
  void remember_key(std::string k, std::uint64_t seq, std::int64_t ts) {
    auto [at, fresh] = keys_.try_emplace(std::move(k), key_state{seq, ts, false});
    if (!fresh) return;
    evict_past(&at->first);
  }

  /// The in-flight key `k` committed with timestamp `ts`.
  void committed_key(key_node& k, std::int64_t ts) {
    k.second.ts = ts;
    k.second.in_flight = false;
    evict_past(&k.first);
  }

  /// `k` is the newest committed key: the oldest beyond the capacity go.
  void evict_past(const std::string* k) {
    order_.push_back(k);
    while (order_.size() > capacity_) {
      keys_.erase(*order_.front());
      order_.pop_front();
    }
  }

  static std::string key(std::string_view author, std::string_view cid) {
    std::string k;
    k.reserve(author.size() + 1 + cid.size());
    k.append(author).push_back('\0');
    k.append(cid);
    return k;
  }

  entry& at(std::uint64_t seq) { return in_flight_[seq - in_flight_.front().msg.seq]; }

  std::uint64_t last_committed_;
  std::uint64_t next_seq_;
  std::int64_t last_ts_;
  std::size_t capacity_;
  std::uint64_t epoch_;
  std::deque<entry> in_flight_;          // ascending by seq
  std::size_t sent_ = 0;                 // prefix of in_flight_ given to the writer
  std::deque<std::size_t> batches_;      // sizes of outstanding batches, oldest first
  key_map keys_;                         // in flight and committed
  std::deque<const std::string*> order_; // committed keys, oldest first, for eviction
};

} // namespace parley
