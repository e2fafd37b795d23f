#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Attachment types: the extension of a file name, the content rule of each known
// extension (magic bytes, or UTF-8 text), and the Content-Type served for it. Pure
// and incremental, so an upload is checked chunk by chunk as it streams in.
namespace parley::protocol {

/// The lower-case extension of a file name (after the last '.'), "" when none.
std::string extension_of(std::string_view name);

/// A file name an attachment may carry: 1..255 bytes of valid UTF-8 without control
/// characters, '/' or '\\', and not "." or "..".
bool valid_file_name(std::string_view name);

/// The Content-Type of an extension: the sniffed type of a ruled one,
/// application/octet-stream for any other.
std::string_view content_type_of(std::string_view ext);

/// Checks that content is of the type its extension claims, fed in pieces. An
/// extension without a rule accepts any content.
class content_sniffer {
public:
  explicit content_sniffer(std::string_view ext);

  /// Feeds the next bytes; false as soon as the content cannot be of the type.
  bool feed(std::string_view bytes);

  /// The whole content was fed: true when it is of the type.
  bool finish() const;

private:
  enum class rule : std::uint8_t { any, pdf, png, jpeg, gif, text };
  bool check_head() const;

  rule rule_ = rule::any;
  bool failed_ = false;
  std::string head_; // the first bytes, up to the longest magic
  // UTF-8 state of a text file: continuation bytes still due and their range.
  int need_ = 0;
  unsigned char lo_ = 0x80, hi_ = 0xBF;
};

} // namespace parley::protocol
