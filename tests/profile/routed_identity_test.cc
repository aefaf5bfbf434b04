// Identities across partitions in routed mode (cluster mode; profile/batch_overlay.h, ADR 0018),
// over a 4-partition local log: the Links and copies the builder produces go through the log like
// they go through Kafka in a cluster.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "profile/profile_fixture.h"

namespace mercato {
namespace {

namespace json = boost::json;

class RoutedIdentityTest : public ProfileTest {
 protected:
  void SetUp() override {
    routed_ = true;
    ProfileTest::SetUp();
  }

  // An anonymousId whose partition is not `user`'s (nor `other`'s when given).
  std::string AnonymousElsewhere(std::string_view user, std::string_view other = {}) {
    for (int k = 0; k < 1000; ++k) {
      std::string anon = "anon-" + std::to_string(k);
      if (log_->PartitionFor(anon) == log_->PartitionFor(user)) continue;
      if (!other.empty() && log_->PartitionFor(anon) == log_->PartitionFor(other)) continue;
      return anon;
    }
    ADD_FAILURE() << "no anonymousId in another partition";
    return {};
  }

  profile::ProfileState Stored(const std::string& id) {
    auto stored = store_->Get(Cf::kProfiles, id);
    EXPECT_TRUE(stored.ok()) << id << ": " << stored.status().ToString();
    if (!stored.ok()) return {};
    auto state = profile::ProfileState::Parse(id, *stored);
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? *state : profile::ProfileState{};
  }

  // The values of the history rows stored under `customer`'s prefix.
  std::vector<std::string> RowValues(const std::string& customer) {
    std::vector<std::string> values;
    auto it = store_->NewIterator(Cf::kEvents);
    for (it->Seek(customer); it->Valid() && it->key().starts_with(customer); it->Next()) {
      values.push_back(it->value().ToString());
    }
    return values;
  }

  // How many records of the log contain `text`.
  size_t LogMentions(std::string_view text) {
    size_t found = 0;
    for (uint32_t p = 0; p < log_->partitions(); ++p) {
      auto records = log_->Read(p, 0, 100000);
      EXPECT_TRUE(records.ok());
      if (!records.ok()) continue;
      for (const LogRecord& record : *records) {
        if (record.payload.find(text) != std::string::npos) ++found;
      }
    }
    return found;
  }

