#include "bench/conv_list/sync_client.hpp"

#include <algorithm>

namespace parley::bench::conv_list {

namespace {

/// How long close() may take when the client goes away.
constexpr auto close_grace = std::chrono::seconds(2);

} // namespace

sync_client::sync_client(const ws_target& target, std::string name,
                         clock::time_point deadline)
    : name_(std::move(name)), deadline_(deadline) {
  client_ =
      std::make_shared<ws_client>(ioc_, target, name_, [this](const std::string& w) {
        if (failure_.empty()) failure_ = w;
      });
}

sync_client::~sync_client() {
  if (!failure_.empty()) return;
  bool closed = false;
  client_->close([&closed] { closed = true; });
  const auto until = std::min(deadline_, clock::now() + close_grace);
  while (!closed && failure_.empty() && clock::now() < until)
    if (ioc_.run_one_until(until) == 0 && ioc_.stopped()) break;
}

void sync_client::run_until(const bool& done, std::string_view what) {
  // Bounded by the deadline: run_one_until returns at the latest then.
  while (!done) {
    if (!failure_.empty()) throw run_error(failure_);
    if (clock::now() >= deadline_)
      throw run_error(name_ + ": timed out waiting for " + std::string{what});
    if (ioc_.run_one_until(deadline_) == 0 && ioc_.stopped() && !done) {
      throw run_error(failure_.empty()
                          ? name_ + ": connection ended during " + std::string{what}
                          : failure_);
    }
  }
}

void sync_client::open(const std::string& token) {
  bool connected = false;
  client_->connect([&connected] { connected = true; });
  run_until(connected, "the WebSocket handshake");
  protocol::map_builder hello;
  hello.str("token", token).str("device", "parley-conv-list");
  call_ok("hello", hello, "hello");
}

sync_client::clock::duration sync_client::call(std::string_view op,
                                               const protocol::map_builder& fields,
                                               const on_reply& handle) {
  bool done = false;
  clock::duration latency{};
  const auto start = clock::now();
  client_->request(op, fields, [&](const ws_client::reply& r) {
    latency = r.received - start;
    done = true;
    handle(r);
  });
  run_until(done, op);
  return latency;
}

void sync_client::call_ok(std::string_view op, const protocol::map_builder& fields,
                          const std::string& what) {
  std::string error;
  call(op, fields, [&](const ws_client::reply& r) {
    if (!r.ok) error = std::string{r.code} + ": " + std::string{r.message};
  });
  if (!error.empty()) throw run_error(name_ + ": " + what + " refused: " + error);
}

} // namespace parley::bench::conv_list
