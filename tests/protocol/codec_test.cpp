// Tests of the frame checker, the request decoder, typed argument access, the map
// builder, replies, and the domain types' encodings (protocol/codec, frame_check,
// types, error_code).
#include "protocol/codec.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/error_code.hpp"
#include "protocol/frame_check.hpp"
#include "protocol/limits.hpp"
#include "protocol/types.hpp"

namespace {

using namespace parley::protocol;
namespace mp = msgpack::type;

// -- helpers ----------------------------------------------------------------------

/// Bytes from a list of byte values, for hand-written frames.
std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (auto v : values)
    out += static_cast<char>(v);
  return out;
}

/// Encodes with msgpack-cxx's own packer, as a third-party client would.
template <class F>
std::string packed(F&& f) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  f(pk);
  return {buf.data(), buf.size()};
}

/// A map decoded independently of the code under test, with nil values kept.
struct decoded_map {
  msgpack::object_handle handle;
  std::vector<std::string> keys; // in wire order
  std::map<std::string, msgpack::object> fields;

  bool has(const std::string& k) const { return fields.count(k) != 0; }
  const msgpack::object& at(const std::string& k) const { return fields.at(k); }
  std::string str(const std::string& k) const { return at(k).as<std::string>(); }
};

decoded_map inspect(const std::string& encoded) {
  decoded_map out;
  std::size_t offset = 0;
  out.handle = msgpack::unpack(encoded.data(), encoded.size(), offset);
  EXPECT_EQ(offset, encoded.size()) << "trailing bytes after the map";
  const auto& o = out.handle.get();
  EXPECT_EQ(o.type, mp::MAP);
  if (o.type != mp::MAP) return out;
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    auto k = o.via.map.ptr[i].key.as<std::string>();
    out.keys.push_back(k);
    out.fields.emplace(k, o.via.map.ptr[i].val);
  }
  return out;
}

/// `{"a": <depth - 1 nested one-element containers>}`: `depth` containers in all,
/// the top-level map included; the innermost value is nil.
std::string nested_frame(std::size_t depth, bool maps) {
  std::string out = bytes({0x81, 0xa1, 'a'});
  for (std::size_t d = 1; d < depth; ++d)
    out += maps ? bytes({0x81, 0xa1, 'a'}) : bytes({0x91});
  out += bytes({0xc0});
  return out;
}

/// One field for every MessagePack type and width, as `{key: raw value}`.
struct typed_value {
  const char* key;
  std::string raw;
  mp::object_type type;
};

