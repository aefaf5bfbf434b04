// mercato_log_append: the EventLog's own limit, between raw RocksDB appends and HTTP ingestion.
// One producer keeps --inflight requests of --batch-size events queued on EventLog::AppendAsync
// (as that many HTTP connections would), each event new (unique messageId, userIds over 200k
// customers, ~400 B payload). Measures what the log writer adds to raw appends: the dedupe
// MultiGet and index Put, partitioning, group commit, callbacks. --no-dedupe sends events without
// messageId, which EventLog neither looks up nor indexes, to show what deduplication costs.
//
// Prints one JSON line per --sync mode: events/s, request latency p50/p99 (queue + write + sync),
// and the process CPU per event excluding the producer thread (the log writer plus RocksDB's
// background flushes), in microseconds.

#include <CLI/CLI.hpp>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "bench/bench_events.h"
#include "bench/latency_histogram.h"
#include "core/clock.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Config {
  std::string dir = std::filesystem::temp_directory_path().string();
  double seconds = 5;
  size_t batch_size = 100;
  size_t inflight = 64;
  std::vector<std::string> syncs = {"batch", "none"};
  bool dedupe = true;
};

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Shared between the producer and the writer's callbacks.
struct Flow {
  std::mutex mu;
  std::condition_variable cv;
  size_t inflight = 0;       // guarded by mu
  uint64_t completed = 0;    // guarded by mu; events acknowledged
  uint64_t failures = 0;     // guarded by mu
  LatencyHistogram latency;  // guarded by mu
};

bool RunSync(const Config& config, const std::string& sync_text,
             const std::vector<std::string>& payloads) {
  auto sync = ParseSyncMode(sync_text);
  if (!sync.ok()) {
    std::fprintf(stderr, "mercato_log_append: %s\n", sync.status().ToString().c_str());
    return false;
  }
  std::filesystem::path path =
      std::filesystem::path(config.dir) / ("mercato-log-bench-" + std::to_string(getpid()));
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
  bool ok = true;
  {
    StoreOptions store_options;
    store_options.path = path.string();
    auto store = Store::Open(store_options);
    if (!store.ok()) {
      std::fprintf(stderr, "mercato_log_append: %s\n", store.status().ToString().c_str());
      return false;
    }
    EventLogOptions log_options;
    log_options.sync = *sync;
    auto log = EventLog::Open(**store, log_options, SystemClock::Instance(), nullptr);
    if (!log.ok()) {
      std::fprintf(stderr, "mercato_log_append: %s\n", log.status().ToString().c_str());
      return false;
    }
    (*log)->Start();

    Flow flow;
    Rng rng(99);
    uint64_t counter = 0;
    size_t payload_idx = 0;
    char message_id[48];
    const auto start = SteadyClock::now();
    const auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(config.seconds));
    const double cpu_start = ProcessCpuSeconds();
    const double producer_start = ThreadCpuSeconds();
    while (SteadyClock::now() < end) {
      {
        std::unique_lock lock(flow.mu);
        flow.cv.wait(lock, [&] { return flow.inflight < config.inflight; });
        ++flow.inflight;
      }
      std::vector<AppendItem> items;
      items.reserve(config.batch_size);
      for (size_t event_idx = 0; event_idx < config.batch_size; ++event_idx) {
        AppendItem item;
        item.routing_key = "user-" + std::to_string(rng.Uniform(kDefaultUsers));
        int length = std::snprintf(message_id, sizeof(message_id), "lg-%016llx-%014llu",
                                   static_cast<unsigned long long>(getpid()),
                                   static_cast<unsigned long long>(counter++));
        // An empty messageId turns deduplication off for the item (EventLog's contract).
        if (config.dedupe) item.message_id.assign(message_id, static_cast<size_t>(length));
        item.received_at_us = SystemClock::Instance().NowMicros();
        item.payload = payloads[payload_idx++ % payloads.size()];
        items.push_back(std::move(item));
      }
      const auto sent = SteadyClock::now();
      (*log)->AppendAsync(std::move(items), [&flow, sent, &config](Status status, AppendResult) {
        const auto nanos =
            std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - sent).count();
        {
          std::lock_guard lock(flow.mu);
          --flow.inflight;
          if (status.ok()) {
            flow.completed += config.batch_size;
            flow.latency.Record(static_cast<uint64_t>(nanos));
          } else {
            ++flow.failures;
          }
        }
        flow.cv.notify_one();
      });
    }
    const double producer_cpu = ThreadCpuSeconds() - producer_start;
    uint64_t completed = 0;
    uint64_t failures = 0;
    LatencyHistogram latency;
    {
      std::lock_guard lock(flow.mu);
      completed = flow.completed;
      failures = flow.failures;
      latency = flow.latency;
    }
    const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    const double other_cpu = ProcessCpuSeconds() - cpu_start - producer_cpu;
    {
      // Drain before the log and the flow go away.
      std::unique_lock lock(flow.mu);
      flow.cv.wait(lock, [&] { return flow.inflight == 0; });
    }
    (*log)->Stop();
    const double events_per_s = static_cast<double>(completed) / elapsed;
    std::printf(
        "{\"bench\":\"event_log_append\",\"sync\":\"%s\",\"dedupe\":%s,\"batch_size\":%zu,"
        "\"inflight\":%zu,"
        "\"seconds\":%.1f,\"events_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
        "\"log_cpu_us_per_event\":%.2f,\"producer_cpu_us_per_event\":%.2f,\"failures\":%llu}\n",
        sync_text.c_str(), config.dedupe ? "true" : "false", config.batch_size, config.inflight,
        elapsed, events_per_s, latency.Percentile(0.5) / 1e6, latency.Percentile(0.99) / 1e6,
        completed > 0 ? other_cpu * 1e6 / static_cast<double>(completed) : 0.0,
        completed > 0 ? producer_cpu * 1e6 / static_cast<double>(completed) : 0.0,
        static_cast<unsigned long long>(failures));
    std::fflush(stdout);
    ok = failures == 0;
  }
  std::filesystem::remove_all(path, ignored);
  return ok;
}

int Main(int argc, char** argv) {
  Config config;
  CLI::App app{"mercato_log_append: EventLog append throughput (dedupe and group commit included)"};
  app.add_option("--dir", config.dir, "Parent of the temporary database (use the data disk)")
      ->capture_default_str();
  app.add_option("--seconds", config.seconds, "Seconds per sync mode")->capture_default_str();
  app.add_option("--batch-size", config.batch_size, "Events per request")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--inflight", config.inflight, "Requests queued at once (like connections)")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--sync", config.syncs, "Sync modes to run")->capture_default_str();
  app.add_flag("!--no-dedupe", config.dedupe,
               "Send events without messageId: no dedupe lookup or index (shows its cost)");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> payloads;
  Rng rng(7);
  for (size_t idx = 0; idx < 4096; ++idx) {
    payloads.push_back(MakeEventText(0x106ull, idx, rng.Uniform(kDefaultUsers), rng.Next()));
  }
  bool ok = true;
  for (const std::string& sync : config.syncs) ok = RunSync(config, sync, payloads) && ok;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }
