// Attachment type rules: extensions, file names, and content sniffing (whole and
// split across chunks at every position).
#include <gtest/gtest.h>

#include <string>

#include "protocol/sniff.hpp"

namespace parley::protocol {
namespace {

using namespace std::string_literals;

const std::string png = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s;
const std::string jpeg = "\xFF\xD8\xFF\xE0\0\x10JFIF"s;
const std::string pdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"s;
const std::string gif87 = "GIF87a\x01\0\x01\0"s;
const std::string gif89 = "GIF89a\x01\0\x01\0"s;

bool sniff_whole(const std::string& ext, const std::string& content) {
  content_sniffer s{ext};
  return s.feed(content) && s.finish();
}

/// The same verdict however the content is cut into two chunks.
bool sniff_split_everywhere(const std::string& ext, const std::string& content) {
  bool whole = sniff_whole(ext, content);
  for (std::size_t cut = 0; cut <= content.size(); ++cut) {
    content_sniffer s{ext};
    bool ok = s.feed(content.substr(0, cut));
    ok = s.feed(content.substr(cut)) && ok;
    EXPECT_EQ(ok && s.finish(), whole) << ext << " cut at " << cut;
  }
  return whole;
}

TEST(SniffTest, ContentRules) {
  struct row {
    std::string ext;
    std::string content;
    bool ok;
  };
  const row rows[] = {
      {"png", png, true},
      {"png", "hello, this is text"s, false},
      {"png", png.substr(0, 7), false}, // truncated magic
      {"png", ""s, false},
      {"jpg", jpeg, true},
      {"jpeg", jpeg, true},
      {"jpeg", png, false},
      {"pdf", pdf, true},
      {"pdf", "%PDX-1.7"s, false},
      {"gif", gif87, true},
      {"gif", gif89, true},
      {"gif", "GIF88a\x01\0"s, false},
      {"txt", "plain text\nwith lines\n"s, true},
      {"txt",
       "Gr\xC3\xBC\xC3\x9F"
       "e \xF0\x9F\x98\x80 \xE2\x82\xAC"s,
       true},
      {"txt", ""s, true},
      {"txt", "nul\0inside"s, false},
      {"txt", "\xC3"s, false},             // cut code point at the end
      {"txt", "\xC0\xAF"s, false},         // overlong
      {"txt", "\xE0\x80\xAF"s, false},     // overlong
      {"txt", "\xED\xA0\x80"s, false},     // surrogate
      {"txt", "\xF4\x90\x80\x80"s, false}, // beyond U+10FFFF
      {"txt", "\xFF"s, false},
      {"txt", png, false},
      {"docx", "anything\0goes"s, true}, // no rule: the extension alone decides
  };
  for (const auto& r : rows)
    EXPECT_EQ(sniff_split_everywhere(r.ext, r.content), r.ok)
        << r.ext << " " << testing::PrintToString(r.content);
}

TEST(SniffTest, FailsEarlyOnAWrongHead) {
  content_sniffer s{"png"};
  EXPECT_FALSE(s.feed("GIF89a"));
  EXPECT_FALSE(s.feed(png)); // stays failed
  EXPECT_FALSE(s.finish());
}

TEST(SniffTest, Extensions) {
  EXPECT_EQ(extension_of("report.PDF"), "pdf");
  EXPECT_EQ(extension_of("archive.tar.gz"), "gz");
  EXPECT_EQ(extension_of("README"), "");
  EXPECT_EQ(extension_of("trailing."), "");
  EXPECT_EQ(extension_of(".png"), "png");
}

TEST(SniffTest, ContentTypes) {
  EXPECT_EQ(content_type_of("png"), "image/png");
  EXPECT_EQ(content_type_of("jpg"), content_type_of("jpeg"));
  EXPECT_EQ(content_type_of("pdf"), "application/pdf");
  EXPECT_EQ(content_type_of("gif"), "image/gif");
  EXPECT_EQ(content_type_of("txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(content_type_of("docx"), "application/octet-stream");
}

TEST(SniffTest, FileNames) {
  EXPECT_TRUE(valid_file_name("photo.png"));
  EXPECT_TRUE(valid_file_name("Gr\xC3\xBC\xC3\x9F"
                              "e.txt"));
  EXPECT_FALSE(valid_file_name(""));
  EXPECT_FALSE(valid_file_name("."));
  EXPECT_FALSE(valid_file_name(".."));
  EXPECT_FALSE(valid_file_name("../etc/passwd"));
  EXPECT_FALSE(valid_file_name("a\\b.txt"));
  EXPECT_FALSE(valid_file_name("line\nbreak.txt"));
  EXPECT_FALSE(valid_file_name("bad\xC3.txt"));
  EXPECT_FALSE(valid_file_name(std::string(256, 'a')));
  EXPECT_TRUE(valid_file_name(std::string(255, 'a')));
}

} // namespace
} // namespace parley::protocol
