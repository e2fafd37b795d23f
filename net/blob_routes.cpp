#include "net/blob_routes.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <boost/asio/post.hpp>

#include "actors/api/blob_messages.hpp"
#include "actors/rules/ids.hpp"
#include "net/fail.hpp"
#include "net/http_request.hpp"
#include "protocol/codec.hpp"
#include "protocol/jwt.hpp"
#include "protocol/sniff.hpp"

namespace parley::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// The user a request's `Authorization: Bearer <JWT>` names: verified like hello,
/// and only a provisioned user (a service token acts as nobody here).
directory::user_ptr authenticate(const http::request_header<>& req,
                                 const net_context& ctx) {
  auto auth = req[http::field::authorization];
  auto token = bearer_token(std::string_view{auth.data(), auth.size()});
  if (!token) return nullptr;
  auto verdict =
      protocol::verify_token(*token, ctx.svc.config->token_secret, now_ms() / 1000,
                             ctx.svc.config->max_token_lifetime_s);
  if (!verdict.claims || verdict.claims->admin) return nullptr;
  return ctx.svc.dir->user(verdict.claims->sub);
}

/// Asks a blob store from the network threads: a short-lived actor makes the
/// request and hands the answer (nullopt: failed or timed out) to `done`, which
/// must post back to its connection's io shard.
template <class Result, class Done, class... Ts>
void ask_store(const net_context& ctx, const blob_store_actor& store, Done done,
               Ts... xs) {
  auto timeout = ctx.svc.config->request_timeout;
  // The arguments (an upload's 256 KiB chunk) move into the actor and on into the
  // request: no copy of the chunk is made on the way.
  ctx.system->spawn([=, ... xs = std::move(xs)](caf::event_based_actor* self) mutable {
    self->request(store, timeout, std::move(xs)...)
        .then([=](Result r) { done(std::optional<Result>{std::move(r)}); },
              [=](const caf::error&) { done(std::optional<Result>{}); });
  });
}

/// After an answer that cut a request body short: reads and discards what the
/// client still sends (at most 1 MiB, for at most 5 s) before the socket closes, so
/// closing with unread bytes does not reset the connection under the answer.
void linger(std::shared_ptr<void> owner, tcp_stream& stream, std::size_t budget) {
  auto sink = std::make_shared<std::array<char, 16 * 1024>>();
  stream.async_read_some(asio::buffer(*sink), [owner, sink, &stream, budget](
                                                  beast::error_code ec, std::size_t n) {
    if (ec || n >= budget) return;
    linger(owner, stream, budget - n);
  });
}

/// How long one write of a blob response may take.
constexpr std::chrono::seconds write_timeout{30};

/// A response with a short body, after which the connection closes.
void answer_and_close(std::shared_ptr<void> owner, tcp_stream& stream, unsigned version,
                      http::status status, std::string content_type, std::string body,
                      bool drain = false) {
  auto res = std::make_shared<http::response<http::string_body>>(status, version);
  res->set(http::field::server, "parley");
  res->set(http::field::content_type, content_type);
  if (status == http::status::unauthorized)
    res->set(http::field::www_authenticate, "Bearer");
  res->keep_alive(false);
  res->body() = std::move(body);
  res->prepare_payload();
  // A fresh deadline: the one of the last read may have passed while the store
  // worked (up to the request timeout), and Beast closes a stream whose deadline
  // has passed instead of writing, so the answer (even a 201) would be lost.
  stream.expires_after(write_timeout);
  http::async_write(stream, *res,
                    [owner, res, &stream, drain](beast::error_code ec, std::size_t) {
                      if (ec) return fail(ec, "blob response");
                      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
                      if (!drain) return;
                      stream.expires_after(std::chrono::seconds{5});
                      linger(owner, stream, 1024 * 1024);
                    });
}

// -- upload -----------------------------------------------------------------------

class blob_upload : public std::enable_shared_from_this<blob_upload> {
public:
  blob_upload(tcp_stream stream, beast::flat_buffer buffer,
              http::request_parser<http::string_body>&& header,
              std::shared_ptr<net_context> ctx)
      : stream_(std::move(stream)), buffer_(std::move(buffer)),
        parser_(std::move(header)), ctx_(std::move(ctx)) {}

