#include "actors/db_worker.hpp"

#include "actors/services.hpp"
#include "protocol/limits.hpp"
#include "protocol/preview.hpp"
#include "storage/directory_queries.hpp"
#include "storage/message_queries.hpp"

namespace parley {

namespace {

using self_ptr = db_actor::stateful_pointer<db_worker_state>;

/// Runs `query` once, and once more after re-connecting if the connection broke
/// (PostgreSQL restarted): a read never fails for a connection that can be healed.
template <class F>
auto with_retry(self_ptr self, F query) {
  auto& db = *self->state.db;
  if (!db.ok()) db.reset();
  auto r = query(db);
  if (!r.ok() && !db.ok() && db.reset()) r = query(db);
  return r;
}

db_ack ack_of(const storage::db_result<bool>& r) {
  db_ack a;
  a.ok = r.ok();
  a.error = r.error;
  a.missing_reference = r.sqlstate == "23503"; // foreign_key_violation
  return a;
}

} // namespace

db_actor::behavior_type db_worker(db_actor::stateful_pointer<db_worker_state> self,
                                  std::string conninfo, std::size_t cid_cache) {
  self->state.db = std::make_unique<storage::pg::connection>(conninfo);
  self->state.cid_cache = cid_cache;
  return {
      [=](load_atom, const std::string& conv) {
        conversation_snapshot snap;
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
      [=](list_atom, const list_request& q) {
        conversation_page page;
        auto r = with_retry(self, [&](auto& db) {
          return storage::list_participating(
              db, q.user, q.has_cursor ? std::optional{q.cursor_ts} : std::nullopt,
              q.has_cursor ? std::optional{q.cursor_id} : std::nullopt, q.limit);
        });
        if (!r.ok()) {
          page.failed = true;
          return page;
        }
        page.items = std::move(r.value->items);
        page.more = r.value->more;
        return page;
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
