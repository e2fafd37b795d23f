// The database side of search: one search_request, one storage call.
#include "actors/db/search.hpp"

#include "storage/search_queries.hpp"

namespace parley {

search_result run_search_request(storage::pg::connection& db, const search_request& q) {
  search_result out;
  auto scope = static_cast<search_rules::scope>(q.scope);
  if (scope == search_rules::scope::contacts) {
    if (q.q.empty()) return out; // no word: nothing to look up
    auto r = storage::search_contacts(db, q.org, q.q, q.limit);
    out.failed = !r.ok();
    if (r.ok()) out.contacts = std::move(*r.value);
    return out;
  }
  storage::search_viewer who{q.user, q.org, q.full_staff,
                             q.client_of.empty() ? std::nullopt
                                                 : std::optional{q.client_of}};
  auto r = storage::search_messages(db, who, q.q, scope == search_rules::scope::comments,
                                    q.conv.empty() ? std::nullopt : std::optional{q.conv},
                                    q.limit);
  out.failed = !r.ok();
  if (r.ok()) {
    out.hits = std::move(r.value->hits);
    out.convs = std::move(r.value->convs);
  }
  return out;
}

} // namespace parley
