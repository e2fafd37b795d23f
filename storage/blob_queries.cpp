#include "storage/blob_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

// The advisory lock key of blob collection ("PBGC" in ASCII).
#define PARLEY_BLOB_GC_LOCK "1346521923"

constexpr pg::statement insert_blob{
    "insert_blob", "INSERT INTO blobs (id, uploader, name, created_at, touched_at)"
                   " VALUES ($1, $2, $3, $4, $4)"};

constexpr pg::statement finish_blob{
    "finish_blob",
    "UPDATE blobs SET size = $2, type = $3, complete = true WHERE id = $1"};

constexpr pg::statement remove_blob{"remove_blob", "DELETE FROM blobs WHERE id = $1"};

constexpr pg::statement select_blob{
    "select_blob", "SELECT b.id, b.uploader, b.name, b.type, b.size,"
                   " (SELECT count(*) FROM blob_chunks c WHERE c.blob = b.id)"
                   " FROM blobs b WHERE b.id = $1 AND b.complete"};

constexpr pg::statement select_references{
    "select_blob_references",
    "SELECT DISTINCT a.conv, m.internal FROM message_attachments a"
    " JOIN messages m ON m.conv = a.conv AND m.seq = a.seq WHERE a.blob = $1"};

constexpr pg::statement touch_stmt{
    "touch_blobs", "UPDATE blobs SET touched_at = greatest(touched_at, $2)"
                   " WHERE id = ANY($1::text[])"};

// One node at a time collects (in a cluster every node's first blob store runs
// this timer): a transaction-level advisory lock, taken or skipped, held by this
// statement's own transaction. A node that does not get it deletes nothing.
constexpr pg::statement collect_stmt{
    "collect_blobs",
    "WITH lock AS (SELECT pg_try_advisory_xact_lock(" PARLEY_BLOB_GC_LOCK ") AS got),"
    " gone AS (DELETE FROM blobs b WHERE (SELECT got FROM lock)"
    "  AND b.touched_at < $1"
    "  AND NOT EXISTS (SELECT 1 FROM message_attachments a"
    "                  WHERE a.blob = b.id) RETURNING 1)"
    " SELECT count(*) FROM gone"};

// Chunks travel as binary parameters and results: no hex doubling of the bytes.
constexpr const char* insert_chunk_sql =
    "INSERT INTO blob_chunks (blob, idx, data) VALUES ($1, $2::int, $3)";
constexpr const char* select_chunk_sql =
    "SELECT data FROM blob_chunks WHERE blob = $1 AND idx = $2::int";

db_result<bool> done(const pg::result& r) {
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

} // namespace

db_result<bool> create_blob(pg::connection& db, const std::string& id,
                            const std::string& uploader, const std::string& name,
                            std::int64_t now) {
  return done(db.exec(insert_blob, {id, uploader, name, std::to_string(now)}));
}

db_result<bool> add_blob_chunk(pg::connection& db, const std::string& id,
                               std::int64_t idx, std::string_view bytes) {
  auto index = std::to_string(idx);
  const char* values[] = {id.c_str(), index.c_str(), bytes.data()};
  const int lengths[] = {0, 0, static_cast<int>(bytes.size())};
  const int formats[] = {0, 0, 1};
  return done(db.exec_binary(insert_chunk_sql, 3, values, lengths, formats, false));
}

db_result<bool> complete_blob(pg::connection& db, const std::string& id,
                              std::int64_t size, const std::string& type) {
  return done(db.exec(finish_blob, {id, std::to_string(size), type}));
}

db_result<bool> delete_blob(pg::connection& db, const std::string& id) {
  return done(db.exec(remove_blob, {id}));
}

db_result<std::optional<blob_row>> find_blob(pg::connection& db, const std::string& id) {
  using out_t = std::optional<blob_row>;
  auto r = db.exec(select_blob, {id});
  if (!r.ok()) return failed<out_t>(r);
  if (r.rows() == 0) return db_result<out_t>::success(std::nullopt);
  blob_row b;
  b.id = r.str(0, 0);
  b.uploader = r.str(0, 1);
  b.name = r.str(0, 2);
  b.type = r.str(0, 3);
  b.size = r.i64(0, 4);
  b.complete = true;
  b.chunks = r.i64(0, 5);
  return db_result<out_t>::success(std::move(b));
}

db_result<std::vector<blob_reference>> blob_references(pg::connection& db,
                                                       const std::string& id) {
  using out_t = std::vector<blob_reference>;
  auto r = db.exec(select_references, {id});
  if (!r.ok()) return failed<out_t>(r);
  out_t out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(blob_reference{r.str(i, 0), r.boolean(i, 1)});
  return db_result<out_t>::success(std::move(out));
}

db_result<std::optional<std::string>>
read_blob_chunk(pg::connection& db, const std::string& id, std::int64_t idx) {
  using out_t = std::optional<std::string>;
  auto index = std::to_string(idx);
  const char* values[] = {id.c_str(), index.c_str()};
  auto r = db.exec_binary(select_chunk_sql, 2, values, nullptr, nullptr, true);
  if (!r.ok()) return failed<out_t>(r);
  if (r.rows() == 0) return db_result<out_t>::success(std::nullopt);
  return db_result<out_t>::success(r.str(0, 0));
}

db_result<bool> touch_blobs(pg::connection& db, const std::vector<std::string>& ids,
                            std::int64_t now) {
  return done(db.exec(touch_stmt, {pg::text_array(ids), std::to_string(now)}));
}

db_result<std::int64_t> collect_blobs(pg::connection& db, std::int64_t cutoff) {
  auto r = db.exec(collect_stmt, {std::to_string(cutoff)});
  if (!r.ok()) return failed<std::int64_t>(r);
  return db_result<std::int64_t>::success(r.i64(0, 0));
}

} // namespace parley::storage
