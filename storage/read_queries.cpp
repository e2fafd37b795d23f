#include "storage/read_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

// The unread count of user $U after marker M in conversation C, at most 1000 rows
// read: messages by others, internal ones only for staff.
#define PARLEY_UNREAD(conv, user, marker, upto, staff)                                   \
  "(SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.conv = " conv                 \
  " AND m.seq > " marker " AND m.seq <= " upto " AND m.author <> " user                  \
  " AND (NOT m.internal OR " staff ") LIMIT 1000) z)"

constexpr pg::statement select_participant_reads{
    "select_participant_reads",
    "SELECT p.user_id, coalesce(r.seq, 0),"
    " " PARLEY_UNREAD(
        "p.conv", "p.user_id", "coalesce(r.seq, 0)", "9223372036854775807",
        "coalesce(u.kind = 'staff', false)") " FROM participants p"
                                             " LEFT JOIN read_markers r ON r.conv = "
                                             "p.conv AND r.user_id = p.user_id"
                                             " LEFT JOIN users u ON u.id = p.user_id"
                                             " WHERE p.conv = $1"};

constexpr pg::statement upsert_read_marker{
    "upsert_read_marker",
    "WITH stored AS ("
    "  INSERT INTO read_markers (conv, user_id, seq, updated_at) VALUES ($1, $2, $3, $6)"
    "  ON CONFLICT (conv, user_id) DO UPDATE"
    "  SET seq = greatest(read_markers.seq, EXCLUDED.seq), updated_at = "
    "EXCLUDED.updated_at"
    "  RETURNING seq)"
    " SELECT s.seq, " PARLEY_UNREAD("$1", "$2", "s.seq", "$4::bigint",
                                    "$5::bool") " FROM stored s"};

constexpr pg::statement select_unread{
    "select_unread",
    "SELECT x.conv, " PARLEY_UNREAD(
        "x.conv", "$2", "coalesce(r.seq, 0)", "9223372036854775807",
        "$3::bool") " FROM unnest($1::text[]) AS x(conv)"
                    " LEFT JOIN read_markers r ON r.conv = x.conv AND r.user_id = $2"};

#undef PARLEY_UNREAD

} // namespace

db_result<std::vector<read_state>> participant_reads(pg::connection& db,
                                                     const std::string& conv) {
  auto r = db.exec(select_participant_reads, {conv});
  if (!r.ok()) return failed<std::vector<read_state>>(r);
  std::vector<read_state> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.str(i, 0), static_cast<std::uint64_t>(r.i64(i, 1)),
                   static_cast<std::uint64_t>(r.i64(i, 2))});
  return db_result<std::vector<read_state>>::success(std::move(out));
}

db_result<read_state> mark_read(pg::connection& db, const std::string& conv,
                                const std::string& user, std::uint64_t seq,
                                std::uint64_t upto, bool sees_internal,
                                std::int64_t now) {
  auto r =
      db.exec(upsert_read_marker, {conv, user, std::to_string(seq), std::to_string(upto),
                                   sees_internal ? "t" : "f", std::to_string(now)});
  if (!r.ok()) return failed<read_state>(r);
  return db_result<read_state>::success({user, static_cast<std::uint64_t>(r.i64(0, 0)),
                                         static_cast<std::uint64_t>(r.i64(0, 1))});
}

db_result<std::unordered_map<std::string, std::uint64_t>>
unread_counts(pg::connection& db, const std::string& user, bool sees_internal,
              const std::vector<std::string>& convs) {
  using out_t = std::unordered_map<std::string, std::uint64_t>;
  auto r =
      db.exec(select_unread, {pg::text_array(convs), user, sees_internal ? "t" : "f"});
  if (!r.ok()) return failed<out_t>(r);
  out_t out;
  for (int i = 0; i < r.rows(); ++i)
    out[r.str(i, 0)] = static_cast<std::uint64_t>(r.i64(i, 1));
  return db_result<out_t>::success(std::move(out));
}

} // namespace parley::storage
