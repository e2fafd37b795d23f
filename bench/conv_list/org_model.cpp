#include "bench/conv_list/org_model.hpp"

#include <algorithm>
#include <random>
#include <unordered_set>

namespace parley::bench::conv_list {

namespace {

constexpr std::size_t company_count = 5;
constexpr std::size_t staff_pool = 40;
// Share of the company-tied conversations each company holds: the first (the
// favourite of the measured staff member and client) holds most of them.
constexpr double company_weights[company_count] = {0.70, 0.12, 0.08, 0.06, 0.04};
constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
constexpr std::int64_t year_ms = 365 * day_ms;

constexpr char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

/// `chars` base32 digits of `value`, most significant first.
void append_base32(std::string& out, std::uint64_t value, int chars) {
  for (int i = chars - 1; i >= 0; --i)
    out += base32[(value >> (5 * i)) & 31];
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void add_participant(conversation_row& c, const std::string& user) {
  if (!contains(c.participants, user)) c.participants.push_back(user);
}

} // namespace

std::string_view to_string(conv_kind k) {
  switch (k) {
  case conv_kind::company:
    return "company";
  case conv_kind::confidential:
    return "confidential";
  case conv_kind::private_:
    return "private";
  }
  return "private";
}

const user_row* org_model::user(const std::string& id) const {
  auto it = user_index_.find(id);
  return it == user_index_.end() ? nullptr : &users[it->second];
}

std::vector<std::size_t> org_model::readable_by(const std::string& id) const {
  std::vector<std::size_t> out;
  const user_row* u = user(id);
  if (!u) return out;
  const bool client = u->kind == "client";
  const bool full_staff = u->kind == "staff" && u->role != "guest";
  for (std::size_t i = 0; i < conversations.size(); ++i) {
    const auto& c = conversations[i];
    const bool tied = c.kind != conv_kind::private_;
    // A client never reads another company's conversations, even as a participant.
    if (tied && client && u->company != c.company) continue;
    bool ok = contains(c.participants, id);
    const bool favours = tied && contains(u->favorites, c.company);
    if (!ok && full_staff && favours) ok = true;
    if (!ok && client && favours && c.kind == conv_kind::company) {
      // Shared with the company's favouring clients once one of them takes part.
      ok = std::any_of(c.participants.begin(), c.participants.end(),
                       [&](const std::string& p) {
                         const user_row* pu = user(p);
                         return pu && pu->kind == "client" && pu->company == c.company &&
                                contains(pu->favorites, c.company);
                       });
    }
    if (ok) out.push_back(i);
  }
  std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = conversations[a];
    const auto& y = conversations[b];
    return x.last_ts != y.last_ts ? x.last_ts > y.last_ts : x.id > y.id;
  });
  return out;
}

org_model make_org(const std::string& org, std::size_t conversations, std::uint64_t seed,
                   std::int64_t now_ms) {
  org_model m;
  m.org = org;
  std::mt19937_64 rng{seed ^ fnv1a(org)};
  std::uniform_real_distribution<double> unit{0.0, 1.0};

  for (std::size_t i = 0; i < company_count; ++i)
    m.companies.push_back(
        {org + "-co" + std::to_string(i), "Company " + std::to_string(i)});
  const auto& co = m.companies;

  auto staff = [&](std::string id, std::string role, std::vector<std::string> favs) {
    m.users.push_back({id, "staff", std::move(role), "Staff " + id, "", std::move(favs)});
  };
  auto client = [&](std::string id, const std::string& company, bool favours) {
    m.users.push_back(
        {id, "client", "", "Client " + id, company,
         favours ? std::vector<std::string>{company} : std::vector<std::string>{}});
  };
  std::vector<std::string> pool;
  for (std::size_t i = 0; i < staff_pool; ++i) {
    auto id = org + "-s" + std::to_string(i);
    staff(id, "member", {co[i % company_count].id});
    pool.push_back(id);
  }
  const std::string fav = org + "-fav", guest = org + "-guest", cli = org + "-client",
                    nofav = org + "-nofav", cl0 = org + "-cl0", cl1 = org + "-cl1",
                    cl2 = org + "-cl2";
  staff(fav, "member", {co[0].id, co[1].id});
  staff(guest, "guest", {co[0].id}); // a guest's favourites give it nothing
  staff(nofav, "member", {});
  client(cli, co[0].id, true);
  client(cl0, co[0].id, true);
  client(cl1, co[0].id, false);
  client(cl2, co[1].id, true);
  for (std::size_t i = 0; i < m.users.size(); ++i)
    m.user_index_[m.users[i].id] = i;
  m.viewers = {
      {"staff-fav", fav}, {"guest", guest}, {"client-fav", cli}, {"staff-nofav", nofav}};

  const std::uint64_t org_tag = fnv1a(org);
  std::unordered_set<std::int64_t> used_ts;
  m.conversations.reserve(conversations);
  for (std::size_t i = 0; i < conversations; ++i) {
    conversation_row c;
    c.id = "c";
    append_base32(c.id, org_tag, 7);
    append_base32(c.id, i, 6);
    append_base32(c.id, rng(), 13);
    const double k = unit(rng);
    c.kind = k < 0.60   ? conv_kind::company
             : k < 0.75 ? conv_kind::confidential
                        : conv_kind::private_;
    std::size_t company = 0;
    if (c.kind != conv_kind::private_) {
      double w = unit(rng);
      while (company + 1 < company_count && w >= company_weights[company])
        w -= company_weights[company++];
      c.company = co[company].id;
    }
    c.created_by = pool[rng() % pool.size()];
    c.participants.push_back(c.created_by);
    const auto extra = rng() % 3;
    for (std::uint64_t e = 0; e < extra; ++e)
      add_participant(c, pool[rng() % pool.size()]);
    const double p = unit(rng);
    if (c.kind == conv_kind::company && company == 0) {
      if (p < 0.05)
        add_participant(c, cli);
      else if (p < 0.20)
        add_participant(c, cl0);
      else if (p < 0.25)
        add_participant(c, cl1); // a client without the favourite shares nothing
    } else if (c.kind == conv_kind::company && company == 1 && p < 0.20) {
      add_participant(c, cl2);
    } else if (c.kind == conv_kind::confidential && company == 0 && p < 0.05) {
      add_participant(c, cli);
    }
    if (c.kind == conv_kind::private_ && unit(rng) < 0.03) add_participant(c, fav);
    if (unit(rng) < 0.02) add_participant(c, nofav);
    if (unit(rng) < 0.015) add_participant(c, guest);

    // Activity over the last year, denser towards now; unique per org.
    const double age = unit(rng);
    std::int64_t ts = now_ms - static_cast<std::int64_t>(age * age * year_ms);
    for (int bump = 0; bump < 1'000'000 && !used_ts.insert(ts).second; ++bump)
      --ts;
    c.last_ts = ts;
    c.created_at = ts - static_cast<std::int64_t>(rng() % (30 * day_ms));
    c.last_seq = 1 + rng() % 300;
    m.conversations.push_back(std::move(c));
  }
  return m;
}

} // namespace parley::bench::conv_list