  // Wipes every profile-derived key (the log stays) and rebuilds from the log.
  void Rebuild() {
    rocksdb::WriteBatch wipe;
    for (Cf family : {Cf::kEvents, Cf::kIdentities, Cf::kProfiles, Cf::kMeta}) {
      auto it = store_->NewIterator(family);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (family == Cf::kMeta && !it->key().starts_with("cursor/profiles/") &&
            !it->key().starts_with("fwd/") && !it->key().starts_with("lnk/")) {
          continue;
        }
        wipe.Delete(store_->cf(family), it->key());
      }
    }
    ASSERT_TRUE(store_->Write(wipe, true).ok());
    NewBuilder();
    ProcessAll();
  }
};

TEST_F(RoutedIdentityTest, AnIdentifyMovesTheAnonymousHistoryFromItsPartitionOnce) {
  const std::string anon = AnonymousElsewhere("u1");
  const std::string anonymous_customer = profile::CustomerIdFor("a:" + anon);
  const std::string user_customer = profile::CustomerIdFor("u:u1");
  std::vector<std::string> sent;
  sent.push_back(Send(R"({"type":"page","anonymousId":")" + anon + R"(","name":"Home"})", 1));
  sent.push_back(
      Send(R"({"type":"track","anonymousId":")" + anon + R"(","event":"Product Viewed"})", 2));
  ProcessAll();
  EXPECT_EQ(Customer(anon), anonymous_customer);
  const uint64_t records_before = log_->TotalRecords();

  sent.push_back(Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon +
                          R"(","traits":{"name":"Ann"}})",
                      3));
  ProcessAll();
  // The identify, one Link to the anonymousId's partition, two history copies back.
  EXPECT_EQ(log_->TotalRecords(), records_before + 4);
  EXPECT_EQ(Customer("u1"), user_customer);
  EXPECT_EQ(Customer(anon), user_customer);  // through the stub
  EXPECT_EQ(MessageIds("u1"), sent);
  json::object profile = Profile("u1");
  EXPECT_EQ(Identities(profile), (std::set<std::string>{"userId:u1", "anonymousId:" + anon}));
  EXPECT_EQ(profile.at("traits").at("name").as_string(), "Ann");
  const json::object& counts = profile.at("features").at("event_counts").as_object();
  EXPECT_EQ(Number(counts.at("page")), 1);
  EXPECT_EQ(Number(counts.at("track")), 1);
  EXPECT_EQ(Number(counts.at("identify")), 1);
  EXPECT_EQ(profile.at("features").at("first_seen").as_string(), At(1));
  ASSERT_EQ(profile.at("mergedFrom").as_array().size(), 1u);
  EXPECT_EQ(profile.at("mergedFrom").at(0).as_string(), anonymous_customer);

  // The anonymous customer is a stub whose rows keep their keys, empty: the two events and the
  // Link's own record.
  profile::ProfileState stub = Stored(anonymous_customer);
  EXPECT_TRUE(stub.IsStub());
  EXPECT_EQ(stub.merged_via, "u:u1");
  EXPECT_EQ(stub.merged_into, user_customer);
  EXPECT_EQ(stub.identities, std::vector<std::string>{"a:" + anon});
  EXPECT_EQ(RowValues(anonymous_customer), std::vector<std::string>(3, ""));
  EXPECT_EQ(Counts().customers, 1u);

  // Later anonymous events are forwarded as they come.
  sent.push_back(Send(R"({"type":"page","anonymousId":")" + anon + R"(","name":"Cart"})", 4));
  ProcessAll();
  EXPECT_EQ(MessageIds("u1"), sent);
  EXPECT_EQ(Number(Features("u1").at("event_counts").at("page")), 2);
  EXPECT_EQ(RowValues(anonymous_customer), std::vector<std::string>(4, ""));

  // Another identify of the pair links nothing again: the customer holds the key already.
  const uint64_t records_now = log_->TotalRecords();
  sent.push_back(Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 5));
  ProcessAll();
  EXPECT_EQ(log_->TotalRecords(), records_now + 1);
  EXPECT_EQ(MessageIds("u1"), sent);
}

TEST_F(RoutedIdentityTest, AnUnknownAnonymousIdBecomesAStubThatForwardsItsEvents) {
  const std::string anon = AnonymousElsewhere("u1");
  std::vector<std::string> sent;
  sent.push_back(Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 1));
  ProcessAll();
  EXPECT_TRUE(Stored(profile::CustomerIdFor("a:" + anon)).IsStub());
  sent.push_back(Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 2));
  ProcessAll();
  EXPECT_EQ(MessageIds("u1"), sent);
  EXPECT_EQ(Identities(Profile("u1")), (std::set<std::string>{"userId:u1", "anonymousId:" + anon}));
  EXPECT_EQ(Counts().customers, 1u);
}

TEST_F(RoutedIdentityTest, ASharedDeviceJoinsOnlyTheFirstUser) {
  const std::string anon = AnonymousElsewhere("u1", "u2");
  std::vector<std::string> anonymous;
  anonymous.push_back(Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1));
  ProcessAll();
  std::vector<std::string> first = anonymous;
  first.push_back(Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2));
  ProcessAll();
  const std::string second =
      Send(R"({"type":"identify","userId":"u2","anonymousId":")" + anon + R"("})", 3);
  ProcessAll();
  EXPECT_EQ(MessageIds("u1"), first);
  EXPECT_EQ(MessageIds("u2"), std::vector<std::string>{second});
  EXPECT_EQ(Customer(anon), Customer("u1"));
  EXPECT_EQ(Counts().customers, 2u);
  // u2's later events on the device do not ask again: one Link per user.
  Send(R"({"type":"track","userId":"u2","anonymousId":")" + anon + R"(","event":"x"})", 4);
  ProcessAll();
  EXPECT_EQ(LogMentions("\"Identity Link\""), 2u);
}

