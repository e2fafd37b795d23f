#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace parley::storage {

/// A value read from or written to the database, or why that failed. Storage never
/// throws; callers turn `error` into an `unavailable` reply.
template <class T>
struct db_result {
  std::optional<T> value;
  std::string error;    // libpq's message when value is empty
  std::string sqlstate; // e.g. "23505" for a unique violation

  bool ok() const { return value.has_value(); }
  static db_result success(T v) { return db_result{std::move(v), {}, {}}; }
  static db_result failure(std::string err, std::string state = {}) {
    return db_result{std::nullopt, std::move(err), std::move(state)};
  }
};

inline constexpr const char* sqlstate_unique_violation = "23505";
/// Not PostgreSQL's: the group commit refused conversations whose owner epoch was
/// raised by another node (migration 014); `error` lists their ids, one per line.
inline constexpr const char* sqlstate_fenced = "PFENC";

/// True when a failed statement's SQLSTATE blames the data it was given: class 22
/// (data exception: a NUL in text, a value out of range) or 23 (integrity
/// constraint violation: a key taken, a foreign key missing). Such a failure is
/// one request's fault and worth isolating; any other (resources, a read-only or
/// shutting-down server, a lock or serialization failure) fails whatever is sent,
/// so retrying parts of a batch would only repeat it.
inline bool blames_the_data(std::string_view sqlstate) {
  return sqlstate.size() == 5 &&
         (sqlstate.substr(0, 2) == "22" || sqlstate.substr(0, 2) == "23");
}

} // namespace parley::storage
