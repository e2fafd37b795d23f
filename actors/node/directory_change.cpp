#include "actors/node/directory_change.hpp"

namespace parley {

void apply(directory& dir, directory_change c) {
  using k = directory_change::kind;
  switch (c.what) {
  case k::org:
    dir.put_org(std::move(c.org));
    break;
  case k::user:
    dir.put_user(std::move(c.user));
    break;
  case k::company:
    dir.put_company(std::move(c.company));
    break;
  case k::team:
    dir.put_team(std::move(c.team));
    break;
  case k::favorites:
    dir.put_favorites(c.id, std::move(c.companies), c.version);
    break;
  case k::blocked:
    dir.set_contact_blocked(c.id, c.flag);
    break;
  case k::ai: {
    ai_rules::config cfg;
    for (std::size_t i = 0; i < c.ai.match.size() && i < c.ai.reply.size(); ++i)
      cfg.rules.push_back({std::move(c.ai.match[i]), std::move(c.ai.reply[i])});
    cfg.fallback = std::move(c.ai.fallback);
    cfg.delay_ms = c.ai.delay_ms;
    dir.put_ai_agent(c.ai.user, std::move(cfg));
    break;
  }
  }
}

directory_change org_changed(protocol::org_info o) {
  directory_change c;
  c.what = directory_change::kind::org;
  c.org = std::move(o);
  return c;
}

directory_change user_changed(protocol::user_info u) {
  directory_change c;
  c.what = directory_change::kind::user;
  c.user = std::move(u);
  return c;
}

directory_change company_changed(protocol::company_info v) {
  directory_change c;
  c.what = directory_change::kind::company;
  c.company = std::move(v);
  return c;
}

directory_change team_changed(protocol::team_info t) {
  directory_change c;
  c.what = directory_change::kind::team;
  c.team = std::move(t);
  return c;
}

directory_change favorites_changed(std::string user, std::vector<std::string> companies,
                                   std::int64_t version) {
  directory_change c;
  c.what = directory_change::kind::favorites;
  c.id = std::move(user);
  c.companies = std::move(companies);
  c.version = version;
  return c;
}

directory_change contact_blocked(std::string contact, bool blocked) {
  directory_change c;
  c.what = directory_change::kind::blocked;
  c.id = std::move(contact);
  c.flag = blocked;
  return c;
}

directory_change ai_changed(ai_config_put put) {
  directory_change c;
  c.what = directory_change::kind::ai;
  c.ai = std::move(put);
  return c;
}

bool affects_rights(const directory_change& c) {
  return c.what == directory_change::kind::user ||
         c.what == directory_change::kind::favorites;
}

} // namespace parley
