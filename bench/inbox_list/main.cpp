// parley-inbox-list: inbox.list's database work (storage::list_inbox and the unread
// counts, what a db worker does per request) at N support conversations, per view x
// sort on page 1 and a deep page, next to a primary-key page read of the same table
// timed in the same run. It measures the SQL, not the wire: the session's part of
// inbox.list is a directory lookup per item.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/common/cli.hpp"
#include "storage/inbox_queries.hpp"
#include "storage/migrate.hpp"
#include "storage/read_queries.hpp"
#include "storage/rows.hpp"

namespace {

using namespace parley;
using namespace parley::bench;
using clock_type = std::chrono::steady_clock;

constexpr std::string_view usage =
    R"(usage: parley-inbox-list --db CONNINFO [options]

Seeds org ibench with N support conversations (random status, assignee among 50
agents, team among 10, 30% unreplied, 1% blocked contacts; plus N/2 private
conversations in the org and N/5 support conversations in another org) and times inbox.list's SQL per view x sort on page 1 and page --depth (its cursor
from walking there), with the same run's reference: SELECT <conversation columns>
FROM conversations ORDER BY id LIMIT <limit+1> (a primary-key walk).

  --db CONNINFO        the PostgreSQL to write to ('' = the PG* environment);
                       migrated first; the org ibench is reseeded
  --conversations N    support conversations in the org                  [100000]
  --limit L            page size                                             [50]
  --depth D            the deep page                                         [20]
  --reps R             timed reads per cell (median and p90 reported)        [50]
  --skip-seed          measure what a previous run seeded
  --explain            also print EXPLAIN (ANALYZE, BUFFERS) of every cell's pages
  --help
)";

constexpr option_spec specs[] = {
    {"db", true},   {"conversations", true}, {"limit", true},    {"depth", true},
    {"reps", true}, {"skip-seed", false},    {"explain", false}, {"help", false},
};

constexpr const char* org = "ibench";

void must(storage::pg::connection& db, const std::string& sql) {
  auto r = db.exec(sql);
  if (!r.ok()) throw std::runtime_error(sql.substr(0, 60) + "...: " + r.error());
}

void seed(storage::pg::connection& db, std::uint64_t n) {
  must(db, "INSERT INTO orgs (id, name, updated_at) VALUES ('ibench', 'Inbox bench', 0),"
           " ('ibench-other', 'Other', 0) ON CONFLICT (id) DO NOTHING");
  must(db, "DELETE FROM contact_blocks WHERE org IN ('ibench', 'ibench-other')");
  must(db, "DELETE FROM conversations WHERE org IN ('ibench', 'ibench-other')");
  must(db, "SELECT setseed(0.42)");
  for (auto [o, count] : {std::pair{std::string{"ibench"}, n},
                          std::pair{std::string{"ibench-other"}, n / 5}}) {
    // Times: a year back from 2026-11-01, at second granularity (some ties).
    must(db,
         "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
         " contact, status, assignee, team, snoozed_until, last_contact_ts, unreplied)"
         " SELECT '" +
             o + ":' || substr(md5(g::text), 1, 12), 'support', '" + o +
             "', 'a0', t - 3600000, t, '" + o +
             ":k' || g,"
             " CASE WHEN r1 < 0.3 THEN 'open' WHEN r1 < 0.9 THEN 'closed' ELSE 'snoozed' "
             "END,"
             " CASE WHEN r2 < 0.2 THEN NULL ELSE 'a' || (floor(r2 * 1000)::int % 50) END,"
             " CASE WHEN r3 < 0.1 THEN NULL ELSE 't' || (floor(r3 * 1000)::int % 10) END,"
             " CASE WHEN r1 >= 0.9 THEN 1793491200000 END,"
             " CASE WHEN r5 < 0.05 THEN NULL ELSE t - floor(r5 * 86400)::bigint * 1000 "
             "END,"
             " r4 < 0.3 AND r5 >= 0.05"
             " FROM (SELECT g, random() r1, random() r2, random() r3, random() r4,"
             "  random() r5, 1793491200000 - floor(random() * 31536000)::bigint * 1000 t"
             "  FROM generate_series(1, " +
             std::to_string(count) + ") g) s");
    must(db, "INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
             " SELECT contact, org, 'a0', 0 FROM conversations"
             " WHERE org = '" +
                 o + "' AND kind = 'support' AND random() < 0.01");
  }
  // The org's other conversations, which the inbox never shows.
  must(db, "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts)"
           " SELECT 'ibench:p' || g, 'private', 'ibench', 'a0', 0,"
           " 1793491200000 - floor(random() * 31536000)::bigint * 1000"
           " FROM generate_series(1, " +
               std::to_string(n / 2) + ") g");
  must(db, "VACUUM ANALYZE conversations");
  must(db, "VACUUM ANALYZE contact_blocks");
}

