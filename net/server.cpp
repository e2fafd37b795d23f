#include "net/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "net/connection_set.hpp"
#include "net/fail.hpp"
#include "net/http_session.hpp"
#include "net/ws_session.hpp"

namespace parley::net {

namespace asio = boost::asio;

server::server(std::shared_ptr<net_context> ctx, std::size_t threads)
    : ctx_(std::move(ctx)), ioc_(static_cast<int>(threads)),
      acceptor_(asio::make_strand(ioc_)),
      connections_(std::make_shared<connection_set>()), thread_count_(threads) {}

server::~server() {
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

asio::ip::tcp::endpoint server::start(const asio::ip::tcp::endpoint& at) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  auto bound = acceptor_.local_endpoint();
  do_accept();
  for (std::size_t i = 0; i < thread_count_; ++i)
    threads_.emplace_back([this] { ioc_.run(); });
  return bound;
}

void server::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(asio::make_strand(ioc_), [this](boost::beast::error_code ec,
                                                         asio::ip::tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return; // acceptor closed
      fail(ec, "accept");
    } else {
      socket.set_option(asio::ip::tcp::no_delay(true));
      std::make_shared<http_session>(std::move(socket), ctx_, connections_)->run();
    }
    if (acceptor_.is_open()) do_accept();
  });
}

void server::stop_accepting() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::beast::error_code ignored;
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
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

} // namespace parley::net
