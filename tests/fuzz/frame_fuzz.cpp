// libFuzzer target: one client frame through the frame checker, the decoder and every
// typed accessor a handler uses, then re-encoded with map_builder and decoded again.
// It must never crash, leak or hit undefined behaviour, and the invariants below must
// hold for every input. Built twice (see CMakeLists.txt): as a real libFuzzer binary
// under clang with ASan and UBSan, and as a corpus replayer with the project compiler.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/codec.hpp"
#include "protocol/error_code.hpp"
#include "protocol/frame_check.hpp"
#include "protocol/jwt.hpp"
#include "protocol/limits.hpp"
#include "protocol/preview.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/must.hpp"

namespace {

using namespace parley::protocol;

/// The keys handlers read most, each tried with every accessor.
constexpr std::string_view keys[] = {"op",   "rid",          "conv",  "cid",
                                     "body", "participants", "first", "since"};

/// A string accessor's result is within bounds and valid UTF-8.
void check_str(std::string_view s, std::size_t min, std::size_t max) {
  must(s.size() >= min && s.size() <= max);
  must(valid_utf8(s));
}

void check_str(std::optional<std::string_view> s, std::size_t min, std::size_t max) {
  if (s) check_str(*s, min, max);
}

void exercise_preview(std::string_view body) {
  for (std::size_t max : {std::size_t{0}, std::size_t{1}, limits::preview_chars}) {
    auto preview = cut_preview(body, max);
    must(valid_utf8(preview));
    must(utf8_length(preview) <= max);
  }
  must(utf8_prefix_bytes(body, limits::preview_chars) <= body.size());
  must(utf8_length(body) <= body.size());
}

void exercise_token(std::string_view token) {
  // As a token, and as the JSON inside one (the header and claims are parsed before
  // the signature is checked), so mutations reach the JSON reader directly.
  auto r = verify_token(token, "fuzz-secret", 0);
  must(!r.claims); // nobody can sign with our secret
  auto json = base64url_encode(token);
  must(base64url_decode(json) == token);
  auto as_json = verify_token(json + "." + json + ".", "fuzz-secret", 0);
  must(!as_json.claims);
}

/// Reads everything a handler could read, and returns the first error like one.
std::string read_all(const request& req) {
  args a{req};
  for (auto key : keys) {
    check_str(a.opt_str(key, 0, limits::max_body_bytes), 0, limits::max_body_bytes);
    (void)a.opt_uint(key);
    (void)a.opt_int(key);
    (void)a.opt_bool(key);
    (void)a.id_list(key, limits::max_participants, false);
    if (auto m = a.opt_map(key)) {
      for (auto sub : keys) {
        if (auto v = find_in_map(*m, sub); v && v->type == msgpack::type::STR) {
          std::string_view s{v->via.str.ptr, v->via.str.size};
          if (valid_utf8(s)) exercise_preview(s);
        }
      }
    }
  }
  // The shapes of msg.send, conv.create and conv.open.
  args typed{req};
  // A required string is empty exactly when it could not be read.
  if (auto conv = typed.id("conv"); !conv.empty())
    check_str(conv, 1, limits::max_id_bytes);
  if (auto cid = typed.str("cid", 1, limits::max_cid_bytes); !cid.empty())
    check_str(cid, 1, limits::max_cid_bytes);
  must(typed.ok() || !typed.error().empty());
  auto body = typed.opt_str("body", 0, limits::max_body_bytes);
  if (body) exercise_preview(*body);
  auto ids = typed.id_list("participants", limits::max_participants, true);
  must(ids.size() <= limits::max_participants);
  for (const auto& id : ids)
    must(!id.empty() && id.size() <= limits::max_id_bytes);
  (void)typed.opt_uint("since");
  (void)typed.opt_bool("internal");
  (void)typed.uint("seq");
  if (auto first = typed.opt_map("first")) {
    args nested{*first, "first"};
    if (auto b = nested.opt_str("body", 0, limits::max_body_bytes)) exercise_preview(*b);
    (void)nested.opt_str("format", 1, 16);
    (void)nested.id_list("mentions", limits::max_mentions, false);
    (void)nested.opt_uint("reply_to");
    if (!nested.ok())
      must(nested.error().rfind("'first.", 0) == 0 ||
           nested.error().rfind("missing 'first.", 0) == 0);
  }
  if (auto token = typed.opt_str("token", 1, 8192)) exercise_token(*token);
  if (!typed.ok()) must(!typed.error().empty());
  return typed.error();
}

/// Re-encodes a decoded object exactly. msgpack-cxx's packer writes integral floats
/// as integers (changing the type a handler sees) and converts 2^64 to uint64_t on
/// the way (undefined behaviour), so floats are written by hand.
void repack(msgpack::packer<msgpack::sbuffer>& pk, msgpack::sbuffer& buf,
            const msgpack::object& o) {
  auto put_be = [&](std::uint8_t tag, std::uint64_t bits, int width) {
    char out[9];
    out[0] = static_cast<char>(tag);
    for (int k = 0; k < width; ++k)
      out[1 + k] = static_cast<char>(bits >> (8 * (width - 1 - k)));
    buf.write(out, static_cast<std::size_t>(1 + width));
  };
  switch (o.type) {
  case msgpack::type::ARRAY:
    pk.pack_array(o.via.array.size);
    for (std::uint32_t i = 0; i < o.via.array.size; ++i)
      repack(pk, buf, o.via.array.ptr[i]);
    return;
  case msgpack::type::MAP:
    pk.pack_map(o.via.map.size);
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      repack(pk, buf, o.via.map.ptr[i].key);
      repack(pk, buf, o.via.map.ptr[i].val);
    }
    return;
  case msgpack::type::FLOAT32:
    put_be(0xca, std::bit_cast<std::uint32_t>(static_cast<float>(o.via.f64)), 4);
    return;
  case msgpack::type::FLOAT64:
    put_be(0xcb, std::bit_cast<std::uint64_t>(o.via.f64), 8);
    return;
  default:
    pk.pack(o);
    return;
  }
}

