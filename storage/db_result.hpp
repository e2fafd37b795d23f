#pragma once

#include <optional>
#include <string>
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

} // namespace parley::storage
