// libFuzzer target: content sniffing of an upload (protocol/sniff), which sees the
// body in the pieces the socket delivered. The first input byte picks the file name's
// extension, the second how the rest is cut into pieces. Invariants: the verdict does
// not depend on the cut (fed whole, fed in pieces, fed byte by byte), it is the
// plain rule of the type applied to the whole content (the magic bytes; for text,
// valid UTF-8 as protocol/utf8 defines it and no NUL), and a refused feed stays
// refused. Also the file-name rules on the raw bytes. Built twice (CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/sniff.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/must.hpp"

namespace {

using namespace parley::protocol;

constexpr std::string_view names[] = {"a.pdf", "a.png", "a.jpg", "a.JPEG",  "a.gif",
                                      "a.txt", "a.TxT", "a.zip", "a",       "a.",
                                      ".pdf",  "a.b.c", "x.Gif", "doc.docx"};

/// The type's rule on the whole content, written independently of the sniffer.
bool oracle(std::string_view ext, std::string_view content) {
  if (ext == "pdf") return content.starts_with("%PDF-");
  if (ext == "png") return content.starts_with(std::string_view{"\x89PNG\r\n\x1a\n", 8});
  if (ext == "jpg" || ext == "jpeg") return content.starts_with("\xFF\xD8\xFF");
  if (ext == "gif") return content.starts_with("GIF87a") || content.starts_with("GIF89a");
  if (ext == "txt")
    return valid_utf8(content) && content.find('\0') == std::string_view::npos;
  return true;
}

/// Feeds `content` cut every `step` bytes (0: whole); the verdict of finish().
bool sniff(std::string_view ext, std::string_view content, std::size_t step) {
  content_sniffer s{ext};
  bool refused = false;
  if (step == 0) step = content.size() + 1;
  for (std::size_t at = 0; at < content.size(); at += step) {
    bool ok = s.feed(content.substr(at, step));
    if (refused) must(!ok); // once refused, refused for good
    refused = refused || !ok;
  }
  bool verdict = s.finish();
  if (refused) must(!verdict);
  return verdict;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto name = names[data[0] % std::size(names)];
  std::size_t step = data[1] % 17;
  std::string_view content{reinterpret_cast<const char*>(data) + 2, size - 2};

  auto ext = extension_of(name);
  must(valid_file_name(name));
  bool expected = oracle(ext, content);
  must(sniff(ext, content, 0) == expected);
  must(sniff(ext, content, step) == expected);
  must(sniff(ext, content, 1) == expected);
  must(!content_type_of(ext).empty());

  // The raw bytes as a file name: the name rules hold whatever they are.
  if (valid_file_name(content)) {
    must(valid_utf8(content) && !content.empty() && content.size() <= 255);
    must(content.find('/') == std::string_view::npos);
    auto e = extension_of(content);
    must(e.size() < content.size());
    (void)sniff(e, content, step);
  }
  return 0;
}
