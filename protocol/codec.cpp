#include "protocol/codec.hpp"

#include "protocol/frame_check.hpp"
#include "protocol/utf8.hpp"

namespace parley::protocol {

namespace {

bool key_equals(const msgpack::object& k, std::string_view key) {
  return k.type == msgpack::type::STR &&
         std::string_view{k.via.str.ptr, k.via.str.size} == key;
}

std::string_view as_view(const msgpack::object& o) {
  return {o.via.str.ptr, o.via.str.size};
}

} // namespace

// -- request --------------------------------------------------------------------

struct request::decoded {
  // A zone's first chunk holds the maps and arrays (the strings stay in `bytes`):
  // 512 bytes are 16 key/value pairs, more than most requests; it grows if needed.
  static constexpr std::size_t zone_chunk = 512;
  explicit decoded(std::string b) : bytes(std::move(b)), zone(zone_chunk) {}
  std::string bytes;
  msgpack::zone zone;
  msgpack::object root;
};

const msgpack::object& request::root() const {
  return frame_->root;
}

const msgpack::object* find_in_map(const msgpack::object& map, std::string_view key) {
  if (map.type != msgpack::type::MAP) return nullptr;
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (key_equals(kv.key, key))
      return kv.val.type == msgpack::type::NIL ? nullptr : &kv.val;
  }
  return nullptr;
}

const msgpack::object* request::find(std::string_view key) const {
  return find_in_map(frame_->root, key);
}

std::string_view request::op() const {
  auto o = find("op");
  return o && o->type == msgpack::type::STR ? as_view(*o) : std::string_view{};
}

std::optional<std::uint64_t> request::rid() const {
  auto o = find("rid");
  if (o && o->type == msgpack::type::POSITIVE_INTEGER) return o->via.u64;
  return std::nullopt;
}

bool request::rid_malformed() const {
  auto o = find("rid");
  return o && o->type != msgpack::type::POSITIVE_INTEGER;
}

namespace {

/// msgpack-cxx copies every string into its zone unless told it may point into
/// the input; the request keeps the input, so every string, bin and ext may.
bool reference_the_frame(msgpack::type::object_type, std::size_t, void*) {
  return true;
}

} // namespace

decode_result decode_request(std::string bytes) {
  decode_result out;
  if (auto err = check_frame(bytes)) {
    out.error = std::move(*err);
    return out;
  }
  try {
    // check_frame has bounded every length and the depth; these limits are a second
    // fence in case the two parsers ever disagree.
    msgpack::unpack_limit limit(limits::max_frame_bytes, limits::max_frame_bytes,
                                limits::max_frame_bytes, limits::max_frame_bytes,
                                limits::max_frame_bytes, limits::max_nesting);
    auto frame = std::make_shared<request::decoded>(std::move(bytes));
    std::size_t offset = 0;
    frame->root = msgpack::unpack(frame->zone, frame->bytes.data(), frame->bytes.size(),
                                  offset, reference_the_frame, nullptr, limit);
    if (offset != frame->bytes.size() || frame->root.type != msgpack::type::MAP) {
      out.error = "frame is not one MessagePack map";
      return out;
    }
    request req;
    req.frame_ = std::move(frame);
    out.req.emplace(std::move(req));
  } catch (const std::exception&) {
    out.error = "malformed MessagePack";
  }
  return out;
}

// -- args -----------------------------------------------------------------------

const msgpack::object* args::find(std::string_view key) const {
  return find_in_map(*map_, key);
}

std::string args::quoted(std::string_view key) const {
  std::string out = "'";
  out += prefix_;
  if (!prefix_.empty()) out += '.';
  out += key;
  out += "'";
  return out;
}

void args::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

std::optional<std::string_view> args::opt_str(std::string_view key, std::size_t min_len,
                                              std::size_t max_len) {
  auto o = find(key);
  if (!o) return std::nullopt;
  if (o->type != msgpack::type::STR) {
    fail(quoted(key) + " must be a string");
    return std::nullopt;
  }
  auto v = as_view(*o);
  if (v.size() < min_len || v.size() > max_len) {
    fail(quoted(key) + " must be " + std::to_string(min_len) + ".." +
         std::to_string(max_len) + " bytes");
    return std::nullopt;
  }
  if (!valid_utf8(v)) {
    fail(quoted(key) + " is not valid UTF-8");
    return std::nullopt;
  }
  if (v.find('\0') != std::string_view::npos) { // valid UTF-8 but not storable text
    fail(quoted(key) + " must not contain U+0000");
    return std::nullopt;
  }
  return v;
}

std::string_view args::str(std::string_view key, std::size_t min_len,
                           std::size_t max_len) {
  if (!find(key)) {
    fail("missing " + quoted(key));
    return {};
  }
  return opt_str(key, min_len, max_len).value_or(std::string_view{});
}

std::optional<std::uint64_t> args::opt_uint(std::string_view key) {
  auto o = find(key);
  if (!o) return std::nullopt;
  if (o->type != msgpack::type::POSITIVE_INTEGER) {
    fail(quoted(key) + " must be a non-negative integer");
    return std::nullopt;
  }
  return o->via.u64;
}

std::uint64_t args::uint(std::string_view key) {
  if (!find(key)) {
    fail("missing " + quoted(key));
    return 0;
  }
  return opt_uint(key).value_or(0);
}

std::optional<std::uint64_t> args::opt_seq(std::string_view key) {
  auto v = opt_uint(key);
  if (v && *v > static_cast<std::uint64_t>(INT64_MAX)) {
    fail(quoted(key) + " must be a seq (0..2^63-1)");
    return std::nullopt;
  }
  return v;
}

