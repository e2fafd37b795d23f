// Tests of HS256 token signing and verification and of base64url (protocol/jwt).
// Hand-made tokens are signed here with OpenSSL's HMAC directly, so the verifier is
// checked against an independent signer, not only against sign_token.
#include "protocol/jwt.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace {

using namespace parley::protocol;

constexpr std::string_view secret = "test-secret-0123456789";
constexpr std::int64_t now = 1700000000;
constexpr std::string_view hs256_header = R"({"alg":"HS256","typ":"JWT"})";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

/// A token with exactly this header and payload JSON, signed with `key`.
std::string make_token(std::string_view header, std::string_view payload,
                       std::string_view key = secret) {
  auto input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(hmac_sha256(key, input));
}

std::string claims_json(std::string_view extra = "") {
  return R"({"sub":"alice","exp":)" + std::to_string(now + 3600) + std::string(extra) +
         "}";
}

/// `n` euro signs: 3 bytes each in UTF-8.
std::string euros(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += "\xE2\x82\xAC";
  return out;
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// -- sign and verify ----------------------------------------------------------------

TEST(JwtTest, SignThenVerify) {
  auto token = sign_token({"alice", now + 60, false}, secret);
  auto r = verify_token(token, secret, now);
  ASSERT_TRUE(r.claims) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, "alice");
  EXPECT_EQ(r.claims->exp, now + 60);
  EXPECT_FALSE(r.claims->admin);
}

TEST(JwtTest, SignThenVerifyAdmin) {
  auto r = verify_token(sign_token({"provisioner", now + 60, true}, secret), secret, now);
  ASSERT_TRUE(r.claims) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, "provisioner");
  EXPECT_TRUE(r.claims->admin);
}

TEST(JwtTest, SignedTokenShape) {
  auto parts = split(sign_token({"alice", now + 60, false}, secret));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(base64url_decode(parts[0]), std::string(hs256_header));
  EXPECT_EQ(base64url_decode(parts[1]),
            R"({"sub":"alice","exp":)" + std::to_string(now + 60) + "}");
  auto sig = base64url_decode(parts[2]);
  ASSERT_TRUE(sig);
  EXPECT_EQ(*sig, hmac_sha256(secret, parts[0] + "." + parts[1]));
  for (const auto& p : parts)
    EXPECT_EQ(p.find_first_of("+/="), std::string::npos) << "not base64url: " << p;
}

TEST(JwtTest, HandMadeTokenVerifies) {
  auto r = verify_token(make_token(hs256_header, claims_json()), secret, now);
  ASSERT_TRUE(r.claims) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, "alice");
  EXPECT_EQ(r.claims->exp, now + 3600);
}

TEST(JwtTest, EmptySecretStillSignsAndVerifies) {
  auto token = sign_token({"alice", now + 60, false}, "");
  EXPECT_TRUE(verify_token(token, "", now).claims);
  EXPECT_EQ(verify_token(token, "x", now).error, token_error::bad_signature);
}

TEST(JwtTest, WhitespaceAndUnknownClaimsTolerated) {
  auto payload =
      " { \"iss\" : \"parley\" ,\n\t\"sub\" : \"alice\" , \"exp\" : " +
      std::to_string(now + 10) +
      R"( , "aud": ["a", {"b": null, "c": [1, 2.5e3, true, false]}], "iat": 1.5,
                 "nbf": -3, "nested": {"deep": {"x": "y"}} } )";
  auto r = verify_token(make_token(R"( { "typ" : "JWT", "alg" : "HS256" } )", payload),
                        secret, now);
  ASSERT_TRUE(r.claims) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, "alice");
  EXPECT_EQ(r.claims->exp, now + 10);
}

// -- signatures ---------------------------------------------------------------------

TEST(JwtTest, WrongSecretIsBadSignature) {
  auto token = sign_token({"alice", now + 60, false}, secret);
  EXPECT_EQ(verify_token(token, "other-secret", now).error, token_error::bad_signature);
  EXPECT_FALSE(verify_token(token, "other-secret", now).claims);
  // A prefix of the real secret is another secret.
  EXPECT_EQ(verify_token(token, secret.substr(0, secret.size() - 1), now).error,
            token_error::bad_signature);
}

