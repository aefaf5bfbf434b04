// Erasure end to end inside one node: keys destroyed, state deleted, nothing left in the files.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "event/parser.h"
#include "pipeline/erasure_service.h"
#include "privacy/key_vault.h"
#include "privacy/privacy_filter.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {
namespace json = boost::json;

constexpr char kUserId[] = "erase-user-7f3a9c";
constexpr char kAnonymousId[] = "anon-erase-91b2d4";
constexpr char kEmail[] = "zyx.erasure.proof@example.org";
constexpr char kPhone[] = "+48 601 987 654";
constexpr char kName[] = "Quentin Erasmusson";

// Names of files under `dir` that contain `needle` as bytes.
std::vector<std::string> FilesContaining(const std::filesystem::path& dir,
                                         const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().find(needle) != std::string::npos) hits.push_back(entry.path().string());
  }
  return hits;
}

class CountingParticipant final : public ErasureParticipant {
 public:
  std::string_view name() const override { return "segments"; }
  Result<size_t> EraseCustomer(std::string_view customer_id) override {
    erased.emplace_back(customer_id);
    return size_t{3};
  }
  std::vector<std::string> erased;
};

class ErasureServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }

  void Open() {
    StoreOptions options;
    options.path = dir_.str();
    options.clock = &clock_;
    store_ = std::move(Store::Open(options)).value();
    EventLogOptions log_options;
    log_options.partitions = 4;
    log_ = std::move(EventLog::Open(*store_, log_options, clock_, nullptr)).value();
    log_->Start();
    vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'm'))).value();
    filter_ = std::make_unique<PrivacyFilter>(*vault_, DlpPolicy(), nullptr);
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, nullptr);
    profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
    service_ = std::make_unique<ErasureService>(*store_, *log_, *builder_, *profiles_, nullptr,
                                                clock_, nullptr);
    service_->AddParticipant(&participant_);
    ASSERT_TRUE(service_->Start().ok());
  }
  void Close() {
    service_.reset();
    profiles_.reset();
    builder_.reset();
    filter_.reset();
    if (log_) log_->Stop();
    log_.reset();
    vault_.reset();
    store_.reset();
  }

  void Send(const std::string& body) {
    std::vector<EventError> errors;
    auto batch =
        ParseBatch(body, clock_.NowMicros(), IngestLimits{}, errors, filter_->AsTransform());
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    std::vector<AppendItem> items;
    for (Event& event : *batch) {
      items.push_back(AppendItem{std::string(event.RoutingKey()), event.message_id,
                                 event.received_at_us, std::move(event.payload)});
    }
    ASSERT_TRUE(log_->Append(std::move(items)).ok());
  }

  void SendCustomers() {
    Send(std::string(R"({"batch":[
      {"type":"page","anonymousId":")") +
         kAnonymousId + R"(","name":"Home",
       "context":{"ip":"198.51.100.23"}},
      {"type":"identify","userId":")" +
         kUserId + R"(","anonymousId":")" + kAnonymousId + R"(","traits":{"email":")" + kEmail +
         R"(","phone":")" + kPhone + R"(","name":")" + kName + R"(","plan":"gold"}},
      {"type":"track","userId":")" +
         kUserId + R"(","event":"Order Completed",
       "properties":{"revenue":42.5,"note":"call me on )" +
         kPhone + R"("}},
      {"type":"identify","userId":"other-customer-1","traits":{"email":"keep@example.com",
       "name":"Kept Person"}}]})");
  }

  void ProcessAll() {
    for (int round = 0; round < 1000; ++round) {
      auto done = builder_->ProcessBatch();
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      if (*done == 0) return;
    }
  }

  testing::TempDir dir_;
  FakeClock clock_{1'767'225'600'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<PrivacyFilter> filter_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  CountingParticipant participant_;
  std::unique_ptr<ErasureService> service_;
};

