#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The built-in AI responder's rules (docs/protocol.md §4 and §9): `admin.ai.put
// {user, rules: [{match: [words], reply}], fallback: "handoff" | str, delay_ms?}`.
// Pure: no CAF. The AI agent actor asks `decide` on each contact message; the admin
// op asks `validate` before storing a configuration. A real model client could
// replace the agent later; these rules stay the built-in one.
//
// Word matching, precisely (docs/protocol.md §9, "AI rules"):
//   - A text is split into words: maximal runs of word characters. Separators are
//     every ASCII character other than a-z, A-Z, 0-9 (spaces, punctuation, controls),
//     and the Unicode separator/punctuation blocks U+0080..U+00BF (no-break space,
//     ¡ « » ¿ …), U+2000..U+206F (general punctuation: typographic spaces, dashes,
//     quotes, …), U+3000..U+303F (CJK punctuation, ideographic space) and U+FEFF.
//     Every other code point is a word character, so UTF-8 is never split inside a
//     code point.
//   - ASCII letters are compared case-insensitively; other code points byte for byte
//     (no Unicode case folding or normalisation: "Über" does not match "über").
//   - Whole words, never substrings: "ship" does not match "shipping".
//   - A match entry that splits into several words ("log in", "e-mail", "don't")
//     matches those words consecutively in the message, whatever separates them.
//   - A rule matches when every one of its entries occurs somewhere in the message,
//     in any order. The first matching rule, in the configured order, wins.
namespace parley::ai_rules {

/// The wire value of `fallback` that hands the conversation to humans.
inline constexpr std::string_view handoff = "handoff";

struct rule {
  std::vector<std::string> match; // every entry must occur in the message
  std::string reply;
};

struct config {
  std::vector<rule> rules;
  std::string fallback{handoff}; // "handoff" or a reply text
  std::int64_t delay_ms = 1000;
};

/// Bounds of a configuration, checked by `validate`.
inline constexpr std::size_t max_rules = 200;
inline constexpr std::size_t max_match_entries = 20;
inline constexpr std::size_t max_match_entry_bytes = 128;
inline constexpr std::size_t max_reply_bytes = 4096;
inline constexpr std::int64_t default_delay_ms = 1000;
inline constexpr std::int64_t max_delay_ms = 60'000;

/// What the agent does with one contact message.
struct outcome {
  enum class kind {
    reply,          // a rule matched: send `text`
    fallback_reply, // no rule matched, the fallback is a text: send `text`
    handoff,        // no rule matched, the fallback is "handoff": unassign
  };
  kind what = kind::handoff;
  std::string text;                // the reply (empty for handoff)
  std::optional<std::size_t> rule; // index of the matching rule (reply only)
};

/// The words of `text` as matching sees them: split at separators, ASCII letters
/// lower-cased. Exposed for tests and for the documentation's examples.
std::vector<std::string> words(std::string_view text);

/// True when every entry of `r.match` occurs in `message_words` (see above).
bool rule_matches(const rule& r, const std::vector<std::string>& message_words);

/// The first rule whose entries all occur in `body`, else the fallback. `cfg` must
/// have passed `validate`.
outcome decide(const config& cfg, std::string_view body);

/// Checks a configuration before it is stored: nullopt when valid, else the human
/// message of the `bad_request` reply, naming the offending rule (counted from 0).
/// Checks: at most `max_rules` rules; each with 1..`max_match_entries` entries of
/// 1..`max_match_entry_bytes` bytes of valid UTF-8 holding at least one word; a
/// reply of valid UTF-8, not blank, at most `max_reply_bytes`; a fallback that is
/// "handoff" or a reply under the same rules; delay_ms in 0..`max_delay_ms`.
std::optional<std::string> validate(const config& cfg);

} // namespace parley::ai_rules
