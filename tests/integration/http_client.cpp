#include "tests/integration/http_client.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace parley::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string http_reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

std::string url_encode(const std::string& value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

http_reply http_call(std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& token,
                     const std::string& body, body_mode mode) {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds{60});
  stream.connect(asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  beast::error_code ec;
  http::request<http::empty_body> head{http::string_to_verb(method), target, 11};
  head.set(http::field::host, "127.0.0.1");
  if (!token.empty()) head.set(http::field::authorization, "Bearer " + token);
  if (mode == body_mode::chunked)
    head.chunked(true);
  else if (method != "GET" || !body.empty())
    head.content_length(body.size());
  http::request_serializer<http::empty_body> sr{head};
  http::write_header(stream, sr, ec);
  if (!ec && mode == body_mode::length && !body.empty())
    asio::write(stream, asio::buffer(body), ec);
  if (!ec && mode == body_mode::chunked) {
    constexpr std::size_t piece = 64 * 1024;
    for (std::size_t at = 0; at < body.size() && !ec; at += piece)
      asio::write(stream,
                  http::make_chunk(
                      asio::buffer(body.data() + at, std::min(piece, body.size() - at))),
                  ec);
    if (!ec) asio::write(stream, http::make_chunk_last(), ec);
  }
  // A write cut short by an early answer still leaves that answer to read.
  http_reply out;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  parser.skip(method == "HEAD"); // a HEAD answer's Content-Length announces no body
  http::read(stream, buffer, parser, ec);
  if (ec && !parser.is_header_done()) return out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res)
    out.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
  return out;
}

} // namespace parley::test
