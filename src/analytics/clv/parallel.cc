#include "analytics/clv/parallel.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace mercato::analytics::clv {

int DefaultThreads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

void ParallelFor(size_t n, size_t chunk_size, int threads,
                 const std::function<void(size_t begin, size_t end)>& body) {
  if (n == 0) return;
  chunk_size = std::max<size_t>(chunk_size, 1);
  const size_t chunks = (n + chunk_size - 1) / chunk_size;
  const size_t workers =
      std::min<size_t>(chunks, static_cast<size_t>(threads > 0 ? threads : DefaultThreads()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t chunk = next.fetch_add(1); chunk < chunks; chunk = next.fetch_add(1)) {
      const size_t begin = chunk * chunk_size;
      body(begin, std::min(n, begin + chunk_size));
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers > 0 ? workers - 1 : 0);
  for (size_t t = 1; t < workers; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones running and the caller share the chunks
    }
  }
  work();
  for (std::thread& thread : pool) thread.join();
}

void ParallelSum(size_t n, size_t chunk_size, int threads,
                 const std::function<void(size_t begin, size_t end, std::span<double> sums)>& body,
                 std::span<double> out) {
  std::fill(out.begin(), out.end(), 0.0);
  if (n == 0) return;
  chunk_size = std::max<size_t>(chunk_size, 1);
  const size_t width = out.size();
  // Each chunk's sums start on their own cache line, so threads do not share lines.
  constexpr size_t kLine = 64 / sizeof(double);
  const size_t stride = (width + kLine - 1) / kLine * kLine;
  const size_t chunks = (n + chunk_size - 1) / chunk_size;
  std::vector<double> partial(chunks * stride, 0.0);
  ParallelFor(n, chunk_size, threads, [&](size_t begin, size_t end) {
    const size_t chunk = begin / chunk_size;
    body(begin, end, std::span<double>(partial.data() + chunk * stride, width));
  });
  for (size_t chunk = 0; chunk < chunks; ++chunk) {
    for (size_t k = 0; k < width; ++k) out[k] += partial[chunk * stride + k];
  }
}

}  // namespace mercato::analytics::clv
