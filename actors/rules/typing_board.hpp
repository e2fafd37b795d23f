#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley {

/// Who is typing in one conversation (docs/protocol.md §7). Pure: the caller
/// passes the time; the conversation actor owns one and pushes what it reports.
/// Typing is never stored.
template <class Source>
class typing_board {
public:
  /// A `start` not refreshed within this long ends with a pushed `stop`.
  static constexpr std::int64_t expiry_ms = 6000;

  struct entry {
    bool internal = false;
    std::int64_t expires_ms = 0;
    Source source{}; // the connection that typed (a disconnect stops it)
  };

  /// `user` starts (or keeps) typing. True when the others must hear `start`: it
  /// was not typing, or it switched between internal and public typing.
  bool start(const std::string& user, bool internal, std::int64_t now, Source source) {
    auto [i, fresh] = typing_.try_emplace(user);
    bool changed = fresh || i->second.internal != internal;
    i->second = entry{internal, now + expiry_ms, std::move(source)};
    return changed;
  }

  /// `user` stops. Returns what it was typing, if it was.
  std::optional<entry> stop(const std::string& user) {
    auto i = typing_.find(user);
    if (i == typing_.end()) return std::nullopt;
    auto e = std::move(i->second);
    typing_.erase(i);
    return e;
  }

  /// Removes and returns the users whose typing expired at `now`.
  std::vector<std::pair<std::string, entry>> expire(std::int64_t now) {
    std::vector<std::pair<std::string, entry>> out;
    for (auto i = typing_.begin(); i != typing_.end();) {
      if (i->second.expires_ms <= now) {
        out.emplace_back(i->first, std::move(i->second));
        i = typing_.erase(i);
      } else {
        ++i;
      }
    }
    return out;
  }

  /// Removes and returns the users who typed from `source` (it disconnected).
  std::vector<std::pair<std::string, entry>> drop_source(const Source& source) {
    std::vector<std::pair<std::string, entry>> out;
    for (auto i = typing_.begin(); i != typing_.end();) {
      if (i->second.source == source) {
        out.emplace_back(i->first, std::move(i->second));
        i = typing_.erase(i);
      } else {
        ++i;
      }
    }
    return out;
  }

  /// When the next expiry is due, if anyone is typing.
  std::optional<std::int64_t> next_expiry() const {
    std::optional<std::int64_t> next;
    for (const auto& [user, e] : typing_)
      if (!next || e.expires_ms < *next) next = e.expires_ms;
    return next;
  }

  /// What `user` is typing, if it is.
  const entry* find(const std::string& user) const {
    auto i = typing_.find(user);
    return i == typing_.end() ? nullptr : &i->second;
  }

  /// True when `pred(user, entry)` holds for someone typing.
  template <class Pred>
  bool any_of(Pred pred) const {
    for (const auto& [user, e] : typing_)
      if (pred(user, e)) return true;
    return false;
  }

  bool empty() const { return typing_.empty(); }

private:
  std::map<std::string, entry> typing_;
};

} // namespace parley
