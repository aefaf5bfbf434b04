// The Kafka sink and source against librdkafka's mock cluster (the real Kafka protocol, hosted in
// this process on loopback ports).

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "core/clock.h"
#include "core/hash.h"
#include "storage/event_log.h"
#include "stream/definition_log.h"
#include "stream/kafka_client.h"
#include "stream/kafka_sink.h"
#include "stream/kafka_source.h"
#include "support/test_support.h"

namespace mercato::stream {
namespace {

constexpr uint32_t kPartitions = 4;

class MockCluster {
 public:
  explicit MockCluster(int brokers = 3) {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  void CreateTopic(const std::string& name, int partitions) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 3),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void SetBrokersDown(int brokers) {
    for (int id = 1; id <= brokers; ++id) rd_kafka_mock_broker_set_down(cluster_, id);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

// One node's store and mirror log.
struct Node {
  explicit Node(const Clock& clock) {
    StoreOptions store_options;
    store_options.path = dir.str();
    store_options.clock = &clock;
    store = std::move(Store::Open(store_options)).value();
    EventLogOptions options;
    options.partitions = kPartitions;
    options.partitioner = LogPartitioner::kKafka;
    log = std::move(EventLog::Open(*store, options, clock, nullptr)).value();
    log->Start();
  }
  std::map<std::string, LogRecord> Records() const {  // by payload
    std::map<std::string, LogRecord> out;
    for (uint32_t p = 0; p < kPartitions; ++p) {
      auto records = log->Read(p, 0, 1 << 20);
      EXPECT_TRUE(records.ok());
      if (!records.ok()) continue;
      for (LogRecord& record : *records) out[record.payload] = record;
    }
    return out;
  }
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<EventLog> log;
};

AppendItem Event(int i, const std::string& customer) {
  return AppendItem{customer, "msg-" + std::to_string(i), 1000 + i,
                    "{\"i\":" + std::to_string(i) + ",\"c\":\"" + customer + "\"}"};
}

// Events from..to-1, customer "c<i % modulo>".
std::vector<AppendItem> Events(int from, int to, int modulo) {
  std::vector<AppendItem> items;
  items.reserve(static_cast<size_t>(to - from));
  for (int i = from; i < to; ++i) items.push_back(Event(i, "c" + std::to_string(i % modulo)));
  return items;
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.CreateTopic("events", kPartitions);
    kafka_.brokers = cluster_.bootstraps();
    kafka_.topic = "events";
    kafka_.group = "test-group";
  }
  std::unique_ptr<KafkaSink> Sink() {
    KafkaSinkOptions options;
    options.kafka = kafka_;
    options.partitions = kPartitions;
    auto sink = KafkaSink::Create(options, nullptr);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return std::move(sink).value();
  }
  std::unique_ptr<KafkaSource> Source(Node& node, ExternalRecordFn external = {}) {
    KafkaSourceOptions options;
    options.kafka = kafka_;
    options.external = std::move(external);
    auto source = KafkaSource::Create(*node.log, options, nullptr);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return std::move(source).value();
  }

  MockCluster cluster_;
  KafkaOptions kafka_;
  FakeClock clock_{1'000'000};
};

TEST(KafkaPartitionerTest, Murmur2MatchesKafkasTestVectors) {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2
  EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2("21")), -973932308);
  EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2("foobar")), -790332482);
  EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")),
            -58897971);
  EXPECT_EQ(static_cast<int32_t>(KafkaMurmur2("abc")), 479470107);
}

TEST(KafkaPartitionerTest, PartitionsAgreeWithLibrdkafkasMurmur2Partitioner) {
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "customer-" + std::to_string(i * 7919);
    for (int32_t partitions : {1, 3, 8, 64}) {
      const int32_t theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(),
                                                              partitions, nullptr, nullptr);
      ASSERT_EQ(static_cast<int32_t>(KafkaPartition(key, static_cast<uint32_t>(partitions))),
                theirs)
          << key << " over " << partitions;
    }
  }
}

// Creating a missing topic (CreateTopics) is not covered: the mock cluster of librdkafka 2.0 does
// not implement that request.
TEST_F(StreamTest, EnsureTopicReadsThePartitionCountAndDoesNotAutoCreate) {
  auto existing = EnsureTopic(kafka_, 0, std::chrono::seconds(10));
  ASSERT_TRUE(existing.ok()) << existing.status().ToString();
  EXPECT_EQ(*existing, kPartitions);
  KafkaOptions other = kafka_;
  other.topic = "not-there";
  EXPECT_EQ(EnsureTopic(other, 0, std::chrono::seconds(10)).status().code(), StatusCode::kNotFound);
  // Looking did not create it (brokers may auto-create topics a client asks for by name).
  EXPECT_EQ(EnsureTopic(other, 0, std::chrono::seconds(10)).status().code(), StatusCode::kNotFound);
}

