#include "bench/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace parley::bench {

namespace {

constexpr std::uint64_t sub_count = std::uint64_t{1} << histogram::sub_bits;

// Values < 2 * sub_count land in bucket == value (shift 0); each further power of two
// adds sub_count buckets. The largest value (2^64 - 1) has shift 64 - 1 - sub_bits.
constexpr std::size_t bucket_count = (64 - histogram::sub_bits) * sub_count + sub_count;

} // namespace

histogram::histogram() : counts_(bucket_count, 0) {}

std::size_t histogram::bucket_of(std::uint64_t value) {
  if (value < 2 * sub_count) return static_cast<std::size_t>(value);
  // The top sub_bits + 1 bits of the value, with the lower ones dropped: in
  // [sub_count, 2 * sub_count). Each extra shift adds one row of sub_count buckets.
  const unsigned shift = static_cast<unsigned>(std::bit_width(value)) - 1 - sub_bits;
  return static_cast<std::size_t>((std::uint64_t{shift} << sub_bits) + (value >> shift));
}

std::uint64_t histogram::lowest_in_bucket(std::size_t bucket) {
  if (bucket < 2 * sub_count) return bucket;
  const unsigned shift = static_cast<unsigned>(bucket >> sub_bits) - 1;
  const std::uint64_t top = bucket - (std::uint64_t{shift} << sub_bits);
  return top << shift;
}

std::uint64_t histogram::highest_in_bucket(std::size_t bucket) {
  if (bucket < 2 * sub_count) return bucket;
  const unsigned shift = static_cast<unsigned>(bucket >> sub_bits) - 1;
  return lowest_in_bucket(bucket) + ((std::uint64_t{1} << shift) - 1);
}

void histogram::record(std::uint64_t value) {
  ++counts_[bucket_of(value)];
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  ++count_;
  sum_ += static_cast<long double>(value);
}

void histogram::merge(const histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double histogram::mean() const {
  return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  if (p >= 100.0) return max_;
  auto rank =
      static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highest_in_bucket(i), min_, max_);
  }
  return max_;
}

} // namespace parley::bench
