#include "actors/rules/inbox_rules.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace parley::inbox_rules {

namespace {

using protocol::error_code;
using protocol::failure;

parsed bad(std::string message) {
  return {failure{error_code::bad_request, std::move(message)}, {}};
}

char letter_of(sort_order s) {
  switch (s) {
  case sort_order::newest:
    return 'n';
  case sort_order::oldest:
    return 'o';
  case sort_order::longest:
    return 'l';
  case sort_order::shortest:
    return 's';
  }
  return 'n';
}

bool by_waiting(sort_order s) {
  return s == sort_order::longest || s == sort_order::shortest;
}

/// Parses `<letter>:<key|->:<id>` for order `s`; nullopt when it is not a cursor
/// this server would have produced for that order.
std::optional<position> parse_cursor(sort_order s, std::string_view c) {
  if (c.size() < 4 || c[0] != letter_of(s) || c[1] != ':') return std::nullopt;
  auto rest = c.substr(2);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto key_text = rest.substr(0, colon);
  auto id = rest.substr(colon + 1);
  if (id.empty() || id.size() > protocol::limits::max_id_bytes ||
      !protocol::valid_text(id))
    return std::nullopt;
  position p;
  p.id = std::string(id);
  if (key_text == "-") {
    if (!by_waiting(s)) return std::nullopt; // every item has an activity time
    return p;
  }
  std::int64_t key = 0;
  auto end = key_text.data() + key_text.size();
  auto [ptr, ec] = std::from_chars(key_text.data(), end, key);
  if (key_text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  p.key = key;
  return p;
}

int three_way(std::int64_t a, std::int64_t b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

int by_id(const position& a, const position& b) {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

} // namespace

std::string_view to_string(sort_order s) {
  switch (s) {
  case sort_order::newest:
    return "newest";
  case sort_order::oldest:
    return "oldest";
  case sort_order::longest:
    return "longest";
  case sort_order::shortest:
    return "shortest";
  }
  return "newest";
}

parsed parse(const raw_args& args) {
  query q;
  if (!args.view) return bad("view is required");
  const std::string& v = *args.view;
  constexpr std::string_view team_prefix = "team:";
  if (v == "all") {
    q.view = view_kind::all;
  } else if (v == "mine") {
    q.view = view_kind::mine;
  } else if (v == "unassigned") {
    q.view = view_kind::unassigned;
  } else if (v == "blocked") {
    q.view = view_kind::blocked;
  } else if (v.starts_with(team_prefix)) {
    auto team = std::string_view(v).substr(team_prefix.size());
    if (team.empty() || team.size() > protocol::limits::max_id_bytes)
      return bad("view team:<id> needs a team id of 1..128 bytes");
    q.view = view_kind::team;
    q.team = std::string(team);
  } else {
    return bad("view must be all, mine, unassigned, team:<id> or blocked");
  }
  if (args.status) {
    const auto& s = *args.status;
    if (s == "all")
      q.status = status_filter::all;
    else if (s == "open")
      q.status = status_filter::open;
    else if (s == "closed")
      q.status = status_filter::closed;
    else if (s == "snoozed")
      q.status = status_filter::snoozed;
    else
      return bad("status must be all, open, closed or snoozed");
  }
  q.unreplied = args.unreplied;
  if (args.sort) {
    bool known = false;
    for (auto s : {sort_order::newest, sort_order::oldest, sort_order::longest,
                   sort_order::shortest})
      if (to_string(s) == *args.sort) {
        q.sort = s;
        known = true;
      }
    if (!known) return bad("sort must be newest, oldest, longest or shortest");
  }
  if (args.limit) {
    if (*args.limit < 1 || static_cast<std::uint64_t>(*args.limit) > max_limit)
      return bad("limit must be 1..200");
    q.limit = static_cast<std::uint64_t>(*args.limit);
  }
  if (args.cursor) {
    auto p = parse_cursor(q.sort, *args.cursor);
    if (!p) return bad("cursor is not one this server returned for this sort");
    q.after = std::move(*p);
  }
  return {std::nullopt, std::move(q)};
}

bool may_list(const protocol::user_info& u) {
  return support_rules::works_the_inbox(u);
}

bool matches(const query& q, const item& it, std::string_view viewer) {
  using support_rules::status;
  bool view_ok = false;
  switch (q.view) {
  case view_kind::all:
    view_ok = true;
    break;
  case view_kind::mine:
    view_ok = it.assignee == viewer;
    break;
  case view_kind::unassigned:
    view_ok = !it.assignee;
    break;
  case view_kind::team:
    view_ok = it.team == q.team;
    break;
  case view_kind::blocked:
    view_ok = true;
    break;
  }
  if (!view_ok || it.contact_blocked != (q.view == view_kind::blocked)) return false;
  switch (q.status) {
  case status_filter::all:
    break;
  case status_filter::open:
    if (it.status != status::open) return false;
    break;
  case status_filter::closed:
    if (it.status != status::closed) return false;
    break;
  case status_filter::snoozed:
    if (it.status != status::snoozed) return false;
    break;
  }
  return !q.unreplied || *q.unreplied == it.unreplied;
}

position position_of(sort_order s, const item& it) {
  position p;
  p.id = it.id;
  if (!by_waiting(s))
    p.key = it.last_activity_ts;
  else if (it.unreplied && it.last_contact_ts)
    p.key = it.last_contact_ts;
  return p;
}

int compare(sort_order s, const position& a, const position& b) {
  if (a.key.has_value() != b.key.has_value()) return a.key ? -1 : 1; // waiting first
  if (a.key && *a.key != *b.key) {
    int c = three_way(*a.key, *b.key);
    bool descending = s == sort_order::newest || s == sort_order::shortest;
    return descending ? -c : c;
  }
  return by_id(a, b);
}

bool precedes(sort_order s, const item& a, const item& b) {
  return compare(s, position_of(s, a), position_of(s, b)) < 0;
}

std::string encode_cursor(sort_order s, const item& it) {
  auto p = position_of(s, it);
  std::string c{letter_of(s), ':'};
  c += p.key ? std::to_string(*p.key) : "-";
  c += ':';
  c += p.id;
  return c;
}

page_result page(const query& q, std::vector<item> all, std::string_view viewer) {
  std::erase_if(all, [&](const item& it) {
    return !matches(q, it, viewer) ||
           (q.after && compare(q.sort, *q.after, position_of(q.sort, it)) >= 0);
  });
  std::sort(all.begin(), all.end(),
            [&](const item& a, const item& b) { return precedes(q.sort, a, b); });
  page_result r;
  bool more = all.size() > q.limit;
  if (more) all.resize(q.limit);
  if (more) r.cursor = encode_cursor(q.sort, all.back());
  r.items = std::move(all);
  return r;
}

} // namespace parley::inbox_rules
