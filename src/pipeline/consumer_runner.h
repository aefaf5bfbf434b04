#pragma once
// ConsumerRunner: drives one log consumer on its own thread. `step` processes a bounded amount of
// pending work and returns how much it did; the runner calls it again at once while there is work,
// waits for Notify() (or a poll interval) when caught up, and backs off after an error.
//
// Thread safety: Start/Stop from one thread; Notify from any thread.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace mercato {

class ConsumerRunner {
 public:
  // `nice` > 0 lowers the thread's scheduling priority (Linux per-thread nice), so that under
  // saturation the request path gets the CPU first and the consumer catches up when load drops.
  ConsumerRunner(std::string name, std::function<Result<size_t>()> step, int nice = 0);
  ~ConsumerRunner();

  void Start();
  // Finishes the current step and joins the thread.
  void Stop();
  // Wakes the runner because new records were appended.
  void Notify();
  // True once a step has found nothing to do since the last Notify.
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  void Loop();

  const std::string name_;
  const std::function<Result<size_t>()> step_;
  const int nice_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool pending_ = true;    // guarded by mu_: work may be available

  std::atomic<bool> caught_up_{false};
  std::atomic<uint64_t> errors_{0};
  std::thread thread_;
};

}  // namespace mercato
