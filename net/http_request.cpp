#include "net/http_request.hpp"

#include <cctype>

namespace parley::net {

namespace {

constexpr std::string_view upload_path = "/v1/blobs";
constexpr std::string_view download_prefix = "/v1/blobs/";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

} // namespace

bool is_blob_upload(std::string_view path) {
  return path == upload_path;
}

bool is_blob_download(std::string_view path) {
  return path.size() > download_prefix.size() &&
         path.substr(0, download_prefix.size()) == download_prefix;
}

std::string_view blob_id_of(std::string_view path) {
  return is_blob_download(path) ? path.substr(download_prefix.size())
                                : std::string_view{};
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  if (!iequals_ascii(authorization.substr(0, scheme.size()), scheme)) return std::nullopt;
  return authorization.substr(scheme.size());
}

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != key || eq == std::string_view::npos) continue;
    std::string out;
    auto raw = pair.substr(eq + 1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%') {
        if (i + 2 >= raw.size()) return std::nullopt;
        int hi = hex_digit(raw[i + 1]), lo = hex_digit(raw[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  return std::nullopt;
}

std::string content_disposition(std::string_view name) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string ascii, encoded;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    ascii += (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') ? '_' : ch;
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
      encoded += ch;
    } else {
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 15];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

bool acceptable_transfer_encoding(std::string_view v) {
  if (v.empty()) return true;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  return iequals_ascii(v, "chunked");
}

} // namespace parley::net
