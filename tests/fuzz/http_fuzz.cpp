// libFuzzer target: one HTTP request as a client sends it, through Beast's request
// parser with the limits net/http_session sets, then through what the routes read
// from it (net/http_request): the Transfer-Encoding check, the path, the bearer
// token (verified like the blob routes do), the `name` query parameter of an upload
// with the file-name rules behind it, the id of a download, and the
// Content-Disposition header a download would send for the name. The bytes arrive in
// two pieces split where the first input byte says, as a socket may deliver them.
// Invariants: Beast and our readers never crash, the header we would write is
// printable ASCII whatever the name holds (no header injection), and its filename*
// decodes back to the name. Built twice (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "actors/rules/ids.hpp"
#include "net/http_request.hpp"
#include "protocol/jwt.hpp"
#include "protocol/sniff.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/must.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace parley;

std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

/// The header value we would send: only printable ASCII, so no CR, LF or NUL can
/// end the header early, and its filename* percent-decodes back to the name.
void check_disposition(std::string_view name) {
  auto header = net::content_disposition(name);
  for (char c : header)
    must(c >= 0x20 && c < 0x7F);
  auto star = header.rfind("filename*=UTF-8''"); // the name may hold it too
  must(star != std::string::npos);
  auto encoded = header.substr(star + 17);
  must(encoded.find_first_of(" \"&+?=;") == std::string::npos);
  auto decoded = net::query_param("?n=" + encoded, "n");
  must(decoded && *decoded == name);
}

/// What the routes read from a parsed request.
void route(const http::request<http::string_body>& req) {
  auto te = req[http::field::transfer_encoding];
  bool te_ok = net::acceptable_transfer_encoding(sv(te));
  if (te.empty()) must(te_ok);

  auto target = sv(req.target());
  auto path = net::path_of(target);
  must(path.size() <= target.size());
  must(path.find('?') == std::string_view::npos);
  (void)beast::websocket::is_upgrade(req);

  auto auth = req[http::field::authorization];
  if (auto token = net::bearer_token(sv(auth))) {
    must(token->size() + 7 == auth.size());
    auto verdict = protocol::verify_token(*token, "fuzz-secret", 0, 3600);
    must(!verdict.claims); // nobody can sign with our secret
  }

  if (net::is_blob_upload(path)) {
    if (auto name = net::query_param(target, "name")) {
      if (protocol::valid_file_name(*name)) {
        must(protocol::valid_utf8(*name));
        auto ext = protocol::extension_of(*name);
        must(ext.size() < name->size());
        for (char c : ext)
          must(!(c >= 'A' && c <= 'Z'));
        must(!protocol::content_type_of(ext).empty());
        protocol::content_sniffer sniff{ext};
        (void)sniff.feed(req.body());
        (void)sniff.finish();
      }
      check_disposition(*name);
    }
  }
  if (net::is_blob_download(path)) {
    auto id = net::blob_id_of(path);
    must(!id.empty());
    if (valid_blob_id(id)) must(protocol::valid_text(id));
  } else {
    must(net::blob_id_of(path).empty());
  }
  // Every query parameter a name could hide behind: none crashes.
  for (auto key : {"name", "", "n", "name "})
    (void)net::query_param(target, key);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input{reinterpret_cast<const char*>(data) + 1, size - 1};
  std::size_t split = data[0] % (input.size() + 1);

  // As net/http_session reads a request: the header first (at most 8 KiB), then
  // the body within the node's limit.
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  beast::error_code ec;
  std::string buffered; // what the socket delivered and the parser has not used
  std::size_t fed = 0;
  for (std::size_t end : {split, input.size()}) {
    buffered.append(input.substr(fed, end - fed));
    fed = end;
    while (!buffered.empty() && !parser.is_done()) {
      auto n = parser.put(boost::asio::buffer(buffered), ec);
      must(n <= buffered.size());
      buffered.erase(0, n);
      if (ec == http::error::need_more) ec = {};
      if (ec || n == 0) break;
    }
    if (ec || parser.is_done()) break;
  }
  if (!ec && !parser.is_done() && parser.is_header_done()) {
    parser.put_eof(ec); // the client stops sending
  }
  if (parser.is_header_done()) route(parser.get());
  check_disposition(input.substr(0, std::min<std::size_t>(input.size(), 300)));
  return 0;
}
