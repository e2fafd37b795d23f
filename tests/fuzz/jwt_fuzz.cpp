// libFuzzer target: the JWT parser (protocol/jwt), which reads every hello, every
// auth.refresh and every blob request's Authorization header. The first input byte
// picks what the rest is:
//   0: a token, as a client sends it, at several clocks and lifetime bounds: one
//      accepted carries the fuzzer's signature over its header and claims (the
//      seeds hold such tokens, which the mutations then break);
//   1: a claims set (JSON text) that the fuzzer signs with the secret under a
//      valid header, so the claims reader past the signature check is reached:
//      whatever it accepts is a sane identity (an id-like `sub`, `exp` in the future
//      and within the lifetime bound) that signs and verifies back to itself;
//   2: a header and a claims set (split at the first 0xFF byte), both signed: only
//      alg HS256 passes;
//   3: claims to sign with sign_token and a position to change: the signed token
//      verifies, and the token with any one byte changed never does.
// And base64url both ways: decode(encode(x)) == x; a text that decodes is the one
// canonical encoding of its bytes. Built twice (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/jwt.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/must.hpp"

namespace {

using namespace parley::protocol;

constexpr std::string_view secret = "fuzz-secret";
constexpr std::int64_t now = 1'700'000'000;
constexpr std::int64_t lifetime = 86'400;

std::string hmac(std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

/// A token with the fuzzer's own header and claims texts, correctly signed.
std::string signed_token(std::string_view header, std::string_view claims) {
  auto input = base64url_encode(header) + "." + base64url_encode(claims);
  return input + "." + base64url_encode(hmac(input));
}

/// An accepted token names a usable identity, and signs back to itself.
void check_accepted(const token_result& r, std::int64_t at, std::int64_t bound) {
  if (!r.claims) return;
  const auto& c = *r.claims;
  must(!c.sub.empty() && c.sub.size() <= limits::max_id_bytes);
  must(valid_text(c.sub));
  must(c.exp > at);
  if (bound > 0) must(c.exp - at <= bound);
  auto again = verify_token(sign_token(c, secret), secret, at, bound);
  must(again.claims.has_value());
  must(again.claims->sub == c.sub && again.claims->exp == c.exp &&
       again.claims->admin == c.admin);
}

void check_base64(std::string_view bytes) {
  auto text = base64url_encode(bytes);
  must(base64url_decode(text) == std::string{bytes});
  if (auto decoded = base64url_decode(bytes)) must(base64url_encode(*decoded) == bytes);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view in{reinterpret_cast<const char*>(data) + 1, size - 1};
  check_base64(in);
  switch (data[0] % 4) {
  case 0:
    for (std::int64_t at : {std::int64_t{0}, now})
      for (std::int64_t bound : {std::int64_t{0}, lifetime}) {
        auto r = verify_token(in, secret, at, bound);
        must(!to_string(r.error).empty());
        if (!r.claims) continue;
        // Accepted: it carries our signature over its first two parts.
        auto dot = in.rfind('.');
        must(dot != std::string_view::npos);
        must(base64url_decode(in.substr(dot + 1)) == hmac(in.substr(0, dot)));
        check_accepted(r, at, bound);
      }
    break;
  case 1: {
    auto token = signed_token(R"({"alg":"HS256","typ":"JWT"})", in);
    for (std::int64_t bound : {std::int64_t{0}, lifetime})
      check_accepted(verify_token(token, secret, now, bound), now, bound);
    // A wrong secret never accepts it.
    must(!verify_token(token, "other-secret", now).claims);
    break;
  }
  case 2: {
    auto cut = in.find('\xFF');
    auto header = in.substr(0, cut);
    auto claims = cut == std::string_view::npos ? std::string_view{} : in.substr(cut + 1);
    auto r = verify_token(signed_token(header, claims), secret, now, lifetime);
    check_accepted(r, now, lifetime);
    if (r.claims) must(header.find("HS256") != std::string_view::npos);
    break;
  }
  default: {
    if (in.size() < 10) return 0;
    token_claims c;
    c.exp = now + 1 +
            (static_cast<std::uint8_t>(in[0]) << 8 | static_cast<std::uint8_t>(in[1]));
    c.admin = in[2] & 1;
    std::size_t pos =
        static_cast<std::uint8_t>(in[3]) << 8 | static_cast<std::uint8_t>(in[4]);
    std::uint8_t flip = static_cast<std::uint8_t>(in[5]) | 1;
    c.sub = std::string{in.substr(6, limits::max_id_bytes)};
    auto token = sign_token(c, secret);
    auto r = verify_token(token, secret, now, 0);
    // sign_token escapes what JSON needs; the verifier takes only id-like text.
    must(r.claims.has_value() == (valid_text(c.sub) && !c.sub.empty()));
    check_accepted(r, now, 0);
    pos %= token.size();
    token[pos] = static_cast<char>(static_cast<std::uint8_t>(token[pos]) ^ flip);
    must(!verify_token(token, secret, now, 0).claims);
    break;
  }
  }
  return 0;
}
