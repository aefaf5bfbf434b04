#pragma once
// CachedWeatherProvider: a WeatherProvider in front of another (slow, remote, rate-limited) one.
//
// Key: the location rounded to a 0.1° grid (about 11 km north-south); the inner provider is asked
// for the cell's centre, so every visitor in a cell sees the same answer.
// Expiry: a success is served for `ttl_us`; a failure (Unavailable, Corruption...) is remembered
// and returned for the shorter `negative_ttl_us` (0 disables), so that a dead provider is asked at
// most once per cell per negative TTL instead of on every request. An entry is fresh while
// fetched <= now < fetched + ttl on the injected clock, so a clock stepping back expires it.
// Bound: at most `max_entries` cells; inserting beyond that evicts the entry fetched longest ago.
// Concurrency: concurrent callers for the same missing cell coalesce: the first one fetches (a
// miss), the others wait for its result (coalesced) instead of fetching too, so a popular cell
// costs one upstream call per expiry. Their wait is bounded by the inner provider's timeout.
// Invalid locations are refused with InvalidArgument before the cache and are not counted.
//
// Thread safety: Current and Stats are safe from any thread. One mutex guards the table; it is
// never held while the inner provider runs.

#include <atomic>
#include <cstdint>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "weather/weather.h"

namespace mercato {

struct WeatherCacheOptions {
  int64_t ttl_us = 15 * 60 * kMicrosPerSecond;      // > 0
  int64_t negative_ttl_us = 60 * kMicrosPerSecond;  // >= 0; 0 caches no failures
  size_t max_entries = 10'000;                      // > 0
};

struct WeatherCacheStats {
  uint64_t hits = 0;       // answered from a fresh entry (success or remembered failure)
  uint64_t misses = 0;     // fetches from the inner provider
  uint64_t failures = 0;   // fetches that failed (a subset of misses)
  uint64_t coalesced = 0;  // waited for another caller's fetch of the same cell
  size_t entries = 0;      // cells held now
};

// The centre of the 0.1° grid cell holding `location` (which must be valid), without -0.
Location RoundToWeatherCell(const Location& location);

class CachedWeatherProvider final : public WeatherProvider {
 public:
  // InvalidArgument when `inner` is null or an option is out of range. `clock` must outlive the
  // provider.
  static Result<std::unique_ptr<CachedWeatherProvider>> Create(
      std::unique_ptr<WeatherProvider> inner, const Clock& clock,
      const WeatherCacheOptions& options = {});

  // InvalidArgument for an invalid location; otherwise the cell's cached result, or the inner
  // provider's answer for the cell centre (success or failure), which is then cached.
  Result<Weather> Current(const Location& location) override;

  WeatherCacheStats Stats() const;

 private:
  using Key = uint32_t;
  struct Entry {
    Result<Weather> result;
    int64_t fetched_us;
    int64_t expires_us;
    std::list<Key>::iterator age;  // position in oldest_first_
  };

  CachedWeatherProvider(std::unique_ptr<WeatherProvider> inner, const Clock& clock,
                        const WeatherCacheOptions& options);
  // Stores a fetched result, evicting the oldest entry when full. Requires mu_.
  void InsertLocked(Key key, const Result<Weather>& result, int64_t now_us);

  // Const after construction.
  const std::unique_ptr<WeatherProvider> inner_;
  const Clock& clock_;
  const WeatherCacheOptions options_;

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::unordered_map<Key, Entry> entries_;
  std::list<Key> oldest_first_;  // every key of entries_, by fetch time
  std::unordered_map<Key, std::shared_future<Result<Weather>>> fetching_;

  // Atomic.
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> coalesced_{0};
};

}  // namespace mercato
