// Attachments over real HTTP and WebSockets against a real PostgreSQL: upload,
// send, download by participants only, the org's type and size limits at upload and
// at send, lying extensions, unsent blobs, internal comments, the 50-attachment
// limit, attachments in pushes and pages, and the collection of old blobs.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>

#include <csignal>

#include "storage/blob_queries.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"

namespace parley::test {
namespace {

using namespace std::string_literals;

const std::string png_magic = "\x89PNG\r\n\x1a\n"s;

class blobs : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start({"--rate-limit", "0", "--blob-gc-interval", "3600"});
    provision({"alice", "bob", "carol"});
    protocol::map_builder c;
    c.str("company", "co").str("org", "acme").str("name", "Client Co");
    admin("admin.company.put", c);
    protocol::map_builder u;
    u.str("user", "cli")
        .str("org", "acme")
        .str("kind", "client")
        .str("company", "co")
        .str("name", "Client");
    admin("admin.user.put", u);
  }

  void TearDown() override {
    if (HasFailure() && server) {
      std::cerr << "parleyd stderr:\n" << server->stderr_text();
      std::cerr << "parleyd exit: " << server->stop(SIGTERM) << "\n";
    }
  }

  std::string token(const std::string& user) { return token_for(secret, user); }

  http_reply upload(const std::string& user, const std::string& name,
                    const std::string& bytes, body_mode mode = body_mode::length) {
    return http_call(server->port(), "POST", "/v1/blobs?name=" + url_encode(name),
                     user.empty() ? "" : token(user), bytes, mode);
  }

  /// Uploads and returns the blob id (fails the test otherwise).
  std::string uploaded(const std::string& user, const std::string& name,
                       const std::string& bytes) {
    auto r = upload(user, name, bytes);
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return {};
    frame_view v{r.body};
    return v.str("blob");
  }

  http_reply download(const std::string& user, const std::string& blob) {
    return http_call(server->port(), "GET", "/v1/blobs/" + blob,
                     user.empty() ? "" : token(user));
  }

  frame_view send(ws_client& c, const std::string& conv, const std::string& cid,
                  const std::vector<std::pair<std::string, std::string>>& atts,
                  bool internal = false) {
    std::vector<std::string> items;
    for (const auto& [blob, name] : atts) {
      protocol::map_builder a;
      a.str("blob", blob).str("name", name);
      items.push_back(a.finish());
    }
    protocol::map_builder f;
    f.str("conv", conv).str("cid", cid).str("body", "see attached");
    f.raw_array("attachments", items);
    if (internal) f.boolean("internal", true);
    return c.request("msg.send", f);
  }

  void set_org_limits(std::uint64_t max_bytes, std::vector<std::string> types) {
    protocol::map_builder s;
    s.uint("max_attachment_bytes", max_bytes).str_list("attachment_types", types);
    protocol::map_builder o;
    o.str("org", "acme").str("name", "Acme").map("settings", s);
    admin("admin.org.put", o);
  }
};

std::string random_bytes(std::size_t n) {
  std::mt19937 rng{42};
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

TEST_F(blobs, upload_send_and_download_by_a_participant) {
  // A PNG larger than two chunks, so it is stored and served in pieces.
  auto bytes = png_magic + random_bytes(600 * 1024);
  auto up = upload("alice", "chart.png", bytes);
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.header("Content-Type"), "application/msgpack");
  frame_view meta{up.body};
  auto blob = meta.str("blob");
  EXPECT_EQ(meta.str("name"), "chart.png");
  EXPECT_EQ(meta.uint("size"), bytes.size());
  EXPECT_EQ(meta.str("type"), "image/png");

  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto conv = create_private(*alice, {"bob"});
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  auto sent = send(*alice, conv, "m1", {{blob, "q3 chart.png"}});
  ASSERT_TRUE(sent.ok()) << sent.str("message");

  // The push carries {blob, name, size, type}.
  auto push = bob->next_push();
  ASSERT_TRUE(push);
  auto atts = push->list("attachments");
  ASSERT_EQ(atts.size(), 1u);
  EXPECT_EQ(atts[0].str("blob"), blob);
  EXPECT_EQ(atts[0].str("name"), "q3 chart.png");
  EXPECT_EQ(atts[0].uint("size"), bytes.size());
  EXPECT_EQ(atts[0].str("type"), "image/png");

  auto got = download("bob", blob);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body, bytes);
  EXPECT_EQ(got.header("Content-Type"), "image/png");
  EXPECT_NE(got.header("Content-Disposition").find("chart.png"), std::string::npos);
  EXPECT_EQ(got.header("X-Content-Type-Options"), "nosniff");

  // History, msg.around and the conv.open backlog carry the same attachments.
  protocol::map_builder h;
  h.str("conv", conv);
  auto page = bob->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), 1u);
  ASSERT_EQ(page[0].list("attachments").size(), 1u);
  EXPECT_EQ(page[0].list("attachments")[0].str("blob"), blob);
  EXPECT_EQ(page[0].list("attachments")[0].uint("size"), bytes.size());
  protocol::map_builder around;
  around.str("conv", conv).uint("seq", 1);
  auto near = bob->request("msg.around", around).list("messages");
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].list("attachments")[0].str("type"), "image/png");
  protocol::map_builder since;
  since.str("conv", conv).uint("since", 0);
  auto bob2 = connect_as("bob");
  auto backlog = bob2->request("conv.open", since).list("messages");
  ASSERT_EQ(backlog.size(), 1u);
  EXPECT_EQ(backlog[0].list("attachments")[0].str("name"), "q3 chart.png");
  // A message without attachments has no such key.
  protocol::map_builder plain;
  plain.str("conv", conv).str("cid", "m2").str("body", "no files");
  ASSERT_TRUE(alice->request("msg.send", plain).ok());
  auto p2 = bob->next_push();
  ASSERT_TRUE(p2);
  EXPECT_FALSE(p2->has("attachments"));
}

