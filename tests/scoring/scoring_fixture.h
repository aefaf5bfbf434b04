#pragma once
// A node's store populated the way production populates it: events appended to the EventLog and
// folded into profiles and histories by the ProfileBuilder, for tests of model runs.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/time_format.h"
#include "event/parser.h"
#include "privacy/key_vault.h"
#include "profile/prediction_store.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "scoring/runs.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato::testing {

// 2024-01-01T00:00:00Z
inline constexpr int64_t kScoringBase = 1704067200LL * kMicrosPerSecond;

inline int64_t Day(double day) {
  return kScoringBase + static_cast<int64_t>(day * static_cast<double>(kMicrosPerDay));
}

class ScoringFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions store_options;
    store_options.path = dir_.str();
    store_options.clock = &clock_;
    store_ = std::move(Store::Open(store_options)).value();
    EventLogOptions log_options;
    log_options.partitions = 2;
    log_options.sync = SyncMode::kNone;
    log_ = std::move(EventLog::Open(*store_, log_options, clock_, nullptr)).value();
    log_->Start();
    vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'm'))).value();
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, &metrics_);
    profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
    runner_ = std::make_unique<scoring::ModelRunner>(*store_, clock_);
  }
  void TearDown() override { log_->Stop(); }

  // Queues one event (`body` with its timestamp set); Flush() appends the queue.
  void Queue(std::string_view body, int64_t time_us) {
    boost::json::object object = boost::json::parse(body).as_object();
    object["timestamp"] = FormatTimestamp(time_us);
    auto event =
        NormalizeEvent(std::move(object), std::nullopt, clock_.NowMicros(), IngestLimits{});
    ASSERT_TRUE(event.ok()) << event.status().ToString() << " for " << body;
    pending_.push_back(AppendItem{std::string(event->RoutingKey()), event->message_id,
                                  event->received_at_us, event->payload});
    if (pending_.size() >= 500) Flush();
  }
  void Order(const std::string& user, double day, double revenue) {
    Queue(R"({"type":"track","userId":")" + user +
              R"(","event":"Order Completed","properties":{"revenue":)" + std::to_string(revenue) +
              "}}",
          Day(day));
  }
  void Consent(const std::string& user, bool profiling, double day) {
    Queue(R"({"type":"identify","userId":")" + user +
              R"(","context":{"consent":{"categoryPreferences":{"analytics":)" +
              (profiling ? "true" : "false") + "}}}}",
          Day(day));
  }
  void Flush() {
    if (pending_.empty()) return;
    auto appended = log_->Append(std::move(pending_));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    pending_.clear();
  }
  // Appends what is queued and builds profiles from everything in the log.
  void Process() {
    Flush();
    for (int round = 0; round < 100000; ++round) {
      auto done = builder_->ProcessBatch();
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      if (*done == 0) break;
    }
  }

  std::string Customer(const std::string& user) {
    auto id = profiles_->Resolve(user);
    EXPECT_TRUE(id.ok()) << user << ": " << id.status().ToString();
    return id.ok() ? *id : "";
  }
  Predictions Stored(const std::string& user) {
    auto predictions = PredictionStore(*store_).Get(Customer(user));
    EXPECT_TRUE(predictions.ok()) << predictions.status().ToString();
    return predictions.ok() ? *predictions : Predictions{};
  }
  // Runs and expects success.
  scoring::RunRecord Run(std::string_view kind, const std::string& params_json) {
    auto record = runner_->Run(kind, boost::json::parse(params_json).as_object());
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? *record : scoring::RunRecord{};
  }

  TempDir dir_;
  FakeClock clock_{Day(400)};
  MetricsRegistry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<scoring::ModelRunner> runner_;
  std::vector<AppendItem> pending_;
};

}  // namespace mercato::testing
