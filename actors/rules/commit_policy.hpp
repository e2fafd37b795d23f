#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parley {

/// The persistence actor's group-commit policy as plain logic.
///
/// Requests accumulate while a transaction is in flight; when it completes, all of
/// them go in the next transaction (no timer: one request alone commits at once,
/// and under load batches grow by themselves, up to `max_batch`). A request from a
/// conversation whose earlier write of the same epoch failed is refused as stale,
/// because committing it would leave a gap in that conversation's seqs.
///
/// Epochs only grow for a conversation, across its incarnations too (they come
/// from one process-wide counter, see write_epoch.hpp). So the record of a
/// failure is needed only until the conversation's next epoch arrives: the
/// conversation sends in order and the mailbox keeps that order, so nothing of
/// the failed epoch can follow. It is dropped then, and at most `max_failed`
/// records are kept (the oldest failures go first), so the record stays small.
template <class Request>
class commit_policy {
public:
  struct item {
    std::string conv;
    std::uint64_t epoch = 0;
    Request request;
  };

  explicit commit_policy(std::size_t max_batch = 2048, std::size_t max_failed = 4096)
      : max_batch_(max_batch), max_failed_(max_failed) {}

  /// Accepts a request unless its conversation's epoch has failed; a refused
  /// request is handed back to be answered as stale.
  std::optional<Request> offer(std::string conv, std::uint64_t epoch, Request r) {
    if (auto f = failed_.find(conv); f != failed_.end()) {
      if (epoch < f->second) return std::optional<Request>{std::move(r)};
      forget(f); // a newer epoch: the failed one is over
    }
    pending_.push_back(item{std::move(conv), epoch, std::move(r)});
    return std::nullopt;
  }

  /// Records that `conv`'s writes of `epoch` and older must not commit, and hands
  /// back such requests still pending (to be answered as stale). The record is
  /// kept until a newer epoch of `conv` arrives: requests of that epoch may still
  /// be on their way.
  std::vector<Request> mark_failed(const std::string& conv, std::uint64_t epoch) {
    auto f = failed_.find(conv);
    if (f == failed_.end()) {
      f = failed_.emplace(conv, epoch + 1).first;
      by_age_.emplace(epoch + 1, conv);
    } else if (f->second < epoch + 1) {
      by_age_.erase({f->second, conv});
      f->second = epoch + 1;
      by_age_.emplace(epoch + 1, conv);
    }
    while (failed_.size() > max_failed_)
      forget(failed_.find(by_age_.begin()->second));
    std::vector<Request> stale;
    auto keep =
        std::stable_partition(pending_.begin(), pending_.end(),
                              [&](const item& i) { return !is_failed(i.conv, i.epoch); });
    for (auto i = keep; i != pending_.end(); ++i)
      stale.push_back(std::move(i->request));
    pending_.erase(keep, pending_.end());
    return stale;
  }

  bool is_failed(const std::string& conv, std::uint64_t epoch) const {
    auto i = failed_.find(conv);
    return i != failed_.end() && epoch < i->second;
  }

  /// How many conversations have a failed epoch on record.
  std::size_t failed_records() const { return failed_.size(); }

  bool has_pending() const { return !pending_.empty(); }
  std::size_t pending() const { return pending_.size(); }

  /// Takes up to max_batch requests, oldest first, for one transaction.
  std::vector<item> take_batch() {
    std::vector<item> out;
    if (pending_.size() <= max_batch_) {
      out.swap(pending_);
      // The next batch forms while this one commits, most likely about as large:
      // room for it now instead of growing (and moving every item) step by step.
      pending_.reserve(out.size());
      return out;
    }
    auto cut = pending_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
    out.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(cut));
    pending_.erase(pending_.begin(), cut);
    return out;
  }

  /// Splits a batch in two halves of whole conversations (a conversation's
  /// requests stay together and in order: a later one builds on the earlier
  /// seqs). The second half is empty when the batch holds one conversation.
  static std::pair<std::vector<item>, std::vector<item>>
  split_in_halves(std::vector<item> items) {
    std::unordered_map<std::string_view, std::size_t> first_seen; // conv -> order
    std::vector<std::size_t> rank;
    rank.reserve(items.size());
    for (const auto& i : items)
      rank.push_back(first_seen.try_emplace(i.conv, first_seen.size()).first->second);
    auto first_half = (first_seen.size() + 1) / 2;
    std::pair<std::vector<item>, std::vector<item>> out;
    for (std::size_t k = 0; k < items.size(); ++k)
      (rank[k] < first_half ? out.first : out.second).push_back(std::move(items[k]));
    return out;
  }

private:
  using failed_map = std::unordered_map<std::string, std::uint64_t>;

  void forget(typename failed_map::iterator f) {
    by_age_.erase({f->second, f->first});
    failed_.erase(f);
  }

  std::size_t max_batch_;
  std::size_t max_failed_;
  std::vector<item> pending_;
  failed_map failed_;                                      // conv -> first good epoch
  std::set<std::pair<std::uint64_t, std::string>> by_age_; // the same, oldest first
};

} // namespace parley
