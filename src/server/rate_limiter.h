#pragma once
// RateLimiter: token buckets keyed by a string (an API key id, a client address). Each bucket holds
// up to `burst` tokens and refills at `rate` tokens per second; a request takes one token or is
// refused with the time until one is available.
//
// Memory is bounded: at most `max_buckets` buckets are kept. When the table is full, buckets that
// have refilled completely are dropped first (they hold no state a fresh bucket would not), then
// the least recently used ones, so a flood of distinct keys cannot grow memory, and at worst gives
// an evicted client a fresh burst.
//
// Thread safety: Take is safe from any thread (the table is sharded, one mutex per shard). Time
// comes from the injected Clock only.

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"

namespace mercato {

struct RateLimit {
  double rate = 0;   // tokens per second; 0 disables the limit
  double burst = 0;  // bucket size; at least 1 when enabled
  bool enabled() const { return rate > 0; }
};

// Parses "RATE[:BURST]" (requests per second, decimals allowed); BURST defaults to twice RATE
// (at least 1). "0" disables. InvalidArgument naming the problem otherwise.
Result<RateLimit> ParseRateLimit(std::string_view text);
// "RATE:BURST" as ParseRateLimit reads it, or "0".
std::string FormatRateLimit(const RateLimit& limit);

class RateLimiter {
 public:
  RateLimiter(RateLimit limit, const Clock& clock, size_t max_buckets = 100'000);

  // 0 when `key` may proceed (a token was taken), else the microseconds until a token is
  // available (always > 0). A disabled limiter always answers 0.
  int64_t Take(std::string_view key);

  size_t bucket_count() const;
  const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_us = 0;
  };
  struct KeyHash {
    using is_transparent = void;  // lookups by string_view, without a copy
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets;  // guarded by mu
  };
  static constexpr size_t kShards = 16;
  void MakeRoom(Shard& shard, int64_t now_us) const;  // shard.mu held

  const RateLimit limit_;
  const Clock& clock_;
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace mercato
