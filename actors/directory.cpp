#include "actors/directory.hpp"

#include <mutex>

namespace parley {

directory::user_ptr directory::user(const std::string& id) const {
  std::shared_lock lock{mu_};
  auto i = users_.find(id);
  return i == users_.end() ? nullptr : i->second;
}

directory::org_ptr directory::org(const std::string& id) const {
  std::shared_lock lock{mu_};
  auto i = orgs_.find(id);
  return i == orgs_.end() ? nullptr : i->second;
}

void directory::put_user(protocol::user_info u) {
  auto p = std::make_shared<const protocol::user_info>(std::move(u));
  std::unique_lock lock{mu_};
  users_[p->id] = std::move(p);
}

void directory::put_org(protocol::org_info o) {
  auto p = std::make_shared<const protocol::org_info>(std::move(o));
  std::unique_lock lock{mu_};
  orgs_[p->id] = std::move(p);
}

void directory::load(std::vector<protocol::org_info> orgs,
                     std::vector<protocol::user_info> users) {
  std::unordered_map<std::string, org_ptr> o;
  std::unordered_map<std::string, user_ptr> u;
  for (auto& x : orgs) {
    auto id = x.id;
    o.emplace(std::move(id), std::make_shared<const protocol::org_info>(std::move(x)));
  }
  for (auto& x : users) {
    auto id = x.id;
    u.emplace(std::move(id), std::make_shared<const protocol::user_info>(std::move(x)));
  }
  std::unique_lock lock{mu_};
  orgs_.swap(o);
  users_.swap(u);
}

} // namespace parley
