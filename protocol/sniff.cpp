#include "protocol/sniff.hpp"

#include <algorithm>

#include "protocol/utf8.hpp"

namespace parley::protocol {

namespace {

constexpr std::string_view pdf_magic{"%PDF-"};
constexpr std::string_view png_magic{"\x89PNG\r\n\x1a\n", 8};
constexpr std::string_view jpeg_magic{"\xFF\xD8\xFF"};
constexpr std::string_view gif87_magic{"GIF87a"};
constexpr std::string_view gif89_magic{"GIF89a"};
constexpr std::size_t head_bytes = 8; // the longest magic

} // namespace

std::string extension_of(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return {};
  std::string ext{name.substr(dot + 1)};
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return ext;
}

bool valid_file_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  if (!valid_utf8(name)) return false;
  return std::none_of(name.begin(), name.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F || c == '/' || c == '\\';
  });
}

std::string_view content_type_of(std::string_view ext) {
  if (ext == "pdf") return "application/pdf";
  if (ext == "png") return "image/png";
  if (ext == "jpeg" || ext == "jpg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

content_sniffer::content_sniffer(std::string_view ext) {
  if (ext == "pdf")
    rule_ = rule::pdf;
  else if (ext == "png")
    rule_ = rule::png;
  else if (ext == "jpeg" || ext == "jpg")
    rule_ = rule::jpeg;
  else if (ext == "gif")
    rule_ = rule::gif;
  else if (ext == "txt")
    rule_ = rule::text;
}

bool content_sniffer::check_head() const {
  std::string_view h{head_};
  auto fits = [&](std::string_view magic) {
    // While the head is shorter than the magic, a matching prefix may still fit.
    auto n = std::min(h.size(), magic.size());
    return h.substr(0, n) == magic.substr(0, n);
  };
  switch (rule_) {
  case rule::pdf:
    return fits(pdf_magic);
  case rule::png:
    return fits(png_magic);
  case rule::jpeg:
    return fits(jpeg_magic);
  case rule::gif:
    return fits(gif87_magic) || fits(gif89_magic);
  case rule::any:
  case rule::text:
    break;
  }
  return true;
}

bool content_sniffer::feed(std::string_view bytes) {
  if (failed_) return false;
  if (rule_ == rule::any) return true;
  if (rule_ != rule::text) {
    if (head_.size() < head_bytes) {
      head_.append(bytes.substr(0, head_bytes - head_.size()));
      failed_ = !check_head();
    }
    return !failed_;
  }
  // Text: well-formed UTF-8 (as protocol/utf8.cpp defines it) without NUL, checked
  // incrementally because a code point may straddle two chunks.
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (need_ > 0) {
      if (c < lo_ || c > hi_) return !(failed_ = true);
      lo_ = 0x80;
      hi_ = 0xBF;
      --need_;
      continue;
    }
    if (c == 0) return !(failed_ = true);
    if (c < 0x80) continue;
    if (c >= 0xC2 && c <= 0xDF) {
      need_ = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need_ = 2;
      if (c == 0xE0) lo_ = 0xA0; // no overlongs
      if (c == 0xED) hi_ = 0x9F; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      need_ = 3;
      if (c == 0xF0) lo_ = 0x90; // no overlongs
      if (c == 0xF4) hi_ = 0x8F; // at most U+10FFFF
    } else {
      return !(failed_ = true);
    }
  }
  return true;
}

bool content_sniffer::finish() const {
  if (failed_) return false;
  switch (rule_) {
  case rule::any:
    return true;
  case rule::text:
    return need_ == 0;
  case rule::pdf:
    return head_.starts_with(pdf_magic);
  case rule::png:
    return head_.starts_with(png_magic);
  case rule::jpeg:
    return head_.starts_with(jpeg_magic);
  case rule::gif:
    return head_.starts_with(gif87_magic) || head_.starts_with(gif89_magic);
  }
  return false;
}

} // namespace parley::protocol
