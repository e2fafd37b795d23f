#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL of the support inbox (docs/protocol.md §9, migration 008): the support
// state written with the group commit, the support conversation of a contact,
// blocked contacts, the snooze scheduler's walk and the AI agents' rules.
namespace parley::storage {

/// A support conversation's state after a batch, written in the batch's
/// transaction.
struct support_update {
  std::string conv;
  protocol::support_info state;
};

/// Writes the support state of `updates` and the details of every support system
/// message among `messages` (support_events). Runs inside the group commit's
/// transaction; does nothing (no round trip) when there is nothing to write.
db_result<bool> write_support(pg::connection& db,
                              const std::vector<support_update>& updates,
                              const std::vector<protocol::message>& messages);

/// True when `m` is a support system message whose details support_events keeps.
bool has_support_details(const protocol::message& m);

/// The support conversation of `contact` in `org`, if it has one.
db_result<std::optional<std::string>>
find_support_conversation(pg::connection& db, const std::string& org,
                          const std::string& contact);

/// Snoozed conversations due at `now` (snoozed_until <= now), oldest first.
db_result<std::vector<std::string>> due_snoozes(pg::connection& db, std::int64_t now,
                                                std::int64_t limit);

/// A blocked contact (contact.block).
struct contact_block {
  std::string contact;
  std::string org;
  std::string blocked_by;
  std::int64_t blocked_at = 0;
};

/// Blocks a contact (a repeated block keeps the first); unblocking an unblocked
/// contact is ok.
db_result<bool> block_contact(pg::connection& db, const contact_block& b);
db_result<bool> unblock_contact(pg::connection& db, const std::string& contact);

/// Every blocked contact (the directory cache loads them at start).
db_result<std::vector<contact_block>> load_contact_blocks(pg::connection& db);

/// An `ai` user's responder (admin.ai.put).
struct ai_rule_row {
  std::vector<std::string> match;
  std::string reply;
};
struct ai_agent_row {
  std::string user;
  std::vector<ai_rule_row> rules;
  std::string fallback;
  std::int64_t delay_ms = 0;
};

/// Replaces an agent's configuration (rules in order).
db_result<bool> put_ai_agent(pg::connection& db, const ai_agent_row& a, std::int64_t now);

/// Every configured agent (the directory cache loads them at start).
db_result<std::vector<ai_agent_row>> load_ai_agents(pg::connection& db);

} // namespace parley::storage
