#include "protocol/types.hpp"

#include <array>
#include <utility>

namespace parley::protocol {

namespace {

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return {};
}

template <class Enum, std::size_t N>
std::optional<Enum>
parse_in(const std::array<std::pair<Enum, std::string_view>, N>& table,
         std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<conv_kind, std::string_view>, 5> conv_kinds{{
    {conv_kind::company, "company"},
    {conv_kind::confidential, "confidential"},
    {conv_kind::private_, "private"},
    {conv_kind::direct, "direct"},
    {conv_kind::support, "support"},
}};

constexpr std::array<std::pair<user_kind, std::string_view>, 5> user_kinds{{
    {user_kind::staff, "staff"},
    {user_kind::client, "client"},
    {user_kind::contact, "contact"},
    {user_kind::ai, "ai"},
    {user_kind::bot, "bot"},
}};

constexpr std::array<std::pair<staff_role, std::string_view>, 4> staff_roles{{
    {staff_role::owner, "owner"},
    {staff_role::admin, "admin"},
    {staff_role::member, "member"},
    {staff_role::guest, "guest"},
}};

} // namespace

std::string_view to_string(conv_kind kind) {
  return name_of(conv_kinds, kind);
}
std::optional<conv_kind> parse_conv_kind(std::string_view name) {
  return parse_in(conv_kinds, name);
}

std::string_view to_string(user_kind kind) {
  return name_of(user_kinds, kind);
}
std::optional<user_kind> parse_user_kind(std::string_view name) {
  return parse_in(user_kinds, name);
}

std::string_view to_string(staff_role role) {
  return name_of(staff_roles, role);
}
std::optional<staff_role> parse_staff_role(std::string_view name) {
  return parse_in(staff_roles, name);
}

bool valid_format(std::string_view format) {
  return format == "text" || format == "markdown";
}

void put_message(map_builder& b, const message& m) {
  b.str("conv", m.conv)
      .uint("seq", m.seq)
      .sint("ts", m.ts)
      .str("author", m.author)
      .str("cid", m.cid)
      .str("body", m.body)
      .str("format", m.format);
  if (m.reply_to) {
    map_builder r;
    r.uint("seq", m.reply_to->seq)
        .str("author", m.reply_to->author)
        .str("preview", m.reply_to->preview);
    b.map("reply_to", r);
  }
  if (!m.mentions.empty()) b.str_list("mentions", m.mentions);
  if (!m.attachments.empty()) {
    std::vector<std::string> items;
    for (const auto& a : m.attachments) {
      map_builder i;
      i.str("blob", a.blob).str("name", a.name).uint("size", a.size).str("type", a.type);
      items.push_back(i.finish());
    }
    b.raw_array("attachments", items);
  }
  if (m.internal) b.boolean("internal", true);
  if (m.system) {
    const auto& e = *m.system;
    map_builder sys;
    sys.str("event", e.event);
    if (e.by.empty())
      sys.nil("by");
    else
      sys.str("by", e.by);
    if (e.event == "assigned") {
      e.assignee ? sys.str("assignee", *e.assignee) : sys.nil("assignee");
      e.team ? sys.str("team", *e.team) : sys.nil("team");
    }
    if (e.handoff) sys.boolean("handoff", true);
    if (e.from) sys.str("from", *e.from);
    if (e.note) sys.str("note", *e.note);
    if (e.until) sys.sint("until", *e.until);
    b.map("system", sys);
  }
}

std::string encode_message(const message& m) {
  map_builder b;
  put_message(b, m);
  return b.finish();
}

std::string encode_message_push(const message& m) {
  map_builder b;
  b.str("op", "message");
  put_message(b, m);
  return b.finish();
}

std::string encode_notify(std::string_view conv, std::uint64_t seq,
                          std::string_view author, std::string_view preview,
                          std::uint64_t unread) {
  map_builder b;
  b.str("op", "notify")
      .str("conv", conv)
      .uint("seq", seq)
      .str("author", author)
      .str("preview", preview)
      .uint("unread", unread);
  return b.finish();
}

void put_conversation(map_builder& b, const conversation& c) {
  b.str("id", c.id).str("kind", to_string(c.kind)).str("org", c.org);
  if (c.company) b.str("company", *c.company);
  if (c.subject) b.str("subject", *c.subject);
  b.str_list("participants", c.participants)
      .str("created_by", c.created_by)
      .sint("created_at", c.created_at)
      .uint("last_seq", c.last_seq);
  if (c.peer_org) b.str("peer_org", *c.peer_org);
  if (c.ended_by)
    b.boolean("ended", true).str("ended_by", *c.ended_by).sint("ended_at", c.ended_at);
  if (c.support) {
    const auto& s = *c.support;
    b.str("status", s.status);
    s.assignee ? b.str("assignee", *s.assignee) : b.nil("assignee");
    s.team ? b.str("team", *s.team) : b.nil("team");
    if (s.snoozed_until) b.sint("snoozed_until", *s.snoozed_until);
    if (s.last_contact_ts) b.sint("last_contact_ts", *s.last_contact_ts);
    b.boolean("unreplied", s.unreplied);
  }
}

void put_user(map_builder& b, const user_info& u) {
  b.str("id", u.id).str("org", u.org).str("kind", to_string(u.kind)).str("name", u.name);
  if (u.kind == user_kind::staff)
    b.str("role", to_string(u.role.value_or(staff_role::member)));
  if (u.email) b.str("email", *u.email);
  if (u.company) b.str("company", *u.company);
}

} // namespace parley::protocol
