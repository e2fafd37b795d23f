#pragma once

#include <boost/beast/core/error.hpp>

namespace parley::net {

/// True for the errors every connection ends with (peer went away, we closed it,
/// timeouts): they are not worth a log line.
bool expected_error(const boost::beast::error_code& ec);

/// Reports an unexpected network error on stderr.
void fail(const boost::beast::error_code& ec, const char* what);

} // namespace parley::net
