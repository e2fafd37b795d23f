#include "net/server.hpp"

#include <algorithm>
#include <future>
#include <iostream>

#include <boost/asio/post.hpp>

#include "net/connection_set.hpp"
#include "net/fail.hpp"
#include "net/http_session.hpp"
#include "net/shard_outbox.hpp"
#include "net/ws_session.hpp"

namespace parley::net {

namespace asio = boost::asio;

namespace {

std::vector<std::unique_ptr<asio::io_context>> make_contexts(std::size_t n) {
  std::vector<std::unique_ptr<asio::io_context>> out;
  for (std::size_t i = 0; i < std::max<std::size_t>(n, 1); ++i)
    out.push_back(std::make_unique<asio::io_context>(1));
  return out;
}

std::vector<asio::io_context*>
pointers(const std::vector<std::unique_ptr<asio::io_context>>& v) {
  std::vector<asio::io_context*> out;
  for (auto& c : v)
    out.push_back(c.get());
  return out;
}

std::vector<std::unique_ptr<server::shard>>
make_shards(const std::vector<asio::io_context*>& contexts) {
  std::vector<std::unique_ptr<server::shard>> shards;
  for (auto* ioc : contexts)
    shards.push_back(std::make_unique<server::shard>(
        server::shard{ioc, std::make_shared<shard_outbox>(ioc->get_executor())}));
  return shards;
}

} // namespace

server::server(std::shared_ptr<net_context> ctx, std::size_t threads)
    : server(std::move(ctx), make_contexts(threads), {}) {}

server::server(std::shared_ptr<net_context> ctx, std::vector<asio::io_context*> shards)
    : server(std::move(ctx), {}, std::move(shards)) {}

server::server(std::shared_ptr<net_context> ctx,
               std::vector<std::unique_ptr<asio::io_context>> own,
               std::vector<asio::io_context*> borrowed)
    : ctx_(std::move(ctx)), own_contexts_(std::move(own)),
      shards_(make_shards(own_contexts_.empty() ? borrowed : pointers(own_contexts_))),
      acceptor_(shards_.at(0)->ioc->get_executor()),
      accept_pause_(shards_.at(0)->ioc->get_executor()),
      connections_(std::make_shared<connection_set>()) {}

server::~server() {
  stop_shards();
}

void server::stop_shards() {
  if (own_contexts_.empty()) {
    // Borrowed shards run actors too: their scheduler stops them, after the actors.
    // The acceptor and its timer are closed on their shard, and this waits for
    // it, so that no handler touches them once this object is gone (what is still
    // queued for them completes with operation_aborted and returns at once).
    if (!acceptor_closed_) {
      std::promise<void> closed;
      asio::post(acceptor_.get_executor(), [this, &closed] {
        boost::beast::error_code ignored;
        accept_pause_.cancel();
        acceptor_.close(ignored);
        closed.set_value();
      });
      closed.get_future().wait();
      acceptor_closed_ = true;
    }
    return;
  }
  for (auto& s : shards_)
    s->ioc->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

asio::ip::tcp::endpoint server::start(const asio::ip::tcp::endpoint& at) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  auto bound = acceptor_.local_endpoint();
  do_accept();
  if (!own_contexts_.empty())
    for (auto& s : shards_)
      threads_.emplace_back([io = s->ioc] { io->run(); });
  return bound;
}

void server::do_accept() {
  // The connection lives on the next shard in turn (its socket uses that shard's
  // executor); the acceptor itself runs on the first.
  auto& to = *shards_[next_shard_++ % shards_.size()];
  acceptor_.async_accept(
      to.ioc->get_executor(),
      [this, outbox = to.outbox](boost::beast::error_code ec, tcp_socket socket) {
        if (ec == asio::error::operation_aborted) return; // acceptor closed
        if (out_of_descriptors(ec)) return pause_accepting(ec);
        if (ec) {
          fail(ec, "accept");
        } else {
          socket.set_option(asio::ip::tcp::no_delay(true));
          // Its first step runs on its own shard.
          auto session = std::make_shared<http_session>(std::move(socket), ctx_,
                                                        connections_, outbox);
          asio::post(outbox->get_executor(), [session] { session->run(); });
        }
        if (acceptor_.is_open()) do_accept();
      });
}

bool server::out_of_descriptors(const boost::beast::error_code& ec) {
  return ec == asio::error::no_descriptors ||            // EMFILE: this process's limit
         ec == std::errc::too_many_files_open_in_system; // ENFILE
}

void server::pause_accepting(const boost::beast::error_code& ec) {
  // Accepting again at once fails again at once: a core spun and the same line
  // filled the log while new clients timed out. Wait, and say so once a while.
  auto now = std::chrono::steady_clock::now();
  if (now - last_descriptor_warning_ >= std::chrono::seconds{10}) {
    last_descriptor_warning_ = now;
    std::cerr << "parleyd: accept: " << ec.message()
              << "; pausing accepts (this line repeats at most every 10 s)\n";
  }
  accept_pause_.expires_after(accept_backoff);
  accept_pause_.async_wait([this](boost::beast::error_code wait_ec) {
    if (!wait_ec && acceptor_.is_open()) do_accept();
  });
}

void server::stop_accepting() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::beast::error_code ignored;
    accept_pause_.cancel();
    acceptor_.close(ignored);
  });
  for (auto& s : connections_->snapshot())
    s->post_stop_reading();
}

void server::close_all(std::chrono::milliseconds grace) {
  for (auto& s : connections_->snapshot())
    s->notify_shutdown();
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (connections_->size() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  if (own_contexts_.empty()) {
    // The shards keep running (they are the actors' threads): a connection still
    // open after the grace is cut, so that its session actor ends before the
    // actor system waits for its actors.
    for (auto& s : connections_->snapshot())
      s->post_abort();
    auto cut_deadline = std::chrono::steady_clock::now() + std::chrono::seconds{1};
    while (connections_->size() > 0 && std::chrono::steady_clock::now() < cut_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  stop_shards();
}

} // namespace parley::net