struct cell {
  std::string view, status, sort; // status "" : all
  std::optional<bool> unreplied;
};

storage::inbox_query query_of(const cell& c, std::uint64_t limit) {
  storage::inbox_query q;
  q.org = org;
  q.viewer = "a7";
  q.limit = limit;
  if (c.view == "all") q.view = storage::inbox_view::all;
  if (c.view == "mine") q.view = storage::inbox_view::mine;
  if (c.view == "unassigned") q.view = storage::inbox_view::unassigned;
  if (c.view == "blocked") q.view = storage::inbox_view::blocked;
  if (c.view.starts_with("team:")) {
    q.view = storage::inbox_view::team;
    q.team = c.view.substr(5);
  }
  if (!c.status.empty()) q.status = c.status;
  q.unreplied = c.unreplied;
  if (c.sort == "oldest") q.sort = storage::inbox_sort::oldest;
  if (c.sort == "longest") q.sort = storage::inbox_sort::longest;
  if (c.sort == "shortest") q.sort = storage::inbox_sort::shortest;
  return q;
}

/// The position after the last item, as the session's cursor would give it.
storage::inbox_position after(const storage::inbox_query& q,
                              const protocol::conversation& c) {
  storage::inbox_position p;
  p.id = c.id;
  if (q.sort == storage::inbox_sort::newest || q.sort == storage::inbox_sort::oldest)
    p.key = c.last_ts;
  else if (c.support && c.support->unreplied && c.support->last_contact_ts)
    p.key = c.support->last_contact_ts;
  return p;
}

/// One inbox.list's database work; returns the items read.
std::size_t inbox_once(storage::pg::connection& db, const storage::inbox_query& q,
                       storage::inbox_page* page = nullptr) {
  auto r = storage::list_inbox(db, q);
  if (!r.ok()) throw std::runtime_error("list_inbox: " + r.error);
  std::vector<std::string> ids;
  for (const auto& c : r.value->items)
    ids.push_back(c.id);
  auto u = storage::unread_counts(db, q.viewer, true, ids);
  if (!u.ok()) throw std::runtime_error("unread_counts: " + u.error);
  if (page) *page = std::move(*r.value);
  return ids.size();
}

std::size_t reference_once(storage::pg::connection& db, std::uint64_t limit) {
  auto r = db.exec("SELECT " PARLEY_CONVERSATION_COLUMNS
                   " FROM conversations c ORDER BY c.id LIMIT $1::bigint",
                   {std::to_string(limit + 1)});
  if (!r.ok()) throw std::runtime_error("reference: " + r.error());
  std::size_t n = 0;
  for (int i = 0; i < r.rows(); ++i)
    n += storage::read_conversation(r, i).id.empty() ? 0 : 1;
  return n;
}

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

void explain(storage::pg::connection& db, const std::string& title,
             const storage::inbox_query& q) {
  auto st = storage::inbox_sql(q);
  auto r = db.exec("EXPLAIN (ANALYZE, BUFFERS) " + st.sql, st.params);
  if (!r.ok()) throw std::runtime_error("explain: " + r.error());
  std::printf("\n-- %s\n", title.c_str());
  for (int i = 0; i < r.rows(); ++i)
    std::printf("%s\n", r.str(i, 0).c_str());
}

