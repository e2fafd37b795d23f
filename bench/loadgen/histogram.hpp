#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parley::bench {

/// A log-linear histogram of non-negative integers (the load generator records
/// microseconds), in the manner of HdrHistogram: values below 2^sub_bits each have
/// their own bucket; above, every power of two [2^e, 2^(e+1)) is split into 2^sub_bits
/// linear sub-buckets. A bucket is at most 1/2^sub_bits = 0.78% of its values wide, so
/// every percentile is within ~1% of the true value, over the whole 64-bit range, in
/// 7424 counters (58 KiB). Not thread-safe: keep one per thread and merge.
class histogram {
public:
  static constexpr unsigned sub_bits = 7;

  histogram();

  void record(std::uint64_t value);

  /// Adds every count of `other` into this one.
  void merge(const histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  /// The value at percentile `p` (0..100]: the highest value of the bucket holding the
  /// ceil(p% * count)-th smallest recording, never above the exact maximum. 0 when
  /// empty. p = 100 is the exact maximum.
  std::uint64_t percentile(double p) const;

  /// Bucket arithmetic, public for tests.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t highest_in_bucket(std::size_t bucket);
  static std::uint64_t lowest_in_bucket(std::size_t bucket);

private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace parley::bench
