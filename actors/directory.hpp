#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/types.hpp"

namespace parley {

/// The node's cache of organisations and users, read by every actor at the moment
/// it checks rights. Reads take a shared lock and return immutable snapshots of an
/// entry, so a re-put user takes effect on the next check without copying the
/// directory. Writes happen after the database has stored the change.
class directory {
public:
  using user_ptr = std::shared_ptr<const protocol::user_info>;
  using org_ptr = std::shared_ptr<const protocol::org_info>;

  user_ptr user(const std::string& id) const;
  org_ptr org(const std::string& id) const;

  void put_user(protocol::user_info u);
  void put_org(protocol::org_info o);

  /// Replaces everything (at start, from the database).
  void load(std::vector<protocol::org_info> orgs, std::vector<protocol::user_info> users);

private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, user_ptr> users_;
  std::unordered_map<std::string, org_ptr> orgs_;
};

} // namespace parley
