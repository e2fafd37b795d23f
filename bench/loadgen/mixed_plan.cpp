#include "bench/loadgen/mixed_plan.hpp"

#include <algorithm>
#include <cmath>

namespace parley::bench {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// A stream of pseudo-random numbers from one seed.
class draw {
public:
  explicit draw(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return splitmix64(state_++ * 0x2545f4914f6cdd1dull); }
  /// Uniform in [0, n).
  std::size_t below(std::size_t n) {
    return n == 0 ? 0 : static_cast<std::size_t>(next() % n);
  }
  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  std::uint64_t state_;
};

} // namespace

std::vector<planned_conversation> plan_conversations(const conversation_mix& mix) {
  draw d{splitmix64(mix.seed)};
  const auto total = static_cast<std::size_t>(
      std::llround(static_cast<double>(mix.users) * mix.per_user));
  std::vector<std::size_t> deck(total);
  for (std::size_t k = 0; k < total; ++k)
    deck[k] = k % std::max<std::size_t>(1, mix.users);
  for (std::size_t k = total; k > 1; --k) // Fisher-Yates
    std::swap(deck[k - 1], deck[d.below(k)]);

  std::vector<planned_conversation> out;
  std::size_t pos = 0;
  while (pos < total) {
    std::size_t size = 2;
    if (d.unit() < mix.group_share)
      size = mix.group_min + d.below(mix.group_max - mix.group_min + 1);
    planned_conversation c;
    while (c.members.size() < size && pos < total) {
      // The next card, or a later one whose user is not in this conversation yet.
      auto in_conv = [&](std::size_t u) {
        return std::find(c.members.begin(), c.members.end(), u) != c.members.end();
      };
      std::size_t j = pos;
      while (j < total && in_conv(deck[j]))
        ++j;
      if (j == total) break;
      std::swap(deck[pos], deck[j]);
      c.members.push_back(deck[pos++]);
    }
    if (c.members.size() < 2) break; // the deck's last card(s) had nowhere to go
    out.push_back(std::move(c));
  }
  return out;
}

slot_plan plan_slot(const std::vector<planned_conversation>& convs, std::size_t users,
                    const activity_mix& mix, std::uint64_t k) {
  draw d{splitmix64(mix.seed ^ splitmix64(k))};
  slot_plan p;
  auto member_of = [&](std::size_t conv) {
    const auto& m = convs[conv].members;
    return m[d.below(m.size())];
  };
  p.conv = d.below(convs.size());
  p.author = member_of(p.conv);
  p.draft = d.unit() < mix.abandoned_drafts;
  p.draft_conv = d.below(convs.size());
  p.draft_author = member_of(p.draft_conv);
  p.conv_list = d.unit() < mix.conv_lists;
  p.list_user = d.below(users);
  p.history = d.unit() < mix.histories;
  p.history_conv = d.below(convs.size());
  p.history_user = member_of(p.history_conv);
  return p;
}

bool reads_message(const activity_mix& mix, std::size_t conv, std::uint64_t seq,
                   std::size_t user) {
  draw d{splitmix64(mix.seed + 0x5851f42d4c957f2dull) ^
         splitmix64(conv * 0x100000001b3ull + seq) ^ splitmix64(user + 1)};
  return d.unit() < mix.reads;
}

} // namespace parley::bench
