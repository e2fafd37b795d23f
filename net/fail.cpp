#include "net/fail.hpp"

#include <iostream>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace parley::net {

bool expected_error(const boost::beast::error_code& ec) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  return ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::not_connected || ec == beast::error::timeout ||
         ec == beast::websocket::error::closed || ec == beast::http::error::end_of_stream;
}

void fail(const boost::beast::error_code& ec, const char* what) {
  if (expected_error(ec)) return;
  std::cerr << "parleyd: " << what << ": " << ec.message() << "\n";
}

} // namespace parley::net
