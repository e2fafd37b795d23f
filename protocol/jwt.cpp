#include "protocol/jwt.hpp"

#include <array>
#include <iterator>
#include <limits>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace parley::protocol {

std::string_view to_string(token_error err) {
  // Indexed by token_error, in its order of declaration.
  static constexpr std::string_view messages[] = {
      "malformed token",     "unsupported token algorithm",
      "bad token signature", "token lacks sub or exp",
      "token expired",       "token lifetime exceeds the server's maximum",
  };
  static_assert(std::size(messages) ==
                static_cast<std::size_t>(token_error::too_long_lived) + 1);
  auto i = static_cast<std::size_t>(err);
  return i < std::size(messages) ? messages[i] : messages[0];
}

// -- base64url ------------------------------------------------------------------

namespace {

constexpr char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint8_t>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += b64_alphabet[(v >> 18) & 63];
    out += b64_alphabet[(v >> 12) & 63];
    out += b64_alphabet[(v >> 6) & 63];
    out += b64_alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    std::uint32_t v = at(i) << 16;
    out += b64_alphabet[(v >> 18) & 63];
    out += b64_alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out += b64_alphabet[(v >> 18) & 63];
    out += b64_alphabet[(v >> 12) & 63];
    out += b64_alphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero for a canonical encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// -- JWT header and claims: JSON objects --------------------------------------------

namespace {

using json = nlohmann::json;

/// How many containers a value may sit in, the top-level object included. Ignored
/// claims may nest this far; deeper nesting is refused as malformed.
constexpr int max_nesting = 17;

/// Parses a JWT header or claims set: one JSON object (RFC 8259: UTF-8, no byte order
/// mark, nothing after it), nested at most `max_nesting` deep, whose member names are
/// unique. RFC 7519 section 4 lets a parser either refuse duplicate claim names or
/// keep the last; refusing them leaves no doubt which `sub`, `exp` or `alg` counts.
std::optional<json> parse_object(const std::string& text) {
  // nlohmann skips a leading byte order mark, which a JWT part never has, and stops
  // at a NUL byte as at the end of its input, so "{...}\0garbage" would pass. No NUL
  // byte is valid anywhere in JSON text (inside a string it must be escaped).
  if (text.starts_with("\xEF\xBB\xBF") || text.find('\0') != std::string::npos)
    return std::nullopt;
  bool too_deep = false;
  std::size_t top_level_keys = 0;
  auto check = [&](int depth, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::key) {
      if (depth == 1) ++top_level_keys;
    } else if (event == json::parse_event_t::value ||
               event == json::parse_event_t::object_start ||
               event == json::parse_event_t::array_start) {
      if (depth > max_nesting) too_deep = true; // depth: the containers around it
    }
    return true;
  };
  auto object = json::parse(text, check, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object() || too_deep ||
      object.size() != top_level_keys) // a name seen twice is stored once
    return std::nullopt;
  return object;
}

const std::string* string_member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : it->get_ptr<const json::string_t*>();
}

/// A member that is a JSON integer within int64: not a float (1.7e9, 5.0), not beyond
/// the range. nlohmann stores a non-negative integer as unsigned, and an integer
/// beyond 64 bits as a float.
std::optional<std::int64_t> integer_member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  // Unsigned first: nlohmann's number_integer_t pointer also answers for an unsigned.
  if (auto u = it->get_ptr<const json::number_unsigned_t*>()) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(*u);
  }
  if (auto i = it->get_ptr<const json::number_integer_t*>()) return *i;
  return std::nullopt;
}

bool is_true(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  auto b = it->get_ptr<const json::boolean_t*>();
  return b && *b;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
       &len);
  return std::string(reinterpret_cast<const char*>(mac.data()), len);
}

} // namespace

std::string sign_token(const token_claims& claims, std::string_view secret) {
  std::string header = R"({"alg":"HS256","typ":"JWT"})";
  std::string payload = "{\"sub\":\"" + json_escape(claims.sub) +
                        "\",\"exp\":" + std::to_string(claims.exp);
  if (claims.admin) payload += ",\"adm\":true";
  payload += "}";
  std::string signing_input = base64url_encode(header) + "." + base64url_encode(payload);
  return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

token_result verify_token(std::string_view token, std::string_view secret,
                          std::int64_t now_seconds, std::int64_t max_lifetime_seconds) {
  token_result out;
  auto fail = [&](token_error e) {
    out.error = e;
    return out;
  };
  if (token.size() > 8192) return fail(token_error::malformed);
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(token_error::malformed);
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos ||
      token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(token_error::malformed);
  auto header_json = base64url_decode(token.substr(0, dot1));
  auto payload_json = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header_json || !payload_json || !signature) return fail(token_error::malformed);
  auto header = parse_object(*header_json);
  auto payload = parse_object(*payload_json);
  if (!header || !payload) return fail(token_error::malformed);
  // Only HS256: "none" and every other algorithm are refused before any signature
  // is looked at, so a token cannot choose how it is checked.
  auto alg = string_member(*header, "alg");
  if (!alg || *alg != "HS256") return fail(token_error::unsupported_alg);
  auto expected = hmac_sha256(secret, token.substr(0, dot2));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return fail(token_error::bad_signature);
  auto sub = string_member(*payload, "sub");
  auto exp = integer_member(*payload, "exp");
  // `sub` becomes the user id of every statement: it is an id like any other.
  if (!sub || sub->empty() || sub->size() > limits::max_id_bytes || !valid_text(*sub) ||
      !exp)
    return fail(token_error::missing_claim);
  if (*exp <= now_seconds) return fail(token_error::expired);
  if (max_lifetime_seconds > 0 && *exp - now_seconds > max_lifetime_seconds)
    return fail(token_error::too_long_lived);
  token_claims claims;
  claims.sub = *sub;
  claims.exp = *exp;
  claims.admin = is_true(*payload, "adm");
  out.claims = std::move(claims);
  return out;
}

} // namespace parley::protocol