TEST_F(ErasureServiceTest, ErasureLeavesNothingOfTheCustomerInAnyFile) {
  SendCustomers();
  ProcessAll();
  auto customer = profiles_->Resolve(kEmail);
  ASSERT_TRUE(customer.ok()) << customer.status().ToString();
  auto profile = profiles_->ProfileJson(*customer);
  ASSERT_TRUE(profile.ok());
  // Readable through the API while the customer exists.
  EXPECT_NE(profile->find(kEmail), std::string::npos);
  EXPECT_NE(profile->find(kName), std::string::npos);
  auto exported = profiles_->ExportJson(*customer);
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find(kPhone), std::string::npos);
  // On disk the personal values were never in clear; the userId was (it is an identifier).
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_FALSE(FilesContaining(dir_.path(), kUserId).empty()) << "the scan must be able to fail";
  for (const char* secret : {kEmail, kPhone, kName}) {
    EXPECT_EQ(FilesContaining(dir_.path(), secret), std::vector<std::string>()) << secret;
  }

  auto job = service_->Request(kEmail, "key:test-admin");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->customer_id, *customer);
  auto done = service_->Wait(job->id, 20'000);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_EQ(done->state, "done") << done->error;
  // The userId's key and the anonymousId's (its page view carried an IP address).
  EXPECT_EQ(done->removed.keys_destroyed, 2u);
  EXPECT_EQ(done->removed.events, 3u);
  EXPECT_EQ(done->removed.log_records, 3u);
  EXPECT_EQ(participant_.erased, std::vector<std::string>{*customer});
  EXPECT_NE(done->ToApiJson().find("\"segments\":3"), std::string::npos);

  for (const char* id : {kUserId, kAnonymousId, kEmail, customer->c_str()}) {
    EXPECT_EQ(profiles_->Resolve(id).status().code(), StatusCode::kNotFound) << id;
  }
  EXPECT_TRUE(profiles_->Resolve("keep@example.com").ok());
  for (const char* secret : {kUserId, kAnonymousId, kEmail, kPhone, kName}) {
    EXPECT_EQ(FilesContaining(dir_.path(), secret), std::vector<std::string>()) << secret;
  }
  // The log keeps its offsets: new events get new offsets, nothing is reused.
  uint64_t records = 0;
  for (uint32_t partition = 0; partition < log_->partitions(); ++partition) {
    auto read = log_->Read(partition, 0, 100);
    ASSERT_TRUE(read.ok());
    records += read->size();
  }
  EXPECT_EQ(records, 1u);
  EXPECT_EQ(log_->TotalRecords(), 4u);
}

TEST_F(ErasureServiceTest, UnknownSubjectIsNotFound) {
  SendCustomers();
  ProcessAll();
  EXPECT_EQ(service_->Request("nobody@example.com", "key:a").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(service_->Get("er_0000").status().code(), StatusCode::kNotFound);
}

TEST_F(ErasureServiceTest, JobWaitsForTheConsumerAndSurvivesARestart) {
  SendCustomers();
  ProcessAll();
  // More events of the customer arrive but are not processed yet: the job must wait for them.
  Send(std::string(R"({"batch":[{"type":"track","userId":")") + kUserId +
       R"(","event":"Product Viewed"}]})");
  auto job = service_->Request(kUserId, "key:a");
  ASSERT_TRUE(job.ok());
  auto waiting = service_->Wait(job->id, 300);
  EXPECT_EQ(waiting.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(service_->Get(job->id)->state, "pending");
  // Restart: the job is found again and finishes once the consumer has caught up.
  Close();
  Open();
  ProcessAll();
  auto done = service_->Wait(job->id, 20'000);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, "done") << done->error;
  EXPECT_EQ(done->removed.events, 4u);
  EXPECT_EQ(profiles_->Resolve(kUserId).status().code(), StatusCode::kNotFound);
}

TEST_F(ErasureServiceTest, ListShowsTheNewestRequestsFirst) {
  auto empty = service_->List(10);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  std::string batch = R"({"batch":[)";
  for (int customer = 1; customer <= 5; ++customer) {
    if (customer > 1) batch += ",";
    batch += R"({"type":"identify","userId":"list-)" + std::to_string(customer) + R"("})";
  }
  Send(batch + "]}");
  ProcessAll();
  // Requested out of time order, so that picking the newest cannot rely on the order of requests.
  const int64_t start = clock_.NowMicros();
  std::map<int64_t, std::string> id_at;  // seconds after start -> job id
  for (int seconds : {3, 1, 5, 2, 4}) {
    clock_.Set(start + seconds * kMicrosPerSecond);
    auto job = service_->Request("list-" + std::to_string(seconds), "key:a");
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    id_at[seconds] = job->id;
  }
  auto all = service_->List(10);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 5u);
  for (int rank = 0; rank < 5; ++rank) {
    EXPECT_EQ((*all)[rank].id, id_at[5 - rank]) << rank;
    EXPECT_EQ((*all)[rank].requested_at_us, start + (5 - rank) * kMicrosPerSecond);
  }
  auto newest = service_->List(3);
  ASSERT_TRUE(newest.ok()) << newest.status().ToString();
  ASSERT_EQ(newest->size(), 3u);
  EXPECT_EQ((*newest)[0].id, id_at[5]);
  EXPECT_EQ((*newest)[1].id, id_at[4]);
  EXPECT_EQ((*newest)[2].id, id_at[3]);
  for (const auto& [seconds, id] : id_at) {
    auto done = service_->Wait(id, 20'000);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    EXPECT_EQ(done->state, "done") << done->error;
  }
  // Finished jobs stay listed, with their outcome.
  auto after = service_->List(1);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, id_at[5]);
  EXPECT_EQ((*after)[0].state, "done");
}

}  // namespace
}  // namespace mercato
