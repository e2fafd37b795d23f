// Full-text search over real WebSockets against a real PostgreSQL (docs/protocol.md
// §10): a search never returns what the caller cannot read (others' private
// conversations, company conversations without the favourite, other orgs, a removed
// participant, internal comments to clients), the comments and contacts scopes and
// who may use them, `conv` restriction with not_found, snippets, newest first, and
// bad input.
//
// The support inbox's cases (staff find support conversations, a contact never
// finds internal comments) are in tests/integration/support_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

constexpr char mark_start = '\x02';
constexpr char mark_stop = '\x03';

class search : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({});
    protocol::map_builder o;
    o.str("org", "globex").str("name", "Globex");
    admin("admin.org.put", o);
    for (auto company : {"co", "other"}) {
      protocol::map_builder c;
      c.str("company", company).str("org", "acme").str("name", company);
      admin("admin.company.put", c);
    }
    put_user("alice", "acme", "staff", "member", "", "alice@acme.test");
    put_user("fav_staff", "acme", "staff", "member", "", "");
    put_user("plain", "acme", "staff", "member", "", "");
    put_user("guest", "acme", "staff", "guest", "", "");
    put_user("cli_fav", "acme", "client", "", "co", "");
    put_user("cli_nofav", "acme", "client", "", "co", "");
    put_user("gstaff", "globex", "staff", "member", "", "gstaff@globex.test");
    put_user("gmate", "globex", "staff", "member", "", "");
    favorites("alice", {"co"});
    favorites("fav_staff", {"co"});
    favorites("guest", {"co"});
    favorites("cli_fav", {"co"});
  }

  void put_user(const std::string& id, const std::string& org, const std::string& kind,
                const std::string& role, const std::string& company,
                const std::string& email, const std::string& name = "") {
    protocol::map_builder u;
    u.str("user", id).str("org", org).str("kind", kind);
    u.str("name", name.empty() ? id : name);
    if (!role.empty()) u.str("role", role);
    if (!company.empty()) u.str("company", company);
    if (!email.empty()) u.str("email", email);
    admin("admin.user.put", u);
  }

  void favorites(const std::string& user, const std::vector<std::string>& companies) {
    protocol::map_builder f;
    f.str("user", user).str_list("companies", companies);
    admin("admin.favorites.set", f);
  }

  static std::string create(ws_client& c, const std::string& kind,
                            const std::string& company,
                            const std::vector<std::string>& participants) {
    protocol::map_builder f;
    f.str("kind", kind).str_list("participants", participants);
    if (!company.empty()) f.str("company", company);
    auto r = c.request("conv.create", f);
    if (!r.ok()) throw std::runtime_error("conv.create: " + r.str("message"));
    return r.sub("conv").str("id");
  }

  /// Sends a committed message; returns its seq.
  std::uint64_t say(ws_client& c, const std::string& conv, const std::string& body,
                    bool internal = false) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "m" + std::to_string(++cid_)).str("body", body);
    if (internal) f.boolean("internal", true);
    auto r = c.request("msg.send", f);
    if (!r.ok()) throw std::runtime_error("msg.send: " + r.str("message"));
    return r.uint("seq");
  }

  static frame_view find(ws_client& c, const std::string& q,
                         const std::string& scope = "", const std::string& conv = "") {
    protocol::map_builder f;
    f.str("q", q);
    if (!scope.empty()) f.str("scope", scope);
    if (!conv.empty()) f.str("conv", conv);
    return c.request("search", f);
  }

  /// The conversations of the hits of a successful search.
  static std::set<std::string> convs_of(const frame_view& r) {
    EXPECT_TRUE(r.ok()) << r.str("message");
    std::set<std::string> out;
    if (r.ok())
      for (const auto& h : r.list("hits"))
        out.insert(h.str("conv"));
    return out;
  }

  /// (conv, seq) of each hit, in the order answered.
  static std::vector<std::pair<std::string, std::uint64_t>> hits_of(const frame_view& r) {
    EXPECT_TRUE(r.ok()) << r.str("message");
    std::vector<std::pair<std::string, std::uint64_t>> out;
    if (r.ok())
      for (const auto& h : r.list("hits"))
        out.emplace_back(h.str("conv"), h.uint("seq"));
    return out;
  }

  /// A cross-org direct conversation of alice (acme) and gstaff (globex).
  std::string cross_org_direct(ws_client& alice, ws_client& gstaff) {
    protocol::map_builder inv;
    inv.str("email", "gstaff@globex.test");
    auto sent = alice.request("invite.send", inv);
    if (!sent.ok()) throw std::runtime_error("invite.send: " + sent.str("message"));
    protocol::map_builder acc;
    acc.str("invitation", sent.sub("invitation").str("id"));
    auto r = gstaff.request("invite.accept", acc);
    if (!r.ok()) throw std::runtime_error("invite.accept: " + r.str("message"));
    return r.sub("conv").str("id");
  }

  int cid_ = 0;
};