TEST_F(StreamTest, KafkaOptionsAreValidated) {
  EXPECT_FALSE(ParseKafkaProperty("no-equals").ok());
  EXPECT_FALSE(ParseKafkaProperty("=x").ok());
  auto property = ParseKafkaProperty("security.protocol=ssl");
  ASSERT_TRUE(property.ok());
  EXPECT_EQ(property->second, "ssl");
  KafkaSinkOptions options;
  options.kafka = kafka_;
  options.partitions = kPartitions;
  options.kafka.properties.emplace_back("no.such.property", "1");
  EXPECT_EQ(KafkaSink::Create(options, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StreamTest, AppendsOnOneNodeAreMirroredAtTheirKafkaPositionsOnAnother) {
  Node writer(clock_);
  Node owner(clock_);
  auto sink = Sink();
  writer.log->SetUpstream(sink.get());
  const std::vector<AppendItem> items = Events(0, 200, 23);
  auto produced = writer.log->Append(items);
  ASSERT_TRUE(produced.ok()) << produced.status().ToString();
  EXPECT_EQ(produced->appended, 200u);
  EXPECT_EQ(writer.log->TotalRecords(), 0u);  // nothing bypasses Kafka

  auto source = Source(owner);
  source->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return owner.log->TotalRecords() == 200; }, 30'000));
  ASSERT_TRUE(testing::WaitFor([&] { return source->Ready(); }));
  EXPECT_EQ(source->Assigned().size(), kPartitions);
  auto records = owner.Records();
  ASSERT_EQ(records.size(), 200u);
  std::map<uint32_t, uint64_t> next;  // per partition, offsets are dense and in produce order
  for (const AppendItem& item : items) {
    const LogRecord& record = records.at(item.payload);
    EXPECT_EQ(record.partition, KafkaPartition(item.routing_key, kPartitions));
    EXPECT_EQ(record.offset, next[record.partition]++);
  }
  for (uint32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(source->Lag(p), 0);
}

TEST_F(StreamTest, ARestartedSourceResumesWithoutDuplicatesAndRepeatsAreDropped) {
  Node writer(clock_);
  Node owner(clock_);
  auto sink = Sink();
  writer.log->SetUpstream(sink.get());
  const std::vector<AppendItem> first = Events(0, 50, 7);
  ASSERT_TRUE(writer.log->Append(first).ok());
  auto source = Source(owner);
  source->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return owner.log->TotalRecords() == 50; }, 30'000));
  source->Stop();
  source.reset();

  // While no node owns the partitions: new events, and a client retrying events it sent before.
  const std::vector<AppendItem> second = Events(50, 80, 7);
  ASSERT_TRUE(writer.log->Append(second).ok());
  ASSERT_TRUE(writer.log->Append({first[3], first[4]}).ok());

  source = Source(owner);
  source->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return owner.log->TotalRecords() == 82; }, 30'000));
  ASSERT_TRUE(testing::WaitFor([&] { return source->Ready(); }));
  // 82 offsets consumed, 80 records stored: the two repeats left gaps.
  EXPECT_EQ(owner.Records().size(), 80u);
}

TEST_F(StreamTest, PartitionsAreSharedInTheGroupAndMoveWhenAMemberLeaves) {
  Node writer(clock_);
  Node a(clock_);
  Node b(clock_);
  auto sink = Sink();
  writer.log->SetUpstream(sink.get());
  auto source_a = Source(a);
  auto source_b = Source(b);
  source_a->Start();
  source_b->Start();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return source_a->Assigned().size() + source_b->Assigned().size() == kPartitions &&
               !source_a->Assigned().empty() && !source_b->Assigned().empty();
      },
      30'000));
  const std::vector<AppendItem> items = Events(0, 100, 1000);
  ASSERT_TRUE(writer.log->Append(items).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return a.log->TotalRecords() + b.log->TotalRecords() == 100; },
                               30'000));
  // Each record is on exactly the node that owns its partition.
  const std::vector<uint32_t> owned_by_a = source_a->Assigned();
  const std::set<uint32_t> a_parts(owned_by_a.begin(), owned_by_a.end());
  for (const auto& [payload, record] : a.Records()) EXPECT_TRUE(a_parts.count(record.partition));
  for (const auto& [payload, record] : b.Records()) EXPECT_FALSE(a_parts.count(record.partition));

  // b leaves; a takes every partition and mirrors what arrives next, b's included.
  source_b->Stop();
  ASSERT_TRUE(testing::WaitFor([&] { return source_a->Assigned().size() == kPartitions; }, 30'000));
  const std::vector<AppendItem> more = Events(100, 140, 1000);
  ASSERT_TRUE(writer.log->Append(more).ok());
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto records = a.Records();
        for (const AppendItem& item : more) {
          if (!records.count(item.payload)) return false;
        }
        return true;
      },
      30'000));
}

