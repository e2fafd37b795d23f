#include "bench/loadgen/xml_lite.hpp"

#include <cstddef>

namespace parley::bench::xml {

namespace {

bool name_char(char c) {
  return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/' &&
         c != '=';
}

/// Where the first start tag (not a declaration or comment) begins, or npos.
std::size_t first_start_tag(std::string_view frame) {
  std::size_t at = 0;
  while ((at = frame.find('<', at)) != std::string_view::npos) {
    if (at + 1 < frame.size() && frame[at + 1] != '?' && frame[at + 1] != '!') return at;
    ++at;
  }
  return std::string_view::npos;
}

/// Where `<name` starts as a whole start tag name, from `from`, or npos.
std::size_t find_start_tag(std::string_view frame, std::string_view name,
                           std::size_t from = 0) {
  while ((from = frame.find('<', from)) != std::string_view::npos) {
    const auto after = from + 1 + name.size();
    if (frame.substr(from + 1, name.size()) == name &&
        (after == frame.size() || !name_char(frame[after])))
      return from;
    ++from;
  }
  return std::string_view::npos;
}

} // namespace

std::string_view element_name(std::string_view frame) {
  const auto at = first_start_tag(frame);
  if (at == std::string_view::npos) return {};
  auto end = at + 1;
  while (end < frame.size() && name_char(frame[end]))
    ++end;
  return frame.substr(at + 1, end - at - 1);
}

std::string_view attribute(std::string_view frame, std::string_view name) {
  const auto at = first_start_tag(frame);
  if (at == std::string_view::npos) return {};
  const auto tag_end = frame.find('>', at);
  const auto tag = frame.substr(at, tag_end == std::string_view::npos ? frame.size() - at
                                                                      : tag_end - at);
  std::size_t pos = 0;
  while ((pos = tag.find(name, pos)) != std::string_view::npos) {
    const bool starts = pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\t' ||
                                    tag[pos - 1] == '\n' || tag[pos - 1] == '\r');
    auto eq = pos + name.size();
    while (eq < tag.size() && tag[eq] == ' ')
      ++eq;
    if (starts && eq < tag.size() && tag[eq] == '=') {
      auto q = eq + 1;
      while (q < tag.size() && tag[q] == ' ')
        ++q;
      if (q < tag.size() && (tag[q] == '\'' || tag[q] == '"')) {
        const auto close = tag.find(tag[q], q + 1);
        if (close == std::string_view::npos) return {};
        return tag.substr(q + 1, close - q - 1);
      }
    }
    pos += name.size();
  }
  return {};
}

std::string_view child_text(std::string_view frame, std::string_view name) {
  const auto at = find_start_tag(frame, name);
  if (at == std::string_view::npos) return {};
  const auto open_end = frame.find('>', at);
  if (open_end == std::string_view::npos || frame[open_end - 1] == '/') return {};
  const std::string close = "</" + std::string{name} + ">";
  const auto end = frame.find(close, open_end + 1);
  if (end == std::string_view::npos) return {};
  return frame.substr(open_end + 1, end - open_end - 1);
}

bool has_element(std::string_view frame, std::string_view name) {
  return find_start_tag(frame, name) != std::string_view::npos;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace parley::bench::xml