TEST_F(search, finds_only_what_the_caller_may_read) {
  std::map<std::string, std::unique_ptr<ws_client>> c;
  for (auto u : {"alice", "fav_staff", "plain", "guest", "cli_fav", "cli_nofav", "gstaff",
                 "gmate"})
    c[u] = connect_as(u);
  auto priv = create(*c["alice"], "private", "", {"plain"});
  auto staff_only = create(*c["alice"], "company", "co", {"plain"});
  auto shared = create(*c["alice"], "company", "co", {"cli_fav"});
  auto with_nofav = create(*c["alice"], "company", "co", {"cli_nofav"});
  auto confidential = create(*c["alice"], "confidential", "co", {"guest"});
  auto globex = create(*c["gstaff"], "private", "", {"gmate"});
  auto direct = cross_org_direct(*c["alice"], *c["gstaff"]);
  for (const auto& conv : {priv, staff_only, shared, with_nofav, confidential})
    say(*c["alice"], conv, "the zebra crossed in " + conv);
  say(*c["gstaff"], globex, "a zebra at globex");
  say(*c["gstaff"], direct, "zebra talk across orgs");

  std::map<std::string, std::set<std::string>> expected{
      {"alice", {priv, staff_only, shared, with_nofav, confidential, direct}},
      {"fav_staff", {staff_only, shared, with_nofav, confidential}},
      {"plain", {priv, staff_only}},
      {"guest", {confidential}},
      {"cli_fav", {shared}},
      {"cli_nofav", {with_nofav}},
      {"gstaff", {globex, direct}},
      {"gmate", {globex}},
  };
  for (const auto& [user, convs] : expected) {
    SCOPED_TRACE(user);
    EXPECT_EQ(convs_of(find(*c[user], "zebra")), convs);
    // Within one conversation: the same verdicts, unreadable exactly like missing.
    for (const auto& conv : {priv, shared, globex, direct}) {
      auto r = find(*c[user], "zebra", "", conv);
      if (convs.count(conv)) {
        EXPECT_EQ(convs_of(r), std::set<std::string>{conv});
      } else {
        EXPECT_EQ(r.code(), "not_found") << conv;
      }
    }
  }
}

TEST_F(search, losing_the_right_loses_the_hits) {
  auto alice = connect_as("alice");
  auto plain = connect_as("plain");
  auto fav = connect_as("fav_staff");
  auto priv = create(*alice, "private", "", {"plain"});
  auto company = create(*alice, "company", "co", {});
  say(*alice, priv, "walrus in private");
  say(*alice, company, "walrus in the company");
  EXPECT_EQ(convs_of(find(*plain, "walrus")), std::set<std::string>{priv});
  EXPECT_EQ(convs_of(find(*fav, "walrus")), std::set<std::string>{company});

  // A removed participant finds nothing more, on every form of the search.
  protocol::map_builder rm;
  rm.str("conv", priv).str_list("users", {"plain"});
  ASSERT_TRUE(alice->request("conv.participants.remove", rm).ok());
  EXPECT_TRUE(convs_of(find(*plain, "walrus")).empty());
  EXPECT_EQ(find(*plain, "walrus", "", priv).code(), "not_found");

  // A favourite removed: the company's conversations are gone from the results.
  favorites("fav_staff", {});
  EXPECT_TRUE(convs_of(find(*fav, "walrus")).empty());
  EXPECT_EQ(find(*fav, "walrus", "", company).code(), "not_found");
  // The client re-put into another company loses its shared conversation.
  auto shared = create(*alice, "company", "co", {"cli_fav"});
  say(*alice, shared, "walrus shared with the client");
  auto cli = connect_as("cli_fav");
  EXPECT_EQ(convs_of(find(*cli, "walrus")), std::set<std::string>{shared});
  put_user("cli_fav", "acme", "client", "", "other", "");
  EXPECT_TRUE(convs_of(find(*cli, "walrus")).empty());
}

