#pragma once

#include "actors/api/cluster_messages.hpp"
#include "actors/node/directory.hpp"

namespace parley {

/// Applies a change stored through another node (or this one) to this node's
/// directory cache, as the session that stored it applied it there.
void apply(directory& dir, directory_change change);

/// The change for each kind of directory write, as a session builds it.
directory_change org_changed(protocol::org_info o);
directory_change user_changed(protocol::user_info u);
directory_change company_changed(protocol::company_info c);
directory_change team_changed(protocol::team_info t);
directory_change favorites_changed(std::string user, std::vector<std::string> companies,
                                   std::int64_t version);
directory_change contact_blocked(std::string contact, bool blocked);
directory_change ai_changed(ai_config_put put);

/// Whether a change can take rights away from open subscriptions (the
/// conversations then re-check them).
bool affects_rights(const directory_change& change);

} // namespace parley
