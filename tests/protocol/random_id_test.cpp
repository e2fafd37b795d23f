// Ids from protocol/random_id: the shape every id check relies on, and that they
// come out unique and uniform over the alphabet (a sanity check of the use of the
// CSPRNG, not of the CSPRNG).
#include "protocol/random_id.hpp"

#include <array>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace parley::protocol {
namespace {

TEST(RandomId, HasThePrefixTheLengthAndTheAlphabet) {
  for (char prefix : {'c', 'i', 'b'}) {
    auto id = random_id(prefix);
    EXPECT_EQ(id.size(), 27u);
    EXPECT_EQ(id[0], prefix);
    EXPECT_TRUE(has_random_id_shape(id, prefix)) << id;
  }
  auto session = random_id('s', 16);
  EXPECT_EQ(session.size(), 17u);
  EXPECT_TRUE(has_random_id_shape(session, 's', 16));
}

TEST(RandomId, ShapeTable) {
  struct row {
    std::string id;
    char prefix;
    bool ok;
  };
  const std::string body(26, 'a');
  const std::vector<row> rows{
      {"c" + body, 'c', true},
      {"c" + std::string(26, '7'), 'c', true},
      {"c" + std::string(13, 'z') + std::string(13, '2'), 'c', true},
      {"b" + body, 'c', false},                 // another kind of id
      {"c" + body.substr(1), 'c', false},       // one short
      {"c" + body + "a", 'c', false},           // one long
      {"c" + body.substr(1) + "1", 'c', false}, // 1 is not in the alphabet
      {"c" + body.substr(1) + "8", 'c', false},
      {"c" + body.substr(1) + "A", 'c', false}, // upper case
      {"c" + body.substr(1) + "-", 'c', false},
      {"c" + body.substr(1) + std::string(1, '\0'), 'c', false},
      {"", 'c', false},
      {"c", 'c', false},
  };
  for (const auto& r : rows)
    EXPECT_EQ(has_random_id_shape(r.id, r.prefix), r.ok) << r.id;
}

TEST(RandomId, UniqueAndUniformOverTheAlphabet) {
  constexpr int n = 20000;
  std::set<std::string> seen;
  std::array<int, 128> counts{};
  for (int i = 0; i < n; ++i) {
    auto id = random_id('c');
    EXPECT_TRUE(seen.insert(id).second) << "repeated " << id;
    for (std::size_t k = 1; k < id.size(); ++k)
      ++counts[static_cast<unsigned char>(id[k])];
  }
  // 520,000 characters over 32 symbols: 16,250 each on average, standard
  // deviation ~125; a broken mapping (a symbol never or twice as often) is far out.
  for (char c : std::string{"abcdefghijklmnopqrstuvwxyz234567"}) {
    EXPECT_GT(counts[static_cast<unsigned char>(c)], 15000) << c;
    EXPECT_LT(counts[static_cast<unsigned char>(c)], 17500) << c;
  }
}

} // namespace
} // namespace parley::protocol
