#include "actors/cluster/cluster.hpp"

#include <algorithm>
#include <iostream>
#include <set>

#include "actors/node/directory_change.hpp"
#include "actors/rules/placement.hpp"
#include "storage/directory_queries.hpp"

namespace parley {

namespace {

using self_ptr = cluster_actor::stateful_pointer<cluster_state>;
using clock = std::chrono::steady_clock;

peer_card own_card(self_ptr self) {
  auto& st = self->state;
  return peer_card{st.cfg.name, caf::actor_cast<caf::actor>(self),
                   caf::actor_cast<caf::actor>(st.svc.registry),
                   caf::actor_cast<caf::actor>(st.svc.presence)};
}

/// Hands the live set to the registry and the presence actor.
void publish_view(self_ptr self) {
  auto& st = self->state;
  live_view view;
  view.version = ++st.view_version;
  view.self = st.cfg.name;
  std::vector<std::pair<std::string, const peer_card*>> live;
  live.emplace_back(st.cfg.name, nullptr);
  for (const auto& [name, m] : st.members)
    if (m.live) live.emplace_back(name, &m.card);
  std::sort(live.begin(), live.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, card] : live) {
    view.names.push_back(name);
    view.registries.push_back(card ? card->registry : caf::actor{});
    view.presences.push_back(card ? card->presence : caf::actor{});
  }
  st.svc.stats->cluster_live_nodes.store(static_cast<std::int64_t>(view.names.size()),
                                         std::memory_order_relaxed);
  std::cerr << "parleyd: cluster view " << view.version << ":";
  for (const auto& n : view.names)
    std::cerr << " " << n;
  std::cerr << "\n";
  self->send(st.svc.registry, cluster_atom_v, view);
  self->send(st.svc.presence, cluster_atom_v, std::move(view));
}

void schedule_dial(self_ptr self, const std::string& addr) {
  auto& l = self->state.links[addr];
  if (l.dialing) return;
  l.dialing = true;
  auto delay = placement::retry_delay(l.attempt++, self->state.cfg.retry_first,
                                      self->state.cfg.retry_cap);
  self->delayed_send(self, delay, dial_atom_v, addr);
}

/// Reloads the directory from PostgreSQL on a thread of its own (libpq blocks),
/// then has every conversation re-check its subscriptions: a peer is back after a
/// partition, and changes stored on either side meanwhile reached only that side.
void reload_directory(self_ptr self) {
  auto& st = self->state;
  if (st.cfg.conninfo.empty()) return;
  auto conninfo = st.cfg.conninfo;
  auto dir = st.svc.dir;
  auto registry = st.svc.registry;
  self->home_system().spawn<caf::detached>([=](caf::event_based_actor* loader) {
    storage::pg::connection db{conninfo};
    auto snapshot = storage::load_directory(db);
    if (!snapshot.ok()) {
      std::cerr << "parleyd: cannot reload the directory after a partition: "
                << snapshot.error << "\n";
    } else {
      dir->load(std::move(*snapshot.value));
      loader->send(registry, recheck_atom_v);
    }
    loader->quit();
  });
}

/// A peer joined (it dialled us or we it): it is live from now on.
void add_member(self_ptr self, peer_card card) {
  auto& st = self->state;
  if (card.name == st.cfg.name || !card.node) return; // ourselves, through the list
  auto& m = st.members[card.name];
  bool same = m.card.node == card.node;
  if (!same) {
    if (m.card.node) self->demonitor(m.card.node);
    self->monitor(card.node);
    m.card = std::move(card);
  }
  m.last_heard = clock::now();
  if (!m.live || !same) {
    m.live = true;
    publish_view(self);
    if (st.lost_before.count(m.card.name)) reload_directory(self);
  }
}

/// A peer left the live set; `gone`: its connection is lost too (forget the
/// handle and dial its address again).
void lose_member(self_ptr self, const std::string& name, bool gone) {
  auto& st = self->state;
  auto i = st.members.find(name);
  if (i == st.members.end()) return;
  bool was_live = i->second.live;
  i->second.live = false;
  st.lost_before.insert(name);
  if (gone) {
    st.members.erase(i);
    for (auto& [addr, l] : st.links)
      if (l.name == name) {
        l.attempt = 0;
        schedule_dial(self, addr);
      }
  }
  if (was_live) {
    st.svc.stats->cluster_peers_lost.fetch_add(1, std::memory_order_relaxed);
    std::cerr << "parleyd: cluster peer " << name << (gone ? " lost" : " silent") << "\n";
    publish_view(self);
  }
}

void dial(self_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto colon = addr.rfind(':');
  auto host = addr.substr(0, colon);
  auto port = static_cast<std::uint16_t>(std::stoi(addr.substr(colon + 1)));
  auto retry = [=](const caf::error&) {
    self->state.links[addr].dialing = false;
    schedule_dial(self, addr);
  };
  self->request(st.svc.middleman, std::chrono::seconds{5}, caf::connect_atom_v, host,
                port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr,
              const std::set<std::string>&) {
            if (!ptr) return retry(caf::make_error(caf::sec::no_actor_published_at_port));
            auto peer = caf::actor_cast<cluster_actor>(ptr);
            self->request(peer, std::chrono::seconds{5}, join_atom_v, own_card(self))
                .then(
                    [=](peer_card& card) {
                      auto& l = self->state.links[addr];
                      l.dialing = false;
                      if (card.name == self->state.cfg.name) return; // our own address
                      l.attempt = 0;
                      l.name = card.name;
                      add_member(self, std::move(card));
                    },
                    retry);
          },
          retry);
}