TEST(JwtTest, TamperedPayloadIsBadSignature) {
  auto parts = split(sign_token({"alice", now + 60, false}, secret));
  auto forged = base64url_encode(R"({"sub":"mallory","exp":)" + std::to_string(now + 60) +
                                 R"(,"adm":true})");
  auto r = verify_token(parts[0] + "." + forged + "." + parts[2], secret, now);
  EXPECT_FALSE(r.claims);
  EXPECT_EQ(r.error, token_error::bad_signature);
}

TEST(JwtTest, ExtendedExpiryIsBadSignature) {
  auto parts = split(sign_token({"alice", now - 10, false}, secret));
  auto forged =
      base64url_encode(R"({"sub":"alice","exp":)" + std::to_string(now + 1000000) + "}");
  EXPECT_EQ(verify_token(parts[0] + "." + forged + "." + parts[2], secret, now).error,
            token_error::bad_signature);
}

TEST(JwtTest, TamperedSignatureIsBadSignature) {
  auto token = sign_token({"alice", now + 60, false}, secret);
  auto sig_start = token.rfind('.') + 1;
  // Flip one character in the middle of the signature (a canonical change).
  auto flipped = token;
  auto& c = flipped[sig_start + 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_token(flipped, secret, now).error, token_error::bad_signature);
  // A shorter or empty signature.
  EXPECT_EQ(verify_token(token.substr(0, token.size() - 3), secret, now).error,
            token_error::bad_signature);
  EXPECT_EQ(verify_token(token.substr(0, sig_start), secret, now).error,
            token_error::bad_signature);
  // A signature with a byte appended.
  auto longer = token.substr(0, sig_start) +
                base64url_encode(*base64url_decode(token.substr(sig_start)) + "x");
  EXPECT_EQ(verify_token(longer, secret, now).error, token_error::bad_signature);
}

TEST(JwtTest, SignatureIsCheckedBeforeClaims) {
  // A forged token learns nothing about which claims the server wants.
  auto token = make_token(hs256_header, R"({"nothing":1})", "wrong-key");
  EXPECT_EQ(verify_token(token, secret, now).error, token_error::bad_signature);
  auto expired = make_token(hs256_header, R"({"sub":"a","exp":1})", "wrong-key");
  EXPECT_EQ(verify_token(expired, secret, now).error, token_error::bad_signature);
}

// -- algorithms -----------------------------------------------------------------------

TEST(JwtTest, AlgNoneWithEmptySignatureRefused) {
  auto token = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
               base64url_encode(claims_json()) + ".";
  auto r = verify_token(token, secret, now);
  EXPECT_FALSE(r.claims);
  EXPECT_EQ(r.error, token_error::unsupported_alg);
}

TEST(JwtTest, AlgNoneWithSignatureRefused) {
  // Even correctly HMAC-signed, a header naming another algorithm is refused.
  auto r = verify_token(make_token(R"({"alg":"none"})", claims_json()), secret, now);
  EXPECT_FALSE(r.claims);
  EXPECT_EQ(r.error, token_error::unsupported_alg);
}

TEST(JwtTest, AlgNoneWithoutSignaturePartIsMalformed) {
  // Two parts only: not a JWS at all.
  auto token =
      base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims_json());
  EXPECT_EQ(verify_token(token, secret, now).error, token_error::malformed);
}

TEST(JwtTest, OtherAlgorithmsRefused) {
  for (std::string_view header :
       {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"HS384"})", R"({"alg":"RS256"})",
        R"({"alg":"hs256"})", R"({"alg":"HS256 "})", R"({"alg":""})", R"({"alg":256})",
        R"({"alg":null})", R"({"alg":["HS256"]})", R"({"typ":"JWT"})", R"({})"}) {
    auto r = verify_token(make_token(header, claims_json()), secret, now);
    EXPECT_FALSE(r.claims) << header;
    EXPECT_EQ(r.error, token_error::unsupported_alg) << header;
  }
}

// -- claims ---------------------------------------------------------------------------

TEST(JwtTest, Expiry) {
  auto at = [](std::int64_t exp) {
    return verify_token(sign_token({"alice", exp, false}, secret), secret, now);
  };
  EXPECT_EQ(at(now).error, token_error::expired); // exp <= now
  EXPECT_FALSE(at(now).claims);
  EXPECT_EQ(at(now - 1).error, token_error::expired);
  EXPECT_EQ(at(0).error, token_error::expired);
  EXPECT_EQ(at(-5).error, token_error::expired);
  EXPECT_EQ(at(INT64_MIN).error, token_error::expired);
  EXPECT_TRUE(at(now + 1).claims);
  EXPECT_TRUE(at(INT64_MAX).claims);
}

