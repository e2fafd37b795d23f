#include "actors/rules/ai_rules.hpp"

#include <algorithm>
#include <cstdint>

#include "protocol/utf8.hpp"

namespace parley::ai_rules {

namespace {

/// The length of the UTF-8 sequence starting at `text[i]` and its code point. A
/// malformed byte (the server validates bodies, so only in theory) counts as one
/// word character of length 1: matching never reads past the end or crashes.
struct code_point {
  std::uint32_t value;
  std::size_t length;
};

code_point decode_at(std::string_view text, std::size_t i) {
  auto c = static_cast<std::uint8_t>(text[i]);
  if (c < 0x80) return {c, 1};
  std::size_t len = (c & 0xE0) == 0xC0   ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
  if (len == 0 || text.size() - i < len) return {0xFFFD, 1};
  std::uint32_t cp = c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    auto cc = static_cast<std::uint8_t>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (cc & 0x3F);
  }
  return {cp, len};
}

bool ascii_word_char(std::uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_separator(std::uint32_t c) {
  if (c < 0x80) return !ascii_word_char(c);
  return (c >= 0x80 && c <= 0xBF) || (c >= 0x2000 && c <= 0x206F) ||
         (c >= 0x3000 && c <= 0x303F) || c == 0xFEFF;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// True when `needle` occurs as consecutive words of `hay`.
bool occurs(const std::vector<std::string>& needle, const std::vector<std::string>& hay) {
  if (needle.empty()) return false;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

/// The problem with a reply text, or nullopt.
std::optional<std::string> reply_problem(std::string_view reply) {
  if (!protocol::valid_utf8(reply)) return "is not valid UTF-8";
  if (!protocol::valid_text(reply)) return "must not contain U+0000";
  if (blank(reply)) return "is empty";
  if (reply.size() > max_reply_bytes)
    return "is longer than " + std::to_string(max_reply_bytes) + " bytes";
  return std::nullopt;
}

} // namespace

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i < text.size();) {
    auto cp = decode_at(text, i);
    if (is_separator(cp.value)) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else if (cp.length == 1) {
      current.push_back(ascii_lower(text[i]));
    } else {
      current.append(text.substr(i, cp.length));
    }
    i += cp.length;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

bool rule_matches(const rule& r, const std::vector<std::string>& message_words) {
  if (r.match.empty()) return false; // validate refuses these; never a catch-all
  return std::all_of(r.match.begin(), r.match.end(), [&](const std::string& entry) {
    return occurs(words(entry), message_words);
  });
}

outcome decide(const config& cfg, std::string_view body) {
  auto message_words = words(body);
  for (std::size_t i = 0; i < cfg.rules.size(); ++i)
    if (rule_matches(cfg.rules[i], message_words))
      return {outcome::kind::reply, cfg.rules[i].reply, i};
  if (cfg.fallback == handoff) return {outcome::kind::handoff, {}, std::nullopt};
  return {outcome::kind::fallback_reply, cfg.fallback, std::nullopt};
}

std::optional<std::string> validate(const config& cfg) {
  if (cfg.rules.size() > max_rules)
    return "at most " + std::to_string(max_rules) + " rules";
  for (std::size_t i = 0; i < cfg.rules.size(); ++i) {
    const auto& r = cfg.rules[i];
    auto name = "rule " + std::to_string(i);
    if (r.match.empty()) return name + ": match is empty (use the fallback instead)";
    if (r.match.size() > max_match_entries)
      return name + ": at most " + std::to_string(max_match_entries) + " match entries";
    for (const auto& entry : r.match) {
      if (!protocol::valid_utf8(entry))
        return name + ": a match entry is not valid UTF-8";
      if (!protocol::valid_text(entry))
        return name + ": a match entry must not contain U+0000";
      if (entry.size() > max_match_entry_bytes)
        return name + ": a match entry is longer than " +
               std::to_string(max_match_entry_bytes) + " bytes";
      if (words(entry).empty())
        return name + ": match entry \"" + entry + "\" has no word in it";
    }
    if (auto p = reply_problem(r.reply)) return name + ": reply " + *p;
  }
  if (cfg.fallback != handoff)
    if (auto p = reply_problem(cfg.fallback))
      return "fallback " + *p + " (give \"handoff\" or a reply text)";
  if (cfg.delay_ms < 0 || cfg.delay_ms > max_delay_ms)
    return "delay_ms must be 0.." + std::to_string(max_delay_ms);
  return std::nullopt;
}

} // namespace parley::ai_rules
