// parley-copy-ceiling: how fast this machine's PostgreSQL takes message rows at best,
// as one COPY in one transaction into a fresh table shaped like `messages` (same
// columns, defaults, primary key and unique index). The durability bench divides
// parley's acknowledged msgs/s by this figure. See bench/README.md.
#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/body.hpp"
#include "bench/common/cli.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/common/json_line.hpp"
#include "bench/copy_ceiling/pg.hpp"
#include "protocol/limits.hpp"

namespace {

using namespace parley::bench;

constexpr std::string_view usage = R"(usage: parley-copy-ceiling [--db CONNINFO] [options]

Times one COPY of M message rows into a fresh logged table shaped like `messages`,
in one transaction, BEGIN to COMMIT (synchronous_commit as the server has it), then
drops the table.

  --db CONNINFO        libpq connection string; empty: the PG* environment   []
  --rows M             rows to COPY                                        [200000]
  --conversations C    rows are spread over C conversations                [16]
  --body-bytes B       message body size                                   [100]
  --timeout S          statement_timeout for every statement, seconds      [300]
  --cpu-pids LIST      also report the CPU seconds of these process trees from
                       BEGIN to COMMIT, e.g. postgres=POSTMASTER_PID (this tool
                       and its own backend are always reported)
  --json               also print one JSON line of results
  --help
)";

constexpr option_spec specs[] = {
    {"db", true},      {"rows", true},  {"conversations", true}, {"body-bytes", true},
    {"timeout", true}, {"json", false}, {"help", false},         {"cpu-pids", true},
};

constexpr const char* table = "bench_copy_ceiling";

// Named statements: SQL as constants next to the code that runs them.
constexpr const char* sql_set_timeout =
    "SELECT set_config('statement_timeout', $1, false)";
constexpr const char* sql_has_messages = "SELECT to_regclass('messages') IS NOT NULL";
constexpr const char* sql_drop = "DROP TABLE IF EXISTS bench_copy_ceiling";
// LIKE ... INCLUDING ALL copies columns, defaults, constraints and indexes (the
// primary key and the (conv, author, cid) unique index), but not the foreign key to
// conversations, which the rows here could not satisfy anyway.
constexpr const char* sql_create_like =
    "CREATE TABLE bench_copy_ceiling (LIKE messages INCLUDING ALL)";
// Without the server's schema: the columns of storage/migrations/001_core.sql.
constexpr const char* sql_create_own = R"(CREATE TABLE bench_copy_ceiling (
  conv     text NOT NULL,
  seq      bigint NOT NULL,
  ts       bigint NOT NULL,
  author   text NOT NULL,
  cid      text NOT NULL,
  body     text NOT NULL,
  format   text NOT NULL DEFAULT 'text',
  reply_to bigint,
  mentions text[],
  internal boolean NOT NULL DEFAULT false,
  PRIMARY KEY (conv, seq),
  UNIQUE (conv, author, cid)
))";
constexpr const char* sql_copy =
    "COPY bench_copy_ceiling (conv, seq, ts, author, cid, body, format, reply_to, "
    "mentions, internal) FROM STDIN";

struct copy_options {
  std::string db;
  std::uint64_t rows = 200000;
  std::uint64_t conversations = 16;
  std::size_t body_bytes = 100;
  std::uint64_t timeout_seconds = 300;
  bool json = false;
  std::map<std::string, int> cpu_pids;
};

/// Appends `v` as one field of COPY's text format.
void append_field(std::string& out, std::string_view v) {
  for (char ch : v) {
    switch (ch) {
    case '\\':
      out += "\\\\";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      out += ch;
    }
  }
}

