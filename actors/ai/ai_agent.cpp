#include "actors/ai/ai_agent.hpp"

#include <algorithm>

#include "actors/rules/ai_rules.hpp"

namespace parley {

namespace {

using agent_ptr = ai_agent_actor::stateful_pointer<ai_agent_state>;

/// Asks the conversation; the answer (ok, or `conflict` after a takeover) needs no
/// action here: a refused reply is simply not stored.
void ask(agent_ptr self, ai_action a) {
  auto conv = a.conv;
  self->request(self->state.peers.registry, std::chrono::seconds{30}, ai_atom_v,
                std::move(a))
      .then([](const frame&) {}, [](const caf::error&) {});
}

ai_action action(agent_ptr self, const ai_prompt& p, std::uint8_t kind) {
  ai_action a;
  a.conv = p.conv;
  a.agent = self->state.user;
  a.kind = kind;
  a.prompt_seq = p.seq;
  return a;
}

/// Waits the next slice of a job's delay: at most ai_typing_refresh_ms, so the
/// typing indicator is refreshed before it expires.
void arm(agent_ptr self, std::uint64_t id, const ai_job& job) {
  auto slice = std::clamp<std::int64_t>(job.remaining_ms, 0, ai_typing_refresh_ms);
  self->delayed_send(self, std::chrono::milliseconds{slice}, ai_due_atom_v, id);
}

/// The agent's rules now (an admin.ai.put takes effect on the next answer); an
/// `ai` user never configured hands every conversation to humans after the default
/// delay.
ai_rules::config config_of(agent_ptr self) {
  if (auto c = self->state.peers.dir->ai_agent(self->state.user)) return *c;
  return ai_rules::config{};
}

} // namespace

ai_agent_actor::behavior_type
ai_agent(ai_agent_actor::stateful_pointer<ai_agent_state> self, ai_handles peers,
         std::string user) {
  self->state.peers = std::move(peers);
  self->state.user = std::move(user);
  return {
      [=](ai_prompt_atom, ai_prompt& p) {
        auto& st = self->state;
        auto id = st.next_job++;
        ai_job job{std::move(p), config_of(self).delay_ms};
        ask(self, action(self, job.prompt, ai_action::typing_start));
        arm(self, id, job);
        st.jobs.emplace(id, std::move(job));
      },
      [=](ai_due_atom, std::uint64_t id) {
        auto& st = self->state;
        auto i = st.jobs.find(id);
        if (i == st.jobs.end()) return;
        auto& job = i->second;
        job.remaining_ms -= std::min(job.remaining_ms, ai_typing_refresh_ms);
        if (job.remaining_ms > 0) {
          ask(self, action(self, job.prompt, ai_action::typing_start));
          arm(self, id, job);
          return;
        }
        auto decided = ai_rules::decide(config_of(self), job.prompt.body);
        if (decided.what == ai_rules::outcome::kind::handoff) {
          ask(self, action(self, job.prompt, ai_action::handoff));
        } else {
          auto a = action(self, job.prompt, ai_action::reply);
          a.body = std::move(decided.text);
          ask(self, std::move(a));
        }
        st.jobs.erase(i);
      },
  };
}

ai_hub_actor::behavior_type ai_hub(ai_hub_actor::stateful_pointer<ai_hub_state> self,
                                   ai_handles peers) {
  self->state.peers = std::move(peers);
  return {
      [=](ai_prompt_atom a, ai_prompt& p) {
        auto& st = self->state;
        auto i = st.agents.find(p.agent);
        if (i == st.agents.end())
          i = st.agents.emplace(p.agent, self->spawn(ai_agent, st.peers, p.agent)).first;
        self->send(i->second, a, std::move(p));
      },
  };
}

} // namespace parley
