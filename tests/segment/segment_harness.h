#pragma once
// A node for segment tests: store, log, vault, profile consumer and segment engine over a
// temporary directory and a fake clock. Drain() runs both consumers until neither has work.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/time_format.h"
#include "event/event.h"
#include "event/parser.h"
#include "privacy/key_vault.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "segment/segment_engine.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato::segment::testing {

// One "Segment Entered"/"Segment Exited" event found in the log.
struct SegmentEvent {
  std::string segment;
  std::string customer;  // customer id
  bool entered = false;
  std::string reason;
  std::string message_id;
};

class SegmentNode {
 public:
  explicit SegmentNode(int64_t start_us, uint32_t partitions = 4)
      : clock_(start_us), dir_(std::make_unique<mercato::testing::TempDir>()) {
    Open(partitions);
  }
  ~SegmentNode() { Close(); }

  void Close() {
    engine_.reset();
    profiles_.reset();
    builder_.reset();
    if (log_) log_->Stop();
    log_.reset();
    vault_.reset();
    store_.reset();
  }

  // Opens everything over the current directory (again, after Close: a restart).
  void Open(uint32_t partitions = 4) {
    StoreOptions store_options;
    store_options.path = dir_->str();
    store_options.clock = &clock_;
    auto store = Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    EventLogOptions options;
    options.partitions = partitions;
    options.sync = SyncMode::kNone;
    auto log = EventLog::Open(*store_, options, clock_, nullptr);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    log_->Start();
    auto vault = KeyVault::Open(*store_, std::string(32, 'm'));
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    vault_ = std::move(vault).value();
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, nullptr);
    profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
    SegmentEngineOptions engine_options;
    engine_options.upstream_cursors = [this] { return builder_->Cursors(); };
    engine_options.build_chunk = build_chunk_;
    auto engine = SegmentEngine::Open(*store_, *log_, *vault_, clock_, &metrics_, engine_options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  // Normalises one event object (timestamp defaults to now) and appends it.
  void Send(boost::json::object event) {
    if (!event.contains("timestamp")) event["timestamp"] = FormatTimestamp(clock_.NowMicros());
    IngestLimits limits;
    auto normalised = NormalizeEvent(std::move(event), std::nullopt, clock_.NowMicros(), limits);
    ASSERT_TRUE(normalised.ok()) << normalised.status().ToString();
    std::vector<AppendItem> items;
    items.push_back(AppendItem{std::string(normalised->RoutingKey()), normalised->message_id,
                               normalised->received_at_us, normalised->payload});
    auto appended = log_->Append(std::move(items));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  }
  void Send(std::string_view json) { Send(boost::json::parse(json).as_object()); }

  // Runs the profile consumer and the segment engine until both are idle (bounded).
  void Drain() {
    for (int round = 0; round < 10000; ++round) {
      size_t work = 0;
      for (;;) {
        auto done = builder_->ProcessBatch();
        ASSERT_TRUE(done.ok()) << done.status().ToString();
        if (*done == 0) break;
        work += *done;
      }
      auto done = engine_->Step();
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      work += *done;
      if (work == 0) return;
    }
    FAIL() << "consumers did not become idle";
  }

  std::string Customer(std::string_view id) {
    auto customer = profiles_->Resolve(id);
    return customer.ok() ? *customer : "<unknown " + std::string(id) + ">";
  }

  std::vector<std::string> MemberIds(std::string_view segment) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 10000; ++page) {
      auto members = engine_->Members(segment, cursor, 1000);
      EXPECT_TRUE(members.ok()) << members.status().ToString();
      if (!members.ok()) break;
      for (const Member& m : members->members) ids.push_back(m.customer_id);
      if (members->next_cursor.empty()) break;
      cursor = members->next_cursor;
    }
    return ids;
  }

  // Segment events in the log at or past `from` (per partition); `from` moves to the end.
  std::vector<SegmentEvent> SegmentEventsSince(std::vector<uint64_t>& from) {
    std::vector<SegmentEvent> out;
    from.resize(log_->partitions(), 0);
    for (uint32_t p = 0; p < log_->partitions(); ++p) {
      auto records = log_->Read(p, from[p], 1'000'000);
      EXPECT_TRUE(records.ok());
      if (!records.ok()) continue;
      for (const LogRecord& record : *records) {
        from[p] = record.offset + 1;
        boost::json::object event = boost::json::parse(record.payload).as_object();
        const auto* source = event.if_contains("source");
        if (source == nullptr || !source->is_string() ||
            source->get_string() != "mercato/segments" || event.contains("mercatoForwarded")) {
          continue;  // another kind of event, or a copy moved with a merge (cluster mode)
        }
        const auto& props = event.at("properties").as_object();
        out.push_back(SegmentEvent{std::string(props.at("segment_id").as_string()),
                                   std::string(props.at("customer_id").as_string()),
                                   event.at("event").as_string() == "Segment Entered",
                                   std::string(props.at("reason").as_string()),
                                   std::string(event.at("messageId").as_string())});
      }
    }
    return out;
  }

  // Cluster mode's identity routing (profile/batch_overlay.h).
  void EnableIdentityRouting() { builder_->EnableIdentityRouting(*log_); }

  FakeClock& clock() { return clock_; }
  Store& store() { return *store_; }
  EventLog& log() { return *log_; }
  ProfileBuilder& builder() { return *builder_; }
  SegmentEngine& engine() { return *engine_; }
  MetricsRegistry& metrics() { return metrics_; }
  void set_build_chunk(size_t chunk) { build_chunk_ = chunk; }

 private:
  FakeClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<mercato::testing::TempDir> dir_;
  size_t build_chunk_ = 4096;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<SegmentEngine> engine_;
};

}  // namespace mercato::segment::testing
