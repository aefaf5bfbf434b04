#include "pipeline/consumer_runner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

#include "core/logging.h"

namespace mercato {

ConsumerRunner::ConsumerRunner(std::string name, std::function<Result<size_t>()> step, int nice)
    : name_(std::move(name)), step_(std::move(step)), nice_(nice) {}

ConsumerRunner::~ConsumerRunner() { Stop(); }

void ConsumerRunner::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void ConsumerRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ConsumerRunner::Notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  caught_up_.store(false, std::memory_order_release);
  cv_.notify_one();
}

void ConsumerRunner::Loop() {
  if (nice_ != 0 && setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice_) != 0) {
    LOG(WARNING) << "consumer " << name_ << ": cannot set nice " << nice_;
  }
  // Polling as well as notification: a missed wake-up costs at most one interval.
  constexpr auto kPollInterval = std::chrono::milliseconds(200);
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      pending_ = false;
    }
    Result<size_t> done = step_();
    if (!done.ok()) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      LOG(ERROR) << "consumer " << name_ << " failed, retrying in " << backoff.count()
                 << " ms: " << done.status().ToString();
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    if (*done > 0) continue;
    std::unique_lock lock(mu_);
    if (!pending_) caught_up_.store(true, std::memory_order_release);
    cv_.wait_for(lock, kPollInterval, [this] { return stopping_ || pending_; });
  }
}

}  // namespace mercato
