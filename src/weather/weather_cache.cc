#include "weather/weather_cache.h"

#include <cmath>
#include <exception>
#include <iterator>
#include <string>
#include <utility>

namespace mercato {
namespace {

// Grid indices in tenths of a degree: latitude -900..900, longitude -1800..1800.
constexpr long kLongitudeCells = 3601;

long Tenths(double degrees) { return std::lround(degrees * 10); }

}  // namespace

Location RoundToWeatherCell(const Location& location) {
  // An integer divided by 10.0 is the double nearest the decimal, and 0 / 10.0 is +0.
  return {static_cast<double>(Tenths(location.latitude)) / 10.0,
          static_cast<double>(Tenths(location.longitude)) / 10.0};
}

Result<std::unique_ptr<CachedWeatherProvider>> CachedWeatherProvider::Create(
    std::unique_ptr<WeatherProvider> inner, const Clock& clock,
    const WeatherCacheOptions& options) {
  if (inner == nullptr) return Status::InvalidArgument("the weather cache needs a provider");
  if (options.ttl_us <= 0) return Status::InvalidArgument("the weather cache TTL must be > 0");
  if (options.negative_ttl_us < 0) {
    return Status::InvalidArgument("the weather cache negative TTL must be >= 0");
  }
  if (options.max_entries == 0) {
    return Status::InvalidArgument("the weather cache must hold at least one entry");
  }
  return std::unique_ptr<CachedWeatherProvider>(
      new CachedWeatherProvider(std::move(inner), clock, options));
}

CachedWeatherProvider::CachedWeatherProvider(std::unique_ptr<WeatherProvider> inner,
                                             const Clock& clock, const WeatherCacheOptions& options)
    : inner_(std::move(inner)), clock_(clock), options_(options) {}

Result<Weather> CachedWeatherProvider::Current(const Location& location) {
  RETURN_IF_ERROR(ValidateLocation(location));
  const Location cell = RoundToWeatherCell(location);
  const Key key = static_cast<Key>((Tenths(cell.latitude) + 900) * kLongitudeCells +
                                   Tenths(cell.longitude) + 1800);

  std::promise<Result<Weather>> fetched;
  std::unique_lock lock(mu_);
  const int64_t now_us = clock_.NowMicros();
  if (auto found = entries_.find(key); found != entries_.end()) {
    const Entry& entry = found->second;
    if (entry.fetched_us <= now_us && now_us < entry.expires_us) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return entry.result;
    }
  }
  if (auto pending = fetching_.find(key); pending != fetching_.end()) {
    coalesced_.fetch_add(1, std::memory_order_relaxed);
    const std::shared_future<Result<Weather>> other = pending->second;
    lock.unlock();
    return other.get();
  }
  fetching_.emplace(key, fetched.get_future().share());
  misses_.fetch_add(1, std::memory_order_relaxed);
  lock.unlock();

  // This caller fetches. Whatever happens, the waiters must be answered and fetching_ cleared, or
  // the cell would be stuck; so a provider breaking its no-throw contract becomes a Status.
  Result<Weather> result = Status::Internal("weather provider failed");
  try {
    result = inner_->Current(cell);
  } catch (const std::exception& e) {
    result = Status::Internal(std::string("weather provider threw: ") + e.what());
  } catch (...) {
    result = Status::Internal("weather provider threw");
  }
  if (!result.ok()) failures_.fetch_add(1, std::memory_order_relaxed);
  lock.lock();
  InsertLocked(key, result, clock_.NowMicros());
  fetching_.erase(key);
  lock.unlock();
  fetched.set_value(result);
  return result;
}

void CachedWeatherProvider::InsertLocked(Key key, const Result<Weather>& result, int64_t now_us) {
  const int64_t ttl_us = result.ok() ? options_.ttl_us : options_.negative_ttl_us;
  if (auto found = entries_.find(key); found != entries_.end()) {
    oldest_first_.erase(found->second.age);
    entries_.erase(found);
  }
  if (ttl_us == 0) return;  // failures are not cached
  if (entries_.size() >= options_.max_entries) {
    entries_.erase(oldest_first_.front());
    oldest_first_.pop_front();
  }
  oldest_first_.push_back(key);
  entries_.emplace(key, Entry{result, now_us, now_us + ttl_us, std::prev(oldest_first_.end())});
}

WeatherCacheStats CachedWeatherProvider::Stats() const {
  WeatherCacheStats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  stats.failures = failures_.load(std::memory_order_relaxed);
  stats.coalesced = coalesced_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  stats.entries = entries_.size();
  return stats;
}

}  // namespace mercato
