// parley-inbox-counts: inbox.counts latency over a real WebSocket with N support
// conversations in one org (issue 19), next to the database work alone (the grouped
// count statement over libpq) in the same run. Seeds the org's directory through
// admin ops and its conversations, messages and read markers with SQL
// (generate_series), saves a few custom views over the wire, then times the op.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/cli.hpp"
#include "bench/conv_list/sync_client.hpp"
#include "protocol/jwt.hpp"
#include "storage/inbox_view_queries.hpp"
#include "storage/pg.hpp"

namespace {

using namespace parley;
using namespace parley::bench;
using conv_list::run_error;
using conv_list::sync_client;
using clock_type = sync_client::clock;

constexpr std::string_view usage =
    R"(usage: parley-inbox-counts --url ws://HOST:PORT/v1 --secret S --db CONNINFO [options]

Seeds org icbench (50 agents in 10 teams; N support conversations: open --open-pct %,
the rest closed 6 : snoozed 1; assignee one of the agents (20% none), team one of the
teams (10% none), 30% unreplied, 95% with a contact message; three messages each;
1% of contacts blocked; every agent, the viewer a7 too, has read markers on 5% of
them), saves six
custom views visible to a7 (five of its own, one shared by a colleague with a team
of a7's; beside them N/2 private conversations of the org and N/5 open support
conversations of another org, assigned to an "a7" there), then times --reps
inbox.counts by a7 over the WebSocket after --warmup,
and the same number of runs of the grouped count statement alone over libpq.

