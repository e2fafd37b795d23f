#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "bench/loadgen/target.hpp"
#include "bench/loadgen/ws_client.hpp"
#include "protocol/codec.hpp"

namespace parley::bench::conv_list {

/// A failed connection, a refused hello, or the tool's deadline passing.
class run_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One request at a time over the load generator's ws_client: each call sends a
/// request and runs this connection's own io_context until its reply arrives, the
/// connection fails, or the deadline passes (run_error). Latency is from handing the
/// frame to the connection to reading the reply, as in parley-load.
class sync_client {
public:
  using clock = ws_client::clock;
  using on_reply = std::function<void(const ws_client::reply&)>;

  sync_client(const ws_target& target, std::string name, clock::time_point deadline);
  ~sync_client();
  sync_client(const sync_client&) = delete;
  sync_client& operator=(const sync_client&) = delete;

  /// Connects and sends `hello {token}`; throws run_error unless the reply is ok.
  void open(const std::string& token);

  /// Sends `{op, ...fields}` and waits for its reply, which `handle` sees (valid only
  /// during that call). Returns the latency.
  clock::duration call(std::string_view op, const protocol::map_builder& fields,
                       const on_reply& handle);

  /// Like call(), but an error reply throws run_error naming `what`.
  void call_ok(std::string_view op, const protocol::map_builder& fields,
               const std::string& what);

private:
  void run_until(const bool& done, std::string_view what);

  boost::asio::io_context ioc_{1};
  std::shared_ptr<ws_client> client_; // after ioc_: destroyed first
  std::string name_;
  std::string failure_;
  clock::time_point deadline_;
};

} // namespace parley::bench::conv_list
