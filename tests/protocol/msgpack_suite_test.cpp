// The codec against a corpus we did not write: msgpack-test-suite (npm, MIT; vendored
// in data/msgpack-test-suite/): 85 values, each with every MessagePack encoding of it
// (233 in all). A client frame is a map, so each encoding is sent as the value of a
// one-key map {"v": <encoding>}, through the frame checker and the decoder as a
// client's frame. For every value:
//  - every encoding decodes, and to the same value (numbers compared as numbers,
//    timestamps and other ext types by their type and bytes);
//  - the typed accessors handlers use agree across the encodings: an integer reads
//    the same however wide its encoding, a float is never taken as an integer, a
//    string reads the same from str8/16/32, and nil reads as absent;
//  - every truncation of the frame is refused cleanly (an error, no exception, no
//    crash), and so is the bare encoding unless it is a map with string keys.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/codec.hpp"

namespace {

using json = nlohmann::json;
using namespace parley::protocol;

std::string from_hex(const std::string& dashed) {
  std::string out;
  for (std::size_t i = 0; i < dashed.size(); i += 3) // "c4-02-00-ff"
    out += static_cast<char>(std::stoi(dashed.substr(i, 2), nullptr, 16));
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += '-';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

json load_suite() {
  std::ifstream in{PARLEY_MSGPACK_SUITE};
  if (!in) throw std::runtime_error("cannot read " PARLEY_MSGPACK_SUITE);
  return json::parse(in);
}

/// A msgpack timestamp (ext -1) as [seconds, nanoseconds].
json timestamp_of(std::string_view p) {
  auto be = [&](std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v = v << 8 | static_cast<unsigned char>(p[at + i]);
    return v;
  };
  if (p.size() == 4) return json::array({be(0, 4), 0});
  if (p.size() == 8) {
    auto v = be(0, 8);
    return json::array({v & 0x3ffffffffull, v >> 34});
  }
  if (p.size() == 12) return json::array({static_cast<std::int64_t>(be(4, 8)), be(0, 4)});
  return nullptr;
}

/// The decoded object in the suite's terms, for the entry's kind.
json value_of(const msgpack::object& o) {
  switch (o.type) {
  case msgpack::type::NIL:
    return nullptr;
  case msgpack::type::BOOLEAN:
    return o.via.boolean;
  case msgpack::type::POSITIVE_INTEGER:
    return o.via.u64;
  case msgpack::type::NEGATIVE_INTEGER:
    return o.via.i64;
  case msgpack::type::FLOAT32:
  case msgpack::type::FLOAT64:
    return o.via.f64;
  case msgpack::type::STR:
    return std::string{o.via.str.ptr, o.via.str.size};
  case msgpack::type::BIN:
    return json{{"binary", to_hex({o.via.bin.ptr, o.via.bin.size})}};
  case msgpack::type::ARRAY: {
    auto a = json::array();
    for (std::uint32_t i = 0; i < o.via.array.size; ++i)
      a.push_back(value_of(o.via.array.ptr[i]));
    return a;
  }
  case msgpack::type::MAP: {
    auto m = json::object();
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return "non-string key";
      m[std::string{kv.key.via.str.ptr, kv.key.via.str.size}] = value_of(kv.val);
    }
    return m;
  }
  case msgpack::type::EXT: {
    std::string_view data{o.via.ext.data(), o.via.ext.size};
    if (o.via.ext.type() == -1) return json{{"timestamp", timestamp_of(data)}};
    return json{{"ext", json::array({o.via.ext.type(), to_hex(data)})}};
  }
  }
  return "unknown type";
}

/// The suite's expected value, in the same terms as value_of.
json expected_of(const json& entry) {
  if (entry.contains("nil")) return nullptr;
  if (entry.contains("bool")) return entry["bool"];
  if (entry.contains("binary")) return json{{"binary", entry["binary"]}};
  if (entry.contains("string")) return entry["string"];
  if (entry.contains("array")) return entry["array"];
  if (entry.contains("map")) return entry["map"];
  if (entry.contains("timestamp")) return json{{"timestamp", entry["timestamp"]}};
  if (entry.contains("ext")) return json{{"ext", entry["ext"]}};
  return entry["number"]; // bignums are compared apart (same_number)
}

/// Numbers compare by value: 1, 1.0 and 1.0f are one value; a bignum (written as
/// a decimal string in the suite) against the integer or float decoded.
bool same_number(const json& entry, const json& got) {
  if (entry.contains("bignum") && got.is_number_integer()) {
    auto text = entry["bignum"].get<std::string>();
    return got.is_number_unsigned() ? std::to_string(got.get<std::uint64_t>()) == text
                                    : std::to_string(got.get<std::int64_t>()) == text;
  }
  if (!entry.contains("number") || !got.is_number()) return false;
  const auto& want = entry["number"];
  if (want.is_number_integer() && got.is_number_integer())
    return want.is_number_unsigned() || got.is_number_unsigned()
               ? want.get<std::uint64_t>() == got.get<std::uint64_t>()
               : want.get<std::int64_t>() == got.get<std::int64_t>();
  return want.get<double>() == got.get<double>();
}

std::string wrapped(const std::string& encoding) {
  return std::string{"\x81\xa1v", 3} + encoding;
}

struct suite_case {
  std::string group;
  json entry;
};

std::vector<suite_case> all_cases() {
  std::vector<suite_case> out;
  auto suite = load_suite();
  for (auto& [group, entries] : suite.items())
    for (auto& e : entries)
      out.push_back({group, e});
  return out;
}

TEST(MsgpackTestSuite, HoldsTheValuesAndEncodingsItPromises) {
  auto cases = all_cases();
  std::size_t encodings = 0;
  for (const auto& c : cases)
    encodings += c.entry["msgpack"].size();
  EXPECT_EQ(cases.size(), 85u);
  EXPECT_EQ(encodings, 233u);
}

TEST(MsgpackTestSuite, EveryEncodingOfAValueDecodesToThatValue) {
  for (const auto& c : all_cases()) {
    for (const auto& hex : c.entry["msgpack"]) {
      SCOPED_TRACE(c.group + " " + c.entry.dump() + " as " + hex.get<std::string>());
      auto frame = wrapped(from_hex(hex.get<std::string>()));
      auto d = decode_request(frame);
      ASSERT_TRUE(d.req.has_value()) << d.error;
      const auto& root = d.req->root();
      ASSERT_EQ(root.via.map.size, 1u);
      auto got = value_of(root.via.map.ptr[0].val);
      if (c.entry.contains("number") || c.entry.contains("bignum"))
        EXPECT_TRUE(same_number(c.entry, got)) << got.dump();
      else
        EXPECT_EQ(got, expected_of(c.entry));
    }
  }
}

// What a handler reads must not depend on which encoding the client chose.
TEST(MsgpackTestSuite, TypedAccessorsAgreeAcrossEncodings) {
  for (const auto& c : all_cases()) {
    std::optional<std::int64_t> int_seen;
    std::optional<std::uint64_t> uint_seen;
    for (const auto& hex : c.entry["msgpack"]) {
      SCOPED_TRACE(c.group + " " + c.entry.dump() + " as " + hex.get<std::string>());
      auto encoding = from_hex(hex.get<std::string>());
      auto d = decode_request(wrapped(encoding));
      ASSERT_TRUE(d.req.has_value()) << d.error;
      const auto& req = *d.req;
      auto lead = static_cast<unsigned char>(encoding[0]);
      bool float_encoding = lead == 0xca || lead == 0xcb;
      if (c.entry.contains("nil")) {
        EXPECT_EQ(req.find("v"), nullptr); // nil is absent, as for `undefined`
        args a{req};
        EXPECT_FALSE(a.opt_int("v").has_value());
        EXPECT_TRUE(a.ok());
        continue;
      }
      if (c.entry.contains("string")) {
        args a{req};
        auto s = a.opt_str("v", 0, 1024);
        ASSERT_TRUE(s.has_value()) << a.error();
        EXPECT_EQ(*s, c.entry["string"].get<std::string>());
      }
      if (c.entry.contains("bool")) {
        args a{req};
        EXPECT_EQ(a.opt_bool("v"), c.entry["bool"].get<bool>());
      }
      if (c.entry.contains("number") || c.entry.contains("bignum")) {
        args as_int{req}, as_uint{req};
        auto i = as_int.opt_int("v");
        auto u = as_uint.opt_uint("v");
        if (float_encoding) {
          // The protocol's integers are integers: a float, even 1.0, is refused.
          EXPECT_FALSE(i.has_value());
          EXPECT_FALSE(u.has_value());
          EXPECT_FALSE(as_int.ok());
          EXPECT_FALSE(as_uint.ok());
          continue;
        }
        if (i) {
          if (int_seen) {
            EXPECT_EQ(*i, *int_seen);
          }
          int_seen = i;
        }
        if (u) {
          if (uint_seen) {
            EXPECT_EQ(*u, *uint_seen);
          }
          uint_seen = u;
          if (i) {
            EXPECT_EQ(static_cast<std::uint64_t>(*i), *u);
          }
        } else {
          EXPECT_TRUE(i.has_value() && *i < 0) << "a non-negative integer unread";
        }
      }
    }
  }
}

TEST(MsgpackTestSuite, EveryTruncationIsRefusedCleanly) {
  std::size_t refused = 0;
  for (const auto& c : all_cases()) {
    for (const auto& hex : c.entry["msgpack"]) {
      SCOPED_TRACE(c.group + " " + hex.get<std::string>());
      auto encoding = from_hex(hex.get<std::string>());
      auto frame = wrapped(encoding);
      for (std::size_t n = 0; n < frame.size(); ++n) {
        auto d = decode_request(frame.substr(0, n));
        EXPECT_FALSE(d.req.has_value()) << "a frame cut to " << n << " bytes decoded";
        EXPECT_FALSE(d.error.empty());
        ++refused;
      }
      // The bare encoding is a frame only when it is a map with string keys.
      auto bare = decode_request(encoding);
      bool string_keyed_map = c.entry.contains("map");
      EXPECT_EQ(bare.req.has_value(), string_keyed_map) << bare.error;
      if (!bare.req) {
        EXPECT_FALSE(bare.error.empty());
      }
      for (std::size_t n = 0; n < encoding.size(); ++n)
        EXPECT_FALSE(decode_request(encoding.substr(0, n)).req.has_value());
    }
  }
  EXPECT_GT(refused, 233u * 3);
}

} // namespace
