#include "bench/conv_list/seed.hpp"

#include <algorithm>
#include <string>

#include "bench/copy_ceiling/pg.hpp"

namespace parley::bench::conv_list {

namespace {

constexpr const char* sql_delete_messages =
    "DELETE FROM messages WHERE conv IN (SELECT id FROM conversations WHERE org = $1)";
constexpr const char* sql_delete_participants =
    "DELETE FROM participants WHERE conv IN (SELECT id FROM conversations WHERE org = "
    "$1)";
constexpr const char* sql_delete_activity =
    "DELETE FROM conversation_activity WHERE id IN (SELECT id FROM conversations WHERE "
    "org = $1)";
constexpr const char* sql_delete_conversations =
    "DELETE FROM conversations WHERE org = $1";
constexpr const char* sql_copy_conversations =
    "COPY conversations (id, kind, org, company, subject, created_by, created_at, "
    "last_seq, last_ts) FROM STDIN";
constexpr const char* sql_copy_activity =
    "COPY conversation_activity (id, last_seq, last_ts) FROM STDIN";
constexpr const char* sql_copy_participants =
    "COPY participants (conv, user_id, added_at, last_ts) FROM STDIN";
// A steady-state database has been vacuumed: without it the measured index-only
// scans would visit the heap (no visibility map yet) until autovacuum happens to run.
constexpr const char* sql_vacuum_analyze =
    "VACUUM (ANALYZE) conversations, conversation_activity, participants, favorites, "
    "users,"
    " companies";

/// COPY text rows are buffered and sent in chunks of about this size.
constexpr std::size_t copy_chunk = 1 << 20;

/// Runs one COPY ... FROM STDIN, feeding it the rows `row(i, out)` appends for i in
/// [0, n). Every value the seeder writes is plain ASCII without tabs, newlines or
/// backslashes, so no escaping is needed.
template <class RowFn>
void copy_rows(PGconn* db, const char* sql, std::size_t n, RowFn row) {
  pg::exec(db, sql, PGRES_COPY_IN);
  std::string buf;
  auto flush = [&] {
    if (!buf.empty() && PQputCopyData(db, buf.data(), static_cast<int>(buf.size())) != 1)
      throw pg::error(std::string{sql} + ": " + PQerrorMessage(db));
    buf.clear();
  };
  for (std::size_t i = 0; i < n; ++i) {
    row(i, buf);
    if (buf.size() >= copy_chunk) flush();
  }
  flush();
  if (PQputCopyEnd(db, nullptr) != 1)
    throw pg::error(std::string{sql} + ": " + PQerrorMessage(db));
  // One result for the COPY, then none; bounded by the number of results libpq has.
  pg::result r{PQgetResult(db)};
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    throw pg::error(std::string{sql} + ": " +
                    (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(db)));
  for (int i = 0; i < 16; ++i) {
    pg::result extra{PQgetResult(db)};
    if (!extra) break;
  }
}

} // namespace

void seed_directory(sync_client& admin, const org_model& m) {
  {
    protocol::map_builder f;
    f.str("org", m.org).str("name", "conv.list bench " + m.org);
    admin.call_ok("admin.org.put", f, "admin.org.put " + m.org);
  }
  for (const auto& c : m.companies) {
    protocol::map_builder f;
    f.str("company", c.id).str("org", m.org).str("name", c.name);
    admin.call_ok("admin.company.put", f, "admin.company.put " + c.id);
  }
  for (const auto& u : m.users) {
    protocol::map_builder f;
    f.str("user", u.id).str("org", m.org).str("kind", u.kind).str("name", u.name);
    if (!u.role.empty()) f.str("role", u.role);
    if (!u.company.empty()) f.str("company", u.company);
    admin.call_ok("admin.user.put", f, "admin.user.put " + u.id);
  }
  for (const auto& u : m.users) {
    protocol::map_builder f;
    f.str("user", u.id).str_list("companies", u.favorites);
    admin.call_ok("admin.favorites.set", f, "admin.favorites.set " + u.id);
  }
}

seed_counts seed_conversations(PGconn* db, const org_model& m) {
  seed_counts counts;
  const char* org[] = {m.org.c_str()};
  pg::exec(db, "BEGIN");
  pg::exec_params(db, sql_delete_messages, 1, org, PGRES_COMMAND_OK);
  pg::exec_params(db, sql_delete_participants, 1, org, PGRES_COMMAND_OK);
  pg::exec_params(db, sql_delete_activity, 1, org, PGRES_COMMAND_OK);
  pg::exec_params(db, sql_delete_conversations, 1, org, PGRES_COMMAND_OK);
  const auto& convs = m.conversations;
  copy_rows(db, sql_copy_conversations, convs.size(),
            [&](std::size_t i, std::string& out) {
              const auto& c = convs[i];
              out += c.id;
              out += '\t';
              out += to_string(c.kind);
              out += '\t';
              out += m.org;
              out += '\t';
              out += c.company.empty() ? "\\N" : c.company;
              out += "\tBench conversation " + std::to_string(i) + '\t';
              out += c.created_by;
              // As the server keeps them (migration 015): exact here only where an
              // index walks them, otherwise as created, the exact ones below.
              bool exact = !c.company.empty();
              out += '\t' + std::to_string(c.created_at) + '\t' +
                     std::to_string(exact ? c.last_seq : 0) + '\t' +
                     std::to_string(exact ? c.last_ts : c.created_at) + '\n';
            });
  counts.conversations = convs.size();
  copy_rows(db, sql_copy_activity, convs.size(), [&](std::size_t i, std::string& out) {
    const auto& c = convs[i];
    out += c.id + '\t' + std::to_string(c.last_seq) + '\t' + std::to_string(c.last_ts) +
           '\n';
  });
  // Participants row by row: (conversation, position in its list).
  std::vector<std::pair<std::size_t, std::size_t>> rows;
  for (std::size_t i = 0; i < convs.size(); ++i)
    for (std::size_t p = 0; p < convs[i].participants.size(); ++p)
      rows.emplace_back(i, p);
  copy_rows(db, sql_copy_participants, rows.size(), [&](std::size_t r, std::string& out) {
    const auto& c = convs[rows[r].first];
    out += c.id;
    out += '\t';
    out += c.participants[rows[r].second];
    out += '\t' +
           std::to_string(c.created_at + static_cast<std::int64_t>(rows[r].second)) +
           '\t';
    // The coarse activity copy the server keeps (migration 003): anywhere within
    // the 10 s slack below the exact time, so the bench exercises the slack.
    auto lag = static_cast<std::int64_t>(
        (rows[r].first * 7919 + rows[r].second * 104729) % 10000);
    out += std::to_string(std::max(c.created_at, c.last_ts - lag)) + '\n';
  });
  counts.participants = rows.size();
  pg::exec(db, "COMMIT");
  pg::exec(db, sql_vacuum_analyze);
  return counts;
}

} // namespace parley::bench::conv_list