TEST(JwtTest, MissingOrMistypedClaims) {
  auto exp = std::to_string(now + 60);
  for (const auto& payload : std::vector<std::string>{
           "{\"exp\":" + exp + "}",                         // no sub
           R"({"sub":"alice"})",                            // no exp
           "{\"sub\":\"\",\"exp\":" + exp + "}",            // empty sub
           "{\"sub\":42,\"exp\":" + exp + "}",              // sub not a string
           "{\"sub\":null,\"exp\":" + exp + "}",            // sub null
           "{\"sub\":[\"alice\"],\"exp\":" + exp + "}",     // sub an array
           R"({"sub":"alice","exp":")" + exp + "\"}",       // exp a string
           R"({"sub":"alice","exp":1.7e9})",                // exp not an integer
           R"({"sub":"alice","exp":17000000000.5})",        // exp fractional
           R"({"sub":"alice","exp":99999999999999999999})", // exp beyond int64
           R"({"sub":"alice","exp":true})",                 // exp a boolean
           R"({"sub":"alice","exp":null})",                 // exp null
           R"({"sub":"alice","exp":{"t":1}})",              // exp an object
           R"({})",                                         // nothing
           "{\"sub\":\"a\\u0000b\",\"exp\":" + exp + "}",   // sub holds U+0000
           "{\"sub\":\"" + std::string(129, 'u') + "\",\"exp\":" + exp + "}", // too long
           // 43 characters, but 129 bytes: the limit counts bytes.
           "{\"sub\":\"" + euros(43) + "\",\"exp\":" + exp + "}",
           "{\"sub\":{\"sub\":\"alice\"},\"exp\":" + exp + "}",    // sub an object
           "{\"sub\":\"alice\",\"claims\":{\"exp\":" + exp + "}}", // exp only nested
           R"({"sub":"alice","exp":[1700000060]})",                // exp an array
           R"({"sub":"alice","exp":1700000060.0})",                // exp with ".0"
           R"({"sub":"alice","exp":17000000600e-1})",              // exp in exponent form
           R"({"sub":"alice","exp":1e3})",                         // exp in exponent form
           R"({"sub":"alice","exp":9223372036854775808})",         // INT64_MAX + 1
           R"({"sub":"alice","exp":18446744073709551615})",        // UINT64_MAX
           R"({"sub":"alice","exp":-9223372036854775809})",        // INT64_MIN - 1
       }) {
    auto r = verify_token(make_token(hs256_header, payload), secret, now);
    EXPECT_FALSE(r.claims) << payload;
    EXPECT_EQ(r.error, token_error::missing_claim) << payload;
  }
}

TEST(JwtTest, ExpAtTheEdgesOfInt64) {
  auto with_exp = [](std::string_view exp) {
    return verify_token(
        make_token(hs256_header, R"({"sub":"alice","exp":)" + std::string(exp) + "}"),
        secret, now);
  };
  auto max = with_exp("9223372036854775807");
  ASSERT_TRUE(max.claims);
  EXPECT_EQ(max.claims->exp, INT64_MAX);
  EXPECT_EQ(with_exp("-9223372036854775808").error, token_error::expired);
  EXPECT_EQ(with_exp("-0").error, token_error::expired);
  EXPECT_EQ(with_exp("0").error, token_error::expired);
}

TEST(JwtTest, SubOfExactly128BytesAccepted) {
  for (const auto& sub : {std::string(128, 'u'), euros(42) + "uu"}) {
    ASSERT_EQ(sub.size(), 128u);
    auto payload = R"({"sub":")" + sub + R"(","exp":)" + std::to_string(now + 60) + "}";
    auto r = verify_token(make_token(hs256_header, payload), secret, now);
    ASSERT_TRUE(r.claims) << sub;
    EXPECT_EQ(r.claims->sub, sub);
  }
}

