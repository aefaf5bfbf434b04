#pragma once
// Deterministic data-parallel loops for the model fits: the rows [0, n) are cut into fixed-size
// chunks, worker threads take chunks in any order, and per-chunk results are combined in chunk
// order. Results are therefore bitwise identical for every thread count and every run.
//
// Thread safety: the functions are reentrant; `body` runs concurrently on different chunks and
// must only write to what its chunk owns (its rows, its `sums`).

#include <cstddef>
#include <functional>
#include <span>

namespace mercato::analytics::clv {

// Threads used when a caller passes 0: std::thread::hardware_concurrency(), at least 1.
int DefaultThreads();

// Calls body(begin, end) for every chunk [begin, end) of at most `chunk_size` rows (chunk_size > 0)
// on up to `threads` threads (0: DefaultThreads()), the calling thread included. Never fails: when
// a thread cannot be started, the threads already running and the caller do the remaining work.
void ParallelFor(size_t n, size_t chunk_size, int threads,
                 const std::function<void(size_t begin, size_t end)>& body);

// Sums out.size() quantities over [0, n): body(begin, end, sums) adds the contribution of the rows
// [begin, end) to `sums` (zeroed for each chunk, out.size() wide). The chunk sums are added into
// `out` (overwritten) in chunk order.
void ParallelSum(size_t n, size_t chunk_size, int threads,
                 const std::function<void(size_t begin, size_t end, std::span<double> sums)>& body,
                 std::span<double> out);

}  // namespace mercato::analytics::clv