TEST_F(search, internal_comments_reach_staff_only) {
  auto alice = connect_as("alice");
  auto guest = connect_as("guest");
  auto cli = connect_as("cli_nofav");
  auto conv = create(*alice, "company", "co", {"cli_nofav", "guest"});
  auto pub = say(*alice, conv, "quokka spotted by the client");
  auto secret = say(*alice, conv, "quokka note for staff only", true);
  // The messages scope (the default) never shows internal comments, to anyone.
  for (auto* c : {alice.get(), guest.get(), cli.get()}) {
    using hit_list = std::vector<std::pair<std::string, std::uint64_t>>;
    EXPECT_EQ(hits_of(find(*c, "quokka")), (hit_list{{conv, pub}}));
    EXPECT_EQ(hits_of(find(*c, "quokka", "messages", conv)), (hit_list{{conv, pub}}));
    EXPECT_TRUE(hits_of(find(*c, "staff")).empty());
  }
  // The comments scope: staff, guests included where they read, see them.
  using hit_list = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(hits_of(find(*alice, "quokka", "comments")), (hit_list{{conv, secret}}));
  EXPECT_EQ(hits_of(find(*guest, "staff", "comments", conv)), (hit_list{{conv, secret}}));
  auto plain = connect_as("plain"); // staff who does not read the conversation
  EXPECT_TRUE(hits_of(find(*plain, "quokka", "comments")).empty());
  // Clients are refused the scope, however it is asked, and stay connected.
  EXPECT_EQ(find(*cli, "quokka", "comments").code(), "forbidden");
  EXPECT_EQ(find(*cli, "quokka", "comments", conv).code(), "forbidden");
  EXPECT_TRUE(find(*cli, "quokka").ok());
}

TEST_F(search, contacts_of_the_org_by_name_or_email) {
  put_user("dora", "acme", "contact", "", "", "dora@example.com", "Dora Explorer");
  put_user("dan", "acme", "contact", "", "", "", "Dan Dorado");
  put_user("gdora", "globex", "contact", "", "", "dora@globex.test", "Dora Globex");
  auto alice = connect_as("alice");
  auto r = find(*alice, "dora", "contacts");
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto hits = r.list("hits");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].str("user"), "dora");
  EXPECT_EQ(hits[0].str("name"), "Dora Explorer");
  EXPECT_EQ(hits[0].str("email"), "dora@example.com");
  auto users = [&](ws_client& c, const std::string& q) {
    std::vector<std::string> out;
    auto r = find(c, q, "contacts");
    EXPECT_TRUE(r.ok()) << r.str("message");
    for (const auto& h : r.list("hits"))
      out.push_back(h.str("user"));
    return out;
  };
  EXPECT_EQ(users(*alice, "dora@example.com"), std::vector<std::string>{"dora"});
  EXPECT_EQ(users(*alice, "example.com"), std::vector<std::string>{"dora"});
  EXPECT_EQ(users(*alice, "EXPLORER"), std::vector<std::string>{"dora"});
  // No email: nil.
  auto dan = find(*alice, "dorado", "contacts").list("hits");
  ASSERT_EQ(dan.size(), 1u);
  EXPECT_EQ(dan[0].str("name"), "Dan Dorado");
  EXPECT_FALSE(dan[0].has("email")); // nil reads as absent
  auto both = users(*alice, "dora or dorado");
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (std::vector<std::string>{"dan", "dora"}));
  // Staff of another org find their own contacts only; staff users are no hits.
  auto gstaff = connect_as("gstaff");
  EXPECT_EQ(users(*gstaff, "dora"), std::vector<std::string>{"gdora"});
  EXPECT_TRUE(users(*alice, "alice").empty());
  // Guests, clients and contacts may not search contacts.
  for (auto u : {"guest", "cli_fav", "dora"}) {
    auto c = connect_as(u);
    EXPECT_EQ(find(*c, "dora", "contacts").code(), "forbidden") << u;
    EXPECT_TRUE(find(*c, "dora").ok()) << u;
  }
}