TEST_F(StreamTest, RecordsFromOtherProducersGoThroughValidation) {
  Node owner(clock_);
  std::atomic<int> seen{0};
  auto source =
      Source(owner, [&seen](std::string_view key, std::string_view value, int64_t, LogPosition) {
        seen.fetch_add(1);
        if (value.find("\"valid\"") == std::string_view::npos) {
          return Result<AppendItem>(Status::InvalidArgument("not an event"));
        }
        return Result<AppendItem>(
            AppendItem{std::string(key), "", 1, "normalised:" + std::string(value)});
      });
  source->Start();
  // A plain Kafka producer without mercato's headers.
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafka_.brokers.c_str(), error, sizeof error);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(producer, nullptr);
  // The last record is keyed by "k" but into another partition than "k"'s.
  const int32_t k_partition = static_cast<int32_t>(KafkaPartition("k", kPartitions));
  const int32_t elsewhere = (k_partition + 1) % static_cast<int32_t>(kPartitions);
  const std::vector<std::pair<const char*, int32_t>> records = {{"{\"valid\":1}", k_partition},
                                                                {"garbage", k_partition},
                                                                {"{\"valid\":2}", k_partition},
                                                                {"{\"valid\":3}", elsewhere}};
  for (const auto& [value, partition] : records) {
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("events"), RD_KAFKA_V_KEY("k", 1),
                                RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value), strlen(value)),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(producer, 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  ASSERT_TRUE(testing::WaitFor([&] { return seen.load() == 4; }, 30'000));
  ASSERT_TRUE(testing::WaitFor([&] { return source->rejected() == 2; }));
  ASSERT_TRUE(testing::WaitFor([&] { return owner.Records().size() == 2; }));
  EXPECT_TRUE(owner.Records().count("normalised:{\"valid\":2}"));
}

TEST_F(StreamTest, AnAppendFailsWhenKafkaDoesNotAcknowledgeInTime) {
  KafkaSinkOptions options;
  options.kafka = kafka_;
  options.partitions = kPartitions;
  options.delivery_timeout = std::chrono::milliseconds(1'500);
  auto sink = KafkaSink::Create(options, nullptr);
  ASSERT_TRUE(sink.ok());
  cluster_.SetBrokersDown(3);
  std::promise<Status> answered;
  (*sink)->Produce({Event(1, "c"), Event(2, "d")}, [&answered](Status status, AppendResult) {
    answered.set_value(std::move(status));
  });
  auto future = answered.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const Status status = future.get();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
}

// Shared definitions: every reader applies every record of the topic in order, tombstones as
// empty values; a reader that starts later sees them all; a publish Kafka does not acknowledge
// in time is an error, not a silent loss.
TEST_F(StreamTest, DefinitionsReachEveryReaderInTopicOrder) {
  cluster_.CreateTopic(DefinitionLog::TopicFor(kafka_.topic), 1);
  struct Seen {
    std::mutex mu;
    std::vector<std::pair<std::string, std::string>> records;
    size_t size() {
      std::lock_guard lock(mu);
      return records.size();
    }
    std::vector<std::pair<std::string, std::string>> copy() {
      std::lock_guard lock(mu);
      return records;
    }
  };
  auto reader = [this](const std::string& id, Seen& seen) {
    auto log =
        DefinitionLog::Create(kafka_, id, [&seen](std::string_view key, std::string_view value) {
          std::lock_guard lock(seen.mu);
          seen.records.emplace_back(std::string(key), std::string(value));
        });
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return std::move(log).value();
  };
  Seen first_seen;
  Seen second_seen;
  auto first = reader("node-1", first_seen);
  auto second = reader("node-2", second_seen);
  ASSERT_TRUE(first->Publish("segment/a", R"({"rule":"orders >= 1"})").ok());
  ASSERT_TRUE(second->Publish("segment/a", R"({"rule":"orders >= 2"})").ok());
  ASSERT_TRUE(first->Publish("segment/a", "").ok());  // a deletion
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"segment/a", R"({"rule":"orders >= 1"})"},
      {"segment/a", R"({"rule":"orders >= 2"})"},
      {"segment/a", ""}};
  ASSERT_TRUE(
      testing::WaitFor([&] { return first_seen.size() >= 3 && second_seen.size() >= 3; }, 20'000));
  EXPECT_EQ(first_seen.copy(), expected);
  EXPECT_EQ(second_seen.copy(), expected);

  Seen late_seen;
  auto late = reader("node-3", late_seen);
  ASSERT_TRUE(testing::WaitFor([&] { return late_seen.size() >= 3; }, 20'000));
  EXPECT_EQ(late_seen.copy(), expected);

  cluster_.SetBrokersDown(3);
  Status lost =
      first->Publish("segment/b", R"({"rule":"orders >= 3"})", std::chrono::milliseconds(1'500));
  EXPECT_FALSE(lost.ok());
  EXPECT_EQ(lost.code(), StatusCode::kUnavailable) << lost.ToString();
}

}  // namespace
}  // namespace mercato::stream