TEST_F(blobs, text_round_trip_and_type) {
  std::string text = "Gr\xC3\xBC\xC3\x9F"
                     "e\nline two\n";
  auto r = upload("alice", "notes.TXT", text);
  ASSERT_EQ(r.status, 201) << r.body;
  frame_view meta{r.body};
  EXPECT_EQ(meta.str("type"), "text/plain; charset=utf-8");
  auto got = download("alice", meta.str("blob"));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, text);
  // Chunked transfer encoding works the same.
  auto c = upload("alice", "more.txt", text, body_mode::chunked);
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(frame_view{c.body}.uint("size"), text.size());
}

TEST_F(blobs, outsiders_and_missing_ids_get_404) {
  auto blob = uploaded("alice", "a.txt", "hello");
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  ASSERT_TRUE(send(*alice, conv, "m1", {{blob, "a.txt"}}).ok());
  EXPECT_EQ(download("bob", blob).status, 200);
  EXPECT_EQ(download("carol", blob).status, 404);
  EXPECT_EQ(download("bob", "b" + std::string(26, 'a')).status, 404);
  EXPECT_EQ(download("bob", "not-a-blob-id").status, 404);
}

TEST_F(blobs, a_missing_or_bad_token_gets_401) {
  EXPECT_EQ(upload("", "a.txt", "hello").status, 401);
  auto bad = http_call(server->port(), "POST", "/v1/blobs?name=a.txt",
                       token_for("wrong-secret", "alice"), "hello");
  EXPECT_EQ(bad.status, 401);
  auto service = http_call(server->port(), "POST", "/v1/blobs?name=a.txt",
                           token_for(secret, "provisioner", true), "hello");
  EXPECT_EQ(service.status, 401);
  auto blob = uploaded("alice", "a.txt", "hello");
  EXPECT_EQ(download("", blob).status, 401);
  EXPECT_EQ(upload("alice", "", "hello").status, 400);
}