std::vector<typed_value> every_type() {
  return {
      {"nil", bytes({0xc0}), mp::NIL},
      {"false", bytes({0xc2}), mp::BOOLEAN},
      {"true", bytes({0xc3}), mp::BOOLEAN},
      {"posfixint", bytes({0x7f}), mp::POSITIVE_INTEGER},
      {"negfixint", bytes({0xe0}), mp::NEGATIVE_INTEGER},
      {"u8", bytes({0xcc, 0xff}), mp::POSITIVE_INTEGER},
      {"u16", bytes({0xcd, 0xff, 0xff}), mp::POSITIVE_INTEGER},
      {"u32", bytes({0xce, 0xff, 0xff, 0xff, 0xff}), mp::POSITIVE_INTEGER},
      {"u64", bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
       mp::POSITIVE_INTEGER},
      {"i8", bytes({0xd0, 0x80}), mp::NEGATIVE_INTEGER},
      {"i16", bytes({0xd1, 0x80, 0x00}), mp::NEGATIVE_INTEGER},
      {"i32", bytes({0xd2, 0x80, 0x00, 0x00, 0x00}), mp::NEGATIVE_INTEGER},
      {"i64", bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}), mp::NEGATIVE_INTEGER},
      {"f32", bytes({0xca, 0x3f, 0x80, 0x00, 0x00}), mp::FLOAT32},
      {"f64", bytes({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}), mp::FLOAT64},
      {"fixstr", bytes({0xa3, 'a', 'b', 'c'}), mp::STR},
      {"str8", bytes({0xd9, 0x03, 'a', 'b', 'c'}), mp::STR},
      {"str16", bytes({0xda, 0x00, 0x03, 'a', 'b', 'c'}), mp::STR},
      {"str32", bytes({0xdb, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'}), mp::STR},
      {"bin8", bytes({0xc4, 0x02, 0x00, 0xff}), mp::BIN},
      {"bin16", bytes({0xc5, 0x00, 0x01, 0x00}), mp::BIN},
      {"bin32", bytes({0xc6, 0x00, 0x00, 0x00, 0x01, 0x00}), mp::BIN},
      {"fixext1", bytes({0xd4, 0x01, 0xaa}), mp::EXT},
      {"fixext2", bytes({0xd5, 0x01, 0xaa, 0xbb}), mp::EXT},
      {"fixext4", bytes({0xd6, 0x01, 1, 2, 3, 4}), mp::EXT},
      {"fixext8", bytes({0xd7, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}), mp::EXT},
      {"fixext16",
       bytes({0xd8, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
       mp::EXT},
      {"ext8", bytes({0xc7, 0x02, 0x05, 0xaa, 0xbb}), mp::EXT},
      {"ext16", bytes({0xc8, 0x00, 0x01, 0x05, 0xaa}), mp::EXT},
      {"ext32", bytes({0xc9, 0x00, 0x00, 0x00, 0x01, 0x05, 0xaa}), mp::EXT},
      {"fixarray", bytes({0x92, 0x01, 0xa1, 'x'}), mp::ARRAY},
      {"array16", bytes({0xdc, 0x00, 0x01, 0xc0}), mp::ARRAY},
      {"array32", bytes({0xdd, 0x00, 0x00, 0x00, 0x01, 0xc0}), mp::ARRAY},
      {"emptyarray", bytes({0x90}), mp::ARRAY},
      // Keys of nested maps need not be strings: only the top level is checked.
      {"fixmap", bytes({0x81, 0x01, 0x02}), mp::MAP},
      {"map16", bytes({0xde, 0x00, 0x01, 0xc0, 0xc3}), mp::MAP},
      {"map32", bytes({0xdf, 0x00, 0x00, 0x00, 0x01, 0x90, 0x80}), mp::MAP},
      {"emptymap", bytes({0x80}), mp::MAP},
  };
}

std::string every_type_frame() {
  map_builder b;
  for (const auto& v : every_type())
    b.raw(v.key, v.raw);
  return b.finish();
}

std::string msg_send_frame() {
  map_builder b;
  b.str("op", "msg.send")
      .uint("rid", 42)
      .str("conv", "c-1")
      .str("cid", "cid-0001")
      .str("body", "h\xC3\xA9llo \xF0\x9F\x98\x80")
      .str("format", "markdown")
      .uint("reply_to", 3)
      .str_list("mentions", {"alice", "bob"})
      .boolean("internal", false);
  return b.finish();
}

std::string conv_create_frame() {
  map_builder first;
  first.str("body", "first message").str("format", "text");
  map_builder b;
  b.str("op", "conv.create")
      .uint("rid", 1)
      .str("kind", "company")
      .str("company", "acme")
      .str("subject", "Q3")
      .str_list("participants", {"alice", "bob", "carol"})
      .str("cid", "c1")
      .map("first", first);
  return b.finish();
}

/// Well-formed frames of several shapes, for truncation and mutation sweeps.
std::vector<std::string> sample_frames() {
  map_builder wide;
  for (int i = 0; i < 20; ++i)
    wide.uint("k" + std::to_string(i), static_cast<unsigned>(i));
  return {every_type_frame(),  msg_send_frame(),
          conv_create_frame(), wide.finish(),
          bytes({0x80}),       bytes({0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, 'a', 0xc0})};
}

// -- decode_request: accepted frames ------------------------------------------------

TEST(DecodeTest, MapBuilderRoundTrip) {
  auto r = decode_request(msg_send_frame());
  ASSERT_TRUE(r.req) << r.error;
  EXPECT_TRUE(r.error.empty());
  const auto& req = *r.req;
  EXPECT_EQ(req.op(), "msg.send");
  EXPECT_EQ(req.rid(), 42u);
  EXPECT_FALSE(req.rid_malformed());
  args a{req};
  EXPECT_EQ(a.id("conv"), "c-1");
  EXPECT_EQ(a.str("cid", 1, limits::max_cid_bytes), "cid-0001");
  EXPECT_EQ(a.str("body", 0, limits::max_body_bytes), "h\xC3\xA9llo \xF0\x9F\x98\x80");
  EXPECT_EQ(a.opt_str("format", 1, 16), "markdown");
  EXPECT_EQ(a.opt_uint("reply_to"), 3u);
  EXPECT_EQ(a.id_list("mentions", limits::max_mentions, false),
            (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(a.opt_bool("internal"), false);
  EXPECT_FALSE(a.opt_str("attachments", 0, 10));
  EXPECT_TRUE(a.ok()) << a.error();
}

TEST(DecodeTest, NestedMapRoundTrip) {
  auto r = decode_request(conv_create_frame());
  ASSERT_TRUE(r.req) << r.error;
  args a{*r.req};
  EXPECT_EQ(r.req->op(), "conv.create");
  EXPECT_EQ(a.id_list("participants", limits::max_participants, true),
            (std::vector<std::string>{"alice", "bob", "carol"}));
  auto first = a.opt_map("first");
  ASSERT_NE(first, nullptr);
  auto body = find_in_map(*first, "body");
  ASSERT_NE(body, nullptr);
  ASSERT_EQ(body->type, mp::STR);
  EXPECT_EQ(body->as<std::string>(), "first message");
  EXPECT_EQ(find_in_map(*first, "missing"), nullptr);
  EXPECT_TRUE(a.ok()) << a.error();
}

TEST(DecodeTest, RawPackerRoundTrip) {
  // A client using msgpack-cxx directly, with str8 and str16 strings and the
  // largest rid.
  std::string long_body(300, 'x');
  auto frame = packed([&](auto& pk) {
    pk.pack_map(4);
    pk.pack(std::string("op"));
    pk.pack(std::string("conv.open"));
    pk.pack(std::string("rid"));
    pk.pack(std::numeric_limits<std::uint64_t>::max());
    pk.pack(std::string("conv"));
    pk.pack(std::string(40, 'c'));
    pk.pack(std::string("body"));
    pk.pack(long_body);
  });
  auto r = decode_request(frame);
  ASSERT_TRUE(r.req) << r.error;
  EXPECT_EQ(r.req->op(), "conv.open");
  EXPECT_EQ(r.req->rid(), std::numeric_limits<std::uint64_t>::max());
  args a{*r.req};
  EXPECT_EQ(a.id("conv"), std::string(40, 'c'));
  EXPECT_EQ(a.str("body", 1, limits::max_body_bytes), long_body);
  EXPECT_TRUE(a.ok());
}

TEST(DecodeTest, EveryValueTypeAccepted) {
  auto frame = every_type_frame();
  EXPECT_EQ(check_frame(frame), std::nullopt);
  auto r = decode_request(frame);
  ASSERT_TRUE(r.req) << r.error;
  auto m = inspect(frame);
  for (const auto& v : every_type()) {
    SCOPED_TRACE(v.key);
    ASSERT_TRUE(m.has(v.key));
    EXPECT_EQ(m.at(v.key).type, v.type);
    // The request sees the same values, except that nil counts as absent.
    auto found = r.req->find(v.key);
    if (v.type == mp::NIL) {
      EXPECT_EQ(found, nullptr);
    } else {
      ASSERT_NE(found, nullptr);
      EXPECT_EQ(found->type, v.type);
    }
  }
}

TEST(DecodeTest, EmptyMapAccepted) {
  auto r = decode_request(bytes({0x80}));
  ASSERT_TRUE(r.req) << r.error;
  EXPECT_EQ(r.req->op(), "");
  EXPECT_FALSE(r.req->rid());
  EXPECT_FALSE(r.req->rid_malformed());
}

TEST(DecodeTest, WideTopLevelMapHeaders) {
  // map16 and map32 headers at the top level, with a small count.
  for (const auto& frame :
       {bytes({0xde, 0x00, 0x01, 0xa2, 'o', 'p', 0xa1, 'x'}),
        bytes({0xdf, 0x00, 0x00, 0x00, 0x01, 0xa2, 'o', 'p', 0xa1, 'x'})}) {
    auto r = decode_request(frame);
    ASSERT_TRUE(r.req) << r.error;
    EXPECT_EQ(r.req->op(), "x");
  }
}

TEST(DecodeTest, ExtensionValuesAreNotStrings) {
  // ext values pass the frame check (forward compatibility) but are the wrong type
  // for every typed accessor.
  auto frame = map_builder{}.raw("conv", bytes({0xd4, 0x01, 'c'})).finish();
  auto r = decode_request(frame);
  ASSERT_TRUE(r.req) << r.error;
  args a{*r.req};
  EXPECT_EQ(a.id("conv"), "");
  EXPECT_EQ(a.error(), "'conv' must be a string");
}

TEST(DecodeTest, LargeBodyAccepted) {
  std::string body(limits::max_body_bytes, 'b');
  auto r = decode_request(map_builder{}.str("op", "msg.send").str("body", body).finish());
  ASSERT_TRUE(r.req) << r.error;
  args a{*r.req};
  EXPECT_EQ(a.str("body", 1, limits::max_body_bytes).size(), limits::max_body_bytes);
  EXPECT_TRUE(a.ok());
}

TEST(DecodeTest, RequestOwnsItsMemory) {
  // The request must not point into the caller's buffer (a WebSocket read buffer is
  // reused for the next frame).
  auto frame = map_builder{}.str("op", "hello").str("token", "abc").finish();
  auto r = decode_request(frame);
  ASSERT_TRUE(r.req);
  std::fill(frame.begin(), frame.end(), '\0');
  frame.clear();
  frame.shrink_to_fit();
  request moved = std::move(*r.req);
  r.req.reset();
  EXPECT_EQ(moved.op(), "hello");
  args a{moved};
  EXPECT_EQ(a.str("token", 1, 10), "abc");
}

// -- decode_request: rejected frames --------------------------------------------------

struct rejected_case {
  const char* name;
  std::string frame;
  const char* error; // expected substring of the reason; "" for any reason
};

void PrintTo(const rejected_case& c, std::ostream* os) {
  *os << c.name;
}

class RejectTest : public ::testing::TestWithParam<rejected_case> {};

TEST_P(RejectTest, CheckFrameAndDecodeAgree) {
  const auto& c = GetParam();
  auto checked = check_frame(c.frame);
  ASSERT_TRUE(checked.has_value()) << "check_frame accepted " << c.name;
  EXPECT_NE(checked->find(c.error), std::string::npos) << *checked;
  auto r = decode_request(c.frame);
  EXPECT_FALSE(r.req.has_value());
  // The checker's reason is the decoder's: msgpack-cxx never saw the frame.
  EXPECT_EQ(r.error, *checked);
}

std::vector<rejected_case> rejected_frames() {
  return {
      {"empty", "", "empty frame"},
      // Not a map at the top level.
      {"top_empty_array", bytes({0x90}), "not a MessagePack map"},
      {"top_array", bytes({0x92, 0x01, 0x02}), "not a MessagePack map"},
      {"top_array16", bytes({0xdc, 0x00, 0x00}), "not a MessagePack map"},
      {"top_fixstr", bytes({0xa3, 'a', 'b', 'c'}), "not a MessagePack map"},
      {"top_str8", bytes({0xd9, 0x01, 'a'}), "not a MessagePack map"},
      {"top_posint", bytes({0x01}), "not a MessagePack map"},
      {"top_negint", bytes({0xff}), "not a MessagePack map"},
      {"top_uint64", bytes({0xcf, 0, 0, 0, 0, 0, 0, 0, 1}), "not a MessagePack map"},
      {"top_nil", bytes({0xc0}), "not a MessagePack map"},
      {"top_true", bytes({0xc3}), "not a MessagePack map"},
      {"top_float", bytes({0xcb, 0, 0, 0, 0, 0, 0, 0, 0}), "not a MessagePack map"},
      {"top_bin", bytes({0xc4, 0x00}), "not a MessagePack map"},
      {"top_fixext", bytes({0xd4, 0x01, 0x00}), "not a MessagePack map"},
      {"top_ext8", bytes({0xc7, 0x01, 0x01, 0x00}), "not a MessagePack map"},
      // The reserved byte 0xc1, anywhere.
      {"top_reserved", bytes({0xc1}), ""},
      {"reserved_value", bytes({0x81, 0xa1, 'a', 0xc1}), ""},
      {"reserved_key", bytes({0x81, 0xc1, 0xc0}), ""},
      {"reserved_nested", bytes({0x81, 0xa1, 'a', 0x92, 0xc0, 0xc1}), ""},
      // Top-level keys must be strings.
      {"int_key", bytes({0x81, 0x01, 0xc0}), "map keys must be strings"},
      {"nil_key", bytes({0x81, 0xc0, 0xc0}), "map keys must be strings"},
      {"bool_key", bytes({0x81, 0xc3, 0xc0}), "map keys must be strings"},
      {"bin_key", bytes({0x81, 0xc4, 0x01, 'a', 0xc0}), "map keys must be strings"},
      {"array_key", bytes({0x81, 0x90, 0xc0}), "map keys must be strings"},
      {"map_key", bytes({0x81, 0x80, 0xc0}), "map keys must be strings"},
      {"ext_key", bytes({0x81, 0xd4, 0x01, 0x00, 0xc0}), "map keys must be strings"},
      {"second_key_int", bytes({0x82, 0xa1, 'a', 0xc0, 0x02, 0xc0}),
       "map keys must be strings"},
      {"key_after_nested_value", bytes({0x82, 0xa1, 'a', 0x91, 0xa1, 'b', 0x07, 0xc0}),
       "map keys must be strings"},
      // Anything after the map.
      {"trailing_nil", bytes({0x80, 0xc0}), "trailing bytes"},
      {"two_maps", bytes({0x80, 0x80}), "trailing bytes"},
      {"trailing_after_fields", bytes({0x81, 0xa1, 'a', 0xc0, 0x00}), "trailing bytes"},
      {"trailing_reserved", bytes({0x80, 0xc1}), "trailing bytes"},
      // Declared lengths far beyond the frame: rejected before anything is allocated.
      {"top_map32_huge", bytes({0xdf, 0xff, 0xff, 0xff, 0xff}),
       "declared length exceeds"},
      {"top_map16_huge", bytes({0xde, 0xff, 0xff}), "declared length exceeds"},
      {"top_fixmap_overlong", bytes({0x8f, 0xa1, 'a'}), "declared length exceeds"},
      {"array32_huge", bytes({0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff}),
       "declared length exceeds"},
      {"array16_huge", bytes({0x81, 0xa1, 'a', 0xdc, 0xff, 0xff}),
       "declared length exceeds"},
      {"map32_huge", bytes({0x81, 0xa1, 'a', 0xdf, 0xff, 0xff, 0xff, 0xff}),
       "declared length exceeds"},
      {"map16_huge", bytes({0x81, 0xa1, 'a', 0xde, 0xff, 0xff}),
       "declared length exceeds"},
      {"fixarray_overlong", bytes({0x81, 0xa1, 'a', 0x9f, 0xc0}),
       "declared length exceeds"},
      {"str32_huge", bytes({0x81, 0xa1, 'a', 0xdb, 0xff, 0xff, 0xff, 0xff}), "truncated"},
      {"str16_huge", bytes({0x81, 0xa1, 'a', 0xda, 0xff, 0xff}), "truncated"},
      {"str8_overlong", bytes({0x81, 0xa1, 'a', 0xd9, 0x05, 'a', 'b'}), "truncated"},
      {"fixstr_overlong", bytes({0x81, 0xa1, 'a', 0xbf, 'a'}), "truncated"},
      {"key_str32_huge", bytes({0x81, 0xdb, 0xff, 0xff, 0xff, 0xff}), "truncated"},
      {"bin32_huge", bytes({0x81, 0xa1, 'a', 0xc6, 0xff, 0xff, 0xff, 0xff}), "truncated"},
      {"bin16_huge", bytes({0x81, 0xa1, 'a', 0xc5, 0xff, 0xff}), "truncated"},
      {"bin8_overlong", bytes({0x81, 0xa1, 'a', 0xc4, 0x10, 0x00}), "truncated"},
      {"ext32_huge", bytes({0x81, 0xa1, 'a', 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}),
       "truncated"},
      {"ext16_huge", bytes({0x81, 0xa1, 'a', 0xc8, 0xff, 0xff, 0x01}), "truncated"},
      {"ext8_no_type", bytes({0x81, 0xa1, 'a', 0xc7, 0x00}), "truncated"},
      {"fixext16_short", bytes({0x81, 0xa1, 'a', 0xd8, 0x01, 0x00}), "truncated"},
      {"fixext1_no_data", bytes({0x81, 0xa1, 'a', 0xd4, 0x01}), "truncated"},
      {"float64_short", bytes({0x81, 0xa1, 'a', 0xcb, 0x00, 0x00}), "truncated"},
      {"uint64_short", bytes({0x81, 0xa1, 'a', 0xcf, 0x00}), "truncated"},
      {"int16_short", bytes({0x81, 0xa1, 'a', 0xd1, 0x00}), "truncated"},
      {"missing_value", bytes({0x81, 0xa1, 'a'}), "truncated"},
      {"missing_second_pair", bytes({0x82, 0xa1, 'a', 0xc0, 0xa1}), "truncated"},
      {"map32_header_short", bytes({0xdf, 0x00, 0x00}), "truncated"},
      // Nesting beyond the limit, with arrays and with maps.
      {"nested_arrays_too_deep", nested_frame(limits::max_nesting + 1, false),
       "nesting too deep"},
      {"nested_maps_too_deep", nested_frame(limits::max_nesting + 1, true),
       "nesting too deep"},
  };
}

INSTANTIATE_TEST_SUITE_P(Frames, RejectTest, ::testing::ValuesIn(rejected_frames()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DecodeTest, TruncatedAtEveryByteRejected) {
  for (const auto& frame : sample_frames()) {
    ASSERT_TRUE(decode_request(frame).req);
    for (std::size_t n = 0; n < frame.size(); ++n) {
      auto prefix = std::string_view{frame}.substr(0, n);
      auto r = decode_request(prefix);
      EXPECT_FALSE(r.req.has_value()) << "prefix of " << n << " bytes accepted";
      EXPECT_FALSE(r.error.empty());
      EXPECT_TRUE(check_frame(prefix).has_value());
    }
  }
}

TEST(DecodeTest, TrailingBytesAfterEverySampleRejected) {
  for (const auto& frame : sample_frames()) {
    for (const auto& tail : {bytes({0x00}), bytes({0xc0}), bytes({0x80}), frame}) {
      auto r = decode_request(frame + tail);
      EXPECT_FALSE(r.req.has_value());
      EXPECT_EQ(r.error, "trailing bytes after the map");
    }
  }
}

TEST(DecodeTest, CheckerAndDecoderAgreeOnEverySingleByteMutation) {
  // The checker guards msgpack-cxx; if the two parsers ever disagreed, a frame the
  // checker passes could reach msgpack-cxx unbounded, or a good one be refused.
  std::size_t accepted = 0;
  for (const auto& frame : sample_frames()) {
    for (std::size_t i = 0; i < frame.size(); ++i) {
      for (unsigned v = 0; v < 256; ++v) {
        auto mutated = frame;
        mutated[i] = static_cast<char>(v);
        bool checked_ok = !check_frame(mutated).has_value();
        auto r = decode_request(mutated);
        ASSERT_EQ(r.req.has_value(), checked_ok)
            << "byte " << i << " := " << v << ": " << r.error;
        ASSERT_EQ(r.error.empty(), checked_ok);
        accepted += checked_ok;
      }
    }
  }
  EXPECT_GT(accepted, 0u);
}

TEST(DecodeTest, NestingExactlyAtLimitAccepted) {
  for (bool maps : {false, true}) {
    SCOPED_TRACE(maps ? "maps" : "arrays");
    auto frame = nested_frame(limits::max_nesting, maps);
    EXPECT_EQ(check_frame(frame), std::nullopt);
    auto r = decode_request(frame);
    ASSERT_TRUE(r.req) << r.error;
    // Walk down to the innermost container.
    const msgpack::object* o = r.req->find("a");
    std::size_t depth = 1;
    while (o && (o->type == mp::ARRAY || o->type == mp::MAP)) {
      ++depth;
      o = o->type == mp::ARRAY ? &o->via.array.ptr[0] : &o->via.map.ptr[0].val;
    }
    EXPECT_EQ(depth, limits::max_nesting);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->type, mp::NIL);
  }
}

TEST(DecodeTest, ExtremeNestingRejectedQuickly) {
  // A megabyte of array headers must neither recurse nor allocate per level.
  std::string frame = bytes({0x81, 0xa1, 'a'}) + std::string(1 << 20, '\x91');
  auto r = decode_request(frame);
  EXPECT_FALSE(r.req);
  EXPECT_EQ(r.error, "nesting too deep");
}

TEST(DecodeTest, CheckFrameHonoursCustomDepth) {
  EXPECT_EQ(check_frame(nested_frame(3, false), 3), std::nullopt);
  EXPECT_EQ(check_frame(nested_frame(4, false), 3), "nesting too deep");
  EXPECT_EQ(check_frame(bytes({0x81, 0xa1, 'a', 0x90}), 2), std::nullopt);
  EXPECT_EQ(check_frame(bytes({0x81, 0xa1, 'a', 0x90}), 1), "nesting too deep");
}

TEST(DecodeTest, ObjectCountIsBounded) {
  // A frame of nils expands to one decoded object per byte; more than
  // max_frame_objects is refused before msgpack-cxx allocates anything.
  auto frame_of = [](std::uint32_t n) {
    std::string frame = bytes({0x81, 0xa1, 'a', 0xdd});
    for (int shift = 24; shift >= 0; shift -= 8)
      frame += static_cast<char>(n >> shift);
    frame += std::string(n, '\xc0');
    return frame;
  };
  // The map, its key and the array are three objects.
  auto at_limit = frame_of(static_cast<std::uint32_t>(limits::max_frame_objects - 3));
  EXPECT_EQ(check_frame(at_limit), std::nullopt);
  EXPECT_TRUE(decode_request(at_limit).req);
  auto over = frame_of(static_cast<std::uint32_t>(limits::max_frame_objects - 2));
  EXPECT_EQ(check_frame(over), "too many objects in one frame");
  auto r = decode_request(over);
  EXPECT_FALSE(r.req);
  EXPECT_EQ(r.error, "too many objects in one frame");
}

// -- request accessors ------------------------------------------------------------------

TEST(RequestTest, Op) {
  struct op_case {
    std::string raw; // encoded value of `op`, empty for absent
    std::string_view expected;
  };
  for (const auto& c : std::vector<op_case>{
           {bytes({0xa5, 'h', 'e', 'l', 'l', 'o'}), "hello"},
           {bytes({0xd9, 0x03, 'm', 's', 'g'}), "msg"},
           {bytes({0xa0}), ""},
           {"", ""},
           {bytes({0xc0}), ""},
           {bytes({0x01}), ""},
           {bytes({0xc4, 0x01, 'x'}), ""},
           {bytes({0x91, 0xa1, 'x'}), ""},
       }) {
    map_builder b;
    if (!c.raw.empty()) b.raw("op", c.raw);
    auto r = decode_request(b.finish());
    ASSERT_TRUE(r.req) << r.error;
    EXPECT_EQ(r.req->op(), c.expected);
  }
}

struct rid_case {
  const char* name;
  std::string raw; // encoded value of `rid`, empty for absent
  std::optional<std::uint64_t> rid;
  bool malformed;
};

void PrintTo(const rid_case& c, std::ostream* os) {
  *os << c.name;
}

class RidTest : public ::testing::TestWithParam<rid_case> {};

TEST_P(RidTest, RidAndMalformed) {
  const auto& c = GetParam();
  map_builder b;
  b.str("op", "conv.get");
  if (!c.raw.empty()) b.raw("rid", c.raw);
  auto r = decode_request(b.finish());
  ASSERT_TRUE(r.req) << r.error;
  EXPECT_EQ(r.req->rid(), c.rid);
  EXPECT_EQ(r.req->rid_malformed(), c.malformed);
}

INSTANTIATE_TEST_SUITE_P(
    Values, RidTest,
    ::testing::Values(rid_case{"absent", "", std::nullopt, false},
                      rid_case{"nil_is_absent", bytes({0xc0}), std::nullopt, false},
                      rid_case{"zero", bytes({0x00}), 0, false},
                      rid_case{"fixint", bytes({0x7f}), 127, false},
                      rid_case{"uint16", bytes({0xcd, 0x01, 0x00}), 256, false},
                      rid_case{
                          "uint64_max",
                          bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
                          std::numeric_limits<std::uint64_t>::max(), false},
                      rid_case{"minus_one", bytes({0xff}), std::nullopt, true},
                      rid_case{"int8_negative", bytes({0xd0, 0x80}), std::nullopt, true},
                      rid_case{"string", bytes({0xa1, '7'}), std::nullopt, true},
                      rid_case{"float", bytes({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}),
                               std::nullopt, true},
                      rid_case{"boolean", bytes({0xc3}), std::nullopt, true},
                      rid_case{"array", bytes({0x91, 0x01}), std::nullopt, true},
                      rid_case{"map", bytes({0x80}), std::nullopt, true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RequestTest, FindTreatsNilAsAbsent) {
  auto r = decode_request(
      map_builder{}.nil("device").str("token", "t").raw("zero", bytes({0x00})).finish());
  ASSERT_TRUE(r.req);
  EXPECT_EQ(r.req->find("device"), nullptr);
  EXPECT_EQ(r.req->find("absent"), nullptr);
  ASSERT_NE(r.req->find("token"), nullptr);
  EXPECT_EQ(r.req->find("token")->type, mp::STR);
  // Falsy values other than nil are present.
  ASSERT_NE(r.req->find("zero"), nullptr);
  EXPECT_EQ(r.req->find("zero")->type, mp::POSITIVE_INTEGER);
}

TEST(RequestTest, FindMatchesWholeKeysOnly) {
  auto r = decode_request(map_builder{}.str("opx", "a").str("o", "b").finish());
  ASSERT_TRUE(r.req);
  EXPECT_EQ(r.req->find("op"), nullptr);
  EXPECT_EQ(r.req->find(""), nullptr);
  EXPECT_EQ(r.req->op(), "");
}

TEST(RequestTest, KeysWithEmbeddedNulAndEmptyKey) {
  using namespace std::string_literals;
  auto r = decode_request(map_builder{}.str("a\0b"s, "1").str("", "2").finish());
  ASSERT_TRUE(r.req) << r.error;
  EXPECT_EQ(r.req->find("a"), nullptr);
  ASSERT_NE(r.req->find("a\0b"s), nullptr);
  ASSERT_NE(r.req->find(""), nullptr);
  EXPECT_EQ(r.req->find("")->as<std::string>(), "2");
}

TEST(RequestTest, DuplicateKeysFirstWins) {
  auto r = decode_request(map_builder{}.str("op", "first").str("op", "second").finish());
  ASSERT_TRUE(r.req);
  EXPECT_EQ(r.req->op(), "first");
}

TEST(RequestTest, FindInMap) {
  map_builder inner;
  inner.str("body", "x").nil("format").uint("n", 5);
  auto r = decode_request(map_builder{}.map("first", inner).str("s", "v").finish());
  ASSERT_TRUE(r.req);
  const auto* first = r.req->find("first");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(find_in_map(*first, "body"), nullptr);
  EXPECT_EQ(find_in_map(*first, "format"), nullptr); // nil is absent
  EXPECT_EQ(find_in_map(*first, "nope"), nullptr);
  ASSERT_NE(find_in_map(*first, "n"), nullptr);
  EXPECT_EQ(find_in_map(*first, "n")->via.u64, 5u);
  // Not a map: nothing to find.
  EXPECT_EQ(find_in_map(*r.req->find("s"), "s"), nullptr);
}

TEST(RequestTest, RootIsTheWholeMap) {
  auto r = decode_request(map_builder{}.str("op", "x").nil("n").finish());
  ASSERT_TRUE(r.req);
  const auto& root = r.req->root();
  ASSERT_EQ(root.type, mp::MAP);
  EXPECT_EQ(root.via.map.size, 2u); // nil values are kept in the raw map
  EXPECT_EQ(find_in_map(root, "op"), r.req->find("op"));
}

TEST(RequestTest, FindInMapSkipsNonStringKeys) {
  auto r = decode_request(
      map_builder{}.raw("m", bytes({0x82, 0x01, 0x02, 0xa1, 'k', 0x03})).finish());
  ASSERT_TRUE(r.req) << r.error;
  auto k = find_in_map(*r.req->find("m"), "k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->via.u64, 3u);
}

// -- args -------------------------------------------------------------------------------

/// Keeps a decoded request alive for an `args` under test.
class ArgsTest : public ::testing::Test {
protected:
  const request& load(const map_builder& b) { return load(b.finish()); }
  const request& load(const std::string& frame) {
    auto r = decode_request(frame);
    EXPECT_TRUE(r.req) << r.error;
    if (!r.req) r = decode_request(bytes({0x80}));
    req_.emplace(std::move(*r.req));
    return *req_;
  }

  std::optional<request> req_;
};

TEST_F(ArgsTest, FreshArgsAreOk) {
  args a{load(map_builder{})};
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.error(), "");
}

TEST_F(ArgsTest, StrMissing) {
  args a{load(map_builder{}.nil("conv"))};
  EXPECT_EQ(a.str("conv", 1, 10), "");
  EXPECT_FALSE(a.ok());
  EXPECT_EQ(a.error(), "missing 'conv'");
}

TEST_F(ArgsTest, StrNilIsMissing) {
  args a{load(map_builder{}.nil("conv"))};
  EXPECT_EQ(a.id("conv"), "");
  EXPECT_EQ(a.error(), "missing 'conv'");
}

TEST_F(ArgsTest, StrWrongTypes) {
  for (const auto& raw :
       {bytes({0x01}), bytes({0xff}), bytes({0xc3}), bytes({0x90}), bytes({0x80}),
        bytes({0xc4, 0x01, 'a'}), bytes({0xcb, 0, 0, 0, 0, 0, 0, 0, 0})}) {
    args a{load(map_builder{}.raw("conv", raw))};
    EXPECT_EQ(a.str("conv", 0, 10), "");
    EXPECT_EQ(a.error(), "'conv' must be a string");
    args b{*req_};
    EXPECT_FALSE(b.opt_str("conv", 0, 10));
    EXPECT_EQ(b.error(), "'conv' must be a string");
  }
}

struct length_case {
  std::size_t min;
  std::size_t max;
  std::size_t len;
  bool ok;
};

void PrintTo(const length_case& c, std::ostream* os) {
  *os << c.len << " bytes in " << c.min << ".." << c.max;
}

class StrLengthTest : public ArgsTest,
                      public ::testing::WithParamInterface<length_case> {};

TEST_P(StrLengthTest, Bounds) {
  const auto& c = GetParam();
  std::string value(c.len, 'v');
  args a{load(map_builder{}.str("k", value))};
  auto got = a.str("k", c.min, c.max);
  EXPECT_EQ(a.ok(), c.ok) << a.error();
  if (c.ok) {
    EXPECT_EQ(got, value);
  } else {
    EXPECT_EQ(got, "");
    EXPECT_EQ(a.error(), "'k' must be " + std::to_string(c.min) + ".." +
                             std::to_string(c.max) + " bytes");
  }
  args b{*req_};
  auto opt = b.opt_str("k", c.min, c.max);
  EXPECT_EQ(opt.has_value(), c.ok);
  EXPECT_EQ(b.ok(), c.ok);
}

INSTANTIATE_TEST_SUITE_P(
    Table, StrLengthTest,
    ::testing::Values(
        length_case{1, 64, 0, false}, length_case{1, 64, 1, true},
        length_case{1, 64, 63, true}, length_case{1, 64, 64, true},
        length_case{1, 64, 65, false}, length_case{0, 0, 0, true},
        length_case{0, 0, 1, false}, length_case{5, 5, 5, true},
        length_case{5, 5, 4, false}, length_case{5, 5, 6, false},
        length_case{0, limits::max_body_bytes, limits::max_body_bytes, true},
        length_case{0, limits::max_body_bytes, limits::max_body_bytes + 1, false}));

TEST_F(ArgsTest, IdBounds) {
  args a{load(map_builder{}
                  .str("empty", "")
                  .str("max", std::string(limits::max_id_bytes, 'i'))
                  .str("over", std::string(limits::max_id_bytes + 1, 'i')))};
  EXPECT_EQ(a.id("max").size(), limits::max_id_bytes);
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.id("over"), "");
  EXPECT_EQ(a.error(), "'over' must be 1..128 bytes");
  args b{*req_};
  EXPECT_EQ(b.id("empty"), "");
  EXPECT_EQ(b.error(), "'empty' must be 1..128 bytes");
}

TEST_F(ArgsTest, StrMultiByteLengthIsInBytes) {
  // Three characters, six bytes.
  args a{load(map_builder{}.str("k", "\xC3\xA9\xC3\xA9\xC3\xA9"))};
  EXPECT_EQ(a.str("k", 1, 5), "");
  EXPECT_EQ(a.error(), "'k' must be 1..5 bytes");
  args b{*req_};
  EXPECT_EQ(b.str("k", 1, 6), "\xC3\xA9\xC3\xA9\xC3\xA9");
  EXPECT_TRUE(b.ok());
}

TEST_F(ArgsTest, StrInvalidUtf8Rejected) {
  for (const auto& bad : {std::string("\xff"), std::string("a\x80"),
                          std::string("\xC0\x80"), std::string("\xED\xA0\x80"),
                          std::string("\xF4\x90\x80\x80"), std::string("ok\xE2\x82")}) {
    args a{load(map_builder{}.str("body", bad))};
    EXPECT_EQ(a.str("body", 0, 100), "");
    EXPECT_EQ(a.error(), "'body' is not valid UTF-8");
    args b{*req_};
    EXPECT_FALSE(b.opt_str("body", 0, 100));
    EXPECT_EQ(b.error(), "'body' is not valid UTF-8");
  }
}

// U+0000 is valid UTF-8 but no text column can hold it (and libpq would cut the
// value at it), so every text field refuses it at validation.
TEST_F(ArgsTest, StrRefusesEmbeddedNul) {
  using namespace std::string_literals;
  for (const auto& bad : {"a\0b"s, "\0"s, "end\0"s}) {
    args a{load(map_builder{}.str("body", bad))};
    EXPECT_EQ(a.str("body", 0, 10), "");
    EXPECT_EQ(a.error(), "'body' must not contain U+0000");
    args b{*req_};
    EXPECT_FALSE(b.opt_str("body", 0, 10));
    EXPECT_EQ(b.error(), "'body' must not contain U+0000");
  }
}

TEST_F(ArgsTest, IdListRefusesEmbeddedNul) {
  using namespace std::string_literals;
  args a{load(map_builder{}.str_list("users", {"bob", "ev\0e"s}))};
  EXPECT_TRUE(a.id_list("users", 3, true).empty());
  EXPECT_FALSE(a.ok());
}

TEST_F(ArgsTest, OptStrAbsentOrNil) {
  args a{load(map_builder{}.nil("subject"))};
  EXPECT_FALSE(a.opt_str("subject", 1, 10));
  EXPECT_FALSE(a.opt_str("company", 1, 10));
  EXPECT_TRUE(a.ok());
}

TEST_F(ArgsTest, Uint) {
  args a{load(map_builder{}.uint("seq", 7).uint("zero", 0).uint(
      "max", std::numeric_limits<std::uint64_t>::max()))};
  EXPECT_EQ(a.uint("seq"), 7u);
  EXPECT_EQ(a.uint("zero"), 0u);
  EXPECT_EQ(a.uint("max"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.uint("missing"), 0u);
  EXPECT_EQ(a.error(), "missing 'missing'");
}

TEST_F(ArgsTest, SeqIsAtMostInt64Max) {
  const std::uint64_t max = std::numeric_limits<std::int64_t>::max();
  args a{load(map_builder{}.uint("ok", max).uint("big", max + 1).uint("top", ~0ull))};
  EXPECT_EQ(a.seq("ok"), max);
  EXPECT_EQ(a.opt_seq("absent"), std::nullopt);
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.opt_seq("big"), std::nullopt);
  EXPECT_EQ(a.error(), "'big' must be a seq (0..2^63-1)");
  args b{*req_};
  EXPECT_EQ(b.seq("top"), 0u);
  EXPECT_EQ(b.error(), "'top' must be a seq (0..2^63-1)");
  args c{*req_};
  EXPECT_EQ(c.seq("missing"), 0u);
  EXPECT_EQ(c.error(), "missing 'missing'");
}

TEST_F(ArgsTest, UintWrongTypes) {
  for (const auto& raw : {bytes({0xff}), bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}),
                          bytes({0xa1, '1'}), bytes({0xc3}), bytes({0x91, 0x01}),
                          bytes({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0})}) {
    args a{load(map_builder{}.raw("seq", raw))};
    EXPECT_EQ(a.uint("seq"), 0u);
    EXPECT_EQ(a.error(), "'seq' must be a non-negative integer");
    args b{*req_};
    EXPECT_FALSE(b.opt_uint("seq"));
    EXPECT_EQ(b.error(), "'seq' must be a non-negative integer");
  }
}

TEST_F(ArgsTest, OptUint) {
  args a{load(map_builder{}.uint("limit", 200).nil("before"))};
  EXPECT_EQ(a.opt_uint("limit"), 200u);
  EXPECT_FALSE(a.opt_uint("before"));
  EXPECT_FALSE(a.opt_uint("after"));
  EXPECT_TRUE(a.ok());
}

TEST_F(ArgsTest, OptInt) {
  constexpr auto i64_max = std::numeric_limits<std::int64_t>::max();
  constexpr auto i64_min = std::numeric_limits<std::int64_t>::min();
  args a{load(map_builder{}
                  .sint("neg", -5)
                  .sint("pos", 1700000000000)
                  .sint("min", i64_min)
                  .uint("max", static_cast<std::uint64_t>(i64_max))
                  .nil("nil"))};
  EXPECT_EQ(a.opt_int("neg"), -5);
  EXPECT_EQ(a.opt_int("pos"), 1700000000000);
  EXPECT_EQ(a.opt_int("min"), i64_min);
  EXPECT_EQ(a.opt_int("max"), i64_max);
  EXPECT_FALSE(a.opt_int("nil"));
  EXPECT_FALSE(a.opt_int("absent"));
  EXPECT_TRUE(a.ok()) << a.error();
}

TEST_F(ArgsTest, OptIntWrongTypes) {
  for (const auto& raw :
       {bytes({0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}), // INT64_MAX + 1
        bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), bytes({0xa1, '1'}),
        bytes({0xc2}), bytes({0xca, 0x3f, 0x80, 0x00, 0x00}), bytes({0x80})}) {
    args a{load(map_builder{}.raw("until", raw))};
    EXPECT_FALSE(a.opt_int("until"));
    EXPECT_EQ(a.error(), "'until' must be an integer");
  }
}

TEST_F(ArgsTest, OptBool) {
  args a{load(map_builder{}.boolean("t", true).boolean("f", false).nil("n"))};
  EXPECT_EQ(a.opt_bool("t"), true);
  EXPECT_EQ(a.opt_bool("f"), false);
  EXPECT_FALSE(a.opt_bool("n"));
  EXPECT_FALSE(a.opt_bool("absent"));
  EXPECT_TRUE(a.ok());
}

TEST_F(ArgsTest, OptBoolWrongTypes) {
  for (const auto& raw :
       {bytes({0x01}), bytes({0x00}), bytes({0xa4, 't', 'r', 'u', 'e'}), bytes({0x90})}) {
    args a{load(map_builder{}.raw("internal", raw))};
    EXPECT_FALSE(a.opt_bool("internal"));
    EXPECT_EQ(a.error(), "'internal' must be a boolean");
  }
}

TEST_F(ArgsTest, IdList) {
  args a{load(map_builder{}
                  .str_list("users", {"alice",
                                      "b\xC3\xB8"
                                      "b",
                                      std::string(128, 'x')})
                  .str_list("empty", {}))};
  EXPECT_EQ(a.id_list("users", 3, true),
            (std::vector<std::string>{"alice",
                                      "b\xC3\xB8"
                                      "b",
                                      std::string(128, 'x')}));
  EXPECT_TRUE(a.id_list("empty", 3, true).empty());
  EXPECT_TRUE(a.ok()) << a.error();
}

TEST_F(ArgsTest, IdListAbsence) {
  args a{load(map_builder{}.nil("mentions"))};
  EXPECT_TRUE(a.id_list("mentions", 10, false).empty());
  EXPECT_TRUE(a.id_list("other", 10, false).empty());
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(a.id_list("participants", 10, true).empty());
  EXPECT_EQ(a.error(), "missing 'participants'");
}

TEST_F(ArgsTest, IdListTooManyItems) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i <= limits::max_mentions; ++i)
    ids.push_back("u" + std::to_string(i));
  args a{load(map_builder{}.str_list("mentions", ids))};
  EXPECT_TRUE(a.id_list("mentions", limits::max_mentions, false).empty());
  EXPECT_EQ(a.error(), "'mentions' has more than 100 items");
  // Exactly at the bound is fine.
  ids.pop_back();
  args b{load(map_builder{}.str_list("mentions", ids))};
  EXPECT_EQ(b.id_list("mentions", limits::max_mentions, false).size(),
            limits::max_mentions);
  EXPECT_TRUE(b.ok());
}

TEST_F(ArgsTest, IdListNotAnArray) {
  for (const auto& raw :
       {bytes({0xa1, 'a'}), bytes({0x81, 0xa1, 'a', 0xa1, 'b'}), bytes({0x07})}) {
    args a{load(map_builder{}.raw("users", raw))};
    EXPECT_TRUE(a.id_list("users", 10, true).empty());
    EXPECT_EQ(a.error(), "'users' must be an array of strings");
  }
}

TEST_F(ArgsTest, IdListBadItems) {
  for (const auto& items : std::vector<std::vector<std::string>>{
           {bytes({0xa1, 'a'}), bytes({0x01})},            // an integer
           {bytes({0xa1, 'a'}), bytes({0xc0})},            // nil is not an id
           {bytes({0xa0})},                                // empty id
           {bytes({0xa1, 'a'}), bytes({0x91, 0xa1, 'b'})}, // nested array
           {bytes({0xc4, 0x01, 'a'})},                     // bin, not str
           {bytes({0xa1, 0xff})},                          // invalid UTF-8
       }) {
    args a{load(map_builder{}.raw_array("users", items))};
    EXPECT_TRUE(a.id_list("users", 10, true).empty());
    EXPECT_EQ(a.error(), "'users' must hold ids of 1..128 bytes");
  }
  args a{load(map_builder{}.str_list("users", {"ok", std::string(129, 'x')}))};
  EXPECT_TRUE(a.id_list("users", 10, true).empty());
  EXPECT_EQ(a.error(), "'users' must hold ids of 1..128 bytes");
}

TEST_F(ArgsTest, OptMap) {
  map_builder first;
  first.str("body", "hi");
  args a{load(map_builder{}.map("first", first).nil("settings").str("s", "x"))};
  auto m = a.opt_map("first");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, mp::MAP);
  EXPECT_EQ(a.opt_map("settings"), nullptr);
  EXPECT_EQ(a.opt_map("absent"), nullptr);
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.opt_map("s"), nullptr);
  EXPECT_EQ(a.error(), "'s' must be a map");
}