TEST_F(search, snippets_and_newest_first) {
  auto alice = connect_as("alice");
  auto one = create(*alice, "private", "", {"plain"});
  auto two = create(*alice, "private", "", {"fav_staff"});
  say(*alice, one, "Invoice for March attached");
  say(*alice, two, "nothing to see here");
  say(*alice, two, "the invoice is late, <b>really</b>");
  std::string filler;
  for (int i = 0; i < 300; ++i)
    filler += "filler ";
  say(*alice, one, "a long message " + filler + "then an invoice at the end");
  say(*alice, one, "   ", false); // no word at all: never a hit
  auto r = find(*alice, "INVOICE");
  auto hits = r.list("hits");
  ASSERT_EQ(hits.size(), 3u);
  // Newest first: by ts (the server's order among equal ts is conv, then seq,
  // descending, so one conversation's hits come newest seq first).
  for (std::size_t i = 1; i < hits.size(); ++i)
    EXPECT_GE(hits[i - 1].sint("ts"), hits[i].sint("ts"));
  using hit_list = std::vector<std::pair<std::string, std::uint64_t>>;
  auto order = hits_of(r);
  EXPECT_EQ(
      std::set(order.begin(), order.end()),
      (std::set<std::pair<std::string, std::uint64_t>>{{one, 2}, {two, 2}, {one, 1}}));
  EXPECT_LT(std::find(order.begin(), order.end(), std::pair{one, std::uint64_t{2}}),
            std::find(order.begin(), order.end(), std::pair{one, std::uint64_t{1}}));
  auto key = [](const std::string& conv, std::uint64_t seq) {
    return std::pair{conv, seq};
  };
  std::map<std::pair<std::string, std::uint64_t>, std::string> snippet;
  for (const auto& h : hits)
    snippet[{h.str("conv"), h.uint("seq")}] = h.str("snippet");
  EXPECT_EQ(snippet[key(one, 1)],
            std::string{mark_start} + "Invoice" + mark_stop + " for March attached");
  // Body text is not HTML-escaped; ts_headline leaves out what its parser takes
  // for an HTML tag (docs/protocol.md §10).
  EXPECT_EQ(snippet[key(two, 2)], std::string{"the "} + mark_start + "invoice" +
                                      mark_stop + " is late,  really ");
  // A long body gives an excerpt around the match, not the whole body.
  auto longest = snippet[key(one, 2)];
  EXPECT_NE(longest.find(std::string{mark_start} + "invoice" + mark_stop),
            std::string::npos);
  EXPECT_LT(longest.size(), 400u);
  // The markers in a snippet are the server's only: a body's own STX/ETX are left
  // out.
  auto forged =
      say(*alice, two,
          std::string{"forged "} + mark_start + "walrus" + mark_stop + " marker");
  auto walrus = find(*alice, "walrus").list("hits");
  ASSERT_EQ(walrus.size(), 1u);
  EXPECT_EQ(walrus[0].uint("seq"), forged);
  EXPECT_EQ(walrus[0].str("snippet"),
            std::string{"forged "} + mark_start + "walrus" + mark_stop + " marker");
  EXPECT_EQ(hits_of(find(*alice, "forged")).size(), 1u);
  EXPECT_EQ(find(*alice, "forged").list("hits")[0].str("snippet"),
            std::string{mark_start} + "forged" + mark_stop + " walrus marker");
  // Phrases and exclusions (websearch syntax), and several words (all must occur).
  EXPECT_EQ(hits_of(find(*alice, "\"invoice for march\"")), (hit_list{{one, 1}}));
  EXPECT_EQ(hits_of(find(*alice, "invoice -late -long")), (hit_list{{one, 1}}));
  EXPECT_EQ(hits_of(find(*alice, "late invoice")), (hit_list{{two, 2}}));
  // Only excluded words, or no word at all: nothing (and no error).
  EXPECT_TRUE(hits_of(find(*alice, "-invoice")).empty());
  EXPECT_TRUE(hits_of(find(*alice, "!!! ...")).empty());
  EXPECT_TRUE(hits_of(find(*alice, "\"\" or -")).empty());
  // The search syntax is never taken from the user's text: tsquery operators are
  // just punctuation.
  EXPECT_EQ(hits_of(find(*alice, "invoice & !march | late:*")).size(), 0u);
  EXPECT_EQ(hits_of(find(*alice, "invoice&march")), (hit_list{{one, 1}}));
}

