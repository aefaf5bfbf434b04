#include "server/rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace mercato {
namespace {

Result<double> ParseRate(std::string_view text, std::string_view what) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value) || value < 0 || value > 1e9) {
    return Status::InvalidArgument("rate limit " + std::string(what) + " '" +
                                   std::string(text.substr(0, 40)) +
                                   "' must be a number from 0 to 1e9");
  }
  return value;
}

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

}  // namespace

Result<RateLimit> ParseRateLimit(std::string_view text) {
  size_t colon = text.find(':');
  ASSIGN_OR_RETURN(double rate, ParseRate(text.substr(0, colon), "rate"));
  RateLimit limit;
  limit.rate = rate;
  if (colon == std::string_view::npos) {
    limit.burst = std::max(1.0, 2 * rate);
  } else {
    ASSIGN_OR_RETURN(double burst, ParseRate(text.substr(colon + 1), "burst"));
    if (rate > 0 && burst < 1) {
      return Status::InvalidArgument("rate limit burst must be at least 1");
    }
    limit.burst = burst;
  }
  if (rate == 0) limit.burst = 0;
  return limit;
}

std::string FormatRateLimit(const RateLimit& limit) {
  if (!limit.enabled()) return "0";
  return FormatNumber(limit.rate) + ":" + FormatNumber(limit.burst);
}

RateLimiter::RateLimiter(RateLimit limit, const Clock& clock, size_t max_buckets)
    : limit_(limit), clock_(clock), max_per_shard_(std::max<size_t>(1, max_buckets / kShards)) {}

int64_t RateLimiter::Take(std::string_view key) {
  if (!limit_.enabled()) return 0;
  const int64_t now = clock_.NowMicros();
  Shard& shard = shards_[KeyHash()(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto found = shard.buckets.find(key);
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) MakeRoom(shard, now);
    found = shard.buckets.emplace(std::string(key), Bucket{limit_.burst, now}).first;
  }
  Bucket& bucket = found->second;
  if (now > bucket.updated_us) {
    double refill = static_cast<double>(now - bucket.updated_us) * limit_.rate / 1e6;
    bucket.tokens = std::min(limit_.burst, bucket.tokens + refill);
    bucket.updated_us = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  double wait_us = std::ceil((1 - bucket.tokens) / limit_.rate * 1e6);
  return std::max<int64_t>(1, static_cast<int64_t>(wait_us));
}

void RateLimiter::MakeRoom(Shard& shard, int64_t now_us) const {
  // Full buckets first: dropping them loses nothing.
  std::erase_if(shard.buckets, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    double elapsed = static_cast<double>(std::max<int64_t>(0, now_us - bucket.updated_us));
    return bucket.tokens + elapsed * limit_.rate / 1e6 >= limit_.burst;
  });
  // Then the least recently used, down to three quarters of the capacity, so that the next sweep
  // is a quarter of the capacity of insertions away (amortised constant time per insertion).
  const size_t target = max_per_shard_ - max_per_shard_ / 4 - 1;
  if (shard.buckets.size() <= target) return;
  std::vector<int64_t> times;
  times.reserve(shard.buckets.size());
  for (const auto& entry : shard.buckets) times.push_back(entry.second.updated_us);
  size_t evict = shard.buckets.size() - target;
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(evict - 1),
                   times.end());
  const int64_t threshold = times[evict - 1];
  for (auto it = shard.buckets.begin(); it != shard.buckets.end() && evict > 0;) {
    if (it->second.updated_us <= threshold) {
      it = shard.buckets.erase(it);
      --evict;
    } else {
      ++it;
    }
  }
}

size_t RateLimiter::bucket_count() const {
  size_t count = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    count += shard.buckets.size();
  }
  return count;
}

}  // namespace mercato