void heartbeat(self_ptr self) {
  auto& st = self->state;
  auto now = clock::now();
  if (st.last_tick != clock::time_point{} &&
      placement::silent(st.last_tick, now, st.cfg.silence)) {
    // This node was paused itself: the heartbeats that arrived meanwhile wait in
    // its mailbox behind this tick. Its peers get a fresh silence period instead of
    // being dropped (which would take over every conversation and raise every
    // owner epoch for nothing); if they are really gone, the next period says so.
    for (auto& [name, m] : st.members)
      m.last_heard = now;
    // And while it was paused, directory changes went past it.
    if (!st.members.empty()) reload_directory(self);
  }
  st.last_tick = now;
  std::vector<std::string> silent;
  for (auto& [name, m] : st.members) {
    self->send(caf::actor_cast<cluster_actor>(m.card.node), heartbeat_atom_v,
               st.cfg.name);
    if (m.live && placement::silent(m.last_heard, now, st.cfg.silence))
      silent.push_back(name);
  }
  for (const auto& name : silent)
    lose_member(self, name, false);
  self->delayed_send(self, st.cfg.heartbeat, heartbeat_tick_atom_v);
}

} // namespace

cluster_actor::behavior_type cluster(cluster_actor::stateful_pointer<cluster_state> self,
                                     cluster_config cfg, cluster_handles svc) {
  self->state.cfg = std::move(cfg);
  self->state.svc = std::move(svc);
  self->set_down_handler([=](const caf::down_msg& dm) {
    std::string name;
    for (const auto& [n, m] : self->state.members)
      if (m.card.node.address() == dm.source) name = n;
    if (!name.empty()) lose_member(self, name, true);
  });
  for (const auto& addr : self->state.cfg.peers)
    if (addr != self->state.cfg.listen) {
      self->state.links[addr];
      self->send(self, dial_atom_v, addr);
      self->state.links[addr].dialing = true;
    }
  self->send(self, heartbeat_tick_atom_v);
  publish_view(self);
  return {
      [=](join_atom, peer_card& card) -> peer_card {
        add_member(self, std::move(card));
        return own_card(self);
      },
      [=](heartbeat_atom, const std::string& name) {
        auto i = self->state.members.find(name);
        if (i == self->state.members.end()) return; // not joined (yet, or any more)
        i->second.last_heard = clock::now();
        if (!i->second.live) {
          i->second.live = true;
          publish_view(self);
          reload_directory(self); // silent, then back: it was lost before
        }
      },
      [=](heartbeat_tick_atom) { heartbeat(self); },
      [=](dial_atom, const std::string& addr) { dial(self, addr); },
      [=](publish_atom, directory_change& change) -> caf::result<bool> {
        auto& st = self->state;
        std::vector<cluster_actor> live;
        for (const auto& [name, m] : st.members)
          if (m.live) live.push_back(caf::actor_cast<cluster_actor>(m.card.node));
        if (live.empty()) return true;
        auto rp = self->make_response_promise<bool>();
        auto remaining = std::make_shared<std::size_t>(live.size());
        for (const auto& peer : live)
          // A peer that does not answer in time has left or is about to: it loads
          // the directory from PostgreSQL when it joins again.
          self->request(peer, std::chrono::seconds{2}, directory_atom_v, change)
              .then(
                  [=](bool) mutable {
                    if (--*remaining == 0) rp.deliver(true);
                  },
                  [=](const caf::error&) mutable {
                    if (--*remaining == 0) rp.deliver(true);
                  });
        return rp;
      },
      [=](directory_atom, directory_change& change) {
        auto& st = self->state;
        bool recheck = affects_rights(change);
        apply(*st.svc.dir, std::move(change));
        if (recheck) self->send(st.svc.registry, recheck_atom_v);
        return true;
      },
      [=](cluster_atom) {
        std::vector<std::string> names{self->state.cfg.name};
        for (const auto& [name, m] : self->state.members)
          if (m.live) names.push_back(name);
        std::sort(names.begin(), names.end());
        return names;
      },
  };
}

} // namespace parley