TEST_F(ArgsTest, OptMapWrongTypes) {
  for (const auto& raw : {bytes({0x90}), bytes({0x01}), bytes({0xc3})}) {
    args a{load(map_builder{}.raw("first", raw))};
    EXPECT_EQ(a.opt_map("first"), nullptr);
    EXPECT_EQ(a.error(), "'first' must be a map");
  }
}

TEST_F(ArgsTest, FirstErrorWins) {
  args a{load(map_builder{}.uint("conv", 1).str("seq", "x"))};
  EXPECT_EQ(a.id("conv"), "");
  EXPECT_EQ(a.uint("seq"), 0u);
  EXPECT_EQ(a.str("cid", 1, 64), "");
  a.fail("handler's own check");
  EXPECT_EQ(a.error(), "'conv' must be a string");
  EXPECT_FALSE(a.ok());
}

TEST_F(ArgsTest, FailRecordsCallerMessage) {
  args a{load(map_builder{}.str("conv", "c"))};
  EXPECT_EQ(a.id("conv"), "c");
  a.fail("'limit' must be 1..200");
  a.fail("second");
  EXPECT_FALSE(a.ok());
  EXPECT_EQ(a.error(), "'limit' must be 1..200");
}

TEST_F(ArgsTest, LaterReadsStillWorkAfterAnError) {
  args a{load(map_builder{}.uint("conv", 1).str("cid", "abc").uint("seq", 9))};
  EXPECT_EQ(a.id("conv"), "");
  EXPECT_EQ(a.str("cid", 1, 64), "abc");
  EXPECT_EQ(a.uint("seq"), 9u);
  EXPECT_EQ(a.error(), "'conv' must be a string");
}