TEST_F(blobs, over_the_org_limit_is_413_at_upload_and_too_large_at_send) {
  auto early = uploaded("alice", "early.txt", std::string(800, 'x'));
  set_org_limits(1000, {"txt", "png"});
  // Refused from Content-Length alone: the body is never sent.
  EXPECT_EQ(
      upload("alice", "big.txt", std::string(5000, 'x'), body_mode::header_only).status,
      413);
  // Without a length, refused once the body passes the limit.
  EXPECT_EQ(upload("alice", "big.txt", std::string(5000, 'x'), body_mode::chunked).status,
            413);
  EXPECT_EQ(upload("alice", "fits.txt", std::string(1000, 'x')).status, 201);
  // A blob stored under an older, larger limit is checked again at send.
  set_org_limits(500, {"txt", "png"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto r = send(*alice, conv, "m1", {{early, "early.txt"}});
  EXPECT_EQ(r.code(), "too_large") << r.str("message");
}

TEST_F(blobs, a_disallowed_extension_is_415_at_upload_and_forbidden_at_send) {
  EXPECT_EQ(upload("alice", "setup.exe", "MZ...").status, 415);
  EXPECT_EQ(upload("alice", "noextension", "hello").status, 415);
  auto blob = uploaded("alice", "a.txt", "hello");
  set_org_limits(20 * 1024 * 1024, {"png"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  EXPECT_EQ(send(*alice, conv, "m1", {{blob, "a.txt"}}).code(), "forbidden");
}

TEST_F(blobs, a_lying_extension_is_415) {
  EXPECT_EQ(upload("alice", "photo.png", "this is just text").status, 415);
  EXPECT_EQ(upload("alice", "doc.pdf", png_magic + "rest").status, 415);
  EXPECT_EQ(upload("alice", "a.txt", "nul\0inside"s).status, 415);
  // A renamed attachment must keep its type.
  auto blob = uploaded("alice", "a.txt", "hello");
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  EXPECT_EQ(send(*alice, conv, "m1", {{blob, "a.png"}}).code(), "bad_request");
  EXPECT_TRUE(send(*alice, conv, "m2", {{blob, "renamed.txt"}}).ok());
}

TEST_F(blobs, the_uploader_reads_its_unsent_blob_and_nobody_else_can) {
  auto blob = uploaded("alice", "draft.txt", "draft");
  auto mine = download("alice", blob);
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(mine.body, "draft");
  EXPECT_EQ(download("bob", blob).status, 404);
}

TEST_F(blobs, a_sender_attaches_only_blobs_it_may_read) {
  auto blob = uploaded("alice", "secret.txt", "alice's file");
  auto bob = connect_as("bob");
  auto carol = connect_as("carol");
  auto bc = create_private(*bob, {"carol"});
  // Alice's unsent blob is no key for Bob.
  auto r = send(*bob, bc, "m1", {{blob, "secret.txt"}});
  EXPECT_EQ(r.code(), "not_found") << r.str("message");
  EXPECT_EQ(download("carol", blob).status, 404);
  // Once Alice sent it to Bob, Bob may read it, and so may forward it.
  auto alice = connect_as("alice");
  auto ab = create_private(*alice, {"bob"});
  ASSERT_TRUE(send(*alice, ab, "m1", {{blob, "secret.txt"}}).ok());
  auto fwd = send(*bob, bc, "m2", {{blob, "secret.txt"}});
  EXPECT_TRUE(fwd.ok()) << fwd.str("message");
  EXPECT_EQ(download("carol", blob).status, 200);
  // Malformed refs are bad requests.
  protocol::map_builder f;
  f.str("conv", bc).str("cid", "m3").str("body", "x").str("attachments", "nope");
  EXPECT_EQ(bob->request("msg.send", f).code(), "bad_request");
}

TEST_F(blobs, an_internal_comment_attachment_is_404_for_a_client) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"cli", "bob"});
  auto blob = uploaded("alice", "staff.txt", "staff only");
  auto r = send(*alice, conv, "n1", {{blob, "staff.txt"}}, true);
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(download("bob", blob).status, 200);
  EXPECT_EQ(download("cli", blob).status, 404);
  // The client cannot attach it either.
  auto cli = connect_as("cli");
  EXPECT_EQ(send(*cli, conv, "c1", {{blob, "staff.txt"}}).code(), "not_found");
}

TEST_F(blobs, at_most_50_attachments_a_message) {
  auto blob = uploaded("alice", "a.txt", "hello");
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  std::vector<std::pair<std::string, std::string>> refs(51, {blob, "a.txt"});
  EXPECT_EQ(send(*alice, conv, "m1", refs).code(), "too_large");
  refs.pop_back();
  auto r = send(*alice, conv, "m2", refs);
  ASSERT_TRUE(r.ok()) << r.str("message");
  protocol::map_builder h;
  h.str("conv", conv);
  auto page = alice->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].list("attachments").size(), 50u);
}

TEST_F(blobs, collection_removes_only_old_unreferenced_blobs) {
  auto old_unsent = uploaded("alice", "old.txt", "old");
  auto old_sent = uploaded("alice", "sent.txt", "sent");
  auto fresh = uploaded("alice", "fresh.txt", "fresh");
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  ASSERT_TRUE(send(*alice, conv, "m1", {{old_sent, "sent.txt"}}).ok());
  // Back-date two of them by two days rather than waiting.
  db->query("UPDATE blobs SET created_at = created_at - 172800000,"
            " touched_at = touched_at - 172800000 WHERE id IN ('" +
            old_unsent + "', '" + old_sent + "') RETURNING id");
  storage::pg::connection conn{db->conninfo()};
  ASSERT_TRUE(conn.ok()) << conn.error();
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  // In a cluster every node's collector runs: one at a time, under an advisory
  // lock. While another session holds it, a collection deletes nothing.
  {
    storage::pg::connection other{db->conninfo()};
    ASSERT_TRUE(other.ok()) << other.error();
    ASSERT_TRUE(other.exec("SELECT pg_advisory_lock(1346521923)").ok());
    auto skipped = storage::collect_blobs(conn, now - 24 * 3600 * 1000);
    ASSERT_TRUE(skipped.ok()) << skipped.error;
    EXPECT_EQ(*skipped.value, 0) << "collected while another node held the lock";
    // Released now: a closed session's backend lets go of it only when it exits.
    ASSERT_TRUE(other.exec("SELECT pg_advisory_unlock(1346521923)").ok());
  }
  auto gone = storage::collect_blobs(conn, now - 24 * 3600 * 1000);
  ASSERT_TRUE(gone.ok()) << gone.error;
  EXPECT_EQ(*gone.value, 1);
  auto left = db->query("SELECT id FROM blobs ORDER BY id");
  EXPECT_EQ(std::count(left.begin(), left.end(), old_unsent), 0);
  EXPECT_EQ(std::count(left.begin(), left.end(), old_sent), 1);
  EXPECT_EQ(std::count(left.begin(), left.end(), fresh), 1);
  EXPECT_EQ(
      db->query("SELECT count(*) FROM blob_chunks WHERE blob = '" + old_unsent + "'"),
      std::vector<std::string>{"0"});
  EXPECT_EQ(download("alice", old_unsent).status, 404);
  EXPECT_EQ(download("bob", old_sent).status, 200);
}

} // namespace
} // namespace parley::test
