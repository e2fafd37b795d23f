#include "protocol/jwt.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace parley::protocol {

std::string_view to_string(token_error err) {
  switch (err) {
  case token_error::malformed:
    return "malformed token";
  case token_error::unsupported_alg:
    return "unsupported token algorithm";
  case token_error::bad_signature:
    return "bad token signature";
  case token_error::missing_claim:
    return "token lacks sub or exp";
  case token_error::expired:
    return "token expired";
  case token_error::too_long_lived:
    return "token lifetime exceeds the server's maximum";
  }
  return "malformed token";
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

// -- a minimal JSON object reader for JWT headers and claims ---------------------

namespace {

/// The top-level members of a JSON object that a token needs: strings, integers
/// and booleans. Nested values are parsed (for validity) and skipped.
struct json_object {
  std::vector<std::pair<std::string, std::string>> strings;
  std::vector<std::pair<std::string, std::int64_t>> integers;
  std::vector<std::pair<std::string, bool>> booleans;

  const std::string* string_of(std::string_view k) const {
    for (const auto& [key, v] : strings)
      if (key == k) return &v;
    return nullptr;
  }
  const std::int64_t* integer_of(std::string_view k) const {
    for (const auto& [key, v] : integers)
      if (key == k) return &v;
    return nullptr;
  }
  const bool* boolean_of(std::string_view k) const {
    for (const auto& [key, v] : booleans)
      if (key == k) return &v;
    return nullptr;
  }
};

class json_reader {
public:
  explicit json_reader(std::string_view text) : s_(text) {}

  bool read_object(json_object& out) {
    ws();
    if (!eat('{')) return false;
    ws();
    if (eat('}')) return done();
    for (;;) {
      std::string key;
      ws();
      if (!read_string(key)) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      if (!read_member(key, out)) return false;
      ws();
      if (eat(',')) continue;
      if (eat('}')) return done();
      return false;
    }
  }

private:
  bool done() {
    ws();
    return i_ == s_.size();
  }

  void ws() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool read_member(const std::string& key, json_object& out) {
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"') {
      std::string v;
      if (!read_string(v)) return false;
      out.strings.emplace_back(key, std::move(v));
      return true;
    }
    if (c == 't' || c == 'f') {
      bool v = c == 't';
      if (!literal(v ? "true" : "false")) return false;
      out.booleans.emplace_back(key, v);
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      auto start = i_;
      if (!skip_number()) return false;
      std::int64_t v = 0;
      auto num = s_.substr(start, i_ - start);
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
      if (ec == std::errc{} && p == num.data() + num.size())
        out.integers.emplace_back(key, v);
      return true; // non-integral numbers are valid JSON, just not a usable claim
    }
    return skip_value(0);
  }

  bool skip_number() {
    eat('-');
    std::size_t digits = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
      ++i_, ++digits;
    if (digits == 0) return false;
    if (eat('.')) {
      digits = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
        ++i_, ++digits;
      if (digits == 0) return false;
    }
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      digits = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
        ++i_, ++digits;
      if (digits == 0) return false;
    }
    return true;
  }

  bool skip_value(int depth) {
    ws();
    if (depth > 16 || i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"') {
      std::string ignored;
      return read_string(ignored);
    }
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    if (c == '-' || (c >= '0' && c <= '9')) return skip_number();
    if (c == '[' || c == '{') {
      char close = c == '[' ? ']' : '}';
      ++i_;
      ws();
      if (eat(close)) return true;
      for (;;) {
        ws();
        if (c == '{') {
          std::string k;
          if (!read_string(k)) return false;
          ws();
          if (!eat(':')) return false;
        }
        if (!skip_value(depth + 1)) return false;
        ws();
        if (eat(',')) continue;
        return eat(close);
      }
    }
    return false;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool read_hex4(std::uint32_t& out) {
    if (s_.size() - i_ < 4) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  bool read_string(std::string& out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::uint32_t cp;
        if (!read_hex4(cp)) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t lo;
          if (!eat('\\') || !eat('u') || !read_hex4(lo) || lo < 0xDC00 || lo > 0xDFFF)
            return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return false;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
      }
    }
    return false;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

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
  json_object header;
  json_object payload;
  if (!json_reader{*header_json}.read_object(header) ||
      !json_reader{*payload_json}.read_object(payload))
    return fail(token_error::malformed);
  // Only HS256: "none" and every other algorithm are refused before any signature
  // is looked at, so a token cannot choose how it is checked.
  auto alg = header.string_of("alg");
  if (!alg || *alg != "HS256") return fail(token_error::unsupported_alg);
  auto expected = hmac_sha256(secret, token.substr(0, dot2));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return fail(token_error::bad_signature);
  auto sub = payload.string_of("sub");
  auto exp = payload.integer_of("exp");
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
  if (auto adm = payload.boolean_of("adm")) claims.admin = *adm;
  out.claims = std::move(claims);
  return out;
}

} // namespace parley::protocol
