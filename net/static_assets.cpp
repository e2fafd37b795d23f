#include "net/static_assets.hpp"

#include <utility>

namespace parley::net {

namespace detail {
// Generated (net/embed_static.cmake): path and bytes, ended by an empty path.
extern const std::pair<std::string_view, std::string_view> static_files[];
} // namespace detail

namespace {

std::string_view content_type_of(std::string_view path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  // Module scripts must come as JavaScript: browsers refuse other types for them.
  static constexpr std::pair<std::string_view, std::string_view> types[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"json", "application/json"},
      {"ico", "image/x-icon"},
  };
  for (const auto& [e, type] : types)
    if (e == ext) return type;
  return "text/plain; charset=utf-8";
}

} // namespace

std::optional<static_asset> find_static_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (auto* f = detail::static_files; !f->first.empty(); ++f)
    if (f->first == path) return static_asset{content_type_of(path), f->second};
  return std::nullopt;
}

} // namespace parley::net
