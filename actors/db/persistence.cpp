#include "actors/db/persistence.hpp"

#include <chrono>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "actors/node/clock.hpp"
#include "storage/message_queries.hpp"

namespace parley {

namespace {

using self_ptr = persistence_actor::stateful_pointer<persistence_state>;

void answer(pending_write& p, write_status status, std::string error = {}) {
  write_outcome out;
  out.status = status;
  out.error = std::move(error);
  p.promise.deliver(std::move(out));
}

/// Fails every item of `items` with `status`, and records their conversations'
/// epochs as failed so that later requests of the same epoch are refused.
template <class Items>
void fail_all(self_ptr self, Items& items, write_status status,
              const std::string& error) {
  for (auto& item : items) {
    answer(item.request, status, error);
    for (auto& stale : self->state.policy.mark_failed(item.conv, item.epoch))
      answer(stale, write_status::stale);
  }
  items.clear();
}

/// The batch of `items`, moving their messages out (no copy per message); give
/// them back with `restore` if the batch has to be retried.
storage::write_batch make_batch(std::vector<commit_policy<pending_write>::item>& items) {
  storage::write_batch batch;
  std::size_t n = 0;
  for (const auto& item : items)
    n += item.request.request.messages.size();
  batch.messages.reserve(n);
  for (auto& item : items) {
    auto& r = item.request.request;
    if (r.conversation)
      batch.creates.push_back({*r.conversation, r.create_cid.empty()
                                                    ? std::nullopt
                                                    : std::optional{r.create_cid}});
    std::move(r.messages.begin(), r.messages.end(), std::back_inserter(batch.messages));
    if (r.support) batch.supports.push_back({r.conv, *r.support});
    // A clustered node's existing conversations: checked against their owner epoch.
    if (r.fenced && !r.conversation) batch.fences.push_back({r.conv, r.owner_epoch});
  }
  return batch;
}

/// Undoes make_batch's moves: each item gets its messages back, in order.
void restore(std::vector<commit_policy<pending_write>::item>& items,
             storage::write_batch& batch) {
  auto next = batch.messages.begin();
  for (auto& item : items)
    for (auto& m : item.request.request.messages)
      m = std::move(*next++);
}

using items_t = std::vector<commit_policy<pending_write>::item>;
using reads_t =
    std::vector<read_marker_batch<caf::typed_response_promise<read_stored>>::row>;

/// The batch's rows for `reads` (the waiters stay with `reads`).
std::vector<storage::read_marker_write> read_rows(const reads_t& reads) {
  std::vector<storage::read_marker_write> rows;
  rows.reserve(reads.size());
  for (const auto& r : reads)
    rows.push_back({r.conv, r.user, r.seq, r.upto, r.sees_internal, r.ts});
  return rows;
}

/// Answers every waiter of `reads` with what was stored for its row.
void answer_reads(self_ptr self, reads_t& reads,
                  const std::vector<storage::read_marker_stored>& stored) {
  std::map<std::pair<std::string_view, std::string_view>,
           const storage::read_marker_stored*>
      by_key;
  for (const auto& s : stored)
    by_key[{s.conv, s.user}] = &s;
  self->state.stats->read_markers_committed.fetch_add(stored.size(),
                                                      std::memory_order_relaxed);
  for (auto& r : reads) {
    read_stored out;
    if (auto i = by_key.find({r.conv, r.user}); i != by_key.end()) {
      out.ok = true;
      out.seq = i->second->seq;
      out.unread = i->second->unread;
      out.upto = r.upto;
    }
    for (auto& w : r.waiters)
      w.deliver(out);
  }
  reads.clear();
}

/// Fails every waiter of `reads` (the client gets `unavailable`).
void fail_reads(reads_t& reads) {
  for (auto& r : reads)
    for (auto& w : r.waiters)
      w.deliver(read_stored{});
  reads.clear();
}

/// libpq's message on one line ("ERROR:  could not extend ...\nHINT:  ...").
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// A commit failed because the connection is gone: logged once, when it happens.
void connection_lost(self_ptr self, const std::string& error) {
  auto& st = self->state;
  ++st.failed_while_lost;
  if (st.db_lost) return;
  st.db_lost = true;
  std::cerr << "parleyd: database unreachable (" << one_line(error)
            << "); sends are refused until it is back\n";
}

/// A commit went through: the end of an outage is logged.
void connection_back(self_ptr self) {
  auto& st = self->state;
  if (!st.db_lost) return;
  std::cerr << "parleyd: database reachable again; " << st.failed_while_lost
            << " group commit(s) failed meanwhile\n";
  st.db_lost = false;
  st.failed_while_lost = 0;
}

/// Any other failure: at most one line per interval, with the count held back.
void commit_failed(self_ptr self, const std::string& what) {
  std::uint64_t held_back = 0;
  if (!self->state.failure_log.allow(steady_ms(), held_back)) return;
  std::cerr << "parleyd: " << what;
  if (held_back > 0) std::cerr << " (and " << held_back << " more since the last report)";
  std::cerr << "\n";
}

/// Answers the conversations of `items` that collided with `stored` rows with
/// what is stored, and returns the others for the next attempt.
items_t answer_collisions(self_ptr self, items_t items,
                          std::vector<storage::cid_entry> stored) {
  std::map<std::string, std::vector<storage::cid_entry>> by_conv;
  for (auto& e : stored)
    by_conv[e.conv].push_back(std::move(e));
  items_t keep;
  for (auto& item : items) {
    auto hit = by_conv.find(item.conv);
    if (hit == by_conv.end()) {
      keep.push_back(std::move(item));
      continue;
    }
    write_outcome out;
    out.status = write_status::collision;
    out.existing = hit->second;
    item.request.promise.deliver(std::move(out));
    for (auto& stale : self->state.policy.mark_failed(item.conv, item.epoch))
      answer(stale, write_status::stale);
  }
  return keep;
}

/// Answers the conversations named in `stale` (one id per line: another node took
/// them over) `fenced`, and returns the others for the next attempt.
items_t answer_fenced(self_ptr self, items_t items, const std::string& stale) {
  std::set<std::string, std::less<>> ids;
  for (std::size_t at = 0; at < stale.size();) {
    auto nl = stale.find('\n', at);
    if (nl == std::string::npos) nl = stale.size();
    if (nl > at) ids.insert(stale.substr(at, nl - at));
    at = nl + 1;
  }
  items_t keep;
  items_t fenced;
  for (auto& item : items)
    (ids.count(item.conv) ? fenced : keep).push_back(std::move(item));
  fail_all(self, fenced, write_status::fenced, "taken over by another node");
  return keep;
}

/// Commits `items` and `reads` in as few transactions as their data allows. The
/// batch mixes conversations of every org, so a statement that fails for
/// something in one request's data must not fail the others: after a unique
/// violation the colliding conversations are answered with what is stored and the
/// rest is retried; after any other fault in the data (storage::blames_the_data)
/// the read markers are committed on their own and the batch is split in two
/// halves of whole conversations, each committed on its own, down to the one
/// conversation at fault. A lost connection or an error of the server itself fails
/// everything at once: no part could commit.
void commit_items(self_ptr self, items_t items, reads_t reads = {}) {
  auto& st = self->state;
  auto& db = *st.db;
  // Each round commits, removes at least one conversation, or splits the batch.
  while (!items.empty() || !reads.empty()) {
    if (!db.ok() && !db.reset()) {
      st.stats->commit_failures.fetch_add(1, std::memory_order_relaxed);
      connection_lost(self, db.error());
      fail_all(self, items, write_status::unavailable, "database unreachable");
      fail_reads(reads);
      return;
    }
    auto batch = make_batch(items);
    batch.reads = read_rows(reads);
    auto start = std::chrono::steady_clock::now();
    auto r = storage::write(db, batch);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                        start)
                  .count();
    if (r.ok()) {
      connection_back(self);
      st.stats->commits.fetch_add(1, std::memory_order_relaxed);
      if (!batch.messages.empty()) {
        st.stats->messages_committed.fetch_add(batch.messages.size(),
                                               std::memory_order_relaxed);
        st.stats->commit_batch_size.observe(static_cast<double>(batch.messages.size()));
      }
      st.stats->commit_latency_ms.observe(ms);
      for (auto& item : items)
        answer(item.request, write_status::committed);
      answer_reads(self, reads, *r.value);
      return;
    }
    st.stats->commit_failures.fetch_add(1, std::memory_order_relaxed);
    if (!db.ok()) {
      // Lost during the statement (or no answer in time): the outcome is unknown,
      // and the clients' retries with the same cid find out.
      connection_lost(self, r.error);
      db.reset();
      fail_all(self, items, write_status::unavailable, r.error);
      fail_reads(reads);
      return;
    }
    if (r.sqlstate == storage::sqlstate_fenced) {
      // Conversations another node has taken over: theirs fail, the rest retry.
      restore(items, batch);
      auto before = items.size();
      items = answer_fenced(self, std::move(items), r.error);
      if (items.size() == before) {
        fail_all(self, items, write_status::unavailable, "fencing failed");
        fail_reads(reads);
        return;
      }
      continue;
    }
    if (!storage::blames_the_data(r.sqlstate)) {
      // The server refused the statement for itself, not for a request's data:
      // every part would fail the same way (the clients' retries are idempotent).
      commit_failed(self,
                    "group commit failed (" + r.sqlstate + "): " + one_line(r.error));
      fail_all(self, items, write_status::unavailable, r.error);
      fail_reads(reads);
      return;
    }
    if (!reads.empty()) {
      restore(items, batch);
      if (items.empty()) {
        // Markers alone, refused for their data (a conversation gone meanwhile):
        // halve them down to the one at fault, as for conversations.
        if (reads.size() > 1) {
          auto mid = reads.begin() + static_cast<std::ptrdiff_t>(reads.size() / 2);
          reads_t second(std::make_move_iterator(mid),
                         std::make_move_iterator(reads.end()));
          reads.erase(mid, reads.end());
          commit_items(self, {}, std::move(second));
          continue;
        }
        commit_failed(self, "read marker of " + reads.front().user + " in " +
                                reads.front().conv + " failed (" + r.sqlstate +
                                "): " + one_line(r.error));
        fail_reads(reads);
        return;
      }
      // Take the markers out of the way first: the fault is more likely in a
      // message, and the isolation below works on conversations' writes.
      commit_items(self, {}, std::move(reads));
      reads.clear();
      continue;
    }
    std::optional<std::vector<storage::cid_entry>> stored;
    if (r.sqlstate == storage::sqlstate_unique_violation) {
      auto found = storage::find_collisions(db, batch.messages);
      if (found.ok() && !found.value->empty()) stored = std::move(found.value);
    }
    restore(items, batch);
    if (stored) {
      items = answer_collisions(self, std::move(items), std::move(*stored));
      continue;
    }
    // A collision that is no message key (a conversation id, a create cid) or
    // another fault in the data: find the conversation it belongs to.
    auto halves = commit_policy<pending_write>::split_in_halves(std::move(items));
    if (halves.second.empty()) {
      // One conversation left: it is the one at fault.
      commit_failed(self, "commit of conversation " + halves.first.front().conv +
                              " failed (" + r.sqlstate + "): " + one_line(r.error));
      fail_all(self, halves.first, write_status::unavailable, r.error);
      return;
    }
    commit_items(self, std::move(halves.first));
    items = std::move(halves.second);
  }
}

/// Commits everything pending (writes up to the policy's batch size, and every
/// waiting read marker).
void commit_pending(self_ptr self) {
  auto& st = self->state;
  commit_items(self, st.policy.take_batch(), st.reads.take());
}

} // namespace

persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            std::string conninfo, storage::pg::limits limits,
            std::shared_ptr<metrics> stats) {
  self->state.db = std::make_unique<storage::pg::connection>(conninfo, limits,
                                                             storage::writer_settings());
  self->state.stats = std::move(stats);
  return {
      [=](write_atom, write_request& req) -> caf::result<write_outcome> {
        auto& st = self->state;
        auto rp = self->make_response_promise<write_outcome>();
        auto conv = req.conv;
        auto epoch = req.epoch;
        if (auto stale = st.policy.offer(std::move(conv), epoch,
                                         pending_write{std::move(req), rp})) {
          answer(*stale, write_status::stale);
          return rp;
        }
        if (!st.flush_queued) {
          // Behind every request already in the mailbox: they join this batch.
          st.flush_queued = true;
          self->send(self, flush_atom_v);
        }
        return rp;
      },
      [=](read_atom, read_write& w) -> caf::result<read_stored> {
        auto& st = self->state;
        auto rp = self->make_response_promise<read_stored>();
        st.reads.add(std::move(w.conv), std::move(w.user), w.seq, w.upto, w.sees_internal,
                     now_ms(), rp);
        // A flush already queued takes the marker along; otherwise it waits for
        // the next message commit, at most the window.
        if (!st.flush_queued && !st.read_timer_armed) {
          st.read_timer_armed = true;
          self->delayed_send(self, read_marker_window, flush_atom_v, read_atom_v);
        }
        return rp;
      },
      [=](flush_atom, read_atom) {
        auto& st = self->state;
        st.read_timer_armed = false;
        if (!st.reads.empty() && !st.flush_queued) commit_pending(self);
      },
      [=](flush_atom) {
        auto& st = self->state;
        st.flush_queued = false;
        commit_pending(self);
        if (st.policy.has_pending() && !st.flush_queued) {
          st.flush_queued = true;
          self->send(self, flush_atom_v);
        }
      },
  };
}

} // namespace parley