/// Copies the known fields into a new map; the result is always a valid frame that
/// reads back the same.
void reencode(const request& req) {
  map_builder b;
  for (auto key : keys) {
    if (auto v = req.find(key)) {
      msgpack::sbuffer buf;
      msgpack::packer<msgpack::sbuffer> pk{buf};
      repack(pk, buf, *v);
      b.raw(key, std::string_view{buf.data(), buf.size()});
    }
  }
  auto frame = b.finish();
  auto again = decode_request(frame);
  must(again.req.has_value());
  must(again.req->op() == req.op());
  must(again.req->rid() == req.rid());
  must(again.req->rid_malformed() == req.rid_malformed());
  args x{req};
  args y{*again.req};
  must(x.opt_str("body", 0, limits::max_body_bytes) ==
       y.opt_str("body", 0, limits::max_body_bytes));
  must(x.id_list("participants", limits::max_participants, false) ==
       y.id_list("participants", limits::max_participants, false));
  must(x.error() == y.error());
}

void reply(const request& req, const std::string& error) {
  auto rid = req.rid();
  std::string out;
  if (error.empty()) {
    map_builder fields;
    fields.str("op_seen", req.op()).uint("keys", std::size(keys));
    out = encode_ok(rid, fields);
  } else {
    out = encode_error(rid, error_code::bad_request, error);
  }
  auto r = decode_request(out);
  must(r.req.has_value());
  must(r.req->op() == "reply");
  must(r.req->rid() == rid);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes{reinterpret_cast<const char*>(data), size};
  auto checked = check_frame(bytes);
  auto r = decode_request(bytes);
  must(r.req.has_value() == r.error.empty());
  // The checker stands in front of msgpack-cxx: a frame it refuses never reaches the
  // decoder, and (up to the largest frame the server reads) one it passes decodes.
  if (checked) must(!r.req && r.error == *checked);
  if (size <= limits::max_frame_bytes) must(checked.has_value() != r.req.has_value());
  if (!r.req) return 0;

  const request& req = *r.req;
  must(!(req.rid() && req.rid_malformed()));
  auto error = read_all(req);
  reencode(req);
  reply(req, error);
  return 0;
}
