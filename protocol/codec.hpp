#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "protocol/error_code.hpp"
#include "protocol/limits.hpp"

namespace parley::protocol {

// -- decoding -------------------------------------------------------------------

struct decode_result;

/// One decoded client frame: a MessagePack map with string keys. Copies share the
/// decoded memory, so a handler may keep the request for later.
class request {
public:
  /// The value under `key`, or nullptr when absent. A nil value counts as absent
  /// (JavaScript clients send `undefined` as nil).
  const msgpack::object* find(std::string_view key) const;

  /// The `op` string; empty when missing or not a string.
  std::string_view op() const;

  /// The `rid`, when present as a non-negative integer.
  std::optional<std::uint64_t> rid() const;

  /// True when a `rid` key is present but not a non-negative integer.
  bool rid_malformed() const;

  /// The whole map.
  const msgpack::object& root() const;

private:
  friend decode_result decode_request(std::string bytes);
  struct decoded; // the frame's bytes and the objects that point into them
  std::shared_ptr<const decoded> frame_;
};

/// The outcome of decoding a frame: a request, or the reason it is not one.
struct decode_result {
  std::optional<request> req;
  std::string error; // set when req is empty: the frame is not one MessagePack map
};

/// Decodes one binary frame, which the request keeps: its strings are views of the
/// frame, not copies. Never throws; checks nesting and lengths before msgpack-cxx
/// allocates.
decode_result decode_request(std::string bytes);
inline decode_result decode_request(std::string_view bytes) {
  return decode_request(std::string{bytes});
}

/// Typed access to a request's arguments. Records the first problem (missing key,
/// wrong type, bad length, invalid UTF-8) so a handler reads all its fields and then
/// answers `bad_request` with one clear message.
class args {
public:
  explicit args(const request& req) : map_(&req.root()) {}

  /// Arguments inside a nested map (such as `first`); `prefix` names it in errors.
  args(const msgpack::object& map, std::string prefix)
      : map_(&map), prefix_(std::move(prefix)) {}

  /// A required string of `min..max` bytes of valid UTF-8.
  std::string_view str(std::string_view key, std::size_t min_len, std::size_t max_len);

  /// An optional string; nullopt when absent.
  std::optional<std::string_view> opt_str(std::string_view key, std::size_t min_len,
                                          std::size_t max_len);

  /// A required host id (1..128 bytes).
  std::string_view id(std::string_view key) { return str(key, 1, limits::max_id_bytes); }

  /// A required non-negative integer.
  std::uint64_t uint(std::string_view key);

  /// An optional non-negative integer.
  std::optional<std::uint64_t> opt_uint(std::string_view key);

  /// A required message seq: 0..2^63-1 (seqs are stored as bigint, so a larger
  /// one can name nothing and is a bad request, not a failed query).
  std::uint64_t seq(std::string_view key);

  /// An optional message seq.
  std::optional<std::uint64_t> opt_seq(std::string_view key);

  /// An optional signed integer (timestamps may be given as either sign of int).
  std::optional<std::int64_t> opt_int(std::string_view key);

  /// An optional boolean.
  std::optional<bool> opt_bool(std::string_view key);

  /// A list of ids; `required` decides whether absence is an error.
  std::vector<std::string> id_list(std::string_view key, std::size_t max_items,
                                   bool required);

  /// An optional map; nullptr when absent (records an error on a wrong type).
  const msgpack::object* opt_map(std::string_view key);

  /// Records a problem found by the caller's own checks.
  void fail(std::string message);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

private:
  const msgpack::object* find(std::string_view key) const;
  std::string quoted(std::string_view key) const;

  const msgpack::object* map_;
  std::string prefix_;
  std::string error_;
};

/// Reads string `key` of a nested map object (for sub-objects such as `first`).
/// nullptr when absent or not a map.
const msgpack::object* find_in_map(const msgpack::object& map, std::string_view key);

// -- encoding -------------------------------------------------------------------

/// Builds one MessagePack map field by field. The count of fields is known only at
/// the end, so fields are packed into a body buffer and the header is written by
/// `finish`.
class map_builder {
public:
  map_builder() = default;
  map_builder(map_builder&&) = default;
  map_builder& operator=(map_builder&&) = default;
  map_builder(const map_builder&) = delete;
  map_builder& operator=(const map_builder&) = delete;

  map_builder& str(std::string_view key, std::string_view value);
  map_builder& uint(std::string_view key, std::uint64_t value);
  map_builder& sint(std::string_view key, std::int64_t value);
  map_builder& boolean(std::string_view key, bool value);
  map_builder& nil(std::string_view key);
  map_builder& str_list(std::string_view key, const std::vector<std::string>& values);

  /// A field whose value is an already encoded MessagePack object.
  map_builder& raw(std::string_view key, std::string_view encoded);

  /// A field whose value is an array of already encoded MessagePack objects.
  map_builder& raw_array(std::string_view key, const std::vector<std::string>& items);

  /// A field whose value is another map under construction.
  map_builder& map(std::string_view key, const map_builder& sub);

  /// Appends every field of `other` to this map.
  map_builder& merge(const map_builder& other);

  std::uint32_t size() const { return count_; }

  /// The encoded map.
  std::string finish() const;

private:
  void key(std::string_view k);

  /// A packer is a pointer to its buffer: made per call so the builder can move.
  msgpack::packer<msgpack::sbuffer> packer() {
    return msgpack::packer<msgpack::sbuffer>{body_};
  }

  msgpack::sbuffer body_;
  std::uint32_t count_ = 0;
};

/// `{op: "reply", rid, ok: true, ...fields}`; a request without a usable rid is
/// answered with `rid: nil`.
std::string encode_ok(std::optional<std::uint64_t> rid, const map_builder& fields);

/// `{op: "reply", rid, ok: true}`.
std::string encode_ok(std::optional<std::uint64_t> rid);

/// `{op: "reply", rid, ok: false, code, message}`.
std::string encode_error(std::optional<std::uint64_t> rid, error_code code,
                         std::string_view message);

} // namespace parley::protocol