TEST(JwtTest, AdminClaim) {
  auto with = [](std::string_view adm) {
    return verify_token(make_token(hs256_header, claims_json(adm)), secret, now);
  };
  ASSERT_TRUE(with(R"(,"adm":true)").claims);
  EXPECT_TRUE(with(R"(,"adm":true)").claims->admin);
  ASSERT_TRUE(with(R"(,"adm":false)").claims);
  EXPECT_FALSE(with(R"(,"adm":false)").claims->admin);
  ASSERT_TRUE(with("").claims);
  EXPECT_FALSE(with("").claims->admin);
  // Only a JSON true makes an admin.
  for (auto adm : {R"(,"adm":"true")", R"(,"adm":1)", R"(,"adm":null)",
                   R"(,"adm":[true])", R"(,"adm":{"x":true})"}) {
    auto r = with(adm);
    ASSERT_TRUE(r.claims) << adm;
    EXPECT_FALSE(r.claims->admin) << adm;
  }
}

// -- malformed tokens ----------------------------------------------------------------

TEST(JwtTest, MalformedStructure) {
  auto good = sign_token({"alice", now + 60, false}, secret);
  auto parts = split(good);
  std::vector<std::string> tokens{
      "",
      ".",
      "..",
      "...",
      "abc",
      parts[0] + "." + parts[1],                         // two parts
      parts[0] + "." + parts[1] + "." + parts[2] + ".",  // four parts
      good + "." + parts[2],                             // four parts
      "." + parts[1] + "." + parts[2],                   // empty header
      parts[0] + ".." + parts[2],                        // empty payload
      parts[0] + "=." + parts[1] + "." + parts[2],       // padding
      parts[0] + "." + parts[1] + "." + parts[2] + "=",  // padding in the signature
      parts[0] + "." + parts[1] + "+." + parts[2],       // standard alphabet
      parts[0] + "." + parts[1] + "/" + "." + parts[2],  // standard alphabet
      parts[0] + "." + parts[1] + " ." + parts[2],       // space
      parts[0] + "." + parts[1] + "." + parts[2] + "\n", // newline
      " " + good,
      std::string(9000, 'a') + "." + parts[1] + "." + parts[2], // too long
  };
  for (const auto& t : tokens) {
    auto r = verify_token(t, secret, now);
    EXPECT_FALSE(r.claims) << t;
    EXPECT_EQ(r.error, token_error::malformed) << t;
  }
}