int run(const option_map& args) {
  auto n = args.uint("conversations", 100000, 1, 10000000);
  auto limit = args.uint("limit", 50, 1, 200);
  auto depth = args.uint("depth", 20, 2, 100000);
  auto reps = args.uint("reps", 50, 1, 100000);
  storage::pg::connection db{args.str("db", "")};
  if (!db.ok()) throw std::runtime_error("connect: " + db.error());
  auto m = storage::migrate(db);
  if (!m.ok) throw std::runtime_error("migrate: " + m.error);
  if (!args.has("skip-seed")) {
    std::fprintf(stderr, "seeding %llu support conversations ...\n",
                 static_cast<unsigned long long>(n));
    seed(db, n);
  }
  std::vector<cell> cells;
  for (const char* v : {"all", "mine", "unassigned", "team:t3", "blocked"})
    for (const char* s : {"newest", "oldest", "longest", "shortest"})
      cells.push_back({v, "", s, std::nullopt});
  // The agent's working views: open and waiting for a reply.
  for (const char* v : {"all", "mine"})
    for (const char* s : {"newest", "longest"})
      cells.push_back({v, "open", s, true});

  std::vector<double> ref;
  auto time_ref = [&] {
    for (std::uint64_t i = 0; i < reps; ++i) {
      auto t0 = clock_type::now();
      reference_once(db, limit);
      ref.push_back(ms_since(t0));
    }
  };
  time_ref();
  struct row {
    const cell* c;
    std::uint64_t page;
    std::size_t items;
    double p50, p90;
  };
  std::vector<row> rows;
  for (const auto& c : cells) {
    auto q = query_of(c, limit);
    // Walk to the deep page (or the last one), keeping its cursor.
    std::optional<storage::inbox_position> deep;
    std::uint64_t page_no = 1;
    for (; page_no < depth; ++page_no) {
      auto step = q;
      step.after = deep;
      storage::inbox_page p;
      inbox_once(db, step, &p);
      if (!p.more) break;
      deep = after(q, p.items.back());
    }
    for (auto [which, pos] :
         {std::pair{std::uint64_t{1}, std::optional<storage::inbox_position>{}},
          std::pair{page_no, deep}}) {
      if (which == 1 && page_no == 1 && pos) continue;
      auto pq = q;
      pq.after = pos;
      std::vector<double> t;
      std::size_t items = 0;
      for (std::uint64_t i = 0; i < reps + 5; ++i) {
        auto t0 = clock_type::now();
        items = inbox_once(db, pq);
        if (i >= 5) t.push_back(ms_since(t0));
      }
      rows.push_back({&c, which, items, quantile(t, 0.5), quantile(t, 0.9)});
      if (args.has("explain"))
        explain(db,
                c.view + " " + (c.status.empty() ? "" : c.status + " ") +
                    (c.unreplied ? "unreplied " : "") + c.sort + " page " +
                    std::to_string(which),
                pq);
      if (which == page_no) break;
    }
  }
  time_ref(); // before and after the cells: drift shows in the spread
  double ref50 = quantile(ref, 0.5);
  std::printf("\ninbox.list database work (list_inbox + unread counts) at %llu support "
              "conversations, limit %llu, %llu reads per cell; ms\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(limit),
              static_cast<unsigned long long>(reps));
  std::printf("reference (SELECT <conversation columns> FROM conversations ORDER BY id "
              "LIMIT %llu): p50 %.3f  p90 %.3f\n",
              static_cast<unsigned long long>(limit + 1), ref50, quantile(ref, 0.9));
  std::printf("%-11s %-16s %-9s %5s %5s %8s %8s %7s\n", "view", "filter", "sort", "page",
              "items", "p50", "p90", "x ref");
  for (const auto& r : rows) {
    std::string filter = r.c->status.empty() ? "-" : "status=" + r.c->status;
    if (r.c->unreplied) filter += ",unreplied";
    std::printf("%-11s %-16s %-9s %5llu %5zu %8.3f %8.3f %7.1f\n", r.c->view.c_str(),
                filter.c_str(), r.c->sort.c_str(),
                static_cast<unsigned long long>(r.page), r.items, r.p50, r.p90,
                r.p50 / ref50);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto args = option_map::parse(argc, argv, specs);
    if (args.has("help")) {
      std::fputs(usage.data(), stdout);
      return 0;
    }
    return run(args);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "parley-inbox-list: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-inbox-list: %s\n", e.what());
    return 1;
  }
}
