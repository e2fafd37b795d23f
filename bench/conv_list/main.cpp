// parley-conv-list: how fast conv.list answers in an org of N conversations, for
// several kinds of viewer, on the first page and deep in the list, against the
// cheapest page read of the same table over libpq measured in the same run. Seeds the
// org first (directory over admin ops, conversations with COPY). See bench/README.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/common/cli.hpp"
#include "bench/common/json_line.hpp"
#include "bench/conv_list/org_model.hpp"
#include "bench/conv_list/seed.hpp"
#include "bench/conv_list/sync_client.hpp"
#include "bench/copy_ceiling/pg.hpp"
#include "bench/loadgen/histogram.hpp"
#include "protocol/jwt.hpp"

namespace {

using namespace parley::bench;
using namespace parley::bench::conv_list;
using clock_type = sync_client::clock;

constexpr std::string_view usage =
    R"(usage: parley-conv-list --url ws://HOST:PORT/v1 --secret S --db CONNINFO [options]

Seeds an org of N conversations (directory through admin ops, conversations and
participants with COPY), then times conv.list over the WebSocket for four viewers
(staff-fav, guest, client-fav, staff-nofav) on page 1 and page --depth, each next to
the cheapest read of a page at the same depth of the org's conversations over libpq.
A viewer with fewer pages is measured on its last page instead of page --depth.

