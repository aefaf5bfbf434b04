// mercato_rocksdb_append: the storage limit for ingestion. Appends WriteBatches of --batch-size
// event-sized values (~400 B Segment JSON) under sequential big-endian log keys
// (partition u32 | offset u64), through the project's Store so that the RocksDB options (WAL,
// memtables, compression) are the server's own. Nothing else: no parsing, no dedupe lookup.
//
// Cases, one JSON line each: sync=true with 1 writer and with --writers N (RocksDB merges
// concurrent synced writers into one WAL fsync), sync=true with --group-batch-size events per
// write (what group commit achieves when many requests share one fsync), sync=false, and the same
// writes plus one dedupe-index Put per event (messageId -> 20 bytes), which is what EventLog
// writes for each event. Each case runs --seconds in a fresh database under a temporary directory
// (inside --dir) that is deleted at the end.

#include <rocksdb/write_batch.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "bench/bench_events.h"
#include "bench/latency_histogram.h"
#include "core/big_endian.h"
#include "storage/store.h"

namespace mercato::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Case {
  bool sync = true;
  int writers = 1;
  bool dedupe = false;
  size_t batch_size = 100;
};

struct Config {
  std::string dir = std::filesystem::temp_directory_path().string();
  double seconds = 5;
  size_t batch_size = 100;
  size_t group_batch_size = 3200;
  int writers = 2;
};

struct WriterStats {
  uint64_t batches = 0;
  uint64_t bytes = 0;
  LatencyHistogram latency;
  std::string error;
};

// Values are real event texts, a pool large enough that compression sees realistic variety.
std::vector<std::string> MakeValues(size_t count) {
  std::vector<std::string> values;
  Rng rng(42);
  for (size_t idx = 0; idx < count; ++idx) {
    values.push_back(MakeEventText(0xBE7C4ull, idx, rng.Uniform(kDefaultUsers), rng.Next()));
  }
  return values;
}

void Writer(Store& store, const Case& bench_case, uint32_t partition,
            const std::vector<std::string>& values, SteadyClock::time_point end,
            WriterStats& stats) {
  uint64_t offset = 0;
  size_t value_idx = partition * 7919;
  rocksdb::WriteBatch batch;
  std::string key;
  std::string dedupe_value(20, '\0');
  while (SteadyClock::now() < end) {
    batch.Clear();
    for (size_t event_idx = 0; event_idx < bench_case.batch_size; ++event_idx) {
      const std::string& value = values[value_idx++ % values.size()];
      key.clear();
      PutFixed32BE(key, partition);
      PutFixed64BE(key, offset++);
      batch.Put(store.cf(Cf::kLog), key, value);
      stats.bytes += key.size() + value.size();
      if (bench_case.dedupe) {
        // A unique, unordered id like a client's messageId (a UUID's worth of randomness).
        char message_id[40];
        int length = std::snprintf(message_id, sizeof(message_id), "lg-%08x-%016llx", partition,
                                   static_cast<unsigned long long>(offset * 0x9E3779B97F4A7C15ull));
        batch.Put(store.cf(Cf::kDedupe), rocksdb::Slice(message_id, length), dedupe_value);
        stats.bytes += length + dedupe_value.size();
      }
    }
    const auto started = SteadyClock::now();
    Status status = store.Write(batch, bench_case.sync);
    stats.latency.Record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - started)
            .count()));
    if (!status.ok()) {
      stats.error = status.ToString();
      return;
    }
    ++stats.batches;
  }
}

bool RunCase(const Config& config, const Case& bench_case, const std::vector<std::string>& values) {
  std::filesystem::path path =
      std::filesystem::path(config.dir) / ("mercato-rocksdb-bench-" + std::to_string(getpid()));
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
  bool ok = true;
  {
    StoreOptions options;
    options.path = path.string();
    auto store = Store::Open(options);
    if (!store.ok()) {
      std::fprintf(stderr, "mercato_rocksdb_append: %s\n", store.status().ToString().c_str());
      return false;
    }
    std::vector<WriterStats> stats(bench_case.writers);
    std::vector<std::thread> threads;
    const auto start = SteadyClock::now();
    const auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(config.seconds));
    for (int writer = 0; writer < bench_case.writers; ++writer) {
      threads.emplace_back([&, writer] {
        Writer(**store, bench_case, static_cast<uint32_t>(writer), values, end, stats[writer]);
      });
    }
    for (auto& thread : threads) thread.join();
    const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    WriterStats total;
    for (const WriterStats& writer : stats) {
      total.batches += writer.batches;
      total.bytes += writer.bytes;
      total.latency.Merge(writer.latency);
      if (!writer.error.empty()) {
        std::fprintf(stderr, "mercato_rocksdb_append: %s\n", writer.error.c_str());
        ok = false;
      }
    }
    const double batches_per_s = static_cast<double>(total.batches) / elapsed;
    std::printf(
        "{\"bench\":\"rocksdb_append\",\"sync\":%s,\"writers\":%d,\"dedupe\":%s,"
        "\"batch_size\":%zu,\"seconds\":%.1f,\"batches_per_s\":%.0f,\"events_per_s\":%.0f,"
        "\"mb_per_s\":%.1f,\"write_p50_ms\":%.3f,\"write_p99_ms\":%.3f}\n",
        bench_case.sync ? "true" : "false", bench_case.writers,
        bench_case.dedupe ? "true" : "false", bench_case.batch_size, elapsed, batches_per_s,
        batches_per_s * static_cast<double>(bench_case.batch_size),
        static_cast<double>(total.bytes) / elapsed / 1e6, total.latency.Percentile(0.5) / 1e6,
        total.latency.Percentile(0.99) / 1e6);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(path, ignored);
  return ok;
}

int Main(int argc, char** argv) {
  Config config;
  CLI::App app{"mercato_rocksdb_append: raw RocksDB append throughput (the storage limit)"};
  app.add_option("--dir", config.dir, "Parent of the temporary database (use the data disk)")
      ->capture_default_str();
  app.add_option("--seconds", config.seconds, "Seconds per case")->capture_default_str();
  app.add_option("--batch-size", config.batch_size, "Events per WriteBatch")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--group-batch-size", config.group_batch_size,
                 "Events per synced WriteBatch in the group-commit case (what the log writer "
                 "writes when many requests share one fsync)")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--writers", config.writers, "Writer threads of the multi-writer case")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const std::vector<std::string> values = MakeValues(4096);
  const Case cases[] = {
      {.sync = true, .writers = 1, .dedupe = false, .batch_size = config.batch_size},
      {.sync = true, .writers = config.writers, .dedupe = false, .batch_size = config.batch_size},
      {.sync = true, .writers = 1, .dedupe = false, .batch_size = config.group_batch_size},
      {.sync = false, .writers = 1, .dedupe = false, .batch_size = config.batch_size},
      {.sync = true, .writers = 1, .dedupe = true, .batch_size = config.group_batch_size},
      {.sync = false, .writers = 1, .dedupe = true, .batch_size = config.batch_size},
  };
  bool ok = true;
  for (const Case& bench_case : cases) ok = RunCase(config, bench_case, values) && ok;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }
