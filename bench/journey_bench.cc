// Journey engine throughput and latency on real RocksDB (docs/benchmarks.md, "Journeys").
//
// - Durable step transitions per second (goal >= 20,000 on 2 cores): N customers send "Signed
//   Up"; the profile consumer folds the events first (not timed), then the journey engine alone
//   takes every customer into a journey (send, wait 1h, send, wait 1h, send): the entry round
//   makes two transitions per customer (send, wait). Then the clock moves one hour and the
//   timers fire: two more per customer. Each round's state, timers, outbox messages, counters
//   and cursors are written in one batch, as always.
// - The limit, measured in the same run: the same keys and values written by plain WriteBatches
//   of the same size, with no reads and no logic (what the storage alone can do).
// - Event-to-enqueued-action latency (goal p99 <= 50 ms): with the profile consumer and the
//   journey engine on their own threads, woken as `mercato serve` wakes them, single events are
//   appended for new customers and the time until their outbox message is written is measured
//   (50 us polling of the state, written in the same batch as the message).

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/machine_info.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "journey/definition.h"
#include "journey/engine.h"
#include "journey/engine_keys.h"
#include "journey/journey_store.h"
#include "pipeline/consumer_runner.h"
#include "privacy/key_vault.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::bench {
namespace {

namespace json = boost::json;
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

constexpr char kJourney[] = R"({"id": "bench", "name": "Bench", "trigger": {"event": "Signed Up"},
  "steps": [{"id": "one", "send": {"channel": "email", "template": "t1"}},
            {"id": "w1", "wait": "1h"},
            {"id": "two", "send": {"channel": "email", "template": "t2"}},
            {"id": "w2", "wait": "1h"},
            {"id": "three", "send": {"channel": "email", "template": "t3"}}]})";

AppendItem SignUp(const std::string& user, int64_t now_us) {
  const std::string time = FormatTimestamp(now_us);
  json::object event{{"type", "track"},          {"event", "Signed Up"}, {"userId", user},
                     {"messageId", "m-" + user}, {"timestamp", time},    {"receivedAt", time}};
  return AppendItem{user, "m-" + user, now_us, SerializeJson(event)};
}

uint64_t Transitions(const journey::JourneyEngine& engine) {
  auto stats = engine.Stats("bench");
  uint64_t total = 0;
  if (!stats.ok()) return 0;
  for (const auto& entry : *stats) {
    if (auto found = entry.counters.find("reached"); found != entry.counters.end()) {
      total += found->second;
    }
  }
  return total;
}

