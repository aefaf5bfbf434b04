#pragma once
// WorkerPool: a fixed set of threads that run the blocks of one parallel loop at a time, for the
// clustering models.
//
// The calling thread takes part in every loop, so a pool of one thread starts no thread at all.
// Blocks are handed out dynamically, so which thread runs a block varies from run to run: callers
// keep results independent of the thread count by writing each block's output to its own slot and
// combining the slots in block order.
//
// Thread safety: ParallelFor is called by one thread at a time (the pool's owner).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mercato::analytics::clustering {

// The number of threads an option asks for: `requested`, or one per hardware thread when 0.
size_t ResolveThreads(size_t requested);

class WorkerPool {
 public:
  // `threads` in total, the caller included (0: one per hardware thread). When the system refuses
  // to start a thread the pool works with those it has.
  explicit WorkerPool(size_t threads);
  ~WorkerPool();  // stops and joins the threads
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Threads that run loops, the caller included.
  size_t size() const { return workers_.size() + 1; }

  // Runs fn(block) for every block in [0, blocks) and returns when all have run. `fn` must not
  // throw and must be safe to call concurrently for different blocks.
  void ParallelFor(size_t blocks, const std::function<void(size_t)>& fn);

 private:
  void WorkerLoop();
  void RunBlocks();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  uint64_t generation_ = 0;  // guarded by mu_; bumped for every loop
  size_t busy_ = 0;          // guarded by mu_; workers still in the current loop
  bool stop_ = false;        // guarded by mu_
  const std::function<void(size_t)>* fn_ = nullptr;  // set under mu_ before a loop starts
  size_t blocks_ = 0;                                // set under mu_ before a loop starts
  std::atomic<size_t> next_{0};
};

// Splits `rows` into blocks of a size that depends only on `rows` (never on the thread count), so
// that per-block partial results combined in block order are identical for any number of threads.
struct BlockRange {
  size_t begin;
  size_t end;
};
class RowBlocks {
 public:
  explicit RowBlocks(size_t rows, size_t min_block = 2048, size_t max_blocks = 256);
  size_t count() const { return count_; }
  BlockRange operator[](size_t block) const {
    const size_t begin = block * size_;
    return {begin, begin + size_ < rows_ ? begin + size_ : rows_};
  }
  size_t BlockOf(size_t row) const { return row / size_; }

 private:
  size_t rows_;
  size_t size_;
  size_t count_;
};

}  // namespace mercato::analytics::clustering