TEST_F(ArgsTest, NestedMapArgs) {
  map_builder first;
  first.str("body", "hi").uint("n", 1).nil("format");
  const auto& req = load(map_builder{}.map("first", first).str("s", "x"));
  args a{req};
  auto m = a.opt_map("first");
  ASSERT_NE(m, nullptr);
  args f{*m, "first"};
  EXPECT_EQ(f.str("body", 1, 10), "hi");
  EXPECT_EQ(f.uint("n"), 1u);
  EXPECT_FALSE(f.opt_str("format", 1, 10)); // nil is absent here too
  EXPECT_TRUE(f.ok()) << f.error();
  // Errors name the field by its path.
  EXPECT_FALSE(f.opt_bool("n"));
  EXPECT_EQ(f.error(), "'first.n' must be a boolean");
  args g{*m, "first"};
  EXPECT_EQ(g.str("cid", 1, 64), "");
  EXPECT_EQ(g.error(), "missing 'first.cid'");
  // The outer arguments are not visible inside.
  args h{*m, "first"};
  EXPECT_EQ(h.str("s", 1, 10), "");
  EXPECT_EQ(h.error(), "missing 'first.s'");
}

TEST_F(ArgsTest, NestedArgsOverANonMapFindNothing) {
  const auto& req = load(map_builder{}.str("s", "x"));
  args a{*req.find("s"), "s"};
  EXPECT_FALSE(a.opt_str("s", 0, 10));
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.uint("x"), 0u);
  EXPECT_EQ(a.error(), "missing 's.x'");
}

