#include "bench/loadgen/target.hpp"

#include <algorithm>

#include <boost/asio/ip/address_v4.hpp>

namespace parley::bench {

std::string ws_target::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + port;
}

std::optional<ws_target> parse_ws_target(std::string_view url, std::string& error) {
  if (url.starts_with("wss://")) {
    error = "wss:// is not supported; use ws://";
    return std::nullopt;
  }
  if (url.starts_with("ws://")) url.remove_prefix(5);
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    error = "unsupported scheme in '" + std::string{url} + "'";
    return std::nullopt;
  }
  ws_target out;
  std::string_view authority = url;
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    authority = url.substr(0, slash);
    out.path = std::string{url.substr(slash)};
  }
  std::string_view host;
  std::string_view port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos || close + 1 >= authority.size() ||
        authority[close + 1] != ':') {
      error = "expected [IPv6]:PORT";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
      error = "missing :PORT in '" + std::string{authority} + "'";
      return std::nullopt;
    }
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  const bool numeric_port =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (host.empty() || !numeric_port || std::stoul(std::string{port}) > 65535) {
    error = "expected HOST:PORT, got '" + std::string{authority} + "'";
    return std::nullopt;
  }
  out.host = std::string{host};
  out.port = std::string{port};
  return out;
}

std::optional<std::vector<ws_target>> parse_ws_targets(std::string_view urls,
                                                       std::string& error) {
  std::vector<ws_target> out;
  while (true) {
    auto comma = urls.find(',');
    auto one = urls.substr(0, comma);
    if (one.empty()) {
      error = "an empty URL in the list";
      return std::nullopt;
    }
    auto target = parse_ws_target(one, error);
    if (!target) return std::nullopt;
    out.push_back(std::move(*target));
    if (comma == std::string_view::npos) return out;
    urls.remove_prefix(comma + 1);
  }
}

const ws_target& target_of(const std::vector<ws_target>& targets, std::size_t i) {
  return targets[i % targets.size()];
}

boost::asio::ip::address source_address(std::size_t i, std::size_t count) {
  if (count <= 1) return {};
  const auto k = static_cast<unsigned>(i % count);
  return boost::asio::ip::address_v4{(127u << 24) | (2u + k)};
}

} // namespace parley::bench
