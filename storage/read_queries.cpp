#include "storage/read_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

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

constexpr pg::statement select_unread{
    "select_unread",
    "SELECT x.conv, " PARLEY_UNREAD(
        "x.conv", "$2", "coalesce(r.seq, 0)", "9223372036854775807",
        "$3::bool") " FROM unnest($1::text[]) AS x(conv)"
                    " LEFT JOIN read_markers r ON r.conv = x.conv AND r.user_id = $2"};

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