int Main(int argc, char** argv) {
  CLI::App app{"Journey engine: durable transitions per second and event-to-action latency"};
  size_t customers = 100'000;
  size_t latency_events = 300;
  std::string dir = "/tmp/mercato-journey-bench";
  app.add_option("--customers", customers, "Customers entering the journey")->capture_default_str();
  app.add_option("--latency-events", latency_events, "Single events timed")->capture_default_str();
  app.add_option("--dir", dir, "Scratch directory (removed first)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  FakeClock clock(1'790'000'000'000'000);
  StoreOptions store_options;
  store_options.path = dir + "/engine";
  store_options.clock = &clock;
  auto opened = Store::Open(store_options);
  if (!opened.ok()) {
    std::fprintf(stderr, "store: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto store = std::move(*opened);
  EventLogOptions log_options;
  auto log = std::move(EventLog::Open(*store, log_options, clock, nullptr)).value();
  log->Start();
  auto vault = std::move(KeyVault::Open(*store, std::string(32, 'k'))).value();
  ProfileBuilder builder(*store, *log, *vault, clock, nullptr);
  journey::JourneyStore journeys(*store, clock);
  auto definition = journey::ParseJourney(kJourney);
  if (!definition.ok() || !journeys.Create(*definition).ok() || !journeys.Activate("bench").ok()) {
    std::fprintf(stderr, "journey setup failed\n");
    return 1;
  }
  journey::JourneyEngineOptions engine_options;
  engine_options.upstream_cursors = [&builder] { return builder.Cursors(); };
  auto engine_opened =
      journey::JourneyEngine::Open(*store, *log, journeys, *vault, clock, nullptr, engine_options);
  if (!engine_opened.ok()) {
    std::fprintf(stderr, "engine: %s\n", engine_opened.status().ToString().c_str());
    return 1;
  }
  auto engine = std::move(*engine_opened);

  // Customers: events through the log, folded by the profile consumer (not timed).
  for (size_t first = 0; first < customers; first += 1000) {
    std::vector<AppendItem> items;
    for (size_t i = first; i < std::min(customers, first + 1000); ++i) {
      items.push_back(SignUp("u" + std::to_string(i), clock.NowMicros()));
    }
    (void)log->Append(std::move(items));
  }
  for (Result<size_t> done = builder.ProcessBatch(); done.ok() && *done > 0;
       done = builder.ProcessBatch()) {
  }
  std::printf("setup: %zu customers folded\n", customers);

  auto run = [&](const char* what) {
    const uint64_t before = Transitions(*engine);
    const auto start = Steady::now();
    for (Result<size_t> done = engine->Step(1024); done.ok() && *done > 0;
         done = engine->Step(1024)) {
    }
    const double seconds = Since(start);
    const uint64_t moved = Transitions(*engine) - before;
    std::printf("%s: %llu transitions in %.2f s = %.0f/s\n", what,
                static_cast<unsigned long long>(moved), seconds,
                static_cast<double>(moved) / seconds);
    return static_cast<double>(moved) / seconds;
  };
  const double entry_rate = run("entries (send + wait)");
  clock.Advance(3600 * kMicrosPerSecond + 1);
  const double timer_rate = run("timers (send + wait)");

  // The storage limit: the same keys and value sizes, blind batched puts.
  std::string state_value(260, 's');
  std::string outbox_value(330, 'o');
  const auto limit_start = Steady::now();
  size_t written = 0;
  for (size_t first = 0; first < customers; first += 256) {
    rocksdb::WriteBatch batch;
    for (size_t i = first; i < std::min(customers, first + 256); ++i) {
      const std::string customer = "limit" + std::to_string(i);
      batch.Put(store->cf(Cf::kJourneyState), journey::StateKey("limit", customer), state_value);
      batch.Put(store->cf(Cf::kJourneyState), journey::CustomerJourneyKey(customer, "limit"), "");
      batch.Put(store->cf(Cf::kJourneyState),
                journey::EngineTimerKey(clock.NowMicros() + 1, "limit", customer), "");
      batch.Put(store->cf(Cf::kOutbox), journey::OutboxKey(clock.NowMicros(), customer),
                outbox_value);
      written += 2;  // the engine's two transitions for these writes
    }
    (void)store->Write(batch, false);
  }
  const double limit_rate = static_cast<double>(written) / Since(limit_start);
  std::printf("storage limit: %.0f transitions/s\n", limit_rate);

  // Latency with threads, as serve runs them.
  ConsumerRunner journey_runner("journeys", [&] { return engine->Step(); });
  ConsumerRunner profile_runner("profiles", [&] {
    Result<size_t> done = builder.ProcessBatch();
    if (done.ok() && *done > 0) journey_runner.Notify();
    return done;
  });
  log->SetAppendListener([&] { profile_runner.Notify(); });
  profile_runner.Start();
  journey_runner.Start();
  std::vector<double> latencies;
  for (size_t i = 0; i < latency_events; ++i) {
    const std::string user = "late" + std::to_string(i);
    const auto start = Steady::now();
    (void)log->Append({SignUp(user, clock.NowMicros())});
    // Resolve the customer once the profile consumer made it, then wait for the state.
    bool done = false;
    while (!done && Since(start) < 5.0) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      ProfileStore profiles(*store, *vault, clock);
      Result<std::string> customer = profiles.Resolve(user);
      done = customer.ok() &&
             store->Get(Cf::kJourneyState, journey::StateKey("bench", *customer)).ok();
    }
    latencies.push_back(Since(start) * 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  journey_runner.Stop();
  profile_runner.Stop();
  log->Stop();
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(q * static_cast<double>(latencies.size())))];
  };
  const double slower = std::min(entry_rate, timer_rate);
  std::printf("\n- Machine: %s\n- Load before the run: %s\n", Machine().c_str(), Load().c_str());
  std::printf("\n| Measurement | Result | Goal | Share |\n|---|---|---|---|\n");
  std::printf(
      "| Durable transitions/s, entries (send + wait), %zu customers | **%.0f** | 20,000 | "
      "%.0f %% of goal; %.0f %% of the storage limit |\n",
      customers, entry_rate, entry_rate / 200.0, 100.0 * entry_rate / limit_rate);
  std::printf(
      "| Durable transitions/s, timers (send + wait) | **%.0f** | 20,000 | %.0f %% of "
      "goal; %.0f %% of the storage limit |\n",
      timer_rate, timer_rate / 200.0, 100.0 * timer_rate / limit_rate);
  std::printf("| Storage limit (same writes, no logic) | %.0f | - | - |\n", limit_rate);
  std::printf(
      "| Event append -> outbox message written, p50 / p99 / max over %zu events | "
      "**%.1f / %.1f / %.1f ms** | 50 ms | %.0f %% (p99) |\n",
      latencies.size(), at(0.5), at(0.99), latencies.back(), 100.0 * at(0.99) / 50.0);
  std::printf("\nslowest phase: %.0f transitions/s\n", slower);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }
