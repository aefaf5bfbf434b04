#pragma once
// Clock: the only source of "now" in the project, so that tests can use FakeClock.
// Thread safety: all implementations are safe to call from any thread.

#include <atomic>
#include <cstdint>

namespace mercato {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (wall clock; may jump).
  virtual int64_t NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  // A process-wide instance; lives for the whole program.
  static SystemClock& Instance();
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_micros) : now_micros_(now_micros) {}
  int64_t NowMicros() const override { return now_micros_.load(std::memory_order_relaxed); }
  void Set(int64_t now_micros) { now_micros_.store(now_micros, std::memory_order_relaxed); }
  void Advance(int64_t delta_micros) {
    now_micros_.fetch_add(delta_micros, std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> now_micros_;
};

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

}  // namespace mercato