TEST_F(RoutedIdentityTest, ASignedInVisitorsEventsSendOneLink) {
  // Browsers send the anonymousId with every event after the identify too.
  const std::string anon = AnonymousElsewhere("u1");
  for (int k = 0; k < 5; ++k) {
    Send(R"({"type":"track","userId":"u1","anonymousId":")" + anon + R"(","event":"x"})", k);
    ProcessAll();
  }
  EXPECT_EQ(LogMentions("\"Identity Link\""), 1u);
  EXPECT_EQ(Number(Features("u1").at("event_counts").at("track")), 5);
}

TEST_F(RoutedIdentityTest, ACrashBetweenSendingAndStoringDoublesNothing) {
  const std::string anon = AnonymousElsewhere("u1");
  std::vector<std::string> sent;
  sent.push_back(Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1));
  ProcessAll();
  sent.push_back(Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2));
  // The Link reaches the log; the state of the batch that sent it does not.
  store_->FailWritesAfter(1);
  EXPECT_FALSE(builder_->ProcessBatch().ok());
  store_->FailWritesAfter(-1);
  NewBuilder();
  ProcessAll();
  EXPECT_EQ(MessageIds("u1"), sent);
  EXPECT_EQ(Number(Features("u1").at("event_counts").at("page")), 1);
  // Both Links are in the log: the second found the stub already pointing at u1.
  size_t links = 0;
  for (uint32_t p = 0; p < log_->partitions(); ++p) {
    auto records = log_->Read(p, 0, 1000);
    ASSERT_TRUE(records.ok());
    for (const LogRecord& record : *records) {
      if (record.payload.find("\"Identity Link\"") != std::string::npos) ++links;
    }
  }
  EXPECT_EQ(links, 2u);
}

TEST_F(RoutedIdentityTest, RebuildingFromTheLogGivesTheSameProfilesAndSkipsTheRepeats) {
  const std::string anon = AnonymousElsewhere("u1");
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1);
  Send(R"({"type":"track","anonymousId":")" + anon + R"(","event":"Order Completed",
          "properties":{"revenue":12.5}})",
       2);
  ProcessAll();
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 3);
  ProcessAll();
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 4);
  ProcessAll();
  const std::string before = *profiles_->ProfileJson(Customer("u1"));
  const std::vector<std::string> ids = MessageIds("u1");
  const uint64_t records = log_->TotalRecords();
  Rebuild();
  // The rebuild sent every Link and copy again; the copies were skipped by their markers.
  EXPECT_GT(log_->TotalRecords(), records);
  EXPECT_EQ(*profiles_->ProfileJson(Customer("u1")), before);
  EXPECT_EQ(MessageIds("u1"), ids);
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(RoutedIdentityTest, ErasingTheUserErasesTheAnonymousHistoryInItsPartition) {
  const std::string anon = AnonymousElsewhere("u1");
  Send(R"({"type":"page","anonymousId":")" + anon + R"(","name":"Home"})", 1);
  ProcessAll();
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2);
  ProcessAll();
  Send(R"({"type":"page","anonymousId":")" + anon + R"(","name":"Cart"})", 3);
  ProcessAll();
  ASSERT_EQ(Customer(anon), Customer("u1"));
  ASSERT_GT(LogMentions(anon), 0u);

  auto erased = builder_->Erase(Customer("u1"));
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  ProcessAll();  // the "Identity Erase" reaches the anonymousId's partition
  EXPECT_EQ(profiles_->Resolve(anon).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(profiles_->Resolve("u1").status().code(), StatusCode::kNotFound);
  const std::string stub = profile::CustomerIdFor("a:" + anon);
  EXPECT_EQ(store_->Get(Cf::kProfiles, stub).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(RowValues(stub).empty());
  // No record is left that names the visitor: originals, Link, copies and the erase itself.
  EXPECT_EQ(LogMentions(anon), 0u);
  EXPECT_EQ(Counts().customers, 0u);
}

TEST_F(RoutedIdentityTest, ErasingTheSecondUserOfASharedDeviceLeavesTheFirstUsersVisitor) {
  // u2's identify was refused at the device's partition: its erasure must not reach u1's data.
  const std::string anon = AnonymousElsewhere("u1", "u2");
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1);
  ProcessAll();
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2);
  ProcessAll();
  Send(R"({"type":"identify","userId":"u2","anonymousId":")" + anon + R"("})", 3);
  ProcessAll();
  const std::vector<std::string> first = MessageIds("u1");
  auto erased = builder_->Erase(Customer("u2"));
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  ProcessAll();  // u2's Identity Erase reaches the device's partition and finds u1's stub
  EXPECT_EQ(profiles_->Resolve("u2").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Stored(profile::CustomerIdFor("a:" + anon)).IsStub());
  EXPECT_EQ(Customer(anon), Customer("u1"));
  EXPECT_EQ(MessageIds("u1"), first);
  EXPECT_EQ(LogMentions("\"Identity Erase\""), 0u);  // consumed and deleted with its effect
}