TEST(JwtTest, MalformedJson) {
  std::vector<std::pair<std::string, std::string>> cases{
      {std::string(hs256_header), "not json"},
      {std::string(hs256_header), R"(["sub","alice"])"}, // an array, not an object
      {std::string(hs256_header), R"("alice")"},
      {std::string(hs256_header), "42"},
      {std::string(hs256_header), ""},
      {std::string(hs256_header), claims_json() + " x"}, // trailing garbage
      {std::string(hs256_header), claims_json() + "{}"},
      {std::string(hs256_header), R"({"sub":"alice","exp":1,})"},
      {std::string(hs256_header), R"({"sub":"alice" "exp":1})"},
      {std::string(hs256_header), R"({"sub":"alice","exp":-})"},
      {std::string(hs256_header), R"({"sub":"alice","exp":1.})"},
      {std::string(hs256_header), R"({"sub":"alice","exp":1e})"},
      {std::string(hs256_header), R"({sub:"alice"})"},
      {std::string(hs256_header), R"({"sub":'alice'})"},
      {std::string(hs256_header), R"({"sub":"alice)"},
      {std::string(hs256_header), R"({"sub":"alice\)"}, // escape at the end
      {std::string(hs256_header), R"({"sub":tru})"},
      {std::string(hs256_header), R"({"x":nul})"},
      {std::string(hs256_header), R"({"x":[1,2})"},
      {std::string(hs256_header), R"({"x":{"a" 1}})"},
      // Unterminated nested values, ending in whitespace.
      {std::string(hs256_header), "{\"x\":{\"a\": "},
      {std::string(hs256_header), "{\"x\":[ "},
      {std::string(hs256_header), "{\"x\":{\"a\":1, "},
      // Nesting deeper than the reader follows.
      {std::string(hs256_header),
       R"({"x":)" + std::string(40, '[') + std::string(40, ']') + "}"},
      {"not json", claims_json()},
      {R"(["alg","HS256"])", claims_json()},
      {R"({"alg":"HS256")", claims_json()},
      {R"({"alg":"HS256"} x)", claims_json()}, // trailing garbage in the header
      // JSON is UTF-8: invalid bytes anywhere refuse the token, in `sub` too.
      {std::string(hs256_header), claims_json(",\"x\":\"\xFF\"")},
      {std::string(hs256_header), claims_json(",\"\xC3\":1")}, // truncated, in a name
      {std::string(hs256_header),
       "{\"sub\":\"\xFF\",\"exp\":" + std::to_string(now + 60) + "}"},
      {std::string(hs256_header), // an overlong '/'
       "{\"sub\":\"a\xC0\xAF\",\"exp\":" + std::to_string(now + 60) + "}"},
      {std::string(hs256_header), // a UTF-8-encoded surrogate
       "{\"sub\":\"\xED\xA0\x80\",\"exp\":" + std::to_string(now + 60) + "}"},
      {std::string(hs256_header), "\xEF\xBB\xBF" + claims_json()}, // byte order mark
      {"\xEF\xBB\xBF" + std::string(hs256_header), claims_json()},
      // A NUL byte ends nothing: what follows it is still trailing garbage.
      {std::string(hs256_header), claims_json() + std::string("\0{}", 3)},
      {std::string(hs256_header) + std::string("\0x", 2), claims_json()},
      {std::string(hs256_header), claims_json() + std::string(1, '\0')},
      {std::string(hs256_header), R"({"sub":"alice","exp":01})"}, // leading zero
      {std::string(hs256_header), R"({"sub":"alice","exp":-01})"},
      {std::string(hs256_header), R"({"sub":"alice","exp":+1})"},
      {std::string(hs256_header), R"({"sub":"alice","exp":0x10})"},
      {std::string(hs256_header), claims_json(R"(,"x":1e400)")}, // not a finite double
      {std::string(hs256_header), R"({"sub":"alice","exp":-1e400})"},
      {std::string(hs256_header), claims_json(R"(,"x":NaN)")},
      {std::string(hs256_header), claims_json(R"(,"x":Infinity)")},
      {std::string(hs256_header), claims_json(R"(,"x":True)")},
      {std::string(hs256_header), claims_json() + " // comment"},
      {std::string(hs256_header), "/* comment */" + claims_json()},
      {std::string(hs256_header), claims_json("\v")}, // not JSON whitespace
      {std::string(hs256_header), claims_json("\xC2\xA0")},
      {std::string(hs256_header), "null"},
      {"null", claims_json()},
  };
  for (const auto& [header, payload] : cases) {
    auto r = verify_token(make_token(header, payload), secret, now);
    EXPECT_FALSE(r.claims) << header << " / " << payload;
    EXPECT_EQ(r.error, token_error::malformed) << header << " / " << payload;
  }
}

TEST(JwtTest, ModerateNestingInIgnoredClaimsAccepted) {
  auto payload = claims_json(R"(,"x":)" + std::string(10, '[') + std::string(10, ']'));
  EXPECT_TRUE(verify_token(make_token(hs256_header, payload), secret, now).claims);
}

TEST(JwtTest, NestingLimit) {
  // A value may sit in at most 17 containers, the claims object included.
  auto nested = [](std::size_t arrays, std::string_view inner) {
    auto payload = claims_json(R"(,"x":)" + std::string(arrays, '[') +
                               std::string(inner) + std::string(arrays, ']'));
    return verify_token(make_token(hs256_header, payload), secret, now);
  };
  EXPECT_TRUE(nested(16, "").claims);
  EXPECT_TRUE(nested(17, "").claims); // the innermost array is empty
  EXPECT_EQ(nested(18, "").error, token_error::malformed);
  EXPECT_TRUE(nested(15, "1").claims);
  EXPECT_TRUE(nested(16, "1").claims);
  EXPECT_EQ(nested(17, "1").error, token_error::malformed);
  EXPECT_TRUE(nested(16, "{}").claims);
  EXPECT_EQ(nested(17, "{}").error, token_error::malformed);
  EXPECT_EQ(nested(16, R"({"a":1})").error, token_error::malformed);
  // The same bound in the header.
  auto header = [](std::size_t arrays) {
    auto h = R"({"alg":"HS256","x":)" + std::string(arrays, '[') +
             std::string(arrays, ']') + "}";
    return verify_token(make_token(h, claims_json()), secret, now);
  };
  EXPECT_TRUE(header(17).claims);
  EXPECT_EQ(header(18).error, token_error::malformed);
}

