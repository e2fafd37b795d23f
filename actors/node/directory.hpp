#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/rules/ai_rules.hpp"
#include "protocol/types.hpp"
#include "storage/directory_queries.hpp"

namespace parley {

/// The node's cache of organisations, users, companies, teams and favourites, read
/// by every actor at the moment it checks rights. Reads take a shared lock and
/// return immutable snapshots of an entry, so a re-put user takes effect on the next
/// check without copying the directory. Writes happen after the database has stored
/// the change.
class directory {
public:
  using user_ptr = std::shared_ptr<const protocol::user_info>;
  using org_ptr = std::shared_ptr<const protocol::org_info>;
  using company_ptr = std::shared_ptr<const protocol::company_info>;
  using team_ptr = std::shared_ptr<const protocol::team_info>;
  using ai_ptr = std::shared_ptr<const ai_rules::config>;

  user_ptr user(const std::string& id) const;
  org_ptr org(const std::string& id) const;
  company_ptr company(const std::string& id) const;
  team_ptr team(const std::string& id) const;

  /// A user's favourite companies, sorted (empty when none).
  std::vector<std::string> favorites(const std::string& user) const;
  /// True when `company` is among `user`'s favourites.
  bool favours(const std::string& user, std::string_view company) const;

  /// A user and whether it favours `company` (empty: no company), read under one
  /// lock: what the visibility rule needs about a viewer.
  struct viewer_entry {
    user_ptr user;
    bool favours = false;
  };
  viewer_entry viewer(const std::string& user, std::string_view company) const;

  /// True when a contact is blocked (contact.block, docs/protocol.md §9).
  bool contact_blocked(const std::string& contact) const;
  void set_contact_blocked(const std::string& contact, bool blocked);

  /// An `ai` user's responder (admin.ai.put); nullptr when none is configured.
  ai_ptr ai_agent(const std::string& user) const;
  void put_ai_agent(const std::string& user, ai_rules::config c);

  void put_user(protocol::user_info u);
  void put_org(protocol::org_info o);
  void put_company(protocol::company_info c);
  void put_team(protocol::team_info t);
  /// Replaces a user's favourites unless the cache already holds a newer version.
  void put_favorites(const std::string& user, std::vector<std::string> companies,
                     std::int64_t version);

  /// Replaces everything (at start, from the database).
  void load(storage::directory_snapshot s);

  /// Moves on with every change of any entry (taken inside the change's lock), so
  /// a decision made from the directory can be kept while this stays the same
  /// (access_cache.hpp).
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

private:
  struct favorite_entry {
    std::vector<std::string> companies; // sorted
    std::int64_t version = 0;
  };
  bool favours_locked(const std::string& user, std::string_view company) const;

  /// Called under the exclusive lock by every change.
  void changed() { version_.fetch_add(1, std::memory_order_acq_rel); }

  mutable std::shared_mutex mu_;
  std::atomic<std::uint64_t> version_{0};
  std::unordered_map<std::string, user_ptr> users_;
  std::unordered_map<std::string, org_ptr> orgs_;
  std::unordered_map<std::string, company_ptr> companies_;
  std::unordered_map<std::string, team_ptr> teams_;
  std::unordered_map<std::string, favorite_entry> favorites_;
  std::unordered_set<std::string> blocked_contacts_;
  std::unordered_map<std::string, ai_ptr> ai_agents_;
};

/// A stored agent configuration as the responder reads it.
ai_rules::config to_config(storage::ai_agent_row row);

} // namespace parley