std::uint64_t args::seq(std::string_view key) {
  if (!find(key)) {
    fail("missing " + quoted(key));
    return 0;
  }
  return opt_seq(key).value_or(0);
}

std::optional<std::int64_t> args::opt_int(std::string_view key) {
  auto o = find(key);
  if (!o) return std::nullopt;
  if (o->type == msgpack::type::NEGATIVE_INTEGER) return o->via.i64;
  if (o->type == msgpack::type::POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
    return static_cast<std::int64_t>(o->via.u64);
  fail(quoted(key) + " must be an integer");
  return std::nullopt;
}

std::optional<bool> args::opt_bool(std::string_view key) {
  auto o = find(key);
  if (!o) return std::nullopt;
  if (o->type != msgpack::type::BOOLEAN) {
    fail(quoted(key) + " must be a boolean");
    return std::nullopt;
  }
  return o->via.boolean;
}

std::vector<std::string> args::id_list(std::string_view key, std::size_t max_items,
                                       bool required) {
  std::vector<std::string> out;
  auto o = find(key);
  if (!o) {
    if (required) fail("missing " + quoted(key));
    return out;
  }
  if (o->type != msgpack::type::ARRAY) {
    fail(quoted(key) + " must be an array of strings");
    return out;
  }
  if (o->via.array.size > max_items) {
    fail(quoted(key) + " has more than " + std::to_string(max_items) + " items");
    return out;
  }
  out.reserve(o->via.array.size);
  for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
    const auto& item = o->via.array.ptr[i];
    if (item.type != msgpack::type::STR || item.via.str.size < 1 ||
        item.via.str.size > limits::max_id_bytes || !valid_text(as_view(item))) {
      fail(quoted(key) + " must hold ids of 1.." + std::to_string(limits::max_id_bytes) +
           " bytes");
      out.clear();
      return out;
    }
    out.emplace_back(as_view(item));
  }
  return out;
}

const msgpack::object* args::opt_map(std::string_view key) {
  auto o = find(key);
  if (!o) return nullptr;
  if (o->type != msgpack::type::MAP) {
    fail(quoted(key) + " must be a map");
    return nullptr;
  }
  return o;
}

// -- map_builder ----------------------------------------------------------------

void map_builder::key(std::string_view k) {
  packer().pack_str(static_cast<std::uint32_t>(k.size()));
  packer().pack_str_body(k.data(), static_cast<std::uint32_t>(k.size()));
  ++count_;
}

map_builder& map_builder::str(std::string_view k, std::string_view value) {
  key(k);
  packer().pack_str(static_cast<std::uint32_t>(value.size()));
  packer().pack_str_body(value.data(), static_cast<std::uint32_t>(value.size()));
  return *this;
}

map_builder& map_builder::uint(std::string_view k, std::uint64_t value) {
  key(k);
  packer().pack_uint64(value);
  return *this;
}

map_builder& map_builder::sint(std::string_view k, std::int64_t value) {
  key(k);
  packer().pack_int64(value);
  return *this;
}

map_builder& map_builder::boolean(std::string_view k, bool value) {
  key(k);
  if (value)
    packer().pack_true();
  else
    packer().pack_false();
  return *this;
}

map_builder& map_builder::nil(std::string_view k) {
  key(k);
  packer().pack_nil();
  return *this;
}

map_builder& map_builder::str_list(std::string_view k,
                                   const std::vector<std::string>& values) {
  key(k);
  packer().pack_array(static_cast<std::uint32_t>(values.size()));
  for (const auto& v : values) {
    packer().pack_str(static_cast<std::uint32_t>(v.size()));
    packer().pack_str_body(v.data(), static_cast<std::uint32_t>(v.size()));
  }
  return *this;
}

map_builder& map_builder::raw(std::string_view k, std::string_view encoded) {
  key(k);
  body_.write(encoded.data(), encoded.size());
  return *this;
}

map_builder& map_builder::raw_array(std::string_view k,
                                    const std::vector<std::string>& items) {
  key(k);
  packer().pack_array(static_cast<std::uint32_t>(items.size()));
  for (const auto& item : items)
    body_.write(item.data(), item.size());
  return *this;
}

map_builder& map_builder::map(std::string_view k, const map_builder& sub) {
  key(k);
  packer().pack_map(sub.count_);
  body_.write(sub.body_.data(), sub.body_.size());
  return *this;
}

map_builder& map_builder::merge(const map_builder& other) {
  body_.write(other.body_.data(), other.body_.size());
  count_ += other.count_;
  return *this;
}

std::string map_builder::finish() const {
  msgpack::sbuffer head;
  msgpack::packer<msgpack::sbuffer>{head}.pack_map(count_);
  std::string out;
  out.reserve(head.size() + body_.size());
  out.append(head.data(), head.size());
  out.append(body_.data(), body_.size());
  return out;
}

// -- replies --------------------------------------------------------------------

namespace {

void reply_head(map_builder& b, std::optional<std::uint64_t> rid, bool ok) {
  b.str("op", "reply");
  if (rid)
    b.uint("rid", *rid);
  else
    b.nil("rid");
  b.boolean("ok", ok);
}

} // namespace

std::string encode_ok(std::optional<std::uint64_t> rid, const map_builder& fields) {
  map_builder b;
  reply_head(b, rid, true);
  b.merge(fields);
  return b.finish();
}

std::string encode_ok(std::optional<std::uint64_t> rid) {
  map_builder b;
  reply_head(b, rid, true);
  return b.finish();
}

std::string encode_error(std::optional<std::uint64_t> rid, error_code code,
                         std::string_view message) {
  map_builder b;
  reply_head(b, rid, false);
  b.str("code", to_string(code));
  b.str("message", message);
  return b.finish();
}

} // namespace parley::protocol
