#include "storage/event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/hash.h"
#include "support/test_support.h"

namespace mercato {
namespace {

AppendItem Item(const std::string& key, const std::string& message_id, int64_t at = 1000) {
  return AppendItem{key, message_id, at, "{\"m\":\"" + message_id + "\"}"};
}

class EventLogTest : public ::testing::Test {
 protected:
  void Open(uint32_t partitions = 4, SyncMode sync = SyncMode::kBatch,
            LogPartitioner partitioner = LogPartitioner::kHash64) {
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
    options.partitioner = partitioner;
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

AppendItem At(uint32_t partition, uint64_t offset, const std::string& message_id) {
  AppendItem item = Item("key-" + message_id, message_id);
  item.position = LogPosition{partition, offset};
  return item;
}

TEST_F(EventLogTest, AMirrorPlacesRecordsAtTheirPositionsAndSkipsRedeliveries) {
  Open(4, SyncMode::kBatch, LogPartitioner::kKafka);
  auto first = log_->Append({At(1, 0, "a"), At(1, 1, "b"), At(2, 5, "c")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->appended, 3u);
  EXPECT_EQ(log_->EndOffset(1), 2u);
  EXPECT_EQ(log_->EndOffset(2), 6u);  // offsets 0..4 of partition 2 are a gap
  // A redelivery of offsets already mirrored is skipped, whatever its messageId.
  auto again = log_->Append({At(1, 1, "b-again"), At(1, 2, "d")});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->appended, 1u);
  EXPECT_EQ(again->duplicates, 1u);
  // A repeated messageId at a new offset is dropped, but its offset is consumed.
  auto repeat = log_->Append({At(1, 3, "a")});
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->duplicates, 1u);
  EXPECT_EQ(log_->EndOffset(1), 4u);
  auto records = log_->Read(1, 0, 100);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[2].offset, 2u);
  EXPECT_EQ((*records)[2].payload, "{\"m\":\"d\"}");
  // The end offsets, gaps included, survive a reopen.
  Open(4, SyncMode::kBatch, LogPartitioner::kKafka);
  EXPECT_EQ(log_->EndOffset(1), 4u);
  EXPECT_EQ(log_->EndOffset(2), 6u);
}

// What a mirror keeps of a partition depends on that partition's records only: a repeated
// messageId is judged by the records' receipt times (not this node's clock, so a replay days later
// keeps the same records), and the same messageId in another partition is another record.
TEST_F(EventLogTest, AMirrorsDedupeDependsOnThePartitionAlone) {
  Open(4, SyncMode::kBatch, LogPartitioner::kKafka);
  const int64_t day = int64_t{24} * 3600 * kMicrosPerSecond;
  AppendItem first = At(1, 0, "m");
  first.received_at_us = 10 * day;
  ASSERT_EQ(log_->Append({first})->appended, 1u);
  // Replayed two years later: the node's clock is far past the window, the records are not.
  clock_.Advance(730 * day);
  AppendItem repeat = At(1, 1, "m");
  repeat.received_at_us = 10 * day + 3600 * kMicrosPerSecond;
  auto repeated = log_->Append({repeat});
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(repeated->duplicates, 1u);
  // Received more than the window after the first: a new record.
  AppendItem later = At(1, 2, "m");
  later.received_at_us = 12 * day;
  EXPECT_EQ(log_->Append({later})->appended, 1u);
  // The same messageId in other partitions, alone or in one group.
  AppendItem elsewhere = At(2, 0, "m");
  elsewhere.received_at_us = 10 * day;
  AppendItem third = At(3, 0, "m");
  third.received_at_us = 10 * day;
  EXPECT_EQ(log_->Append({elsewhere, third})->appended, 2u);
  EXPECT_EQ(log_->Read(1, 0, 10)->size(), 2u);
  EXPECT_EQ(log_->Read(2, 0, 10)->size(), 1u);
}

// A mirror's dedupe entries expire by their partition's newest receipt time, not the clock: a
// replay of old records long after keeps the entries it needs through compactions.
TEST_F(EventLogTest, AMirrorsDedupeEntriesExpireByThePartitionsHorizon) {
  Open(4, SyncMode::kBatch, LogPartitioner::kKafka);
  const int64_t day = int64_t{24} * 3600 * kMicrosPerSecond;
  clock_.Advance(730 * day);
  AppendItem first = At(1, 0, "m");
  first.received_at_us = 10 * day;
  ASSERT_EQ(log_->Append({first})->appended, 1u);
  ASSERT_TRUE(store_->CompactAll().ok());
  AppendItem copy = At(1, 1, "m");
  copy.received_at_us = 10 * day + 3600 * kMicrosPerSecond;
  EXPECT_EQ(log_->Append({copy})->duplicates, 1u) << "the entry expired by the clock";
  // Once the partition has moved more than twice the window on, the entry goes.
  AppendItem later = At(1, 2, "n");
  later.received_at_us = 13 * day;
  ASSERT_EQ(log_->Append({later})->appended, 1u);
  ASSERT_TRUE(store_->CompactAll().ok());
  auto entry = store_->Get(Cf::kDedupe, std::string("\0\0\0\1m", 5));
  EXPECT_EQ(entry.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Get(Cf::kDedupe, std::string("\0\0\0\1n", 5)).ok());
}

// A local log's entries expire by the clock.
TEST_F(EventLogTest, ALocalLogsDedupeEntriesExpireByTheClock) {
  Open(4, SyncMode::kBatch);
  ASSERT_EQ(log_->Append({Item("k", "m", clock_.NowMicros())})->appended, 1u);
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_TRUE(store_->Get(Cf::kDedupe, "m").ok());
  clock_.Advance(int64_t{25} * 3600 * kMicrosPerSecond);
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(store_->Get(Cf::kDedupe, "m").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->Append({Item("k", "m", clock_.NowMicros())})->appended, 1u);
}

TEST_F(EventLogTest, BadPositionedAppendsAreRefusedWhole) {
  Open(4, SyncMode::kBatch, LogPartitioner::kKafka);
  auto outside = log_->Append({At(0, 0, "a"), At(4, 0, "b")});
  EXPECT_EQ(outside.status().code(), StatusCode::kInvalidArgument);
  auto mixed = log_->Append({At(0, 0, "a"), Item("k", "c")});
  EXPECT_EQ(mixed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->TotalRecords(), 0u);
}

TEST_F(EventLogTest, ThePartitionerIsFixedAtCreation) {
  Open(4, SyncMode::kBatch, LogPartitioner::kHash64);
  ASSERT_TRUE(log_->Append({Item("k", "m1")}).ok());
  log_.reset();
  store_.reset();
  StoreOptions store_options;
  store_options.path = dir_.str();
  store_options.clock = &clock_;
  auto store = Store::Open(store_options);
  ASSERT_TRUE(store.ok());
  EventLogOptions options;
  options.partitioner = LogPartitioner::kKafka;
  auto mirror = EventLog::Open(**store, options, clock_, nullptr);
  EXPECT_EQ(mirror.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mirror.status().message().find("local event log"), std::string::npos);
}

TEST_F(EventLogTest, AMirrorRoutesKeysAsKafkasDefaultPartitioner) {
  Open(6, SyncMode::kBatch, LogPartitioner::kKafka);
  for (const char* key : {"user-1", "anonymous-77", "", "x"}) {
    EXPECT_EQ(log_->PartitionFor(key), KafkaPartition(key, 6)) << key;
  }
}

class RecordingUpstream : public LogUpstream {
 public:
  void Produce(std::vector<AppendItem> items, AppendCallback callback) override {
    for (AppendItem& item : items) produced.push_back(std::move(item));
    callback(Status::Ok(), AppendResult{produced.size(), 0});
  }
  std::vector<AppendItem> produced;
};

TEST_F(EventLogTest, WithAnUpstreamOnlyPositionedAppendsAreWrittenLocally) {
  Open(4, SyncMode::kBatch, LogPartitioner::kKafka);
  RecordingUpstream upstream;
  log_->SetUpstream(&upstream);
  ASSERT_TRUE(log_->Append({Item("k", "m1"), Item("k", "m2")}).ok());
  EXPECT_EQ(upstream.produced.size(), 2u);
  EXPECT_EQ(log_->TotalRecords(), 0u);
  ASSERT_TRUE(log_->Append({At(0, 0, "m1")}).ok());
  EXPECT_EQ(upstream.produced.size(), 2u);
  EXPECT_EQ(log_->TotalRecords(), 1u);
}

}  // namespace
}  // namespace mercato