  --url URL            the running parleyd (ws://HOST:PORT[/PATH] or HOST:PORT)
  --secret S           its token secret; the tool mints its own tokens
  --db CONNINFO        the PostgreSQL parleyd uses ('' = the PG* environment)
  --conversations N    support conversations in the org                  [100000]
  --open-pct P         share of them open, percent                           [30]
  --reps R             timed inbox.counts                                   [200]
  --warmup W           untimed ones first                                    [20]
  --skip-seed          measure what a previous run seeded
  --explain            also print EXPLAIN (ANALYZE, BUFFERS) of the statement
  --timeout S          bound on the whole run, seconds                      [900]
  --help
)";

constexpr option_spec specs[] = {
    {"url", true},      {"secret", true},  {"db", true},     {"conversations", true},
    {"open-pct", true}, {"reps", true},    {"warmup", true}, {"skip-seed", false},
    {"explain", false}, {"timeout", true}, {"help", false},
};

constexpr const char* org = "icbench";
constexpr const char* viewer = "a7";
constexpr int agents = 50;
constexpr int teams = 10;

void must(storage::pg::connection& db, const std::string& sql) {
  auto r = db.exec(sql);
  if (!r.ok()) throw std::runtime_error(sql.substr(0, 60) + "...: " + r.error());
}

/// The directory over admin ops (the server caches it; SQL would bypass that).
void provision(sync_client& admin) {
  protocol::map_builder o;
  o.str("org", org).str("name", "Inbox counts bench");
  admin.call_ok("admin.org.put", o, "admin.org.put");
  for (int i = 0; i < agents; ++i) {
    protocol::map_builder u;
    auto id = "a" + std::to_string(i);
    u.str("user", id).str("org", org).str("kind", "staff").str("name", id);
    admin.call_ok("admin.user.put", u, "admin.user.put " + id);
  }
  // Agent i is in teams i % 10 and (i + 3) % 10: a7 in t7 and t0.
  for (int t = 0; t < teams; ++t) {
    std::vector<std::string> members;
    for (int i = 0; i < agents; ++i)
      if (i % teams == t || (i + 3) % teams == t)
        members.push_back("a" + std::to_string(i));
    protocol::map_builder f;
    f.str("team", "t" + std::to_string(t)).str("org", org).str("name", "Team");
    f.str_list("members", members);
    admin.call_ok("admin.team.put", f, "admin.team.put");
  }
}

void seed(storage::pg::connection& db, std::uint64_t n, std::uint64_t open_pct) {
  must(db, "DELETE FROM inbox_views WHERE org = 'icbench'");
  must(db, "DELETE FROM contact_blocks WHERE org = 'icbench'");
  must(db, "DELETE FROM read_markers WHERE conv LIKE 'icbench:%'");
  must(db, "DELETE FROM messages WHERE conv LIKE 'icbench:%'");
  must(db, "DELETE FROM conversations WHERE org IN ('icbench', 'icbench-other')");
  must(db, "SELECT setseed(0.19)");
  // What shares the table in a real deployment, never counted: the org's ordinary
  // conversations and another org's support conversations (all open).
  must(db, "INSERT INTO orgs (id, name, updated_at) VALUES ('icbench-other', 'Other', 0)"
           " ON CONFLICT (id) DO NOTHING");
  must(db, "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts)"
           " SELECT 'icbench:p' || g, 'private', 'icbench', 'a0', 0, g"
           " FROM generate_series(1, " +
               std::to_string(n / 2) + ") g");
  must(db, "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
           " contact, status, assignee, last_contact_ts, unreplied)"
           " SELECT 'icbench-other:' || g, 'support', 'icbench-other', 'o' || g, 0, g,"
           " 'icbench-other:k' || g, 'open', 'a7', g, true FROM generate_series(1, " +
               std::to_string(n / 5) + ") g");
  double open = static_cast<double>(open_pct) / 100.0;
  double closed = open + (1.0 - open) * 6.0 / 7.0;
  must(db,
       "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
       " last_seq, contact, status, assignee, team, snoozed_until, last_contact_ts,"
       " unreplied)"
       " SELECT 'icbench:' || g, 'support', 'icbench', 'icbench:k' || g, t - 3600000, t,"
       " 3, 'icbench:k' || g,"
       " CASE WHEN r1 < " +
           std::to_string(open) + " THEN 'open' WHEN r1 < " + std::to_string(closed) +
           " THEN 'closed' ELSE 'snoozed' END,"
           " CASE WHEN r2 < 0.2 THEN NULL ELSE 'a' || (floor(r2 * 1000)::int % 50) END,"
           " CASE WHEN r3 < 0.1 THEN NULL ELSE 't' || (floor(r3 * 1000)::int % 10) END,"
           " CASE WHEN r1 >= " +
           std::to_string(closed) +
           " THEN 1893456000000 END,"
           " CASE WHEN r5 < 0.05 THEN NULL ELSE t - 60000 END,"
           " r4 < 0.3 AND r5 >= 0.05"
           " FROM (SELECT g, random() r1, random() r2, random() r3, random() r4,"
           "  random() r5, 1793491200000 - floor(random() * 31536000)::bigint * 1000 t"
           "  FROM generate_series(1, " +
           std::to_string(n) + ") g) s");
  // Three messages each: the contact's (an agent's when the contact never wrote),
  // an agent's reply, then the contact again or an internal comment.
  must(db, "INSERT INTO messages (conv, seq, ts, author, cid, body, internal)"
           " SELECT c.id, s, c.last_ts - (3 - s) * 1000,"
           " CASE WHEN s = 2 OR c.last_contact_ts IS NULL"
           "  THEN 'a' || (abs(hashtext(c.id)) % 50 + s) % 50 ELSE c.contact END,"
           " 'm' || s, 'hello', s = 3 AND c.last_contact_ts IS NULL"
           " FROM conversations c CROSS JOIN generate_series(1, 3) s"
           " WHERE c.org = 'icbench' AND c.kind = 'support'");
  // Every agent has read 5% of them, so that the viewer's markers are a small part
  // of the table, as in an org of many agents (the count then reads them through
  // read_markers_user, not by a scan of the whole table).
  must(db, "INSERT INTO read_markers (conv, user_id, seq, updated_at)"
           " SELECT c.id, 'a' || g, 1 + floor(random() * 3)::int, 0"
           " FROM conversations c CROSS JOIN generate_series(0, 49) g"
           " WHERE c.org = 'icbench' AND c.kind = 'support' AND random() < 0.05");
  must(db, "INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
           " SELECT contact, org, 'a0', 0 FROM conversations"
           " WHERE org = 'icbench' AND kind = 'support' AND random() < 0.01");
  for (const char* t : {"conversations", "messages", "read_markers", "contact_blocks"})
    must(db, std::string{"VACUUM ANALYZE "} + t);
}

/// A view saved over the wire.
void save_view(sync_client& c, const std::string& name, const std::string& base,
               const std::string& status, std::optional<bool> unreplied,
               const std::string& team) {
  protocol::map_builder v;
  v.str("name", name).str("base", base);
  if (!status.empty()) v.str("status", status);
  if (unreplied) v.boolean("unreplied", *unreplied);
  if (!team.empty()) v.str("team", team);
  protocol::map_builder f;
  f.map("view", v);
  c.call_ok("inbox.views.put", f, "inbox.views.put " + name);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

double ms(clock_type::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

int run(const option_map& args) {
  std::string error;
  auto target = parse_ws_target(args.str("url", ""), error);
  if (!args.has("url") || !target) throw usage_error("--url: " + error);
  auto secret = args.str("secret", "");
  if (secret.empty()) throw usage_error("--secret is required");
  if (!args.has("db")) throw usage_error("--db is required ('' for the PG* environment)");
  auto n = args.uint("conversations", 100000, 1, 10'000'000);
  auto open_pct = args.uint("open-pct", 30, 0, 100);
  auto reps = args.uint("reps", 200, 1, 1'000'000);
  auto warmup = args.uint("warmup", 20, 0, 1'000'000);
  auto timeout = args.real("timeout", 900, 1, 86400);
  auto deadline = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                          std::chrono::duration<double>(timeout));
  auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             static_cast<std::int64_t>(timeout) + 3600;
  auto token = [&](const std::string& sub, bool admin) {
    return protocol::sign_token({.sub = sub, .exp = exp, .admin = admin}, secret);
  };
  storage::pg::connection db{args.str("db", "")};
  if (!db.ok()) throw std::runtime_error("connect: " + db.error());

  sync_client me{*target, viewer, deadline};
  if (!args.has("skip-seed")) {
    std::fprintf(stderr, "seeding %llu support conversations (%llu%% open) ...\n",
                 static_cast<unsigned long long>(n),
                 static_cast<unsigned long long>(open_pct));
    sync_client admin{*target, "admin", deadline};
    admin.open(token("icbench-provisioner", true));
    provision(admin);
    seed(db, n, open_pct);
    me.open(token(viewer, false));
    save_view(me, "Waiting on me", "mine", "open", true, "");
    save_view(me, "Team 7 waiting", "team:t7", "", true, "");
    save_view(me, "Unassigned", "unassigned", "open", std::nullopt, "");
    save_view(me, "Snoozed", "all", "snoozed", std::nullopt, "");
    save_view(me, "Team 0 answered", "team:t0", "", false, "");
    sync_client colleague{*target, "a0", deadline};
    colleague.open(token("a0", false));
    save_view(colleague, "Shared with t0", "team:t3", "open", std::nullopt, "t0");
  } else {
    me.open(token(viewer, false));
  }

  auto counted = db.exec("SELECT count(*) FILTER (WHERE status = 'open'), count(*)"
                         " FROM conversations WHERE org = $1 AND kind = 'support'",
                         {std::string{org}});
  if (!counted.ok()) throw std::runtime_error("count: " + counted.error());
  std::printf("org %s: %lld support conversations, %lld open; viewer %s\n", org,
              static_cast<long long>(counted.i64(0, 1)),
              static_cast<long long>(counted.i64(0, 0)), viewer);

  std::string sample;
  auto once = [&](bool keep) {
    protocol::map_builder none;
    std::string failure;
    auto d = me.call("inbox.counts", none, [&](const ws_client::reply& r) {
      if (!r.ok) failure = std::string{r.code} + ": " + std::string{r.message};
      if (!keep || !r.ok) return;
      sample.clear();
      const auto* counts = r.frame.find("counts");
      for (std::uint32_t i = 0; counts && i < counts->via.array.size; ++i) {
        const auto& m = counts->via.array.ptr[i];
        auto* v = protocol::find_in_map(m, "view");
        auto* o = protocol::find_in_map(m, "open");
        auto* u = protocol::find_in_map(m, "unread");
        if (!v || !o || !u) continue;
        sample += "  " + std::string{v->via.str.ptr, v->via.str.size} + ": open " +
                  std::to_string(o->via.u64) + ", unread " + std::to_string(u->via.u64) +
                  "\n";
      }
    });
    if (!failure.empty()) throw run_error("inbox.counts: " + failure);
    return d;
  };
  for (std::uint64_t i = 0; i < warmup; ++i)
    once(i == 0);
  std::vector<double> wire;
  for (std::uint64_t i = 0; i < reps; ++i)
    wire.push_back(ms(once(false)));
  std::vector<double> sql;
  for (std::uint64_t i = 0; i < reps; ++i) {
    auto t0 = clock_type::now();
    auto r = storage::count_open_groups(db, org, viewer);
    if (!r.ok()) throw std::runtime_error("count_open_groups: " + r.error);
    sql.push_back(ms(clock_type::now() - t0));
  }
  std::printf("counts of %s:\n%s", viewer, sample.c_str());
  std::printf("%-34s %8s %8s %8s %8s\n", "ms", "p50", "p90", "p99", "max");
  auto row = [](const char* what, const std::vector<double>& v) {
    std::printf("%-34s %8.2f %8.2f %8.2f %8.2f\n", what, quantile(v, 0.5),
                quantile(v, 0.9), quantile(v, 0.99), quantile(v, 1.0));
  };
  row("inbox.counts over the WebSocket", wire);
  row("grouped count statement (libpq)", sql);
  if (args.has("explain")) {
    // As count_open_groups runs it: without JIT.
    storage::pg::transaction tx{db};
    must(db, "SET LOCAL jit = off");
    auto r = db.exec(std::string{"EXPLAIN (ANALYZE, BUFFERS) "} +
                         storage::open_count_groups_sql,
                     {std::string{org}, std::string{viewer}});
    if (!r.ok()) throw std::runtime_error("explain: " + r.error());
    std::printf("\n");
    for (int i = 0; i < r.rows(); ++i)
      std::printf("%s\n", r.str(i, 0).c_str());
  }
  std::printf("inbox.counts p50 = %.2f ms (p99 %.2f ms, %llu calls)\n",
              quantile(wire, 0.5), quantile(wire, 0.99),
              static_cast<unsigned long long>(reps));
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
    std::fprintf(stderr, "parley-inbox-counts: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-inbox-counts: %s\n", e.what());
    return 1;
  }
}