TEST_F(ArgsTest, EmptyPrefixNamesTheKeyAlone) {
  const auto& req = load(map_builder{}.uint("k", 1));
  args a{req.root(), ""};
  EXPECT_EQ(a.str("k", 0, 10), "");
  EXPECT_EQ(a.error(), "'k' must be a string");
}

// -- map_builder ------------------------------------------------------------------------

TEST(MapBuilderTest, EmptyMap) {
  map_builder b;
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.finish(), bytes({0x80}));
}

TEST(MapBuilderTest, EveryFieldKind) {
  map_builder sub;
  sub.str("inner", "v").uint("n", 1);
  map_builder b;
  b.str("s", "text")
      .str("empty", "")
      .uint("u", 300)
      .uint("umax", std::numeric_limits<std::uint64_t>::max())
      .sint("neg", -300)
      .sint("spos", 5)
      .sint("smin", std::numeric_limits<std::int64_t>::min())
      .boolean("t", true)
      .boolean("f", false)
      .nil("nil")
      .str_list("list", {"a", "", "c"})
      .str_list("nolist", {})
      .raw("raw", bytes({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}))
      .raw_array("items", {bytes({0x01}), bytes({0xa1, 'x'}), bytes({0x80})})
      .raw_array("noitems", {})
      .map("sub", sub)
      .map("emptysub", map_builder{});
  EXPECT_EQ(b.size(), 17u);
  auto m = inspect(b.finish());
  EXPECT_EQ(m.keys, (std::vector<std::string>{
                        "s", "empty", "u", "umax", "neg", "spos", "smin", "t", "f", "nil",
                        "list", "nolist", "raw", "items", "noitems", "sub", "emptysub"}));
  EXPECT_EQ(m.str("s"), "text");
  EXPECT_EQ(m.str("empty"), "");
  EXPECT_EQ(m.at("u").as<std::uint64_t>(), 300u);
  EXPECT_EQ(m.at("umax").as<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(m.at("neg").type, mp::NEGATIVE_INTEGER);
  EXPECT_EQ(m.at("neg").as<std::int64_t>(), -300);
  // A non-negative signed value travels as an unsigned integer, as MessagePack wants.
  EXPECT_EQ(m.at("spos").type, mp::POSITIVE_INTEGER);
  EXPECT_EQ(m.at("spos").as<std::int64_t>(), 5);
  EXPECT_EQ(m.at("smin").as<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(m.at("t").as<bool>(), true);
  EXPECT_EQ(m.at("f").as<bool>(), false);
  EXPECT_EQ(m.at("nil").type, mp::NIL);
  EXPECT_EQ(m.at("list").as<std::vector<std::string>>(),
            (std::vector<std::string>{"a", "", "c"}));
  EXPECT_EQ(m.at("nolist").type, mp::ARRAY);
  EXPECT_EQ(m.at("nolist").via.array.size, 0u);
  EXPECT_EQ(m.at("raw").type, mp::FLOAT64);
  EXPECT_EQ(m.at("raw").as<double>(), 1.0);
  const auto& items = m.at("items");
  ASSERT_EQ(items.type, mp::ARRAY);
  ASSERT_EQ(items.via.array.size, 3u);
  EXPECT_EQ(items.via.array.ptr[0].as<int>(), 1);
  EXPECT_EQ(items.via.array.ptr[1].as<std::string>(), "x");
  EXPECT_EQ(items.via.array.ptr[2].type, mp::MAP);
  EXPECT_EQ(m.at("noitems").via.array.size, 0u);
  auto subm = m.at("sub").as<std::map<std::string, msgpack::object>>();
  ASSERT_EQ(subm.size(), 2u);
  EXPECT_EQ(subm.at("inner").as<std::string>(), "v");
  EXPECT_EQ(subm.at("n").as<int>(), 1);
  EXPECT_EQ(m.at("emptysub").type, mp::MAP);
  EXPECT_EQ(m.at("emptysub").via.map.size, 0u);
}

TEST(MapBuilderTest, WideMapsUseMap16Header) {
  map_builder b;
  for (int i = 0; i < 16; ++i)
    b.boolean("k" + std::to_string(i), i % 2 == 0);
  auto out = b.finish();
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0xde);
  auto m = inspect(out);
  EXPECT_EQ(m.keys.size(), 16u);
  EXPECT_TRUE(decode_request(out).req);
}

TEST(MapBuilderTest, LongStringsAndKeys) {
  std::string k(40, 'k');
  std::string v16(300, 'v');
  std::string v32(70000, 'w');
  auto m = inspect(map_builder{}.str(k, "x").str("v16", v16).str("v32", v32).finish());
  EXPECT_EQ(m.str(k), "x");
  EXPECT_EQ(m.str("v16"), v16);
  EXPECT_EQ(m.str("v32"), v32);
}

TEST(MapBuilderTest, Merge) {
  map_builder a;
  a.str("a", "1").uint("b", 2);
  map_builder b;
  b.boolean("c", true);
  map_builder empty;
  a.merge(b).merge(empty);
  EXPECT_EQ(a.size(), 3u);
  auto m = inspect(a.finish());
  EXPECT_EQ(m.keys, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(m.at("c").as<bool>(), true);
  // The merged builder is unchanged and still usable.
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(inspect(b.finish()).keys, (std::vector<std::string>{"c"}));
}

TEST(MapBuilderTest, NestedMapsTwoLevels) {
  map_builder inner;
  inner.uint("seq", 3).str("author", "alice").str("preview", "hi");
  map_builder middle;
  middle.map("reply_to", inner).str("body", "yo");
  map_builder outer;
  outer.str("op", "x").map("message", middle);
  auto r = decode_request(outer.finish());
  ASSERT_TRUE(r.req) << r.error;
  auto msg = r.req->find("message");
  ASSERT_NE(msg, nullptr);
  auto reply = find_in_map(*msg, "reply_to");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(find_in_map(*reply, "author")->as<std::string>(), "alice");
  EXPECT_EQ(find_in_map(*reply, "seq")->as<std::uint64_t>(), 3u);
}

TEST(MapBuilderTest, FinishIsRepeatable) {
  map_builder b;
  b.str("a", "b");
  auto once = b.finish();
  EXPECT_EQ(b.finish(), once);
  b.uint("c", 1);
  EXPECT_EQ(inspect(b.finish()).keys.size(), 2u);
}

// -- replies ----------------------------------------------------------------------------

TEST(ReplyTest, OkWithRid) {
  auto out = encode_ok(17);
  auto m = inspect(out);
  EXPECT_EQ(m.keys, (std::vector<std::string>{"op", "rid", "ok"}));
  EXPECT_EQ(m.str("op"), "reply");
  EXPECT_EQ(m.at("rid").as<std::uint64_t>(), 17u);
  EXPECT_EQ(m.at("ok").as<bool>(), true);
  // A reply is itself a valid frame.
  EXPECT_EQ(check_frame(out), std::nullopt);
}

TEST(ReplyTest, OkWithoutRidSendsNil) {
  auto m = inspect(encode_ok(std::nullopt));
  ASSERT_TRUE(m.has("rid"));
  EXPECT_EQ(m.at("rid").type, mp::NIL);
  EXPECT_EQ(m.at("ok").as<bool>(), true);
}

TEST(ReplyTest, OkWithFields) {
  map_builder fields;
  fields.uint("seq", 5).sint("ts", 1700000000123).boolean("dup", true);
  auto m = inspect(encode_ok(9, fields));
  EXPECT_EQ(m.keys, (std::vector<std::string>{"op", "rid", "ok", "seq", "ts", "dup"}));
  EXPECT_EQ(m.at("rid").as<std::uint64_t>(), 9u);
  EXPECT_EQ(m.at("seq").as<std::uint64_t>(), 5u);
  EXPECT_EQ(m.at("ts").as<std::int64_t>(), 1700000000123);
  EXPECT_EQ(m.at("dup").as<bool>(), true);
  // With no fields at all it equals the plain form.
  EXPECT_EQ(encode_ok(9, map_builder{}), encode_ok(9));
}

TEST(ReplyTest, ErrorForEveryCode) {
  for (auto code : all_error_codes) {
    auto m = inspect(encode_error(3, code, "no such conversation"));
    EXPECT_EQ(m.keys, (std::vector<std::string>{"op", "rid", "ok", "code", "message"}));
    EXPECT_EQ(m.str("op"), "reply");
    EXPECT_EQ(m.at("rid").as<std::uint64_t>(), 3u);
    EXPECT_EQ(m.at("ok").as<bool>(), false);
    EXPECT_EQ(m.str("code"), to_string(code));
    EXPECT_EQ(m.str("message"), "no such conversation");
  }
}

TEST(ReplyTest, ErrorWithoutRid) {
  auto m = inspect(encode_error(std::nullopt, error_code::bad_request, ""));
  EXPECT_EQ(m.at("rid").type, mp::NIL);
  EXPECT_EQ(m.str("code"), "bad_request");
  EXPECT_EQ(m.str("message"), "");
}

TEST(ReplyTest, DecodesAsARequest) {
  // Clients (the bench harness, acceptance tests) decode replies with the same codec.
  auto r = decode_request(encode_error(12, error_code::rate_limited, "slow down"));
  ASSERT_TRUE(r.req) << r.error;
  EXPECT_EQ(r.req->op(), "reply");
  EXPECT_EQ(r.req->rid(), 12u);
  args a{*r.req};
  EXPECT_EQ(a.opt_bool("ok"), false);
  EXPECT_EQ(a.str("code", 1, 32), "rate_limited");
  EXPECT_EQ(a.str("message", 0, 100), "slow down");
}

// -- enums ------------------------------------------------------------------------------

TEST(EnumTest, ConvKindRoundTrip) {
  const std::vector<std::pair<conv_kind, std::string_view>> table{
      {conv_kind::company, "company"},
      {conv_kind::confidential, "confidential"},
      {conv_kind::private_, "private"},
      {conv_kind::direct, "direct"},
      {conv_kind::support, "support"}};
  for (const auto& [kind, name] : table) {
    EXPECT_EQ(to_string(kind), name);
    EXPECT_EQ(parse_conv_kind(name), kind);
  }
  for (auto bad : {"", "private_", "Company", "COMPANY", "group", "support ", "dm"})
    EXPECT_FALSE(parse_conv_kind(bad)) << bad;
}

TEST(EnumTest, UserKindRoundTrip) {
  const std::vector<std::pair<user_kind, std::string_view>> table{
      {user_kind::staff, "staff"},
      {user_kind::client, "client"},
      {user_kind::contact, "contact"},
      {user_kind::ai, "ai"},
      {user_kind::bot, "bot"}};
  for (const auto& [kind, name] : table) {
    EXPECT_EQ(to_string(kind), name);
    EXPECT_EQ(parse_user_kind(name), kind);
  }
  for (auto bad : {"", "Staff", "agent", "ai ", "admin"})
    EXPECT_FALSE(parse_user_kind(bad)) << bad;
}

TEST(EnumTest, StaffRoleRoundTrip) {
  const std::vector<std::pair<staff_role, std::string_view>> table{
      {staff_role::owner, "owner"},
      {staff_role::admin, "admin"},
      {staff_role::member, "member"},
      {staff_role::guest, "guest"}};
  for (const auto& [role, name] : table) {
    EXPECT_EQ(to_string(role), name);
    EXPECT_EQ(parse_staff_role(name), role);
  }
  for (auto bad : {"", "Owner", "root", "members", "staff"})
    EXPECT_FALSE(parse_staff_role(bad)) << bad;
}

TEST(EnumTest, ErrorCodeRoundTrip) {
  const std::vector<std::string_view> names{
      "bad_request",   "unauthenticated", "forbidden",    "not_found",
      "conflict",      "too_large",       "rate_limited", "blocked",
      "window_closed", "unavailable",     "internal"};
  ASSERT_EQ(std::size(all_error_codes), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(to_string(all_error_codes[i]), names[i]);
    EXPECT_EQ(parse_error_code(names[i]), all_error_codes[i]);
  }
  for (auto bad : {"", "BAD_REQUEST", "bad request", "ok", "timeout", "internal "})
    EXPECT_FALSE(parse_error_code(bad)) << bad;
}

TEST(EnumTest, ValidFormat) {
  EXPECT_TRUE(valid_format("text"));
  EXPECT_TRUE(valid_format("markdown"));
  for (auto bad : {"", "Text", "html", "md", "markdown "})
    EXPECT_FALSE(valid_format(bad));
}

// -- domain types -----------------------------------------------------------------------

message sample_message() {
  message m;
  m.conv = "conv-1";
  m.seq = 12;
  m.ts = 1700000000123;
  m.author = "alice";
  m.cid = "cid-9";
  m.body = "hello \xF0\x9F\x98\x80";
  return m;
}

TEST(TypesTest, MessageMinimal) {
  auto m = inspect(encode_message(sample_message()));
  EXPECT_EQ(m.keys, (std::vector<std::string>{"conv", "seq", "ts", "author", "cid",
                                              "body", "format"}));
  EXPECT_EQ(m.str("conv"), "conv-1");
  EXPECT_EQ(m.at("seq").as<std::uint64_t>(), 12u);
  EXPECT_EQ(m.at("ts").as<std::int64_t>(), 1700000000123);
  EXPECT_EQ(m.str("author"), "alice");
  EXPECT_EQ(m.str("cid"), "cid-9");
  EXPECT_EQ(m.str("body"), "hello \xF0\x9F\x98\x80");
  EXPECT_EQ(m.str("format"), "text");
}

TEST(TypesTest, MessageOptionalFields) {
  auto msg = sample_message();
  msg.format = "markdown";
  msg.reply_to = reply_ref{4, "bob", "earlier\xE2\x80\xA6"};
  msg.mentions = {"bob", "carol"};
  msg.internal = true;
  auto m = inspect(encode_message(msg));
  EXPECT_EQ(m.keys,
            (std::vector<std::string>{"conv", "seq", "ts", "author", "cid", "body",
                                      "format", "reply_to", "mentions", "internal"}));
  EXPECT_EQ(m.str("format"), "markdown");
  auto reply = m.at("reply_to").as<std::map<std::string, msgpack::object>>();
  ASSERT_EQ(reply.size(), 3u);
  EXPECT_EQ(reply.at("seq").as<std::uint64_t>(), 4u);
  EXPECT_EQ(reply.at("author").as<std::string>(), "bob");
  EXPECT_EQ(reply.at("preview").as<std::string>(), "earlier\xE2\x80\xA6");
  EXPECT_EQ(m.at("mentions").as<std::vector<std::string>>(),
            (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(m.at("internal").as<bool>(), true);
}

TEST(TypesTest, MessagePush) {
  auto msg = sample_message();
  msg.mentions = {"x"};
  auto push = encode_message_push(msg);
  auto m = inspect(push);
  ASSERT_FALSE(m.keys.empty());
  EXPECT_EQ(m.keys.front(), "op");
  EXPECT_EQ(m.str("op"), "message");
  EXPECT_FALSE(m.has("rid")); // a push has no rid
  EXPECT_FALSE(m.has("reply_to"));
  EXPECT_FALSE(m.has("internal"));
  EXPECT_TRUE(m.has("mentions"));
  // The push is the standalone message plus op.
  map_builder b;
  b.str("op", "message");
  put_message(b, msg);
  EXPECT_EQ(b.finish(), push);
  auto standalone = inspect(encode_message(msg));
  EXPECT_EQ(standalone.keys.size() + 1, m.keys.size());
}

TEST(TypesTest, MessageDecodesThroughTheCodec) {
  auto msg = sample_message();
  msg.reply_to = reply_ref{1, "bob", "p"};
  auto r = decode_request(encode_message_push(msg));
  ASSERT_TRUE(r.req) << r.error;
  args a{*r.req};
  EXPECT_EQ(r.req->op(), "message");
  EXPECT_EQ(a.id("conv"), "conv-1");
  EXPECT_EQ(a.uint("seq"), 12u);
  EXPECT_EQ(a.opt_int("ts"), 1700000000123);
  EXPECT_EQ(a.str("body", 0, limits::max_body_bytes), msg.body);
  EXPECT_NE(a.opt_map("reply_to"), nullptr);
  EXPECT_TRUE(a.ok()) << a.error();
}

TEST(TypesTest, ConversationMinimal) {
  conversation c;
  c.id = "c-1";
  c.kind = conv_kind::private_;
  c.org = "acme";
  c.participants = {"alice", "bob"};
  c.created_by = "alice";
  c.created_at = 1700000000000;
  c.last_seq = 0;
  map_builder b;
  put_conversation(b, c);
  auto m = inspect(b.finish());
  EXPECT_EQ(m.keys, (std::vector<std::string>{"id", "kind", "org", "participants",
                                              "created_by", "created_at", "last_seq"}));
  EXPECT_EQ(m.str("id"), "c-1");
  EXPECT_EQ(m.str("kind"), "private");
  EXPECT_EQ(m.str("org"), "acme");
  EXPECT_EQ(m.at("participants").as<std::vector<std::string>>(),
            (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(m.str("created_by"), "alice");
  EXPECT_EQ(m.at("created_at").as<std::int64_t>(), 1700000000000);
  EXPECT_EQ(m.at("last_seq").as<std::uint64_t>(), 0u);
}

TEST(TypesTest, ConversationWithCompanyAndSubject) {
  conversation c;
  c.id = "c-2";
  c.kind = conv_kind::company;
  c.org = "acme";
  c.company = "globex";
  c.subject = "Renewal";
  c.created_by = "alice";
  c.last_seq = 99;
  map_builder conv;
  put_conversation(conv, c);
  auto m = inspect(conv.finish());
  EXPECT_EQ(m.str("kind"), "company");
  EXPECT_EQ(m.str("company"), "globex");
  EXPECT_EQ(m.str("subject"), "Renewal");
  EXPECT_EQ(m.at("participants").via.array.size, 0u);
  EXPECT_EQ(m.at("last_seq").as<std::uint64_t>(), 99u);
  // As the `conv` field of a reply.
  auto reply = inspect(encode_ok(5, map_builder{}.map("conv", conv)));
  auto inner = reply.at("conv").as<std::map<std::string, msgpack::object>>();
  EXPECT_EQ(inner.at("id").as<std::string>(), "c-2");
  EXPECT_EQ(inner.at("company").as<std::string>(), "globex");
}

} // namespace