// Issue 18: a word of 2047 bytes or more is more than full-text search indexes;
// PostgreSQL said so with a NOTICE at every insert and search, which libpq printed
// on parleyd's stderr. The message is stored whole, found by its other words, and
// nothing is printed (migration 013).
TEST_F(search, a_word_too_long_to_index_is_stored_and_prints_no_notice) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "private", "", {"plain"});
  const std::string body =
      "narwhal " + std::string(3000, 'x') + " tusk " + std::string(2500, '!') + " end";
  auto seq = say(*alice, conv, body);
  protocol::map_builder h;
  h.str("conv", conv);
  auto page = alice->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].uint("seq"), seq);
  EXPECT_EQ(page[0].str("body"), body);
  for (auto word : {"narwhal", "tusk", "end", "narwhal tusk"}) {
    SCOPED_TRACE(word);
    auto r = find(*alice, word);
    EXPECT_EQ(hits_of(r),
              (std::vector<std::pair<std::string, std::uint64_t>>{{conv, seq}}));
    if (r.ok() && !r.list("hits").empty()) {
      EXPECT_NE(r.list("hits")[0].str("snippet").find(mark_start), std::string::npos);
    }
  }
  EXPECT_TRUE(hits_of(find(*alice, std::string(100, 'x'))).empty());
  auto log = server->stderr_text();
  EXPECT_EQ(log.find("NOTICE"), std::string::npos) << log.substr(0, 2000);
  EXPECT_EQ(log.find("too long to be indexed"), std::string::npos);
}

TEST_F(search, at_most_fifty_hits) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "private", "", {});
  for (int i = 0; i < 55; ++i)
    say(*alice, conv, "numerous item " + std::to_string(i));
  auto hits = hits_of(find(*alice, "numerous"));
  ASSERT_EQ(hits.size(), 50u);
  EXPECT_EQ(hits.front().second, 55u);
  EXPECT_EQ(hits.back().second, 6u);
}

TEST_F(search, bad_input_is_refused_and_the_connection_lives_on) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "private", "", {});
  say(*alice, conv, "sturdy connection");
  auto refused = [&](protocol::map_builder& f) {
    return alice->request("search", f).code();
  };
  {
    protocol::map_builder f; // no q
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", "");
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", std::string(257, 'a'));
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.uint("q", 7);
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", "caf\xc3"); // cut UTF-8
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", std::string("a\0b", 3));
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", "sturdy").str("scope", "everything");
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", "sturdy").uint("conv", 1);
    EXPECT_EQ(refused(f), "bad_request");
  }
  {
    protocol::map_builder f;
    f.str("q", "sturdy").str("scope", "contacts").str("conv", conv);
    EXPECT_EQ(refused(f), "bad_request");
  }
  // A conversation id that is no id, or of no conversation: not_found, alike.
  auto bogus = find(*alice, "sturdy", "", "not-an-id");
  auto ghost = find(*alice, "sturdy", "", "c" + std::string(26, 'a'));
  EXPECT_EQ(bogus.code(), "not_found");
  EXPECT_EQ(ghost.code(), "not_found");
  EXPECT_EQ(bogus.str("message"), ghost.str("message"));
  EXPECT_EQ(find(*alice, "!!!", "", "c" + std::string(26, 'a')).code(), "not_found");
  // A readable conversation without a match: no hits; nil scope is the default.
  EXPECT_TRUE(hits_of(find(*alice, "absent", "", conv)).empty());
  protocol::map_builder nil_scope;
  nil_scope.str("q", "sturdy").nil("scope").nil("conv");
  EXPECT_EQ(hits_of(alice->request("search", nil_scope)).size(), 1u);
  // 256 bytes is allowed.
  EXPECT_TRUE(find(*alice, std::string(256, 'z')).ok());
  // The connection is alive and well after all of it.
  EXPECT_EQ(hits_of(find(*alice, "sturdy")).size(), 1u);
  EXPECT_TRUE(alice->request("conv.list").ok());
}

} // namespace
} // namespace parley::test
