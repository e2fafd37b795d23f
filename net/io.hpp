#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace parley::net {

// Every connection lives on one io_context that one thread runs (an io shard; see
// net::server). Its handlers therefore run one at a time, in order, on that
// thread: no strand is needed, and every operation uses the io_context's own
// executor type rather than the type-erased any_io_executor, whose copies and
// dispatch were a tenth of parleyd's instructions per fan-out delivery.

/// The executor of an io shard.
using executor = boost::asio::io_context::executor_type;

/// A TCP socket of an io shard.
using tcp_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor>;

/// Beast's timed TCP stream over a socket of an io shard.
using tcp_stream = boost::beast::basic_stream<boost::asio::ip::tcp, executor>;

} // namespace parley::net