TEST(JwtTest, DuplicateNamesRefused) {
  // RFC 7519 section 4: refuse duplicate claim names or take the last. Parley refuses
  // them (in the header too), so no reader can disagree about which one counts.
  auto exp = std::to_string(now + 60);
  std::vector<std::pair<std::string, std::string>> cases{
      {std::string(hs256_header), R"({"sub":"alice","sub":"mallory","exp":)" + exp + "}"},
      {std::string(hs256_header), R"({"sub":"alice","sub":"alice","exp":)" + exp + "}"},
      {std::string(hs256_header),
       R"({"sub":"alice","exp":)" + exp + ",\"exp\":" + exp + "}"},
      {std::string(hs256_header), R"({"sub":"alice","exp":"soon","exp":)" + exp + "}"},
      {std::string(hs256_header), claims_json(R"(,"adm":false,"adm":true)")},
      {std::string(hs256_header), claims_json(R"(,"x":1,"x":2)")}, // an ignored claim
      {std::string(hs256_header), claims_json(R"(,"s\u0075b":"mallory")")}, // escaped
      {R"({"alg":"HS256","alg":"none"})", claims_json()},
      {R"({"alg":"none","alg":"HS256"})", claims_json()},
      {R"({"alg":"HS256","alg":"HS256"})", claims_json()},
  };
  for (const auto& [header, payload] : cases) {
    auto r = verify_token(make_token(header, payload), secret, now);
    EXPECT_FALSE(r.claims) << header << " / " << payload;
    EXPECT_EQ(r.error, token_error::malformed) << header << " / " << payload;
  }
  // Inside an ignored claim, names are not looked at.
  auto nested = claims_json(R"(,"x":{"a":1,"a":2})");
  EXPECT_TRUE(verify_token(make_token(hs256_header, nested), secret, now).claims);
}

TEST(JwtTest, NonCanonicalSignatureRefused) {
  // A 32-byte signature leaves 2 unused bits in its last character; a strict decoder
  // refuses them set, so a token has exactly one spelling.
  auto token = make_token(hs256_header, claims_json());
  ASSERT_TRUE(verify_token(token, secret, now).claims);
  auto variant = token;
  variant.back() = static_cast<char>(variant.back() + 1);
  auto r = verify_token(variant, secret, now);
  EXPECT_FALSE(r.claims);
  EXPECT_EQ(r.error, token_error::malformed);
}

// -- JSON strings in sub -------------------------------------------------------------

TEST(JwtTest, SubEscapesRoundTrip) {
  for (const std::string& sub : {
           std::string("quote\"d"),
           std::string("back\\slash"),
           std::string("\"\\\""),
           std::string("new\nline\ttab\rcr"),
           std::string("ctrl\x01\x1f"),
           std::string("slash/ok"),
           std::string("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"),
           std::string("x\x7f"),
       }) {
    auto r = verify_token(sign_token({sub, now + 60, false}, secret), secret, now);
    ASSERT_TRUE(r.claims) << sub;
    EXPECT_EQ(r.claims->sub, sub);
  }
}

TEST(JwtTest, SubJsonEscapesDecoded) {
  struct escape_case {
    std::string json; // the sub as written in the payload, quotes included
    std::string sub;
  };
  for (const auto& c : std::vector<escape_case>{
           {R"("\"")", "\""},
           {R"("\\")", "\\"},
           {R"("\/")", "/"},
           {R"("\b\f\n\r\t")", "\b\f\n\r\t"},
           {R"("\u0041")", "A"},
           {R"("\u00e9")", "\xC3\xA9"},
           {R"("\u00E9")", "\xC3\xA9"},
           {R"("\u65e5\u672c")", "\xE6\x97\xA5\xE6\x9C\xAC"},
           {R"("\ud83d\ude00")", "\xF0\x9F\x98\x80"},
           {R"("\uD83D\uDE00")", "\xF0\x9F\x98\x80"},
           {R"("\udbff\udfff")", "\xF4\x8F\xBF\xBF"},
           {R"("\u07ff\u0800\uffff")", "\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF"},
           {R"("a\u0022b")", "a\"b"},
       }) {
    auto payload = R"({"sub":)" + c.json + R"(,"exp":)" + std::to_string(now + 60) + "}";
    auto r = verify_token(make_token(hs256_header, payload), secret, now);
    ASSERT_TRUE(r.claims) << c.json << " " << to_string(r.error);
    EXPECT_EQ(r.claims->sub, c.sub) << c.json;
  }
}

