#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "actors/api/interfaces.hpp"
#include "actors/node/directory.hpp"

// The built-in AI agents of the support inbox (docs/protocol.md §9). One agent
// actor per `ai` user: on a contact's message it shows typing, waits its
// `delay_ms`, and answers with the first matching rule (ai_rules::decide, pure) or
// its fallback. It only asks: the conversation actor decides whether the answer
// may still be stored, so a human takeover during the delay silences it.
namespace parley {

/// One prompt being answered.
struct ai_job {
  ai_prompt prompt;
  std::int64_t remaining_ms = 0; // of the delay still to wait
};

/// What an AI agent uses: the registry it answers through, and the directory that
/// holds its rules.
struct ai_handles {
  registry_actor registry;
  std::shared_ptr<directory> dir;
};

struct ai_agent_state {
  static inline const char* name = "parley.ai_agent";
  ai_handles peers;
  std::string user;
  std::uint64_t next_job = 1;
  std::map<std::uint64_t, ai_job> jobs;
};

/// Typing is refreshed at least this often while an agent waits (a typing start
/// expires after 6 s).
inline constexpr std::int64_t ai_typing_refresh_ms = 4000;

ai_agent_actor::behavior_type
ai_agent(ai_agent_actor::stateful_pointer<ai_agent_state> self, ai_handles peers,
         std::string user);

struct ai_hub_state {
  static inline const char* name = "parley.ai_hub";
  ai_handles peers;
  std::unordered_map<std::string, ai_agent_actor> agents;
};

/// Routes prompts to the agent actor of their `ai` user, starting it on first use.
ai_hub_actor::behavior_type ai_hub(ai_hub_actor::stateful_pointer<ai_hub_state> self,
                                   ai_handles peers);

} // namespace parley
