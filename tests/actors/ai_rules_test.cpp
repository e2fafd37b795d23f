// The AI responder's rules (docs/protocol.md §4 and §9) as tables: how a message
// splits into words, which rule answers which message, and which configurations
// `admin.ai.put` refuses. The expectations follow the decisions written in
// actors/rules/ai_rules.hpp and docs/protocol.md (§9, "AI rules").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/rules/ai_rules.hpp"

namespace parley::ai_rules {
namespace {

using words_t = std::vector<std::string>;

TEST(ai_rules, words_split_at_separators_and_fold_ascii_case) {
  struct row {
    const char* what;
    std::string text;
    words_t expected;
  };
  const std::vector<row> rows{
      {"empty", "", {}},
      {"only separators", " ,.!?\t\n", {}},
      {"plain", "where is my order", {"where", "is", "my", "order"}},
      {"ascii case folds", "WHERE Is mY", {"where", "is", "my"}},
      {"punctuation separates", "refund?please!now.", {"refund", "please", "now"}},
      {"apostrophe separates", "don't", {"don", "t"}},
      {"hyphen separates", "e-mail", {"e", "mail"}},
      {"digits are word characters", "order #12345", {"order", "12345"}},
      {"underscore separates", "snake_case", {"snake", "case"}},
      {"controls separate",
       "a\x01"
       "b",
       {"a", "b"}},
      {"non-ascii letters are word characters",
       "caf\xC3\xA9 cr\xC3\xA8me",
       {"caf\xC3\xA9", "cr\xC3\xA8me"}},
      {"non-ascii case is kept",
       "\xC3\x9C"
       "ber",
       {"\xC3\x9C"
        "ber"}},
      {"no-break space separates",
       "a\xC2\xA0"
       "b",
       {"a", "b"}},
      {"inverted question mark separates", "\xC2\xBFqu\xC3\xA9?", {"qu\xC3\xA9"}},
      {"guillemets separate", "\xC2\xABhola\xC2\xBB", {"hola"}},
      {"em dash separates", "yes\xE2\x80\x94no", {"yes", "no"}},
      {"curly quotes separate", "\xE2\x80\x9Chi\xE2\x80\x9D", {"hi"}},
      {"ellipsis separates", "wait\xE2\x80\xA6what", {"wait", "what"}},
      {"ideographic space and full stop separate",
       "\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x80\xE5\x86\x8D\xE8\xA7\x81\xE3\x80\x82",
       {"\xE4\xBD\xA0\xE5\xA5\xBD", "\xE5\x86\x8D\xE8\xA7\x81"}},
      {"CJK without spaces is one word",
       "\xE4\xBD\xA0\xE5\xA5\xBD\xE5\x86\x8D",
       {"\xE4\xBD\xA0\xE5\xA5\xBD\xE5\x86\x8D"}},
      {"emoji is a word character", "ok\xF0\x9F\x91\x8D", {"ok\xF0\x9F\x91\x8D"}},
      {"byte order mark separates", "\xEF\xBB\xBFhi", {"hi"}},
      {"a malformed byte never crashes",
       "a\xFF"
       "b",
       {"a\xFF"
        "b"}},
      {"a truncated sequence at the end never crashes", "ab\xE2\x80", {"ab\xE2\x80"}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(words(r.text), r.expected) << "case: " << r.what;
}

config faq() {
  config c;
  c.rules = {
      {{"refund"}, "Refunds take 5 days."},
      {{"order", "where"}, "Track it at /orders."},
      {{"log in", "password"}, "Reset it at /reset."},
      {{"ORDER"}, "Shadowed by rule 1 for messages with 'where'."},
      {{"caf\xC3\xA9"}, "We serve coffee."},
  };
  c.fallback = std::string(handoff);
  return c;
}

TEST(ai_rules, the_first_rule_whose_words_all_occur_answers) {
  struct row {
    const char* what;
    std::string body;
    outcome::kind kind;
    std::optional<std::size_t> rule;
  };
  using K = outcome::kind;
  const std::vector<row> rows{
      {"one word", "I want a refund", K::reply, 0},
      {"case-insensitive", "REFUND NOW", K::reply, 0},
      {"punctuation around the word", "refund?!", K::reply, 0},
      {"whole words only: no substring", "refunded yesterday", K::handoff, std::nullopt},
      {"whole words only: no prefix", "prerefund", K::handoff, std::nullopt},
      {"all words, any order", "my order, where is it?", K::reply, 1},
      {"all words required", "where are you", K::handoff, std::nullopt},
      {"one word of two is not enough", "order", K::reply, 3},
      {"first matching rule wins", "refund my order, where?", K::reply, 0},
      {"phrase entry, consecutive", "cannot log in, password lost", K::reply, 2},
      {"phrase entry across punctuation", "log-in fails; password?", K::reply, 2},
      {"phrase entry, other case", "LOG IN broken; Password", K::reply, 2},
      {"phrase entry not consecutive", "log me in, password", K::handoff, std::nullopt},
      {"phrase entry reversed", "in log password", K::handoff, std::nullopt},
      {"non-ascii word", "un caf\xC3\xA9, s'il vous pla\xC3\xAEt", K::reply, 4},
      {"non-ascii case is not folded", "CAF\xC3\x89", K::handoff, std::nullopt},
      {"phrase at the very start and end", "log in password", K::reply, 2},
      {"a word split by a newline", "where\nis my\torder", K::reply, 1},
      {"empty message", "", K::handoff, std::nullopt},
      {"no words at all", "?!...", K::handoff, std::nullopt},
  };
  auto cfg = faq();
  for (const auto& r : rows) {
    auto got = decide(cfg, r.body);
    EXPECT_EQ(got.what, r.kind) << "case: " << r.what;
    EXPECT_EQ(got.rule, r.rule) << "case: " << r.what;
    if (r.rule) {
      EXPECT_EQ(got.text, cfg.rules[*r.rule].reply) << "case: " << r.what;
    }
    if (r.kind == K::handoff) {
      EXPECT_EQ(got.text, "") << "case: " << r.what;
    }
  }
}

TEST(ai_rules, a_text_fallback_is_sent_as_the_reply) {
  auto cfg = faq();
  cfg.fallback = "A human will answer soon.";
  auto got = decide(cfg, "hello there");
  EXPECT_EQ(got.what, outcome::kind::fallback_reply);
  EXPECT_EQ(got.text, "A human will answer soon.");
  EXPECT_EQ(got.rule, std::nullopt);
  // A matching rule still wins over a text fallback.
  EXPECT_EQ(decide(cfg, "refund").what, outcome::kind::reply);
}

TEST(ai_rules, entries_are_matched_as_words_too) {
  struct row {
    const char* what;
    words_t match;
    std::string body;
    bool matches;
  };
  const std::vector<row> rows{
      {"punctuation around an entry is ignored", {"refund!"}, "a refund please", true},
      {"an entry in capitals", {"REFUND"}, "refund", true},
      {"a repeated entry", {"refund", "refund"}, "refund", true},
      {"a phrase entry with extra spaces", {"  log   in "}, "log in", true},
      {"an apostrophe entry", {"don't"}, "I don't know", true},
      {"an apostrophe entry against a typographic apostrophe",
       {"don't"},
       "I don\xE2\x80\x99t know",
       true},
      {"an apostrophe entry against the joined word", {"don't"}, "dont", false},
      {"a number", {"404"}, "error 404!", true},
      {"a number inside a bigger one", {"404"}, "error 14040", false},
  };
  for (const auto& r : rows)
    EXPECT_EQ(rule_matches(rule{r.match, "r"}, words(r.body)), r.matches)
        << "case: " << r.what;
}

TEST(ai_rules, only_the_exact_word_handoff_hands_off) {
  config cfg;
  cfg.fallback = "Handoff";
  EXPECT_EQ(decide(cfg, "hi").what, outcome::kind::fallback_reply);
  cfg.fallback = " handoff";
  EXPECT_EQ(decide(cfg, "hi").what, outcome::kind::fallback_reply);
  cfg.fallback = "handoff";
  EXPECT_EQ(decide(cfg, "hi").what, outcome::kind::handoff);
}

TEST(ai_rules, no_rules_means_the_fallback_always) {
  config cfg;
  EXPECT_EQ(decide(cfg, "refund").what, outcome::kind::handoff);
  cfg.fallback = "hi";
  EXPECT_EQ(decide(cfg, "refund").what, outcome::kind::fallback_reply);
}

TEST(ai_rules, an_empty_match_list_never_matches) {
  // validate refuses it; decide must still not treat it as a catch-all.
  config cfg;
  cfg.rules = {{{}, "catch-all"}};
  EXPECT_EQ(decide(cfg, "anything").what, outcome::kind::handoff);
}

TEST(ai_rules, validate_accepts_good_configurations) {
  EXPECT_EQ(validate(config{}), std::nullopt) << "case: defaults";
  EXPECT_EQ(validate(faq()), std::nullopt) << "case: faq";
  auto c = faq();
  c.fallback = "Someone will get back to you.";
  c.delay_ms = 0;
  EXPECT_EQ(validate(c), std::nullopt) << "case: text fallback, no delay";
  c.delay_ms = max_delay_ms;
  EXPECT_EQ(validate(c), std::nullopt) << "case: longest delay";
  config full;
  full.rules.assign(
      max_rules, rule{words_t(max_match_entries, std::string(max_match_entry_bytes, 'w')),
                      std::string(max_reply_bytes, 'r')});
  EXPECT_EQ(validate(full), std::nullopt) << "case: every bound at its maximum";
}

TEST(ai_rules, validate_refuses_with_a_clear_message) {
  struct row {
    const char* what;
    config cfg;
    std::string message;
  };
  auto with_rule = [](rule r) {
    config c;
    c.rules = {{{"ok"}, "fine"}, std::move(r)};
    return c;
  };
  config too_many;
  too_many.rules.assign(max_rules + 1, rule{{"w"}, "r"});
  config long_delay;
  long_delay.delay_ms = max_delay_ms + 1;
  config negative_delay;
  negative_delay.delay_ms = -1;
  config blank_fallback;
  blank_fallback.fallback = " \n";
  config empty_fallback;
  empty_fallback.fallback = "";
  config long_fallback;
  long_fallback.fallback = std::string(max_reply_bytes + 1, 'f');
  config bad_fallback;
  bad_fallback.fallback = "\xC3";
  const std::vector<row> rows{
      {"too many rules", too_many, "at most 200 rules"},
      {"empty match", with_rule({{}, "r"}),
       "rule 1: match is empty (use the fallback instead)"},
      {"too many entries", with_rule({words_t(max_match_entries + 1, "w"), "r"}),
       "rule 1: at most 20 match entries"},
      {"empty entry", with_rule({{""}, "r"}),
       "rule 1: match entry \"\" has no word in it"},
      {"punctuation-only entry", with_rule({{"ok", "?!"}, "r"}),
       "rule 1: match entry \"?!\" has no word in it"},
      {"long entry", with_rule({{std::string(max_match_entry_bytes + 1, 'w')}, "r"}),
       "rule 1: a match entry is longer than 128 bytes"},
      {"invalid UTF-8 entry", with_rule({{"\xFF"}, "r"}),
       "rule 1: a match entry is not valid UTF-8"},
      {"NUL in entry", with_rule({{std::string("a\0b", 3)}, "r"}),
       "rule 1: a match entry must not contain U+0000"},
      {"NUL in reply", with_rule({{"w"}, std::string("hi\0there", 8)}),
       "rule 1: reply must not contain U+0000"},
      {"empty reply", with_rule({{"w"}, ""}), "rule 1: reply is empty"},
      {"blank reply", with_rule({{"w"}, " \t"}), "rule 1: reply is empty"},
      {"long reply", with_rule({{"w"}, std::string(max_reply_bytes + 1, 'r')}),
       "rule 1: reply is longer than 4096 bytes"},
      {"invalid UTF-8 reply", with_rule({{"w"}, "\xC3("}),
       "rule 1: reply is not valid UTF-8"},
      {"empty fallback", empty_fallback,
       "fallback is empty (give \"handoff\" or a reply text)"},
      {"blank fallback", blank_fallback,
       "fallback is empty (give \"handoff\" or a reply text)"},
      {"long fallback", long_fallback,
       "fallback is longer than 4096 bytes (give \"handoff\" or a reply text)"},
      {"invalid UTF-8 fallback", bad_fallback,
       "fallback is not valid UTF-8 (give \"handoff\" or a reply text)"},
      {"delay too long", long_delay, "delay_ms must be 0..60000"},
      {"negative delay", negative_delay, "delay_ms must be 0..60000"},
  };
  for (const auto& r : rows)
    EXPECT_EQ(validate(r.cfg), std::optional<std::string>(r.message))
        << "case: " << r.what;
}

} // namespace
} // namespace parley::ai_rules