TEST(JwtTest, SubBadEscapesMalformed) {
  for (std::string_view json : {
           R"("\ud83d")",       // lone high surrogate
           R"("\ude00")",       // lone low surrogate
           R"("\ud83dx")",      // high surrogate, then a plain character
           R"("\ud83d\u0041")", // high surrogate, then not a low one
           R"("\ud83d\ud83d")", // two high surrogates
           R"("\x41")",         // no such escape
           R"("\u12")",         // short
           R"("\u00g0")",       // not hex
           "\"raw\ncontrol\"",  // unescaped control character
           "\"tab\there\"",
       }) {
    auto payload =
        R"({"sub":)" + std::string(json) + R"(,"exp":)" + std::to_string(now + 60) + "}";
    auto r = verify_token(make_token(hs256_header, payload), secret, now);
    EXPECT_FALSE(r.claims) << json;
    EXPECT_EQ(r.error, token_error::malformed) << json;
  }
}

TEST(JwtTest, AMaximumLifetimeBoundsHowFarAheadExpMayLie) {
  struct row {
    std::int64_t exp_ahead;
    std::int64_t max;
    bool ok;
  };
  for (const auto& r : std::vector<row>{
           {60, 0, true},                      // no maximum
           {100 * 365 * 86400ll, 0, true},     // a century, unbounded
           {3600, 3600, true},                 // exactly the maximum
           {3601, 3600, false},                // one second more
           {100 * 365 * 86400ll, 86400, false} // a century against a day
       }) {
    auto payload =
        "{\"sub\":\"alice\",\"exp\":" + std::to_string(now + r.exp_ahead) + "}";
    auto v = verify_token(make_token(hs256_header, payload), secret, now, r.max);
    EXPECT_EQ(v.claims.has_value(), r.ok) << r.exp_ahead << " vs " << r.max;
    if (!r.ok) {
      EXPECT_EQ(v.error, token_error::too_long_lived);
    }
  }
}

TEST(JwtTest, ErrorNamesAreDistinct) {
  std::vector<std::string_view> names{
      to_string(token_error::malformed),     to_string(token_error::unsupported_alg),
      to_string(token_error::bad_signature), to_string(token_error::missing_claim),
      to_string(token_error::expired),       to_string(token_error::too_long_lived)};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_FALSE(names[i].empty());
    for (std::size_t j = i + 1; j < names.size(); ++j)
      EXPECT_NE(names[i], names[j]);
  }
}

// -- base64url -------------------------------------------------------------------------

TEST(Base64UrlTest, Rfc4648Vectors) {
  // RFC 4648 section 10, without padding.
  const std::vector<std::pair<std::string, std::string>> vectors{
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
}

TEST(Base64UrlTest, UrlAlphabet) {
  // Where standard base64 has '+' and '/', base64url has '-' and '_'.
  const std::vector<std::pair<std::string, std::string>> vectors{
      {"\xfb\xff", "-_8"},      // standard: "+/8="
      {"\xfb\xef\xbe", "----"}, // standard: "++++"
      {"\xff\xff\xff", "____"}, // standard: "////"
      {std::string("\x00\x00\x00", 3), "AAAA"},
      {std::string("\x00", 1), "AA"},
      {"\x14\xfb\x9c\x03\xd9\x7e", "FPucA9l-"},
      {"\x14\xfb\x9c\x03\xd9", "FPucA9k"},
      {"\x14\xfb\x9c\x03", "FPucAw"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
}

TEST(Base64UrlTest, EveryByteAndLengthRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); ++n) {
    auto plain = all.substr(all.size() - n);
    auto encoded = base64url_encode(plain);
    EXPECT_EQ(encoded.size(), (n * 4 + 2) / 3);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
}

TEST(Base64UrlTest, InvalidInputRejected) {
  for (std::string_view bad : {
           "Zg==",       // padding
           "Zm8=",       // padding
           "Z",          // a length that is 1 mod 4
           "Zm9vY",      // a length that is 1 mod 4
           "Zh",         // non-zero unused bits
           "Zm9",        // non-zero unused bits
           "Zm9v+w",     // standard alphabet
           "Zm9v/w",     // standard alphabet
           "Zm 9",       // whitespace
           "Zm9v\nA",    // newline
           "Zm.9",       // separator
           "Zm\xc3\xa9", // non-ASCII
       }) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
  using namespace std::string_literals;
  EXPECT_EQ(base64url_decode("Zm\0v"s), std::nullopt);
}

} // namespace
