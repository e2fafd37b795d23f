#include "actors/node/directory.hpp"

#include <algorithm>
#include <mutex>

namespace parley {

namespace {

template <class Map>
typename Map::mapped_type find_ptr(const Map& m, const std::string& id) {
  auto i = m.find(id);
  return i == m.end() ? nullptr : i->second;
}

template <class T, class Map>
void put_ptr(Map& m, T value) {
  auto id = value.id;
  m[std::move(id)] = std::make_shared<const T>(std::move(value));
}

} // namespace

directory::user_ptr directory::user(const std::string& id) const {
  std::shared_lock lock{mu_};
  return find_ptr(users_, id);
}

directory::org_ptr directory::org(const std::string& id) const {
  std::shared_lock lock{mu_};
  return find_ptr(orgs_, id);
}

directory::company_ptr directory::company(const std::string& id) const {
  std::shared_lock lock{mu_};
  return find_ptr(companies_, id);
}

directory::team_ptr directory::team(const std::string& id) const {
  std::shared_lock lock{mu_};
  return find_ptr(teams_, id);
}

std::vector<std::string> directory::favorites(const std::string& user) const {
  std::shared_lock lock{mu_};
  auto i = favorites_.find(user);
  return i == favorites_.end() ? std::vector<std::string>{} : i->second.companies;
}

bool directory::favours_locked(const std::string& user, std::string_view company) const {
  if (company.empty()) return false;
  auto i = favorites_.find(user);
  if (i == favorites_.end()) return false;
  const auto& v = i->second.companies;
  return std::binary_search(v.begin(), v.end(), company,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool directory::favours(const std::string& user, std::string_view company) const {
  std::shared_lock lock{mu_};
  return favours_locked(user, company);
}

directory::viewer_entry directory::viewer(const std::string& user,
                                          std::string_view company) const {
  std::shared_lock lock{mu_};
  return {find_ptr(users_, user), favours_locked(user, company)};
}

void directory::put_user(protocol::user_info u) {
  std::unique_lock lock{mu_};
  changed();
  put_ptr(users_, std::move(u));
}

void directory::put_org(protocol::org_info o) {
  std::unique_lock lock{mu_};
  changed();
  put_ptr(orgs_, std::move(o));
}

void directory::put_company(protocol::company_info c) {
  std::unique_lock lock{mu_};
  changed();
  put_ptr(companies_, std::move(c));
}

void directory::put_team(protocol::team_info t) {
  std::unique_lock lock{mu_};
  changed();
  put_ptr(teams_, std::move(t));
}

void directory::put_favorites(const std::string& user, std::vector<std::string> companies,
                              std::int64_t version) {
  std::sort(companies.begin(), companies.end());
  std::unique_lock lock{mu_};
  changed();
  auto& e = favorites_[user];
  if (e.version > version) return; // a newer change was applied first
  e.companies = std::move(companies);
  e.version = version;
}

bool directory::contact_blocked(const std::string& contact) const {
  std::shared_lock lock{mu_};
  return blocked_contacts_.count(contact) != 0;
}

void directory::set_contact_blocked(const std::string& contact, bool blocked) {
  std::unique_lock lock{mu_};
  changed();
  if (blocked)
    blocked_contacts_.insert(contact);
  else
    blocked_contacts_.erase(contact);
}

directory::ai_ptr directory::ai_agent(const std::string& user) const {
  std::shared_lock lock{mu_};
  auto i = ai_agents_.find(user);
  return i == ai_agents_.end() ? nullptr : i->second;
}

void directory::put_ai_agent(const std::string& user, ai_rules::config c) {
  auto p = std::make_shared<const ai_rules::config>(std::move(c));
  std::unique_lock lock{mu_};
  changed();
  ai_agents_[user] = std::move(p);
}

ai_rules::config to_config(storage::ai_agent_row row) {
  ai_rules::config c;
  for (auto& r : row.rules)
    c.rules.push_back({std::move(r.match), std::move(r.reply)});
  c.fallback = std::move(row.fallback);
  c.delay_ms = row.delay_ms;
  return c;
}

void directory::load(storage::directory_snapshot s) {
  std::unordered_map<std::string, org_ptr> orgs;
  std::unordered_map<std::string, user_ptr> users;
  std::unordered_map<std::string, company_ptr> companies;
  std::unordered_map<std::string, team_ptr> teams;
  std::unordered_map<std::string, favorite_entry> favorites;
  for (auto& x : s.orgs)
    put_ptr(orgs, std::move(x));
  for (auto& x : s.users)
    put_ptr(users, std::move(x));
  for (auto& x : s.companies)
    put_ptr(companies, std::move(x));
  for (auto& x : s.teams)
    put_ptr(teams, std::move(x));
  for (auto& f : s.favorites) {
    std::sort(f.companies.begin(), f.companies.end());
    favorites[f.user] = favorite_entry{std::move(f.companies), f.version};
  }
  std::unordered_set<std::string> blocked;
  for (auto& b : s.blocked_contacts)
    blocked.insert(std::move(b.contact));
  std::unordered_map<std::string, ai_ptr> agents;
  for (auto& a : s.ai_agents) {
    // The key first: the right-hand side, which takes the row, is evaluated before
    // the subscript (C++17), so `agents[a.user]` would read a moved-from user and
    // file every agent under "" (issue 19: rules lost on restart).
    auto user = a.user;
    agents[std::move(user)] =
        std::make_shared<const ai_rules::config>(to_config(std::move(a)));
  }
  std::unique_lock lock{mu_};
  changed();
  blocked_contacts_.swap(blocked);
  ai_agents_.swap(agents);
  orgs_.swap(orgs);
  users_.swap(users);
  companies_.swap(companies);
  teams_.swap(teams);
  favorites_.swap(favorites);
}

} // namespace parley
