// Log-linear latency histogram (HdrHistogram-like, fixed size, no allocation
// on record): values are bucketed by power of two, each power split into 16
// linear sub-buckets, so any percentile is within 1/16 (6.25%) of the truth
// from 1 ns to 2^64 ns. max is kept exactly. One per thread, merged after.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace rculab {

class latency_histogram {
 public:
  static constexpr unsigned kSubBits = 4;
  static constexpr unsigned kSub = 1u << kSubBits;
  static constexpr unsigned kBuckets = (64 - kSubBits + 1) * kSub;

  void record(uint64_t v) noexcept {
    ++counts_[index_of(v)];
    ++count_;
    max_ = std::max(max_, v);
  }

  void merge(const latency_histogram& o) noexcept {
    for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
  }

  uint64_t count() const noexcept { return count_; }
  uint64_t max() const noexcept { return max_; }

  // Calls f(index, count) for every non-empty bucket, in index order (so the
  // whole histogram can be reported, not only its percentiles).
  template <class F>
  void for_each_bucket(F&& f) const {
    for (unsigned i = 0; i < kBuckets; ++i)
      if (counts_[i]) f(i, counts_[i]);
  }

  // The upper bound of the bucket holding the q-quantile (0 < q <= 1), capped
  // at max(); 0 when empty.
  uint64_t percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * double(count_) + 0.5);
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_bound_of(i), max_);
    }
    return max_;
  }

  static unsigned index_of(uint64_t v) noexcept {
    if (v < kSub) return static_cast<unsigned>(v);  // exact below 16
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
    const unsigned shift = msb - kSubBits;
    const unsigned sub = static_cast<unsigned>(v >> shift) & (kSub - 1);
    return (shift + 1) * kSub + sub;
  }

  static uint64_t upper_bound_of(unsigned index) noexcept {
    if (index < kSub) return index;
    const unsigned shift = index / kSub - 1;
    const uint64_t sub = index % kSub;
    const uint64_t low = (kSub + sub) << shift;
    return low + ((uint64_t{1} << shift) - 1);
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace rculab
