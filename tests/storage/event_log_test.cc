#include "storage/event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/test_support.h"

namespace mercato {
namespace {

AppendItem Item(const std::string& key, const std::string& message_id, int64_t at = 1000) {
  return AppendItem{key, message_id, at, "{\"m\":\"" + message_id + "\"}"};
}

class EventLogTest : public ::testing::Test {
 protected:
  void Open(uint32_t partitions = 4, SyncMode sync = SyncMode::kBatch) {
    log_.reset();
    store_.reset();
    StoreOptions store_options;
    store_options.path = dir_.str();
    store_options.clock = &clock_;
    auto store = Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    EventLogOptions options;
    options.partitions = partitions;
    options.sync = sync;
    auto log = EventLog::Open(*store_, options, clock_, &metrics_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    log_->Start();
  }
  std::vector<LogRecord> ReadAll() {
    std::vector<LogRecord> all;
    for (uint32_t p = 0; p < log_->partitions(); ++p) {
      auto records = log_->Read(p, 0, 1 << 20);
      EXPECT_TRUE(records.ok());
      all.insert(all.end(), records->begin(), records->end());
    }
    return all;
  }

  testing::TempDir dir_;
  FakeClock clock_{1000};
  MetricsRegistry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(EventLogTest, AppendsAreReadBackInOffsetOrderPerPartition) {
  Open();
  std::vector<AppendItem> items;
  for (int k = 0; k < 100; ++k)
    items.push_back(Item("user" + std::to_string(k % 7), "m" + std::to_string(k)));
  auto result = log_->Append(std::move(items));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->appended, 100u);
  EXPECT_EQ(log_->TotalRecords(), 100u);
  for (uint32_t p = 0; p < log_->partitions(); ++p) {
    auto records = log_->Read(p, 0, 1000);
    ASSERT_TRUE(records.ok());
    for (size_t k = 0; k < records->size(); ++k) EXPECT_EQ((*records)[k].offset, k);
  }
  // One routing key always lands in one partition.
  EXPECT_EQ(log_->PartitionFor("user3"), log_->PartitionFor("user3"));
}

TEST_F(EventLogTest, DuplicateMessageIdsAreStoredOnceWithinTheWindow) {
  Open();
  ASSERT_EQ(log_->Append({Item("u", "m1"), Item("u", "m1"), Item("u", "m2")})->appended, 2u);
  auto again = log_->Append({Item("u", "m1")});
  EXPECT_EQ(again->appended, 0u);
  EXPECT_EQ(again->duplicates, 1u);
  // After the window the same id is new again.
  clock_.Advance(25LL * 3600 * 1000000);
  EXPECT_EQ(log_->Append({Item("u", "m1", clock_.NowMicros())})->appended, 1u);
  EXPECT_EQ(ReadAll().size(), 3u);
}

TEST_F(EventLogTest, OffsetsAndDedupeSurviveReopen) {
  Open();
  ASSERT_TRUE(log_->Append({Item("a", "m1"), Item("b", "m2")}).ok());
  Open();
  EXPECT_EQ(log_->TotalRecords(), 2u);
  EXPECT_EQ(log_->Append({Item("a", "m1")})->duplicates, 1u);
  ASSERT_EQ(log_->Append({Item("a", "m3")})->appended, 1u);
  auto records = log_->Read(log_->PartitionFor("a"), 0, 10);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].offset, 1u);
}

TEST_F(EventLogTest, PartitionCountCannotChange) {
  Open(4);
  log_.reset();
  EventLogOptions options;
  options.partitions = 8;
  auto reopened = EventLog::Open(*store_, options, clock_, nullptr);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, AFailedWriteStoresNothingAndLaterWritesContinue) {
  Open();
  ASSERT_TRUE(log_->Append({Item("a", "m1")}).ok());
  store_->FailWritesAfter(0);
  auto failed = log_->Append({Item("a", "m2"), Item("b", "m3")});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  store_->FailWritesAfter(-1);
  // m2 was not stored, so it is not a duplicate now, and offsets have no gap.
  ASSERT_EQ(log_->Append({Item("a", "m2")})->appended, 1u);
  auto records = log_->Read(log_->PartitionFor("a"), 0, 10);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].offset, 1u);
}

TEST_F(EventLogTest, ConcurrentAppendersShareGroupCommits) {
  Open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        std::string id = std::to_string(t) + "-" + std::to_string(k);
        if (!log_->Append({Item("user" + std::to_string(t), id)}).ok()) failures++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ReadAll().size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_NE(metrics_.RenderPrometheus().find("mercato_events_ingested_total 1600"),
            std::string::npos);
}

TEST_F(EventLogTest, SyncAlwaysWritesEachRequestAlone) {
  Open(4, SyncMode::kAlways);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        EXPECT_TRUE(log_->Append({Item("u" + std::to_string(t),
                                       std::to_string(t) + "/" + std::to_string(k))})
                        .ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ReadAll().size(), static_cast<size_t>(kThreads * kPerThread));
  // Every write carried exactly one request: all observations are in the first bucket (le=1).
  std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("mercato_log_group_commit_requests_bucket{le=\"1\"} 200\n"),
            std::string::npos)
      << text;
}

TEST_F(EventLogTest, SyncNoneStillAppendsAndSurvivesReopen) {
  Open(4, SyncMode::kNone);
  ASSERT_EQ(log_->Append({Item("a", "n1"), Item("b", "n2")})->appended, 2u);
  Open(4, SyncMode::kNone);  // a clean close flushes the WAL
  EXPECT_EQ(log_->TotalRecords(), 2u);
}

TEST(SyncModeTest, ParsesTheThreeModesOnly) {
  EXPECT_EQ(*ParseSyncMode("batch"), SyncMode::kBatch);
  EXPECT_EQ(*ParseSyncMode("always"), SyncMode::kAlways);
  EXPECT_EQ(*ParseSyncMode("none"), SyncMode::kNone);
  EXPECT_EQ(ParseSyncMode("sometimes").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mercato
