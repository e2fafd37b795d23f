#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
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
template <class Request>
class commit_policy {
public:
  struct item {
    std::string conv;
    std::uint64_t epoch = 0;
    Request request;
  };

  explicit commit_policy(std::size_t max_batch = 2048) : max_batch_(max_batch) {}

  /// Accepts a request unless its conversation's epoch has failed; a refused
  /// request is handed back to be answered as stale.
  std::optional<Request> offer(std::string conv, std::uint64_t epoch, Request r) {
    if (is_failed(conv, epoch)) return std::optional<Request>{std::move(r)};
    pending_.push_back(item{std::move(conv), epoch, std::move(r)});
    return std::nullopt;
  }

  /// Records that `conv`'s writes of `epoch` and older must not commit, and hands
  /// back such requests still pending (to be answered as stale). The record is
  /// kept: requests of that epoch may still be on their way.
  std::vector<Request> mark_failed(const std::string& conv, std::uint64_t epoch) {
    auto& e = failed_[conv];
    e = std::max(e, epoch + 1);
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

  bool has_pending() const { return !pending_.empty(); }
  std::size_t pending() const { return pending_.size(); }

  /// Takes up to max_batch requests, oldest first, for one transaction.
  std::vector<item> take_batch() {
    std::vector<item> out;
    if (pending_.size() <= max_batch_) {
      out.swap(pending_);
      return out;
    }
    auto cut = pending_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
    out.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(cut));
    pending_.erase(pending_.begin(), cut);
    return out;
  }

private:
  std::size_t max_batch_;
  std::vector<item> pending_;
  std::unordered_map<std::string, std::uint64_t> failed_; // conv -> first good epoch
};

} // namespace parley