TEST_F(RoutedIdentityTest, ErasingTheUserErasesAStubThatOnlyForwarded) {
  const std::string anon = AnonymousElsewhere("u1");
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 1);
  ProcessAll();
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 2);
  ProcessAll();
  ASSERT_EQ(Number(Features("u1").at("event_counts").at("page")), 1);
  auto erased = builder_->Erase(Customer("u1"));
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  ProcessAll();
  EXPECT_EQ(store_->Get(Cf::kProfiles, profile::CustomerIdFor("a:" + anon)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(LogMentions(anon), 0u);
}

TEST_F(RoutedIdentityTest, AnErasureBeforeTheHandOffStillReachesEveryCopy) {
  const std::string anon = AnonymousElsewhere("u1");
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1);
  ProcessAll();
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2);
  // One batch: the identify is folded and its Link sent, but not yet handled.
  ASSERT_TRUE(builder_->ProcessBatch().ok());
  ASSERT_EQ(LogMentions("\"Identity Link\""), 1u);
  auto erased = builder_->Erase(Customer("u1"));
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  ProcessAll();  // hand-off, then the erase there; the copies find no customer and go
  EXPECT_EQ(profiles_->Resolve(anon).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LogMentions(anon), 0u);
  EXPECT_EQ(Counts().customers, 0u);
}

TEST_F(RoutedIdentityTest, AReadOfAVisitorMergedElsewhereSaysWhomToAsk) {
  const std::string anon = AnonymousElsewhere("u1");
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1);
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2);
  ProcessAll();
  ASSERT_EQ(Customer(anon), Customer("u1"));
  // As on a node that holds the visitor's partition but not the user's.
  rocksdb::WriteBatch elsewhere;
  elsewhere.Delete(store_->cf(Cf::kProfiles), profile::CustomerIdFor("u:u1"));
  ASSERT_TRUE(store_->Write(elsewhere, true).ok());
  auto read = profiles_->Resolve(anon);
  ASSERT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("userId 'u1'"), std::string::npos)
      << read.status().ToString();
}

TEST_F(RoutedIdentityTest, TotalsCountOnlyTheCustomersOfOwnedPartitions) {
  // After a rebalance a node still holds the customers of partitions it lost: they are not its to
  // count. A visitor merged into u1 is u1's, wherever its stub lies.
  const std::string anon = AnonymousElsewhere("u1");
  Send(R"({"type":"page","anonymousId":")" + anon + R"("})", 1);
  Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})", 2);
  std::string other;
  for (int k = 0; k < 100 && other.empty(); ++k) {
    const std::string user = "user-" + std::to_string(k);
    if (log_->PartitionFor(user) != log_->PartitionFor("u1")) other = user;
  }
  Send(R"({"type":"track","userId":")" + other + R"(","event":"x"})", 3);
  ProcessAll();
  ASSERT_EQ(profiles_->ComputeTotals()->customers, 2u);
  const uint32_t owned = log_->PartitionFor("u1");
  profiles_->CountOnlyOwned(
      [this, owned](std::string_view value) { return log_->PartitionFor(value) == owned; });
  auto totals = profiles_->ComputeTotals();
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->customers, 1u);
  EXPECT_EQ(totals->events, 2u);  // u1's identify and the visitor's page
}

}  // namespace
}  // namespace mercato
