// Table-driven tests of the string-search XML reading in parley-xmpp-fanout, on frames
// as ejabberd sends them (single quotes) and as other servers may (double quotes).
#include "bench/loadgen/xml_lite.hpp"

#include <string_view>

#include <gtest/gtest.h>

namespace parley::bench::xml {
namespace {

constexpr std::string_view self_presence =
    "<presence xmlns='jabber:client' xml:lang='en' to='1@localhost/2' "
    "from='room1@conference.localhost/m1'><x xmlns='http://jabber.org/protocol/muc#user'>"
    "<item jid='1@localhost/2' role='moderator' affiliation='owner'/><status code='201'/>"
    "<status code='110'/></x></presence>";

constexpr std::string_view groupchat =
    "<message xmlns='jabber:client' to='1@localhost/2' "
    "from='room1@conference.localhost/m4' "
    "type=\"groupchat\" id='x'><body>3-17-123456 lorem ipsum</body><stanza-id by='r'/>"
    "</message>";

TEST(XmlLite, ElementName) {
  struct row {
    std::string_view frame, name;
  } rows[] = {
      {self_presence, "presence"},
      {groupchat, "message"},
      {"<stream:features xmlns:stream='x'><bind/></stream:features>", "stream:features"},
      {"<?xml version='1.0'?><open xmlns='f'/>", "open"},
      {"<success/>", "success"},
      {"", ""},
      {"no markup", ""},
      {"<", ""},
  };
  for (const auto& r : rows)
    EXPECT_EQ(element_name(r.frame), r.name) << r.frame;
}

TEST(XmlLite, Attribute) {
  struct row {
    std::string_view frame, key, value;
  } rows[] = {
      {self_presence, "from", "room1@conference.localhost/m1"},
      {self_presence, "to", "1@localhost/2"},
      {self_presence, "lang", ""},      // only whole names: xml:lang is not lang
      {self_presence, "role", ""},      // a child's attribute is not the top element's
      {groupchat, "type", "groupchat"}, // double quotes
      {groupchat, "id", "x"},
      {"<iq type='result' id='bind1'/>", "id", "bind1"},
      {"<iq type = 'set' id='a'>", "type", "set"},
      {"<iq type='unterminated", "type", ""},
      {"<iq mytype='x' type='y'/>", "type", "y"},
      {"", "type", ""},
  };
  for (const auto& r : rows)
    EXPECT_EQ(attribute(r.frame, r.key), r.value) << r.frame << " " << r.key;
}

TEST(XmlLite, ChildTextAndHasElement) {
  EXPECT_EQ(child_text(groupchat, "body"), "3-17-123456 lorem ipsum");
  EXPECT_EQ(child_text("<message><subject/></message>", "subject"), "");
  EXPECT_EQ(child_text("<message><body>open", "body"), "");
  EXPECT_EQ(child_text("<message><bodyx>a</bodyx></message>", "body"), "");
  EXPECT_EQ(child_text("<message><body xml:lang='en'>hi</body></message>", "body"), "hi");
  EXPECT_TRUE(has_element(self_presence, "status"));
  EXPECT_FALSE(has_element(self_presence, "stat"));
  EXPECT_FALSE(has_element("", "body"));
}

TEST(XmlLite, Escape) {
  EXPECT_EQ(escape("a<b>&'\"c"), "a&lt;b&gt;&amp;&apos;&quot;c");
  EXPECT_EQ(escape("room1@conference.localhost/m1"), "room1@conference.localhost/m1");
}

} // namespace
} // namespace parley::bench::xml
