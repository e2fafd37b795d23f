#pragma once

#include <optional>
#include <string_view>

// The demo page and its ES modules (clients/demo), built into the binary
// (net/embed_static.cmake) and served at `/` by http_session.
namespace parley::net {

struct static_asset {
  std::string_view content_type;
  std::string_view body;
};

/// The asset for a request path (`/` is `/index.html`), or nullopt. Paths are
/// matched exactly: no directory listing, no `..`, nothing from the file system.
std::optional<static_asset> find_static_asset(std::string_view path);

} // namespace parley::net
