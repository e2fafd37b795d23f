#include "actors/db/db_worker.hpp"
#include "storage/support_queries.hpp"

#include "actors/db/inbox_reads.hpp"
#include "actors/db/inbox_views.hpp"
#include "actors/db/invites.hpp"
#include "actors/db/search.hpp"
#include "actors/node/clock.hpp"
#include "protocol/limits.hpp"
#include "protocol/preview.hpp"
#include "storage/conversation_queries.hpp"
#include "storage/directory_queries.hpp"
#include "storage/message_queries.hpp"
#include "storage/read_queries.hpp"
#include "storage/reconnect.hpp"

namespace parley {

namespace {

using self_ptr = db_actor::stateful_pointer<db_worker_state>;

/// Runs `query` on this worker's connection, healing a broken connection once.
template <class F>
auto with_retry(self_ptr self, F query) {
  return storage::pg::with_reconnect(*self->state.db, std::move(query));
}

constexpr const char* sqlstate_foreign_key_violation = "23503";

/// A directory or membership write's outcome. A write that stored nothing because
/// the id belongs to another organisation comes back as `false`: a conflict.
db_ack ack_of(const storage::db_result<bool>& r) {
  db_ack a;
  a.ok = r.ok() && *r.value;
  a.conflict = r.ok() && !*r.value;
  a.error = r.error;
  a.missing_reference = r.sqlstate == sqlstate_foreign_key_violation;
  return a;
}

} // namespace

db_actor::behavior_type db_worker(db_actor::stateful_pointer<db_worker_state> self,
                                  std::string conninfo, storage::pg::limits limits,
                                  std::size_t cid_cache, bool take_ownership) {
  self->state.db = std::make_unique<storage::pg::connection>(conninfo, limits);
  self->state.cid_cache = cid_cache;
  self->state.take_ownership = take_ownership;
  return {
      [=](load_atom, const std::string& conv) {
        conversation_snapshot snap;
        if (self->state.take_ownership) {
          // The takeover comes first: a stale owner's commit in flight holds the
          // row, so this waits for it, and the reads below include what it wrote.
          auto e = with_retry(
              self, [&](auto& db) { return storage::take_ownership(db, conv); });
          if (!e.ok()) {
            snap.failed = true;
            return snap;
          }
          if (*e.value) snap.owner_epoch = **e.value;
        }
        auto c = with_retry(
            self, [&](auto& db) { return storage::load_conversation(db, conv); });
        if (!c.ok()) {
          snap.failed = true;
          return snap;
        }
        if (!*c.value) return snap;
        snap.found = true;
        snap.conv = std::move(**c.value);
        auto keys = with_retry(self, [&](auto& db) {
          return storage::recent_cids(db, conv,
                                      static_cast<std::int64_t>(self->state.cid_cache));
        });
        if (!keys.ok()) {
          snap.failed = true;
          return snap;
        }
        snap.recent_keys = std::move(*keys.value);
        auto reads = with_retry(
            self, [&](auto& db) { return storage::participant_reads(db, conv); });
        if (!reads.ok()) {
          snap.failed = true;
          return snap;
        }
        snap.reads = std::move(*reads.value);
        return snap;
      },
      [=](history_atom, const history_request& q) {
        message_page page;
        auto r = with_retry(self, [&](auto& db) {
          return storage::history(
              db, q.conv, q.has_before ? std::optional{q.before} : std::nullopt,
              q.has_after ? std::optional{q.after} : std::nullopt, q.limit);
        });
        if (!r.ok()) {
          page.failed = true;
          return page;
        }
        page.messages = std::move(r.value->messages);
        page.more = r.value->more;
        return page;
      },
      [=](open_atom, const std::string& conv, std::uint64_t from, std::uint64_t to) {
        message_page page;
        auto r = with_retry(
            self, [&](auto& db) { return storage::message_range(db, conv, from, to); });
        if (!r.ok()) {
          page.failed = true;
          return page;
        }
        page.messages = std::move(*r.value);
        return page;
      },
      [=](reply_atom, const std::string& conv, std::uint64_t seq) {
        reply_target t;
        auto r = with_retry(
            self, [&](auto& db) { return storage::find_message(db, conv, seq); });
        if (!r.ok()) {
          t.failed = true;
          return t;
        }
        if (*r.value) {
          t.found = true;
          t.internal = (*r.value)->internal;
          t.author = (*r.value)->author;
          t.preview = protocol::cut_preview((*r.value)->body);
        }
        return t;
      },
      [=](created_atom, const std::string& user, const std::string& cid) {
        created_lookup out;
        auto r = with_retry(
            self, [&](auto& db) { return storage::find_created(db, user, cid); });
        if (!r.ok())
          out.failed = true;
        else if (*r.value)
          out.conv = **r.value;
        return out;
      },
      [=](put_atom, const protocol::org_info& org) {
        return ack_of(with_retry(
            self, [&](auto& db) { return storage::put_org(db, org, now_ms()); }));
      },
      [=](put_atom, const protocol::user_info& user) {
        return ack_of(with_retry(
            self, [&](auto& db) { return storage::put_user(db, user, now_ms()); }));
      },
      [=](put_atom, const protocol::company_info& company) {
        return ack_of(with_retry(
            self, [&](auto& db) { return storage::put_company(db, company, now_ms()); }));
      },
      [=](put_atom, const protocol::team_info& team) {
        return ack_of(with_retry(
            self, [&](auto& db) { return storage::put_team(db, team, now_ms()); }));
      },
      [=](favorites_atom, const favorites_change& change) {
        favorites_result out;
        auto r = with_retry(self, [&](auto& db) {
          return storage::change_favorites(db, change.user,
                                           static_cast<storage::favorites_op>(change.op),
                                           change.companies);
        });
        out.ok = r.ok();
        out.missing_reference = r.sqlstate == sqlstate_foreign_key_violation;
        if (r.ok()) {
          out.companies = std::move(r.value->companies);
          out.version = r.value->version;
        }
        return out;
      },
      [=](unread_atom, const unread_query& q) {
        unread_result out;
        auto r = with_retry(self, [&](auto& db) {
          return storage::unread_counts(db, q.user, q.sees_internal, q.convs);
        });
        if (!r.ok()) {
          out.failed = true;
          return out;
        }
        for (const auto& c : q.convs) {
          auto i = r.value->find(c);
          out.counts.push_back(i == r.value->end() ? 0 : i->second);
        }
        return out;
      },
      [=](members_atom, const members_write& w) {
        return ack_of(with_retry(self, [&](auto& db) {
          return w.add ? storage::add_participants(db, w.conv, w.users, w.ts)
                       : storage::remove_participants(db, w.conv, w.users);
        }));
      },
      [=](list_atom, const list_request& q) {
        conversation_page page;
        storage::list_viewer who{q.user, q.org, q.full_staff,
                                 q.client_of.empty() ? std::nullopt
                                                     : std::optional{q.client_of}};
        auto r = with_retry(self, [&](auto& db) {
          return storage::list_readable(
              db, who, q.has_cursor ? std::optional{q.cursor_ts} : std::nullopt,
              q.cursor_id, q.limit);
        });
        if (!r.ok()) {
          page.failed = true;
          return page;
        }
        page.items = std::move(r.value->items);
        page.more = r.value->more;
        page.last_ts = r.value->last_ts;
        page.last_id = std::move(r.value->last_id);
        return page;
      },
      [=](invite_atom, const invite_request& q) {
        // Retried once on a connection that broke (PostgreSQL restarted).
        auto& db = *self->state.db;
        if (!db.ok()) db.reset();
        auto r = run_invite_request(db, q);
        if (r.failed && !db.ok() && db.reset()) r = run_invite_request(db, q);
        return r;
      },
      [=](support_atom, const std::string& org, const std::string& contact) {
        created_lookup out;
        auto r = with_retry(self, [&](auto& db) {
          return storage::find_support_conversation(db, org, contact);
        });
        out.failed = !r.ok();
        if (r.ok() && *r.value) out.conv = **r.value;
        return out;
      },
      [=](block_atom, const block_change& c) {
        return ack_of(with_retry(self, [&](auto& db) {
          return c.block ? storage::block_contact(db, {c.contact, c.org, c.by, c.at})
                         : storage::unblock_contact(db, c.contact);
        }));
      },
      [=](ai_atom, const ai_config_put& c) {
        storage::ai_agent_row row;
        row.user = c.user;
        for (std::size_t i = 0; i < c.match.size() && i < c.reply.size(); ++i)
          row.rules.push_back({c.match[i], c.reply[i]});
        row.fallback = c.fallback;
        row.delay_ms = c.delay_ms;
        return ack_of(with_retry(
            self, [&](auto& db) { return storage::put_ai_agent(db, row, now_ms()); }));
      },
      [=](wake_atom, std::int64_t now) {
        due_snoozes out;
        auto r = with_retry(self,
                            [&](auto& db) { return storage::due_snoozes(db, now, 500); });
        out.failed = !r.ok();
        if (r.ok()) out.convs = std::move(*r.value);
        return out;
      },
      [=](search_atom, const search_request& q) {
        // Read only: retried once on a connection that broke.
        auto& db = *self->state.db;
        if (!db.ok()) db.reset();
        auto r = run_search_request(db, q);
        if (r.failed && !db.ok() && db.reset()) r = run_search_request(db, q);
        return r;
      },
      [=](inbox_atom, const inbox_request& q) {
        // Retried once on a connection that broke (PostgreSQL restarted).
        auto& db = *self->state.db;
        if (!db.ok()) db.reset();
        auto r = run_inbox_request(db, q);
        if (r.failed && !db.ok() && db.reset()) r = run_inbox_request(db, q);
        return r;
      },
      [=](inbox_views_atom, const inbox_view_call& c) {
        // Retried once on a connection that broke (PostgreSQL restarted), except
        // a create: its commit may have landed before the connection broke, and a
        // retry would store the view twice (the client sees `unavailable`).
        auto& db = *self->state.db;
        if (!db.ok()) db.reset();
        auto r = run_inbox_view_call(db, c);
        bool create =
            c.op == static_cast<std::uint8_t>(inbox_view_op::put) && c.view.id.empty();
        if (r.failed && !create && !db.ok() && db.reset()) r = run_inbox_view_call(db, c);
        return r;
      },
      [=](ping_atom) {
        auto r = with_retry(self, [&](auto& db) {
          auto res = db.exec("SELECT 1");
          return res.ok() ? storage::db_result<bool>::success(true)
                          : storage::db_result<bool>::failure(res.error());
        });
        return r.ok();
      },
  };
}

} // namespace parley
