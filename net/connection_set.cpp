#include "net/connection_set.hpp"

namespace parley::net {

std::uint64_t connection_set::add(std::weak_ptr<ws_session> s) {
  std::lock_guard lock{mu_};
  auto id = ++next_;
  live_.emplace(id, std::move(s));
  return id;
}

void connection_set::remove(std::uint64_t id) {
  std::lock_guard lock{mu_};
  live_.erase(id);
}

std::vector<std::shared_ptr<ws_session>> connection_set::snapshot() const {
  std::vector<std::shared_ptr<ws_session>> out;
  std::lock_guard lock{mu_};
  out.reserve(live_.size());
  for (const auto& [id, w] : live_)
    if (auto s = w.lock()) out.push_back(std::move(s));
  return out;
}

std::size_t connection_set::size() const {
  std::lock_guard lock{mu_};
  return live_.size();
}

} // namespace parley::net