  void start() {
    const auto& req = parser_.get();
    version_ = req.version();
    auto user = authenticate(req, *ctx_);
    if (!user) return refuse(http::status::unauthorized, "missing or invalid token\n");
    user_ = user->id;
    auto target = std::string_view{req.target().data(), req.target().size()};
    auto name = query_param(target, "name");
    if (!name || !protocol::valid_file_name(*name))
      return refuse(http::status::bad_request, "'name' must be a file name\n");
    name_ = std::move(*name);
    auto org_ptr = ctx_->svc.dir->org(user->org);
    auto org = org_ptr ? *org_ptr : protocol::org_info{};
    ext_ = protocol::extension_of(name_);
    if (std::find(org.attachment_types.begin(), org.attachment_types.end(), ext_) ==
        org.attachment_types.end())
      return refuse(http::status::unsupported_media_type,
                    "this organisation does not accept '." + ext_ + "' files\n");
    limit_ =
        static_cast<std::uint64_t>(std::max<std::int64_t>(org.max_attachment_bytes, 0));
    if (auto length = parser_.content_length(); length && *length > limit_)
      return refuse(http::status::payload_too_large,
                    "larger than the attachment limit\n");
    // Beast stops reading beyond this (a chunked body announces no length).
    parser_.body_limit(limit_);
    sniffer_.emplace(ext_);
    id_ = new_blob_id();
    store_ = ctx_->svc.blobs.for_key(id_);
    chunk_.resize(blob_chunk_bytes);
    ask_store<bool>(
        *ctx_, store_,
        [self = shared_from_this()](std::optional<bool> ok) {
          asio::post(self->stream_.get_executor(), [self, ok] { self->on_begun(ok); });
        },
        blob_begin_atom_v, id_, user_, name_);
  }

private:
  void on_begun(std::optional<bool> ok) {
    if (!ok || !*ok)
      return refuse(http::status::service_unavailable, "storage unavailable\n");
    begun_ = true;
    if (beast::iequals(parser_.get()[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(
          http::status::continue_, version_);
      stream_.expires_after(write_timeout);
      http::async_write(
          stream_, *cont,
          [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
            if (ec) return self->abort();
            self->read_more();
          });
      return;
    }
    read_more();
  }

  void read_more() {
    auto& body = parser_.get().body();
    body.data = chunk_.data() + filled_;
    body.size = chunk_.size() - filled_;
    stream_.expires_after(std::chrono::seconds{30});
    http::async_read(
        stream_, buffer_, parser_,
        beast::bind_front_handler(&blob_upload::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit)
      return refuse(http::status::payload_too_large,
                    "larger than the attachment limit\n");
    if (ec) return abort(); // the client went away or sent garbage: nothing is kept
    filled_ = chunk_.size() - parser_.get().body().size;
    bool last = parser_.is_done();
    if (filled_ < chunk_.size() && !last) return read_more();
    size_ += filled_;
    if (size_ > limit_)
      return refuse(http::status::payload_too_large,
                    "larger than the attachment limit\n");
    std::string data = std::move(chunk_);
    data.resize(filled_);
    bool fits = sniffer_->feed(data) && (!last || sniffer_->finish());
    if (!fits)
      return refuse(http::status::unsupported_media_type,
                    "the content is not a '." + ext_ + "' file\n");
    if (data.empty()) return finish_if(last);
    // Hand the chunk over and read nothing more until it is stored (backpressure):
    // the only copy of the bytes in memory is the one in flight.
    ask_store<bool>(
        *ctx_, store_,
        [self = shared_from_this(), last](std::optional<bool> ok) {
          asio::post(self->stream_.get_executor(),
                     [self, ok, last] { self->on_stored(ok, last); });
        },
        blob_chunk_atom_v, id_, static_cast<std::uint64_t>(next_index_++),
        std::move(data));
  }

  void on_stored(std::optional<bool> ok, bool last) {
    if (!ok || !*ok)
      return refuse(http::status::service_unavailable, "storage unavailable\n");
    finish_if(last);
  }

  void finish_if(bool last) {
    if (!last) {
      chunk_.resize(blob_chunk_bytes);
      filled_ = 0;
      return read_more();
    }
    type_ = std::string{protocol::content_type_of(ext_)};
    ask_store<bool>(
        *ctx_, store_,
        [self = shared_from_this()](std::optional<bool> ok) {
          asio::post(self->stream_.get_executor(), [self, ok] { self->on_complete(ok); });
        },
        blob_end_atom_v, id_, size_, type_);
  }

  void on_complete(std::optional<bool> ok) {
    if (!ok || !*ok)
      return refuse(http::status::service_unavailable, "storage unavailable\n");
    protocol::map_builder b;
    b.str("blob", id_).str("name", name_).uint("size", size_).str("type", type_);
    answer_and_close(shared_from_this(), stream_, version_, http::status::created,
                     "application/msgpack", b.finish());
  }

  /// Answers `status` and forgets whatever this upload stored.
  void refuse(http::status status, std::string text) {
    drop_stored();
    answer_and_close(shared_from_this(), stream_, version_, status, "text/plain",
                     std::move(text), !parser_.is_done());
  }

  void abort() {
    drop_stored();
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }

  void drop_stored() {
    if (begun_) caf::anon_send(store_, blob_abort_atom_v, id_);
    begun_ = false;
  }

  tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::buffer_body> parser_;
  std::shared_ptr<net_context> ctx_;
  unsigned version_ = 11;
  std::string user_, name_, ext_, id_, type_;
  std::uint64_t limit_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t next_index_ = 0;
  std::string chunk_; // the bytes read since the last stored chunk
  std::size_t filled_ = 0;
  std::optional<protocol::content_sniffer> sniffer_;
  blob_store_actor store_;
  bool begun_ = false;
};

// -- download ---------------------------------------------------------------------

class blob_download : public std::enable_shared_from_this<blob_download> {
public:
  blob_download(tcp_stream stream, std::shared_ptr<net_context> ctx)
      : stream_(std::move(stream)), ctx_(std::move(ctx)) {}

  void start(const http::request<http::string_body>& req) {
    version_ = req.version();
    auto user = authenticate(req, *ctx_);
    if (!user) return answer(http::status::unauthorized, "missing or invalid token\n");
    auto target = std::string_view{req.target().data(), req.target().size()};
    id_ = std::string{blob_id_of(path_of(target))};
    if (!valid_blob_id(id_)) return answer(http::status::not_found, "not found\n");
    store_ = ctx_->svc.blobs.for_key(id_);
    ask_store<blob_grant>(
        *ctx_, store_,
        [self = shared_from_this()](std::optional<blob_grant> g) {
          asio::post(self->stream_.get_executor(), [self, g = std::move(g)]() mutable {
            self->on_grant(std::move(g));
          });
        },
        blob_open_atom_v, id_, user->id);
  }

private:
  void answer(http::status status, std::string text) {
    answer_and_close(shared_from_this(), stream_, version_, status, "text/plain",
                     std::move(text));
  }

  void on_grant(std::optional<blob_grant> g) {
    if (!g || g->failed)
      return answer(http::status::service_unavailable, "storage unavailable\n");
    // Missing and not yours look the same: a blob id is never a key to a file.
    if (!g->found) return answer(http::status::not_found, "not found\n");
    chunks_ = g->chunks;
    res_.result(http::status::ok);
    res_.version(version_);
    res_.set(http::field::server, "parley");
    res_.set(http::field::content_type, g->type);
    res_.set(http::field::content_disposition, content_disposition(g->name));
    res_.set("X-Content-Type-Options", "nosniff");
    res_.set(http::field::cache_control, "private, no-store");
    res_.content_length(g->size);
    res_.keep_alive(false);
    res_.body().data = nullptr;
    res_.body().more = true;
    serializer_.emplace(res_);
    stream_.expires_after(write_timeout);
    http::async_write_header(
        stream_, *serializer_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return fail(ec, "blob header");
          self->fetch();
        });
  }

  void fetch() {
    if (next_ == chunks_) return write_piece(false);
    ask_store<blob_bytes>(
        *ctx_, store_,
        [self = shared_from_this()](std::optional<blob_bytes> b) {
          asio::post(self->stream_.get_executor(), [self, b = std::move(b)]() mutable {
            self->on_bytes(std::move(b));
          });
        },
        blob_read_atom_v, id_, next_);
  }

  void on_bytes(std::optional<blob_bytes> b) {
    if (!b || !b->ok) {
      // Mid-body there is no status left to send: cut the connection, and the
      // short body tells the client.
      beast::error_code ignored;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
    ++next_;
    data_ = std::move(b->data);
    write_piece(true);
  }

  void write_piece(bool more) {
    res_.body().data = more ? data_.data() : nullptr;
    res_.body().size = more ? data_.size() : 0;
    res_.body().more = more;
    stream_.expires_after(std::chrono::seconds{30});
    http::async_write(
        stream_, *serializer_,
        [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
          if (ec == http::error::need_buffer) ec = {};
          if (ec) return fail(ec, "blob body");
          if (more) return self->fetch();
          self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        });
  }

  tcp_stream stream_;
  std::shared_ptr<net_context> ctx_;
  unsigned version_ = 11;
  std::string id_;
  blob_store_actor store_;
  std::uint64_t chunks_ = 0;
  std::uint64_t next_ = 0;
  std::string data_;
  http::response<http::buffer_body> res_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
};

} // namespace

void serve_blob_upload(tcp_stream stream, beast::flat_buffer buffer,
                       http::request_parser<http::string_body>&& header,
                       std::shared_ptr<net_context> ctx) {
  std::make_shared<blob_upload>(std::move(stream), std::move(buffer), std::move(header),
                                std::move(ctx))
      ->start();
}

void serve_blob_download(tcp_stream stream, http::request<http::string_body> req,
                         std::shared_ptr<net_context> ctx) {
  std::make_shared<blob_download>(std::move(stream), std::move(ctx))->start(req);
}

} // namespace parley::net
