#include "actors/rules/inbox_view_rules.hpp"

#include <algorithm>
#include <tuple>

#include "protocol/limits.hpp"
#include "protocol/random_id.hpp"
#include "protocol/utf8.hpp"

namespace parley::inbox_view_rules {

namespace {

using protocol::error_code;
using protocol::failure;

parsed_view bad(std::string message) {
  return {failure{error_code::bad_request, std::move(message)}, {}, {}};
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= protocol::limits::max_id_bytes &&
         protocol::valid_text(id);
}

constexpr std::string_view custom_prefix = "custom:";

} // namespace

std::string_view status_text(inbox_rules::status_filter s) {
  switch (s) {
  case inbox_rules::status_filter::all:
    return "all";
  case inbox_rules::status_filter::open:
    return "open";
  case inbox_rules::status_filter::closed:
    return "closed";
  case inbox_rules::status_filter::snoozed:
    return "snoozed";
  }
  return "all";
}

bool is_view_id(std::string_view id) {
  return protocol::has_random_id_shape(id, id_prefix);
}

parsed_view parse_view(const raw_view& raw) {
  parsed_view out;
  auto& v = out.view;
  if (raw.id) {
    // A string that is no view id can name no view: the same answer as a view the
    // caller may not see.
    if (!is_view_id(*raw.id))
      return {failure{error_code::not_found, "no such view"}, {}, {}};
    v.id = *raw.id;
  }
  if (!raw.name) return bad("missing 'view.name'");
  if (raw.name->empty() || raw.name->size() > max_name_bytes ||
      !protocol::valid_text(*raw.name))
    return bad("'view.name' must be 1.." + std::to_string(max_name_bytes) +
               " bytes of UTF-8");
  if (blank(*raw.name)) return bad("'view.name' must not be blank");
  v.name = *raw.name;
  if (!raw.base) return bad("missing 'view.base'");
  // The base is an inbox.list view other than `blocked` (a spam folder is not a
  // saved filter) and other than a custom view (no views of views).
  inbox_rules::raw_args probe;
  probe.view = *raw.base;
  auto base = inbox_rules::parse(probe);
  if (!base.ok() || base.q.view == inbox_rules::view_kind::blocked)
    return bad("'view.base' must be all, mine, unassigned or team:<id>");
  v.base = *raw.base;
  if (base.q.view == inbox_rules::view_kind::team) out.base_team = base.q.team;
  // status and sort are parsed by inbox.list's own rules, so a saved view holds
  // exactly what inbox.list accepts.
  inbox_rules::raw_args filters;
  filters.view = "all";
  filters.status = raw.status;
  filters.sort = raw.sort;
  auto f = inbox_rules::parse(filters);
  if (!f.ok()) return bad("view." + f.error->message);
  v.status = f.q.status;
  v.sort = f.q.sort;
  v.unreplied = raw.unreplied;
  if (raw.team) {
    if (!valid_id(*raw.team)) return bad("'view.team' must be a team id of 1..128 bytes");
    v.team = *raw.team;
  }
  return out;
}

std::optional<std::string_view> custom_id(std::string_view view) {
  if (!view.starts_with(custom_prefix)) return std::nullopt;
  return view.substr(custom_prefix.size());
}

std::string custom_name(std::string_view id) {
  return std::string{custom_prefix} + std::string{id};
}

access access_of(const saved_view& v, const protocol::user_info& caller,
                 const std::vector<std::string>& caller_teams, bool owner_active) {
  if (v.org != caller.org) return access::none;
  if (v.owner == caller.id) return access::own;
  if (!owner_active || !v.team) return access::none;
  bool member =
      std::find(caller_teams.begin(), caller_teams.end(), *v.team) != caller_teams.end();
  return member ? access::read : access::none;
}

void order_views(std::vector<saved_view>& views, std::string_view caller) {
  std::sort(views.begin(), views.end(), [&](const saved_view& a, const saved_view& b) {
    return std::forward_as_tuple(a.owner != caller, a.created_at, a.id) <
           std::forward_as_tuple(b.owner != caller, b.created_at, b.id);
  });
}

inbox_rules::parsed resolve(const saved_view& v, std::optional<std::int64_t> limit,
                            std::optional<std::string> cursor) {
  inbox_rules::raw_args a;
  a.view = v.base;
  a.status = std::string{status_text(v.status)};
  a.unreplied = v.unreplied;
  a.sort = std::string{inbox_rules::to_string(v.sort)};
  a.limit = limit;
  a.cursor = std::move(cursor);
  return inbox_rules::parse(a);
}

std::vector<count_target> count_targets(std::vector<std::string> teams,
                                        const std::vector<saved_view>& custom) {
  std::vector<count_target> out;
  auto builtin = [&](std::string view) {
    inbox_rules::raw_args a;
    a.view = view;
    out.push_back({std::move(view), inbox_rules::parse(a).q});
  };
  builtin("all");
  builtin("mine");
  builtin("unassigned");
  std::sort(teams.begin(), teams.end());
  teams.erase(std::unique(teams.begin(), teams.end()), teams.end());
  for (const auto& t : teams)
    builtin("team:" + t);
  for (const auto& v : custom)
    out.push_back({custom_name(v.id), resolve(v, std::nullopt, std::nullopt).q});
  return out;
}

std::vector<view_count> fold_counts(const std::vector<count_target>& targets,
                                    const std::vector<count_group>& groups,
                                    std::string_view caller) {
  std::vector<view_count> out;
  out.reserve(targets.size());
  for (const auto& t : targets) {
    view_count c{t.view, 0, 0};
    for (const auto& g : groups) {
      inbox_rules::item it;
      it.status = support_rules::status::open;
      it.assignee = g.assignee;
      it.team = g.team;
      it.unreplied = g.unreplied;
      if (!inbox_rules::matches(t.q, it, caller)) continue;
      c.open += g.n;
      if (g.unread) c.unread += g.n;
    }
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace parley::inbox_view_rules
