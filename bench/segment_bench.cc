// Segment membership at scale: a full recompute of 20 segments over N stored profiles (goal: 1M
// profiles in <= 5 s) and the latency from an event's append to the membership it changes (goal:
// <= 10 ms), on real RocksDB with the profile and segment consumers running on their own threads
// as `mercato serve` runs them.
//
// Profiles, identities, predictions and two history events per customer are written straight
// into the store (generating them through the log would take most of the run); the segments are
// then created (first build: every entry is an event in the log), edited into an equivalent rule
// (`(<rule>) and true`: a new version whose recompute changes nothing, the nightly-check case),
// and finally single events are appended to customers one order short of a segment.

#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/machine_info.h"
#include "core/big_endian.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "pipeline/consumer_runner.h"
#include "privacy/key_vault.h"
#include "profile/keys.h"
#include "profile/prediction_store.h"
#include "profile/profile_builder.h"
#include "profile/profile_state.h"
#include "segment/keys.h"
#include "segment/segment_engine.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::bench {
namespace {

namespace json = boost::json;
using Steady = std::chrono::steady_clock;

constexpr int64_t kDay = 86'400'000'000;

double Since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// CPU seconds of this process so far (every thread, RocksDB's background work included).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

const std::vector<std::string>& Rules() {
  static const std::vector<std::string> rules = {
      "orders >= 3",
      "revenue > 500",
      "average_order_value >= 80",
      "last_order_at > now - 30d",
      "orders >= 1 and recency_days >= 90",
      "churn_probability > 0.6",
      "p_alive < 0.3",
      "clv >= 200",
      "rfm_segment in (\"champions\", \"loyal_customers\")",
      "rfm_segment = \"at_risk\"",
      "traits.plan = \"pro\"",
      "country in (\"PL\", \"DE\")",
      "preferred_device = \"mobile\"",
      "events >= 20",
      "orders >= 1 and refunds = 0",
      "traits.vip",
      "first_seen > now - 365d",
      "orders = 0 and events >= 5",
      "count(event \"Product Viewed\" within 30d) >= 1",
      "sum(event \"Order Completed\", revenue within 90d) > 100",
  };
  return rules;
}

struct Setup {
  std::unique_ptr<Store> store;
  std::unique_ptr<EventLog> log;
  std::unique_ptr<KeyVault> vault;
};

// N customers "user<i>" with profiles, identity entries, predictions and two history events.
Status WriteCustomers(Setup& s, size_t n, int64_t now_us, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const char* countries[] = {"PL", "DE", "FR", "GB", "US", "ES"};
  const char* devices[] = {"mobile", "desktop", "tablet"};
  const char* plans[] = {"free", "plus", "pro"};
  const char* rfm[] = {"champions", "loyal_customers", "at_risk", "hibernating",
                       "lost",      "promising"};
  PredictionStore predictions(*s.store);
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < n; ++i) {
    const std::string identity = "u:user" + std::to_string(i);
    profile::ProfileState p;
    p.id = profile::CustomerIdFor(identity);
    p.identities.push_back(identity);
    p.first_seen_us = now_us - static_cast<int64_t>(unit(rng) * 700) * kDay;
    p.last_seen_us = now_us - static_cast<int64_t>(unit(rng) * 60) * kDay;
    p.event_counts[static_cast<size_t>(EventType::kTrack)] = 2 + static_cast<uint64_t>(rng() % 40);
    p.event_counts[static_cast<size_t>(EventType::kPage)] = rng() % 20;
    p.orders = rng() % 6;
    p.refunds = p.orders > 0 && rng() % 10 == 0 ? 1 : 0;
    p.revenue_micros = static_cast<int64_t>(p.orders) * static_cast<int64_t>(unit(rng) * 200e6);
    if (p.orders > 0) {
      p.last_order_at_us = p.last_seen_us - static_cast<int64_t>(unit(rng) * 200) * kDay;
      p.track_events["Order Completed"] = p.orders;
    }
    p.track_events["Product Viewed"] = 1 + rng() % 30;
    p.countries[countries[rng() % 6]] = 1 + rng() % 9;
    p.devices[devices[rng() % 3]] = 1 + rng() % 9;
    p.traits["plan"] = profile::Trait{json::value(plans[rng() % 3]), p.first_seen_us};
    if (rng() % 20 == 0) p.traits["vip"] = profile::Trait{json::value(true), p.first_seen_us};
    batch.Put(s.store->cf(Cf::kProfiles), p.id, p.Serialize());
    batch.Put(s.store->cf(Cf::kIdentities),
              profile::IdentityIndexKey(s.vault->pseudonym_key(), identity), p.id);
    Predictions scores;
    scores.churn_probability = unit(rng);
    scores.p_alive = unit(rng);
    scores.clv = unit(rng) * 500;
    scores.rfm_segment = rfm[rng() % 6];
    scores.scored_at_us = now_us;
    batch.Put(s.store->cf(Cf::kModels), PredictionStore::Key(p.id), scores.Serialize());
    // Two history rows consistent with the profile: a view at the latest event and, for buyers,
    // an order at the latest order (otherwise a second view).
    for (int e = 0; e < 2; ++e) {
      const bool order = e == 1 && p.orders > 0;
      const int64_t at = order ? *p.last_order_at_us : p.last_seen_us - e * kDay;
      json::object event{{"type", "track"},
                         {"event", order ? "Order Completed" : "Product Viewed"},
                         {"userId", identity.substr(2)},
                         {"timestamp", FormatTimestamp(at)},
                         {"properties", json::object{{"revenue", unit(rng) * 300}}}};
      batch.Put(s.store->cf(Cf::kEvents), profile::EventKey(p.id, at, 0, i * 2 + e),
                SerializeJson(event));
    }
    if (batch.Count() >= 40'000) {
      RETURN_IF_ERROR(s.store->Write(batch, false));
      batch.Clear();
    }
  }
  return s.store->Write(batch, false);
}

