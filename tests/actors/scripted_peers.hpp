#pragma once

// Scripted peers for driving the REAL conversation actor
// (actors/conversation/conversation.cpp) under CAF's deterministic test scheduler
// (tests/actors/*_test.cpp).
//
// The conversation actor reaches other actors only through the typed handles in
// its `conversation_handles`. Here those peers are small scripted actors implementing the
// same typed interfaces: the db actor answers `load` with a fixed snapshot, the writer
// records every write and answers `committed` (or, when told to, `unavailable`; a
// held write is answered with the verdict the test gives it: answer_write),
// presence records what it is asked to push, and each "connection" is a
// session_actor that records its pushes. They are scripted peers at an actor
// interface for sequencing tests, not a database stand-in: storage is tested against
// PostgreSQL (tests/storage, tests/integration).

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/api/interfaces.hpp"
#include "protocol/codec.hpp"

namespace parley::scripted {

using frame_log = std::shared_ptr<std::vector<frame>>;
using lines = std::vector<std::string>;

/// A connection: records every push; a `disconnect` ends it (the socket closed).
inline session_actor::behavior_type recording_session(session_actor::pointer self,
                                                      frame_log pushes) {
  return {
      [](frame_atom, const std::string&) {},
      [=](disconnect_atom) { self->quit(); },
      [=](push_atom, const frame& f) { pushes->push_back(f); },
      [](revoked_atom, const std::string&) {},
      [](auth_deadline_atom) {},
      [](answer_deadline_atom) {},
      [](shutdown_atom) {},
  };
}

/// The read pool: `load` answers `snapshot` (or, when `hold_loads`, never: a
/// database that hangs); the other reads find nothing.
inline db_actor::behavior_type
scripted_db_of(db_actor::pointer self, conversation_snapshot snapshot, bool hold_loads) {
  return {
      [=](load_atom, const std::string&) -> caf::result<conversation_snapshot> {
        // A promise never delivered: CAF 0.17 sends nothing when it is dropped.
        if (hold_loads) return self->make_response_promise<conversation_snapshot>();
        return snapshot;
      },
      [](history_atom, const history_request&) { return message_page{}; },
      [](open_atom, const std::string&, std::uint64_t, std::uint64_t) {
        return message_page{};
      },
      [](reply_atom, const std::string&, std::uint64_t) { return reply_target{}; },
      [](created_atom, const std::string&, const std::string&) {
        return created_lookup{};
      },
      [](put_atom, const protocol::org_info&) { return db_ack{}; },
      [](put_atom, const protocol::user_info&) { return db_ack{}; },
      [](put_atom, const protocol::company_info&) { return db_ack{}; },
      [](put_atom, const protocol::team_info&) { return db_ack{}; },
      [](favorites_atom, const favorites_change&) { return favorites_result{}; },
      [](unread_atom, const unread_query&) { return unread_result{}; },
      [](members_atom, const members_write&) { return db_ack{}; },
      [](list_atom, const list_request&) { return conversation_page{}; },
      [](invite_atom, const invite_request&) { return invite_result{}; },
      [](support_atom, const std::string&, const std::string&) {
        return created_lookup{};
      },
      [](block_atom, const block_change&) { return db_ack{}; },
      [](ai_atom, const ai_config_put&) { return db_ack{}; },
      [](wake_atom, std::int64_t) { return due_snoozes{}; },
      [](search_atom, const search_request&) { return search_result{}; },
      [](inbox_atom, const inbox_request&) { return inbox_result{}; },
      [](inbox_views_atom, const inbox_view_call&) { return inbox_view_answer{}; },
      [](ping_atom) { return true; },
  };
}

inline db_actor::behavior_type scripted_db(db_actor::pointer self,
                                           conversation_snapshot snapshot) {
  return scripted_db_of(self, std::move(snapshot), false);
}

/// A read pool whose `load` never answers.
inline db_actor::behavior_type hanging_db(db_actor::pointer self) {
  return scripted_db_of(self, {}, true);
}

/// What the writer was asked, and how it answers.
struct write_log {
  /// Every write request, in arrival order (committed or not).
  std::vector<write_request> received;
  /// The messages of the committed requests, in commit order.
  std::vector<protocol::message> stored;
  /// True: answer this request `unavailable` (nothing stored). Unset: commit all.
  std::function<bool(const write_request&)> fail;
  /// True: keep each answer until the writer is sent `flush` (a write in flight:
  /// the test releases it with release_write, inside the writer, since a response
  /// promise is delivered by its own actor).
  bool hold = false;
  struct held_write {
    caf::typed_response_promise<write_outcome> promise;
    write_request req;
  };
  std::deque<held_write> held;
  /// The answers for the next held writes released, oldest first: each release
  /// takes one (anything but `committed` stores nothing). Empty: `fail` decides.
  std::deque<write_status> verdicts;
  /// True: a commit obeys the messages table's unique keys, as the real writer's
  /// does: a write holding a stored (author, cid) or seq stores nothing and is
  /// answered `collision` with the stored rows it hit.
  bool unique_keys = false;

  write_outcome answer(const write_request& req) {
    return answer(req, fail && fail(req) ? write_status::unavailable
                                         : write_status::committed);
  }

  write_outcome answer(const write_request& req, write_status status) {
    write_outcome out;
    if (unique_keys && status == write_status::committed) {
      for (const auto& m : req.messages)
        for (const auto& s : stored)
          if (s.seq == m.seq || (s.author == m.author && s.cid == m.cid))
            out.existing.push_back({s.conv, s.author, s.cid, s.seq, s.ts});
      if (!out.existing.empty()) status = write_status::collision;
    }
    out.status = status;
    if (out.status == write_status::committed)
      stored.insert(stored.end(), req.messages.begin(), req.messages.end());
    return out;
  }

  /// Answers the oldest held write (as the next verdict, else `fail`, says).
  void release() {
    if (held.empty()) return;
    auto w = std::move(held.front());
    held.pop_front();
    if (verdicts.empty()) {
      w.promise.deliver(answer(w.req));
      return;
    }
    auto status = verdicts.front();
    verdicts.pop_front();
    w.promise.deliver(answer(w.req, status));
  }
};

/// The writer: records every write; commits it unless `log->fail` says otherwise.
inline persistence_actor::behavior_type scripted_writer(persistence_actor::pointer self,
                                                        std::shared_ptr<write_log> log) {
  return {
      [=](write_atom, const write_request& req) -> caf::result<write_outcome> {
        log->received.push_back(req);
        if (!log->hold) return log->answer(req);
        auto rp = self->make_response_promise<write_outcome>();
        log->held.push_back({rp, req});
        return rp;
      },
      // Only the test sends this (the real writer sends it to itself): answer the
      // oldest held write.
      [=](flush_atom) { log->release(); },
      // Read markers: stored as asked, nothing unread.
      [](read_atom, const read_write& w) {
        return read_stored{true, w.seq, 0, w.upto};
      },
      [](flush_atom, read_atom) {},
  };
}

/// Answers the oldest write `writer` holds; the test then runs the scheduler.
inline void release_write(const persistence_actor& writer) {
  caf::anon_send(writer, flush_atom_v);
}

/// Answers the oldest write `writer` holds with `status` (`committed`, or the
/// failure the real writer would report); the test then runs the scheduler.
inline void answer_write(const persistence_actor& writer, write_log& log,
                         write_status status) {
  log.verdicts.push_back(status);
  release_write(writer);
}

/// The writer: every write commits.
inline persistence_actor::behavior_type
committing_writer(persistence_actor::pointer self) {
  return scripted_writer(self, std::make_shared<write_log>());
}

/// Presence: records the pushes for users (notifications).
inline presence_actor::behavior_type recording_presence(presence_actor::pointer,
                                                        frame_log pushes) {
  return {
      [](attach_atom, const attachment&) {},
      [](expires_atom, std::int64_t) {},
      [](expiry_tick_atom, std::int64_t) {},
      [=](push_atom, const std::string&, const frame& f) { pushes->push_back(f); },
      [=](notify_atom, const std::vector<notify_batch>& batches) {
        for (const auto& batch : batches)
          for (const auto& t : batch.targets)
            pushes->push_back(frame{protocol::encode_notify(
                batch.conv, batch.seq, batch.author, batch.preview, t.unread)});
      },
      [](cluster_atom, const live_view&) {},
      [](relay_atom, const std::string&, const frame&) {},
      [](relay_atom, const std::vector<notify_batch>&) {},
      [](push_atom, const std::vector<remote_push>&) {},
      [](relay_atom, const std::vector<remote_push>&) {},
  };
}

// -- reading frames ---------------------------------------------------------------

inline std::string field(const msgpack::object& map, std::string_view key) {
  auto o = protocol::find_in_map(map, key);
  if (!o) return {};
  if (o->type == msgpack::type::STR) return std::string{o->via.str.ptr, o->via.str.size};
  if (o->type == msgpack::type::BOOLEAN) return o->via.boolean ? "true" : "false";
  if (o->type == msgpack::type::POSITIVE_INTEGER) return std::to_string(o->via.u64);
  return "?";
}

/// A push in a few words: "typing ann human start", "typing ann human stop
/// internal", "message ann", "message ann takeover" (a system message), "notify c1
/// 7 by ann unread 2".
inline std::string describe(const frame& f) {
  auto handle = msgpack::unpack(f.view().data(), f.size());
  const auto& m = handle.get();
  auto op = field(m, "op");
  if (op == "message") {
    auto out = "message " + field(m, "author");
    if (auto sys = protocol::find_in_map(m, "system");
        sys && sys->type == msgpack::type::MAP)
      out += " " + field(*sys, "event");
    return out;
  }
  if (op == "notify")
    return "notify " + field(m, "conv") + " " + field(m, "seq") + " by " +
           field(m, "author") + " unread " + field(m, "unread");
  if (op != "typing") return op;
  auto out =
      "typing " + field(m, "user") + " " + field(m, "kind") + " " + field(m, "state");
  if (field(m, "internal") == "true") out += " internal";
  return out;
}

/// The pushes recorded so far, described; the log is emptied.
inline lines described(const frame_log& log) {
  lines out;
  for (const auto& f : *log)
    out.push_back(describe(f));
  log->clear();
  return out;
}

inline bool reply_ok(const frame& f) {
  auto handle = msgpack::unpack(f.view().data(), f.size());
  return field(handle.get(), "ok") == "true";
}

/// The error code of a reply ("" for ok).
inline std::string reply_code(const frame& f) {
  auto handle = msgpack::unpack(f.view().data(), f.size());
  return field(handle.get(), "code");
}

// -- the actor system -------------------------------------------------------------

inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::parley>();
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

/// An actor system on CAF's deterministic test scheduler and a blocking client
/// actor to send from. Actors only run when the test runs them, so the system
/// does not wait for them at the end.
struct test_system {
  test_system()
      : sys{testing_config(cfg)}, sched{dynamic_cast<caf::scheduler::test_coordinator&>(
                                      sys.scheduler())},
        client{sys, true} {
    sys.await_actors_before_shutdown(false);
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor client;
};

/// A user of org o1 (staff are members, clients work for acme).
inline protocol::user_info user(std::string id, protocol::user_kind kind) {
  protocol::user_info u;
  u.id = std::move(id);
  u.org = "o1";
  u.kind = kind;
  u.name = u.id;
  if (kind == protocol::user_kind::staff) u.role = protocol::staff_role::member;
  if (kind == protocol::user_kind::client) u.company = "acme";
  return u;
}

/// One connection of a user.
struct connection {
  std::string user;
  session_actor handle;
  frame_log pushes;
};

} // namespace parley::scripted
