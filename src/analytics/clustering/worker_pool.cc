#include "analytics/clustering/worker_pool.h"

#include <algorithm>
#include <system_error>

namespace mercato::analytics::clustering {

size_t ResolveThreads(size_t requested) {
  if (requested != 0) return requested;
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

WorkerPool::WorkerPool(size_t threads) {
  const size_t wanted = ResolveThreads(threads) - 1;
  workers_.reserve(wanted);
  for (size_t i = 0; i < wanted; ++i) {
    try {
      workers_.emplace_back([this] { WorkerLoop(); });
    } catch (const std::system_error&) {
      break;  // work with the threads already started
    }
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void WorkerPool::RunBlocks() {
  for (size_t block = next_.fetch_add(1); block < blocks_; block = next_.fetch_add(1)) {
    (*fn_)(block);
  }
}

void WorkerPool::WorkerLoop() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.unlock();
    RunBlocks();
    lock.lock();
    if (--busy_ == 0) done_cv_.notify_one();
  }
}

void WorkerPool::ParallelFor(size_t blocks, const std::function<void(size_t)>& fn) {
  if (blocks == 0) return;
  if (workers_.empty() || blocks == 1) {
    for (size_t block = 0; block < blocks; ++block) fn(block);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    blocks_ = blocks;
    next_.store(0);
    busy_ = workers_.size();
    ++generation_;
  }
  work_cv_.notify_all();
  RunBlocks();
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  fn_ = nullptr;
}

RowBlocks::RowBlocks(size_t rows, size_t min_block, size_t max_blocks) : rows_(rows) {
  size_ =
      std::max<size_t>({1, min_block, (rows + max_blocks - 1) / std::max<size_t>(1, max_blocks)});
  count_ = (rows + size_ - 1) / size_;
}

}  // namespace mercato::analytics::clustering
