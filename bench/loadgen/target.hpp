#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace parley::bench {

/// Where the server's WebSocket endpoint is.
struct ws_target {
  std::string host; // name or address, without IPv6 brackets
  std::string port;
  std::string path = "/v1";

  /// `host:port` as the HTTP Host header wants it (brackets around IPv6).
  std::string host_header() const;
};

/// Parses `ws://HOST:PORT[/PATH]` or `HOST:PORT[/PATH]`; IPv6 hosts in brackets. The
/// path defaults to /v1. Returns nullopt and sets `error` on anything else (including
/// `wss://`, which the tool does not speak).
std::optional<ws_target> parse_ws_target(std::string_view url, std::string& error);

/// Parses a comma-separated list of such targets (the nodes of a cluster), in order.
/// Empty items are refused; one item is a list of one.
std::optional<std::vector<ws_target>> parse_ws_targets(std::string_view urls,
                                                       std::string& error);

/// The target of connection `i` when connections are spread over `targets` in turn.
const ws_target& target_of(const std::vector<ws_target>& targets, std::size_t i);

/// The local address connection `i` of a run binds to when its connections are spread
/// over `count` loopback addresses (each has its own ephemeral ports, so more than
/// ~28k connections fit): 127.0.0.(2 + i % count). Unspecified (no bind) when count
/// is 1 or less.
boost::asio::ip::address source_address(std::size_t i, std::size_t count);

} // namespace parley::bench