/// The rows, in chunks of about 1 MiB, built before the clock starts. Row r is the
/// (r / C + 1)-th message of conversation r % C, written by user u<c> with cid
/// "<c>-<n>": the shape parley-load gives the server with --conversations equal to
/// --connections (its default).
std::vector<std::string> make_rows(const copy_options& o, std::uint64_t& bytes) {
  constexpr std::size_t chunk_bytes = 1 << 20;
  const std::string body = make_body(o.body_bytes);
  const auto base_ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  std::vector<std::string> chunks(1);
  bytes = 0;
  for (std::uint64_t r = 0; r < o.rows; ++r) {
    const std::uint64_t c = r % o.conversations;
    const std::uint64_t n = r / o.conversations;
    std::string& out = chunks.back();
    out += "bench-copy-c" + std::to_string(c);
    out += '\t' + std::to_string(n + 1);
    out += '\t' + std::to_string(base_ts + static_cast<std::int64_t>(r / 100));
    out += "\tu" + std::to_string(c);
    out += '\t' + std::to_string(c) + "-" + std::to_string(n);
    out += '\t';
    append_field(out, body);
    out += "\ttext\t\\N\t\\N\tf\n";
    if (out.size() >= chunk_bytes) {
      bytes += out.size();
      chunks.emplace_back();
    }
  }
  bytes += chunks.back().size();
  return chunks;
}

/// Drops the table when the run ends, however it ends (rolling back first if a
/// transaction was left open by an error).
class table_guard {
public:
  explicit table_guard(PGconn* c) : c_(c) {}
  table_guard(const table_guard&) = delete;
  table_guard& operator=(const table_guard&) = delete;
  ~table_guard() {
    try {
      if (PQtransactionStatus(c_) != PQTRANS_IDLE) pg::exec(c_, "ROLLBACK");
      pg::exec(c_, sql_drop);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "parley-copy-ceiling: could not drop %s: %s\n", table,
                   e.what());
    }
  }

private:
  PGconn* c_;
};

struct copy_result {
  double seconds = 0;
  std::uint64_t bytes = 0;
  std::string table_source;
  std::string synchronous_commit;
  std::string fsync;
  std::string wal_level;
  std::map<std::string, double> cpu_seconds; // BEGIN to COMMIT, by process tree
};

copy_result run(const copy_options& o) {
  copy_result res;
  auto conn = pg::connect(o.db);
  PGconn* c = conn.get();
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr); // "does not exist, skipping"

  const std::string timeout_ms = std::to_string(o.timeout_seconds * 1000);
  const char* timeout_param[] = {timeout_ms.c_str()};
  pg::exec_params(c, sql_set_timeout, 1, timeout_param);
  res.synchronous_commit = pg::scalar(c, "SHOW synchronous_commit");
  res.fsync = pg::scalar(c, "SHOW fsync");
  res.wal_level = pg::scalar(c, "SHOW wal_level");

  // The table is created and committed before the timed transaction: COPY into a
  // table created in the same transaction may skip WAL (wal_level=minimal), which
  // the server's long-lived messages table never can.
  pg::exec(c, sql_drop);
  const bool like_messages = pg::scalar(c, sql_has_messages) == "t";
  pg::exec(c, like_messages ? sql_create_like : sql_create_own);
  res.table_source =
      like_messages ? "LIKE messages INCLUDING ALL" : "001_core.sql columns";
  table_guard guard{c};

  const auto chunks = make_rows(o, res.bytes);

  auto pids = o.cpu_pids;
  pids["backend"] = std::stoi(pg::scalar(c, "SELECT pg_backend_pid()"));
  cpu_sampler cpu{pids, "copy"};
  cpu.start();
  const auto t0 = std::chrono::steady_clock::now();
  pg::exec(c, "BEGIN");
  pg::exec(c, sql_copy, PGRES_COPY_IN);
  for (const auto& chunk : chunks) {
    if (chunk.empty()) continue;
    if (PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) != 1)
      throw pg::error(std::string{"COPY data: "} + PQerrorMessage(c));
  }
  if (PQputCopyEnd(c, nullptr) != 1)
    throw pg::error(std::string{"COPY end: "} + PQerrorMessage(c));
  std::uint64_t copied = 0;
  bool copy_ok = false;
  std::string copy_error;
  while (pg::result r{PQgetResult(c)}) {
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
      copy_ok = true;
      copied = std::stoull(PQcmdTuples(r.get()));
    } else {
      copy_error = PQresultErrorMessage(r.get());
    }
  }
  if (!copy_ok) throw pg::error("COPY: " + copy_error);
  pg::exec(c, "COMMIT");
  res.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cpu.stop();
  res.cpu_seconds = cpu.spent();

  if (copied != o.rows)
    throw pg::error("COPY took " + std::to_string(copied) + " rows, expected " +
                    std::to_string(o.rows));
  return res;
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto args = option_map::parse(argc, argv, specs);
    if (args.has("help")) {
      std::fputs(usage.data(), stdout);
      return 0;
    }
    copy_options o;
    o.db = args.str("db", "");
    o.rows = args.uint("rows", o.rows, 1, 1'000'000'000);
    o.conversations = args.uint("conversations", o.conversations, 1, 1'000'000);
    o.body_bytes = args.uint("body-bytes", o.body_bytes, 1,
                             parley::protocol::limits::max_body_bytes);
    o.timeout_seconds = args.uint("timeout", o.timeout_seconds, 1, 86400);
    o.json = args.has("json");
    o.cpu_pids = parse_cpu_pids(args.str("cpu-pids", ""));

    const auto r = run(o);
    const double rows_per_s = static_cast<double>(o.rows) / r.seconds;
    const double mib = static_cast<double>(r.bytes) / (1024.0 * 1024.0);
    std::printf("parley-copy-ceiling: %llu rows in one COPY + COMMIT into %s (%s)\n",
                static_cast<unsigned long long>(o.rows), table, r.table_source.c_str());
    std::printf("  COPY rows/s         %.1f\n", rows_per_s);
    std::printf("  elapsed             %.3f s  (BEGIN to COMMIT)\n", r.seconds);
    std::printf("  data                %.1f MiB  (%.1f MiB/s)\n", mib, mib / r.seconds);
    std::printf("  shape               %llu conversations, body %zu B\n",
                static_cast<unsigned long long>(o.conversations), o.body_bytes);
    std::printf("  settings            synchronous_commit=%s fsync=%s wal_level=%s\n",
                r.synchronous_commit.c_str(), r.fsync.c_str(), r.wal_level.c_str());
    // The backend is part of the postgres tree when both are given: count it once.
    double cpu_total = 0;
    for (const auto& [name, secs] : r.cpu_seconds)
      if (!(name == "backend" && r.cpu_seconds.contains("postgres"))) cpu_total += secs;
    std::printf("  cpu seconds        ");
    for (const auto& [name, secs] : r.cpu_seconds)
      std::printf(" %s %.2f", name.c_str(), secs);
    std::printf("\n");
    const double rows_per_cpu_s =
        cpu_total > 0 ? static_cast<double>(o.rows) / cpu_total : 0.0;
    if (cpu_total > 0) std::printf("  rows per cpu-s      %.1f\n", rows_per_cpu_s);
    if (r.fsync != "on" || r.synchronous_commit == "off") {
      std::printf("note: commits are not durable here (fsync=%s, synchronous_commit=%s); "
                  "compare only with parley on this same cluster\n",
                  r.fsync.c_str(), r.synchronous_commit.c_str());
    }
    if (o.json) {
      json_line j;
      j.str("tool", "parley-copy-ceiling")
          .uint("rows", o.rows)
          .uint("conversations", o.conversations)
          .uint("body_bytes", o.body_bytes)
          .real("elapsed_s", r.seconds, 3)
          .real("rows_per_s", rows_per_s, 1)
          .real("mib_per_s", mib / r.seconds, 2)
          .str("table", r.table_source)
          .str("synchronous_commit", r.synchronous_commit)
          .str("fsync", r.fsync)
          .str("wal_level", r.wal_level);
      for (const auto& [name, secs] : r.cpu_seconds)
        j.real("cpu_" + name + "_s", secs, 3);
      if (cpu_total > 0) j.real("rows_per_cpu_s", rows_per_cpu_s, 1);
      std::printf("%s\n", j.finish().c_str());
    }
    return 0;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "parley-copy-ceiling: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-copy-ceiling: %s\n", e.what());
    return 1;
  }
}