  --url URL            the running parleyd (ws://HOST:PORT[/PATH] or HOST:PORT)
  --secret S           its token secret; the tool mints its own tokens
  --db CONNINFO        the PostgreSQL it uses ('' = the PG* environment)
  --conversations N    conversations in the org                          [100000]
  --org ID             org id                                  [clbench-<N>]
  --limit L            conv.list page size                                   [50]
  --depth D            the deep page measured (its cursor from page D-1)      [20]
  --reps R             timed requests per viewer and page                    [200]
  --warmup W           untimed requests before each timed block               [20]
  --seed X             generator seed: same seed and N, same org               [1]
  --skip-seed          measure the org as a previous run seeded it
  --explain-passes K   instead of measuring: walk staff-fav to page D, then send
                       page 1 and page D K times (for auto_explain on the server)
  --timeout S          bound on the whole run, seconds                       [900]
  --json               also print one JSON line per row
  --help

exit status: 0 done; 1 failed; 2 usage; 3 done, but a page did not match the
visibility rule or a conv.list got an error reply.
)";

constexpr option_spec specs[] = {
    {"url", true},     {"secret", true}, {"db", true},         {"conversations", true},
    {"org", true},     {"limit", true},  {"depth", true},      {"reps", true},
    {"warmup", true},  {"seed", true},   {"skip-seed", false}, {"explain-passes", true},
    {"timeout", true}, {"json", false},  {"help", false},
};

// The reference: the cheapest way to read one page of the org's conversations in
// activity order, the columns conv.list returns, on the (org, last_ts, id) index.
constexpr const char* sql_ref_first =
    "SELECT c.id, c.kind, c.org, c.company, c.subject, c.created_by, c.created_at,"
    " c.last_seq, c.last_ts FROM conversations c WHERE c.org = $1"
    " ORDER BY c.last_ts DESC, c.id DESC LIMIT $2";
constexpr const char* sql_ref_after =
    "SELECT c.id, c.kind, c.org, c.company, c.subject, c.created_by, c.created_at,"
    " c.last_seq, c.last_ts FROM conversations c WHERE c.org = $1"
    " AND (c.last_ts, c.id) < ($2, $3) ORDER BY c.last_ts DESC, c.id DESC LIMIT $4";

/// Requests answered rate_limited are retried this often, with a growing pause.
constexpr int max_rate_limited_retries = 50;

struct run_options {
  ws_target target;
  std::string secret;
  std::string db;
  std::size_t conversations = 100000;
  std::string org;
  std::size_t limit = 50;
  std::size_t depth = 20;
  std::size_t reps = 200;
  std::size_t warmup = 20;
  std::uint64_t seed = 1;
  bool skip_seed = false;
  std::size_t explain_passes = 0;
  double timeout_seconds = 900;
  bool json = false;
};

run_options parse(const option_map& args) {
  run_options o;
  std::string error;
  auto target = parse_ws_target(args.str("url", ""), error);
  if (!args.has("url") || !target) throw usage_error("--url: " + error);
  o.target = *target;
  o.secret = args.str("secret", "");
  if (o.secret.empty()) throw usage_error("--secret is required");
  if (!args.has("db")) throw usage_error("--db is required ('' for the PG* environment)");
  o.db = args.str("db", "");
  o.conversations = args.uint("conversations", o.conversations, 1, 1u << 30);
  o.org = args.str("org", "clbench-" + std::to_string(o.conversations));
  if (o.org.empty() || o.org.size() > 100)
    throw usage_error("--org must be 1..100 bytes");
  o.limit = args.uint("limit", o.limit, 1, 200);
  o.depth = args.uint("depth", o.depth, 1, 100000);
  o.reps = args.uint("reps", o.reps, 1, 1'000'000);
  o.warmup = args.uint("warmup", o.warmup, 0, 1'000'000);
  o.seed = args.uint("seed", o.seed, 0, UINT64_MAX);
  o.skip_seed = args.has("skip-seed");
  o.explain_passes = args.uint("explain-passes", 0, 0, 100000);
  o.timeout_seconds = args.real("timeout", o.timeout_seconds, 1, 86400 * 7);
  o.json = args.has("json");
  return o;
}

double ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

std::uint64_t micros(clock_type::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::string str_of(const msgpack::object* o) {
  if (!o || o->type != msgpack::type::STR) return {};
  return {o->via.str.ptr, o->via.str.size};
}

/// One conv.list page as the tool reads it.
struct page {
  std::vector<std::string> ids;
  std::optional<std::string> cursor;
};

/// A connection of one viewer, sending conv.list.
class lister {
public:
  lister(const run_options& o, const std::string& user, clock_type::time_point deadline,
         std::int64_t exp)
      : o_(o), client_(o.target, user, deadline) {
    client_.open(parley::protocol::sign_token({.sub = user, .exp = exp, .admin = false},
                                              o.secret));
  }

  /// conv.list {limit, cursor?}; `out` (when given) gets the page. Returns the latency,
  /// or nullopt after an error reply other than rate_limited (counted in errors).
  std::optional<clock_type::duration> list(const std::optional<std::string>& cursor,
                                           page* out) {
    for (int attempt = 1; attempt <= max_rate_limited_retries; ++attempt) {
      parley::protocol::map_builder f;
      f.uint("limit", o_.limit);
      if (cursor) f.str("cursor", *cursor);
      std::string code;
      auto latency = client_.call("conv.list", f, [&](const ws_client::reply& r) {
        if (!r.ok) {
          code = std::string{r.code} + ": " + std::string{r.message};
          return;
        }
        if (!out) return;
        out->ids.clear();
        out->cursor.reset();
        const auto* items = r.frame.find("items");
        if (items && items->type == msgpack::type::ARRAY) {
          for (std::uint32_t i = 0; i < items->via.array.size; ++i)
            out->ids.push_back(
                str_of(parley::protocol::find_in_map(items->via.array.ptr[i], "id")));
        }
        if (const auto* c = r.frame.find("cursor"); c && c->type == msgpack::type::STR)
          out->cursor = str_of(c);
      });
      if (code.empty()) return latency;
      if (!code.starts_with("rate_limited")) {
        ++errors;
        last_error = code;
        return std::nullopt;
      }
      ++rate_limited;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    }
    ++errors;
    last_error = "rate_limited " + std::to_string(max_rate_limited_retries) + " times";
    return std::nullopt;
  }

  std::uint64_t errors = 0;
  std::uint64_t rate_limited = 0;
  std::string last_error;

private:
  const run_options& o_;
  sync_client client_;
};

/// The reference reader: one libpq connection, the two statements prepared.
class reference {
public:
  reference(PGconn* db, const run_options& o) : db_(db), o_(o) {
    prepare("ref_first", sql_ref_first, 2);
    prepare("ref_after", sql_ref_after, 4);
  }

  /// The cursor (last_ts, id) of the last row of each page 1..pages.
  std::vector<std::pair<std::string, std::string>> cursors(std::size_t pages) {
    std::vector<std::pair<std::string, std::string>> out;
    std::optional<std::pair<std::string, std::string>> at;
    for (std::size_t p = 0; p < pages; ++p) {
      auto r = read(at);
      const int n = PQntuples(r.get());
      if (n < static_cast<int>(o_.limit)) break;
      const int last = static_cast<int>(o_.limit) - 1;
      at = std::pair{std::string{PQgetvalue(r.get(), last, 8)},
                     std::string{PQgetvalue(r.get(), last, 0)}};
      out.push_back(*at);
    }
    return out;
  }

  /// One page (limit + 1 rows, as the server asks for) after `at`, or the first.
  pg::result read(const std::optional<std::pair<std::string, std::string>>& at) {
    const std::string want = std::to_string(o_.limit + 1);
    if (!at) {
      const char* v[] = {o_.org.c_str(), want.c_str()};
      return checked(PQexecPrepared(db_, "ref_first", 2, v, nullptr, nullptr, 0));
    }
    const char* v[] = {o_.org.c_str(), at->first.c_str(), at->second.c_str(),
                       want.c_str()};
    return checked(PQexecPrepared(db_, "ref_after", 4, v, nullptr, nullptr, 0));
  }

private:
  void prepare(const char* name, const char* sql, int n) {
    pg::result r{PQprepare(db_, name, sql, n, nullptr)};
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      throw pg::error(std::string{"prepare "} + name + ": " + PQerrorMessage(db_));
  }
  pg::result checked(PGresult* raw) {
    pg::result r{raw};
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
      throw pg::error(std::string{"reference read: "} + PQerrorMessage(db_));
    return r;
  }

  PGconn* db_;
  const run_options& o_;
};

struct row {
  std::string viewer;
  std::string user;
  std::size_t page = 0;
  std::size_t items = 0;
  std::size_t readable = 0;
  histogram list_us;
  histogram ref_us;
  std::uint64_t errors = 0;
  std::uint64_t rate_limited = 0;
  std::string check;
};

/// Walks a viewer's pages 1..depth (or fewer, when the list ends), checking that
/// their concatenation is the start of what the rule lets the viewer read. Returns
/// the cursors that lead to pages 2..; sets `check`, and the items of the walked
/// pages into `items` (by page, from 1).
std::vector<std::string> walk(lister& l, const run_options& o,
                              const std::vector<std::string>& expected,
                              std::vector<std::size_t>& items, std::string& check) {
  std::vector<std::string> cursors;
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  check = "ok";
  for (std::size_t p = 1; p <= o.depth; ++p) {
    page pg;
    if (!l.list(cursor, &pg)) {
      check = "error on page " + std::to_string(p) + ": " + l.last_error;
      return cursors;
    }
    items.push_back(pg.ids.size());
    seen.insert(seen.end(), pg.ids.begin(), pg.ids.end());
    if (!pg.cursor) break;
    cursors.push_back(*pg.cursor);
    cursor = pg.cursor;
  }
  const bool ended = items.size() == cursors.size() + 1; // the last page had no cursor
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (i >= expected.size() || seen[i] != expected[i]) {
      check = "item " + std::to_string(i) + " is " + seen[i] + ", the rule says " +
              (i < expected.size() ? expected[i] : std::string{"(none)"});
      return cursors;
    }
  }
  if (ended && seen.size() != expected.size())
    check = "the list ended after " + std::to_string(seen.size()) + " of " +
            std::to_string(expected.size());
  return cursors;
}

void print_rows(const run_options& o, const std::vector<row>& rows) {
  std::printf("\nconv.list, %zu conversations in org %s, limit %zu, %zu timed requests "
              "per row (after %zu warm-up)\n",
              o.conversations, o.org.c_str(), o.limit, o.reps, o.warmup);
  std::printf("%-12s %5s %6s %9s | %9s %9s %9s | %8s %8s %8s | %7s %7s | %s\n", "viewer",
              "page", "items", "readable", "p50 ms", "p99 ms", "max ms", "ref p50",
              "ref p99", "ref max", "x p50", "x p99", "check");
  for (const auto& r : rows) {
    const double p50 = ms(r.list_us.percentile(50)), p99 = ms(r.list_us.percentile(99));
    const double rp50 = ms(r.ref_us.percentile(50)), rp99 = ms(r.ref_us.percentile(99));
    std::printf("%-12s %5zu %6zu %9zu | %9.3f %9.3f %9.3f | %8.3f %8.3f %8.3f | %7.1f "
                "%7.1f | %s\n",
                r.viewer.c_str(), r.page, r.items, r.readable, p50, p99,
                ms(r.list_us.max()), rp50, rp99, ms(r.ref_us.max()),
                rp50 > 0 ? p50 / rp50 : 0.0, rp99 > 0 ? p99 / rp99 : 0.0,
                r.check.c_str());
  }
  if (!o.json) return;
  for (const auto& r : rows) {
    const double p50 = ms(r.list_us.percentile(50)), p99 = ms(r.list_us.percentile(99));
    const double rp50 = ms(r.ref_us.percentile(50)), rp99 = ms(r.ref_us.percentile(99));
    json_line j;
    j.str("tool", "parley-conv-list")
        .uint("conversations", o.conversations)
        .str("org", o.org)
        .str("viewer", r.viewer)
        .uint("page", r.page)
        .uint("items", r.items)
        .uint("readable", r.readable)
        .uint("reps", r.list_us.count())
        .real("p50_ms", p50, 3)
        .real("p99_ms", p99, 3)
        .real("max_ms", ms(r.list_us.max()), 3)
        .real("ref_p50_ms", rp50, 3)
        .real("ref_p99_ms", rp99, 3)
        .real("ref_max_ms", ms(r.ref_us.max()), 3)
        .real("ratio_p50", rp50 > 0 ? p50 / rp50 : 0.0, 2)
        .real("ratio_p99", rp99 > 0 ? p99 / rp99 : 0.0, 2)
        .uint("errors", r.errors)
        .uint("rate_limited", r.rate_limited)
        .boolean("check_ok", r.check == "ok");
    std::printf("%s\n", j.finish().c_str());
  }
}

int run(const run_options& o) {
  const auto deadline =
      clock_type::now() +
      std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_seconds * 1000.0));
  const auto wall_now = std::chrono::system_clock::now().time_since_epoch();
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall_now).count();
  const auto exp = std::chrono::duration_cast<std::chrono::seconds>(wall_now).count() +
                   static_cast<std::int64_t>(o.timeout_seconds) + 3600;
  // The activity times are relative to a fixed day, so that a --skip-seed run builds
  // the very org an earlier run seeded.
  const std::int64_t day = 24LL * 3600 * 1000;
  const auto m = make_org(o.org, o.conversations, o.seed, now_ms - now_ms % day);

  if (!o.skip_seed) {
    const auto t = clock_type::now();
    {
      sync_client admin(o.target, "admin", deadline);
      admin.open(parley::protocol::sign_token(
          {.sub = "parley-bench", .exp = exp, .admin = true}, o.secret));
      seed_directory(admin, m);
    }
    auto db = pg::connect(o.db);
    auto counts = seed_conversations(db.get(), m);
    std::fprintf(stderr,
                 "parley-conv-list: seeded %s: %zu companies, %zu users, %zu "
                 "conversations, %zu participants rows in %.1f s\n",
                 o.org.c_str(), m.companies.size(), m.users.size(), counts.conversations,
                 counts.participants, seconds_since(t));
  }

  std::vector<std::string> all_ids;
  for (const auto& c : m.conversations)
    all_ids.push_back(c.id);

  if (o.explain_passes > 0) {
    const auto& v = m.viewers.front();
    lister l(o, v.user, deadline, exp);
    std::vector<std::size_t> items;
    std::string check;
    std::vector<std::string> expected;
    for (auto i : m.readable_by(v.user))
      expected.push_back(all_ids[i]);
    auto cursors = walk(l, o, expected, items, check);
    if (cursors.size() + 1 < o.depth)
      throw run_error(v.label + " has fewer than " + std::to_string(o.depth) + " pages");
    for (std::size_t k = 0; k < o.explain_passes; ++k) {
      l.list(std::nullopt, nullptr);
      if (o.depth > 1) l.list(cursors[o.depth - 2], nullptr);
    }
    std::fprintf(
        stderr, "parley-conv-list: %zu passes of page 1 and page %zu for %s (walk: %s)\n",
        o.explain_passes, o.depth, v.user.c_str(), check.c_str());
    return check == "ok" && l.errors == 0 ? 0 : 3;
  }

  auto db = pg::connect(o.db);
  reference ref(db.get(), o);
  auto ref_cursors = ref.cursors(o.depth - 1);

  std::vector<row> rows;
  bool all_ok = true;
  for (const auto& v : m.viewers) {
    std::vector<std::string> expected;
    for (auto i : m.readable_by(v.user))
      expected.push_back(all_ids[i]);
    lister l(o, v.user, deadline, exp);
    std::vector<std::size_t> items;
    std::string check;
    auto cursors = walk(l, o, expected, items, check);
    if (check != "ok") all_ok = false;
    // Page 1, and the deepest page up to --depth this viewer has (and the org has
    // for the reference), when that is not page 1.
    std::vector<std::size_t> pages{1};
    const std::size_t deep =
        std::min({o.depth, items.size(), cursors.size() + 1, ref_cursors.size() + 1});
    if (deep > 1) pages.push_back(deep);
    for (auto p : pages) {
      row r;
      r.viewer = v.label;
      r.user = v.user;
      r.page = p;
      r.readable = expected.size();
      r.check = check;
      r.items = items[p - 1];
      std::optional<std::string> cursor;
      std::optional<std::pair<std::string, std::string>> ref_at;
      if (p > 1) {
        cursor = cursors[p - 2];
        ref_at = ref_cursors[p - 2];
      }
      for (std::size_t i = 0; i < o.warmup + o.reps; ++i) {
        auto latency = l.list(cursor, nullptr);
        if (latency && i >= o.warmup) r.list_us.record(micros(*latency));
      }
      for (std::size_t i = 0; i < o.warmup + o.reps; ++i) {
        const auto t = clock_type::now();
        auto res = ref.read(ref_at);
        const auto took = clock_type::now() - t;
        if (i >= o.warmup) r.ref_us.record(micros(took));
      }
      if (clock_type::now() >= deadline) throw run_error("timed out while measuring");
      r.errors = l.errors;
      r.rate_limited = l.rate_limited;
      if (l.errors) {
        all_ok = false;
        r.check = std::to_string(l.errors) + " errors, last: " + l.last_error;
      }
      rows.push_back(std::move(r));
    }
  }
  print_rows(o, rows);
  std::fflush(stdout);
  return all_ok ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto args = option_map::parse(argc, argv, specs);
    if (args.has("help")) {
      std::fputs(usage.data(), stdout);
      return 0;
    }
    return run(parse(args));
  } catch (const usage_error& e) {
    std::fprintf(stderr, "parley-conv-list: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-conv-list: %s\n", e.what());
    return 1;
  }
}
