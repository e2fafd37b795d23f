#include "actors/db/blob_store.hpp"

#include <algorithm>
#include <iostream>

#include "actors/node/access.hpp"
#include "actors/node/clock.hpp"
#include "protocol/error_code.hpp"
#include "protocol/random_id.hpp"
#include "protocol/sniff.hpp"
#include "storage/blob_queries.hpp"
#include "storage/message_queries.hpp"
#include "storage/reconnect.hpp"

namespace parley {

namespace {

using self_ptr = blob_store_actor::stateful_pointer<blob_store_state>;

/// Runs `query` on this worker's connection, healing a broken connection once.
template <class F>
auto with_retry(self_ptr self, F query) {
  return storage::pg::with_reconnect(*self->state.db, std::move(query));
}

enum class verdict { yes, no, failed };

/// Whether `user` may read a message that attaches blob `id`, by the visibility
/// rule of this moment (internal comments: staff only).
verdict referenced_readable(self_ptr self, const std::string& user,
                            const std::string& id) {
  auto refs =
      with_retry(self, [&](auto& db) { return storage::blob_references(db, id); });
  if (!refs.ok()) return verdict::failed;
  auto& dir = *self->state.dir;
  bool staff = visibility::sees_internal(dir.user(user).get());
  for (const auto& ref : *refs.value) {
    if (ref.internal && !staff) continue;
    auto conv = with_retry(
        self, [&](auto& db) { return storage::load_conversation(db, ref.conv); });
    if (!conv.ok()) return verdict::failed;
    if (*conv.value && visibility::can_read(access_for(dir, user, **conv.value)))
      return verdict::yes;
  }
  return verdict::no;
}

blob_claim_result refuse(protocol::error_code code, std::string message) {
  blob_claim_result out;
  out.code = static_cast<std::uint8_t>(static_cast<int>(code) + 1);
  out.message = std::move(message);
  return out;
}

blob_claim_result claim(self_ptr self, blob_claim& req) {
  using protocol::error_code;
  auto& dir = *self->state.dir;
  auto me = dir.user(req.user);
  if (!me) return refuse(error_code::unauthenticated, "user no longer exists");
  auto org_ptr = dir.org(me->org);
  auto org = org_ptr ? *org_ptr : protocol::org_info{};
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < req.refs.size(); ++i) {
    auto& ref = req.refs[i];
    auto which = "attachment " + std::to_string(i) + ": ";
    auto row =
        with_retry(self, [&](auto& db) { return storage::find_blob(db, ref.blob); });
    if (!row.ok()) return refuse(error_code::unavailable, "storage unavailable");
    bool readable = *row.value && (*row.value)->uploader == req.user;
    if (*row.value && !readable) {
      auto v = referenced_readable(self, req.user, ref.blob);
      if (v == verdict::failed)
        return refuse(error_code::unavailable, "storage unavailable");
      readable = v == verdict::yes;
    }
    if (!readable) return refuse(error_code::not_found, which + "no such blob");
    const auto& b = **row.value;
    auto ext = protocol::extension_of(ref.name);
    if (std::find(org.attachment_types.begin(), org.attachment_types.end(), ext) ==
        org.attachment_types.end())
      return refuse(error_code::forbidden,
                    which + "type '" + ext + "' is not allowed in this organisation");
    if (protocol::content_type_of(ext) != b.type)
      return refuse(error_code::bad_request,
                    which + "name '" + ref.name + "' does not match the blob's type");
    if (b.size > org.max_attachment_bytes)
      return refuse(error_code::too_large,
                    which + "larger than this organisation's attachment limit");
    ref.size = static_cast<std::uint64_t>(b.size);
    ref.type = b.type;
    ids.push_back(ref.blob);
  }
  auto touched =
      with_retry(self, [&](auto& db) { return storage::touch_blobs(db, ids, now_ms()); });
  if (!touched.ok()) return refuse(error_code::unavailable, "storage unavailable");
  blob_claim_result out;
  out.refs = std::move(req.refs);
  return out;
}

void arm_gc(self_ptr self) {
  if (self->state.gc_every.count() > 0)
    self->delayed_send(self, self->state.gc_every, blob_gc_atom_v);
}

} // namespace

blob_store_actor::behavior_type
blob_store(blob_store_actor::stateful_pointer<blob_store_state> self,
           std::string conninfo, storage::pg::limits limits,
           std::shared_ptr<directory> dir, std::chrono::milliseconds gc_every) {
  self->state.db = std::make_unique<storage::pg::connection>(conninfo, limits);
  self->state.dir = std::move(dir);
  self->state.gc_every = gc_every;
  arm_gc(self);
  return {
      [=](blob_begin_atom, const std::string& id, const std::string& uploader,
          const std::string& name) {
        return with_retry(self,
                          [&](auto& db) {
                            return storage::create_blob(db, id, uploader, name, now_ms());
                          })
            .ok();
      },
      [=](blob_chunk_atom, const std::string& id, std::uint64_t idx,
          const std::string& bytes) {
        return with_retry(self,
                          [&](auto& db) {
                            return storage::add_blob_chunk(
                                db, id, static_cast<std::int64_t>(idx), bytes);
                          })
            .ok();
      },
      [=](blob_end_atom, const std::string& id, std::uint64_t size,
          const std::string& type) {
        return with_retry(self,
                          [&](auto& db) {
                            return storage::complete_blob(
                                db, id, static_cast<std::int64_t>(size), type);
                          })
            .ok();
      },
      [=](blob_abort_atom, const std::string& id) {
        with_retry(self, [&](auto& db) { return storage::delete_blob(db, id); });
      },
      [=](blob_open_atom, const std::string& id, const std::string& user) {
        blob_grant g;
        auto row = with_retry(self, [&](auto& db) { return storage::find_blob(db, id); });
        if (!row.ok()) {
          g.failed = true;
          return g;
        }
        if (!*row.value) return g;
        const auto& b = **row.value;
        auto v = referenced_readable(self, user, id);
        if (v == verdict::failed) {
          g.failed = true;
          return g;
        }
        if (v == verdict::no && b.uploader == user) {
          // The uploader reads its own blob while no message attaches it yet.
          auto refs = with_retry(
              self, [&](auto& db) { return storage::blob_references(db, id); });
          if (!refs.ok()) {
            g.failed = true;
            return g;
          }
          if (refs.value->empty()) v = verdict::yes;
        }
        if (v != verdict::yes) return g;
        g.found = true;
        g.name = b.name;
        g.type = b.type;
        g.size = static_cast<std::uint64_t>(b.size);
        g.chunks = static_cast<std::uint64_t>(b.chunks);
        return g;
      },
      [=](blob_read_atom, const std::string& id, std::uint64_t idx) {
        blob_bytes out;
        auto r = with_retry(self, [&](auto& db) {
          return storage::read_blob_chunk(db, id, static_cast<std::int64_t>(idx));
        });
        if (r.ok() && *r.value) {
          out.ok = true;
          out.data = std::move(**r.value);
        }
        return out;
      },
      [=](blob_claim_atom, blob_claim& req) { return claim(self, req); },
      [=](blob_gc_atom) {
        auto cutoff = now_ms() - blob_retention.count();
        auto r = with_retry(self,
                            [&](auto& db) { return storage::collect_blobs(db, cutoff); });
        if (!r.ok()) std::cerr << "parleyd: blob collection failed: " << r.error << "\n";
        arm_gc(self);
      },
  };
}

} // namespace parley