// Steps the engine on this thread until no segment is building; returns the seconds.
Result<double> BuildAll(segment::SegmentEngine& engine) {
  const auto start = Steady::now();
  for (;;) {
    ASSIGN_OR_RETURN(size_t work, engine.Step(4096));
    bool building = false;
    for (const auto& view : engine.List()) building = building || view.definition.building;
    if (!building && work == 0) break;
  }
  return Since(start);
}

int Main(int argc, char** argv) {
  CLI::App app("Segment membership benchmark");
  size_t customers = 1'000'000;
  size_t samples = 300;
  std::string dir;
  uint64_t seed = 7;
  app.add_option("--customers", customers, "Stored profiles")->capture_default_str();
  app.add_option("--samples", samples, "Single events for the latency measurement")
      ->capture_default_str();
  app.add_option("--dir", dir, "Data directory (default: a new one under /tmp, removed after)");
  app.add_option("--seed", seed)->capture_default_str();
  size_t rounds = 1;
  app.add_option("--rounds", rounds, "Full recomputes in a row (the best is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  size_t rule_count = Rules().size();
  app.add_option("--rules", rule_count, "Use the first N of the 20 rules")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const bool remove = dir.empty();
  if (dir.empty()) dir = "/tmp/mercato-segment-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);

  const mercato::Clock& real = SystemClock::Instance();
  Setup s;
  StoreOptions store_options;
  store_options.path = dir;
  s.store = std::move(Store::Open(store_options)).value();
  EventLogOptions log_options;  // group commit with fsync, as served
  s.log = std::move(EventLog::Open(*s.store, log_options, real, nullptr)).value();
  s.vault = std::move(KeyVault::Open(*s.store, std::string(32, 'k'))).value();
  s.log->Start();

  const int64_t now = real.NowMicros();
  auto t = Steady::now();
  if (Status st = WriteCustomers(s, customers, now, seed); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  const double load_s = Since(t);
  // No profile consumer during the builds: the only records are the builds' own entry events.
  std::unique_ptr<ProfileBuilder> builder;
  segment::SegmentEngineOptions options;
  options.upstream_cursors = [&builder] {
    return builder ? builder->Cursors() : std::vector<uint64_t>();
  };
  auto engine =
      std::move(segment::SegmentEngine::Open(*s.store, *s.log, *s.vault, real, nullptr, options))
          .value();
  for (size_t i = 0; i < rule_count; ++i) {
    segment::SegmentSpec spec;
    spec.id = "s" + std::to_string(i + 1);
    spec.name = spec.id;
    spec.rule = Rules()[i];
    if (auto created = engine->Create(spec); !created.ok()) {
      std::fprintf(stderr, "%s: %s\n", Rules()[i].c_str(), created.status().ToString().c_str());
      return 1;
    }
  }
  const uint64_t log_before = s.log->TotalRecords();
  auto first = BuildAll(*engine);
  if (!first.ok()) return 1;
  const uint64_t entries = s.log->TotalRecords() - log_before;
  uint64_t members = 0;
  for (const auto& view : engine->List()) members += view.size;

  // The recompute: every rule edited into an equivalent one, evaluated again over every profile.
  // Each round adds one more "and true", so every round is a new version.
  const std::string load_before = Load();
  const uint64_t log_mid = s.log->TotalRecords();
  std::optional<double> recompute;
  double recompute_cpu = 0;
  std::string suffix;
  for (size_t round = 0; round < rounds; ++round) {
    suffix += " and true";
    for (size_t i = 0; i < rule_count; ++i) {
      segment::SegmentSpec spec;
      spec.rule = "(" + Rules()[i] + ")" + suffix;
      (void)engine->Update("s" + std::to_string(i + 1), spec);
    }
    const double cpu_before = ProcessCpuSeconds();
    auto took = BuildAll(*engine);
    if (!took.ok()) return 1;
    const double cpu = ProcessCpuSeconds() - cpu_before;
    std::fprintf(stderr, "recompute round %zu: %.2f s, CPU %.2f s\n", round + 1, *took, cpu);
    if (!recompute || *took < *recompute) recompute_cpu = cpu;
    recompute = recompute ? std::min(*recompute, *took) : *took;
  }
  const uint64_t changes = s.log->TotalRecords() - log_mid;

  // Latency: consumers on their own threads, as served; one order to a customer with two. The
  // consumers start at the log's end: the millions of entry events of the builds would otherwise
  // be a backlog of many minutes in front of the first measurement.
  {
    rocksdb::WriteBatch cursors;
    for (uint32_t p = 0; p < s.log->partitions(); ++p) {
      std::string end;
      PutFixed64BE(end, s.log->EndOffset(p));
      cursors.Put(s.store->cf(Cf::kMeta), profile::CursorKey(p), end);
      cursors.Put(s.store->cf(Cf::kMeta), segment::CursorKey(p), end);
    }
    if (!s.store->Write(cursors, true).ok()) return 1;
  }
  builder = std::make_unique<ProfileBuilder>(*s.store, *s.log, *s.vault, real, nullptr);
  engine.reset();
  engine =
      std::move(segment::SegmentEngine::Open(*s.store, *s.log, *s.vault, real, nullptr, options))
          .value();
  ConsumerRunner segment_runner("segments", [&engine] { return engine->Step(); });
  ConsumerRunner profile_runner("profiles", [&builder, &segment_runner] {
    Result<size_t> done = builder->ProcessBatch();
    if (done.ok() && *done > 0) segment_runner.Notify();
    return done;
  });
  s.log->SetAppendListener([&profile_runner] { profile_runner.Notify(); });
  profile_runner.Start();
  segment_runner.Start();
  // Let the consumers settle (bounded: they start at the log's end, so this is short).
  const auto settle = Steady::now();
  while ((builder->Lag() > 0 || engine->Lag() > 0) && Since(settle) < 60.0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<double> latencies;
  std::mt19937_64 rng(seed + 1);
  for (size_t i = 0; latencies.size() < samples && i < customers * 4; ++i) {
    const size_t who = rng() % customers;
    const std::string user = "user" + std::to_string(who);
    const std::string id = profile::CustomerIdFor("u:" + user);
    auto stored = s.store->Get(Cf::kProfiles, id);
    if (!stored.ok()) continue;
    auto state = profile::ProfileState::Parse(id, *stored);
    if (!state.ok() || state->orders != 2) continue;  // s1 is "orders >= 3"
    json::object event{{"type", "track"},
                       {"event", "Order Completed"},
                       {"userId", user},
                       {"messageId", "lat-" + std::to_string(i)},
                       {"timestamp", FormatTimestamp(real.NowMicros())},
                       {"receivedAt", FormatTimestamp(real.NowMicros())},
                       {"properties", json::object{{"revenue", 10}}}};
    const auto start = Steady::now();
    std::vector<AppendItem> items{
        AppendItem{user, "lat-" + std::to_string(i), real.NowMicros(), SerializeJson(event)}};
    if (!s.log->Append(std::move(items)).ok()) return 1;
    const std::string member = segment::MemberKey("s1", id);
    bool seen = false;
    while (!seen && Since(start) < 5.0) {
      seen = s.store->Get(Cf::kSegments, member).ok();
      if (!seen) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    if (!seen) {
      std::fprintf(stderr, "customer %s did not enter s1 within 5 s\n", user.c_str());
      return 1;
    }
    latencies.push_back(Since(start) * 1e3);
  }
  profile_runner.Stop();
  segment_runner.Stop();
  s.log->Stop();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(q * latencies.size()))];
  };

  std::printf("- Machine: %s\n- Date: %s; customers %zu, segments %zu\n", Machine().c_str(),
              FormatTimestamp(now).c_str(), customers, rule_count);
  std::printf("- Setup: %.1f s to write profiles, identities, predictions and %zu history rows\n",
              load_s, customers * 2);
  std::printf(
      "\n| Measurement | Result | Goal | Share of the goal | Load before "
      "|\n|---|---|---|---|---|\n");
  std::printf(
      "| Full recompute, %zu segments x %zu profiles (no membership changes: %llu events; best "
      "of %zu, CPU %.2f s) | **%.2f s** | 5 s | %.0f%% | %s |\n",
      rule_count, customers, static_cast<unsigned long long>(changes), rounds, recompute_cpu,
      *recompute, 100 * *recompute / 5.0, load_before.c_str());
  std::printf(
      "| First build of the same segments (%llu memberships, %llu entry events appended) "
      "| %.2f s | - | - | - |\n",
      static_cast<unsigned long long>(members), static_cast<unsigned long long>(entries), *first);
  std::printf(
      "| Event append -> membership written, p50 / p99 / max over %zu events | "
      "**%.2f / %.2f / %.2f ms** | 10 ms | %.0f%% (p99) | %s |\n",
      latencies.size(), pct(0.5), pct(0.99), latencies.empty() ? 0.0 : latencies.back(),
      10 * pct(0.99), Load().c_str());
  if (remove) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }
