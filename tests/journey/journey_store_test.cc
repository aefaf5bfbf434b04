#include "journey/journey_store.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace mercato::journey {
namespace {

using testing::TempDir;

JourneyDefinition Definition(const std::string& id, const std::string& wait = "1h",
                             const std::string& trigger = R"({"event": "Signed Up"})") {
  auto def =
      ParseJourney(R"({"id": ")" + id + R"(", "name": "Welcome", "trigger": )" + trigger +
                   R"(, "steps": [{"id": "w", "wait": ")" + wait +
                   R"("}, {"id": "hello", "send": {"channel": "email", "template": "hi"}}]})");
  EXPECT_TRUE(def.ok()) << def.status().ToString();
  return *def;
}

class JourneyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    journeys_.reset();
    store_.reset();
    StoreOptions options;
    options.path = dir_.str();
    store_ = std::move(Store::Open(options)).value();
    journeys_ = std::make_unique<JourneyStore>(*store_, clock_);
  }
  TempDir dir_;
  FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<JourneyStore> journeys_;
};

TEST_F(JourneyStoreTest, KeepsEveryVersionAndOnlyMakesNewOnesForChanges) {
  auto created = journeys_->Create(Definition("welcome"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->version, 1u);
  EXPECT_EQ(created->status, JourneyStatus::kDraft);
  EXPECT_EQ(journeys_->Create(Definition("welcome")).status().code(), StatusCode::kAlreadyExists);

  clock_.Advance(1'000'000);
  // "60m" is the same definition as "1h" once canonical: no new version.
  auto same = journeys_->Update("welcome", Definition("welcome", "60m"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 1u);
  auto changed = journeys_->Update("welcome", Definition("welcome", "2h"));
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->version, 2u);
  EXPECT_EQ(changed->updated_at_us, clock_.NowMicros());

  Reopen();  // versions survive a restart
  auto current = journeys_->Get("welcome");
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->definition_version, 2u);
  EXPECT_EQ(current->definition.steps[0].wait_us, int64_t{2} * 3'600'000'000);
  auto first = journeys_->Get("welcome", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->definition.steps[0].wait_us, int64_t{3'600'000'000});
  EXPECT_EQ(journeys_->Get("welcome", 3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journeys_->Get("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journeys_->Update("welcome", Definition("other")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(journeys_->Update("nobody", Definition("nobody")).status().code(),
            StatusCode::kNotFound);
}

TEST_F(JourneyStoreTest, ActivationPauseAndDeletionFollowTheLifeCycle) {
  ASSERT_TRUE(journeys_->Create(Definition("b", "1h", R"({"segmentEntered": "vip"})")).ok());
  ASSERT_TRUE(journeys_->Create(Definition("a")).ok());
  auto listed = journeys_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "a");  // id order

  EXPECT_EQ(journeys_->Pause("a").status().code(), StatusCode::kFailedPrecondition);
  // A reference check that fails keeps the journey a draft.
  auto refused = journeys_->Activate("b", [](const JourneyDefinition& def) {
    return Status::FailedPrecondition("segment '" + def.trigger.segment + "' does not exist");
  });
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(journeys_->Get("b")->record.status, JourneyStatus::kDraft);
  EXPECT_TRUE(journeys_->Delete("b").ok());
  EXPECT_EQ(journeys_->Get("b").status().code(), StatusCode::kNotFound);

  clock_.Advance(5);
  auto active = journeys_->Activate("a");
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->status, JourneyStatus::kActive);
  EXPECT_EQ(active->activated_at_us, clock_.NowMicros());
  EXPECT_TRUE(journeys_->Activate("a").ok());  // idempotent
  auto paused = journeys_->Pause("a");
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->status, JourneyStatus::kPaused);
  // Once it has run, its versions must stay: deletion is refused.
  EXPECT_EQ(journeys_->Delete("a").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(journeys_->Delete("nobody").code(), StatusCode::kNotFound);
}

TEST_F(JourneyStoreTest, AFailedWriteChangesNothing) {
  ASSERT_TRUE(journeys_->Create(Definition("welcome")).ok());
  store_->FailWritesAfter(0);
  EXPECT_EQ(journeys_->Update("welcome", Definition("welcome", "3h")).status().code(),
            StatusCode::kIoError);
  EXPECT_EQ(journeys_->Activate("welcome").status().code(), StatusCode::kIoError);
  EXPECT_EQ(journeys_->Create(Definition("other")).status().code(), StatusCode::kIoError);
  store_->FailWritesAfter(-1);
  auto stored = journeys_->Get("welcome");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->record.version, 1u);
  EXPECT_EQ(stored->record.status, JourneyStatus::kDraft);
  EXPECT_EQ(journeys_->Get("welcome", 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journeys_->Get("other").status().code(), StatusCode::kNotFound);
}

// What one node exports, another imports exactly (record, timestamps, every version), and the
// replica survives its text form; re-importing an equal replica writes nothing.
TEST_F(JourneyStoreTest, ReplicasCarryEveryVersionAndStatusToAnotherStore) {
  ASSERT_TRUE(journeys_->Create(Definition("welcome")).ok());
  clock_.Advance(5 * kMicrosPerSecond);
  ASSERT_TRUE(journeys_->Update("welcome", Definition("welcome", "2h")).ok());
  ASSERT_TRUE(journeys_->Activate("welcome").ok());
  auto exported = journeys_->Export("welcome");
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  ASSERT_EQ(exported->versions.size(), 2u);
  auto parsed = JourneyReplica::Parse(exported->Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();

  TempDir other_dir;
  StoreOptions options;
  options.path = other_dir.str();
  auto other_store = std::move(Store::Open(options)).value();
  FakeClock other_clock{1'800'000'000'000'000};
  JourneyStore other(*other_store, other_clock);
  ASSERT_TRUE(other.Import(*parsed).ok());
  auto copied = other.Get("welcome");
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->record.Serialize(), exported->record.Serialize());
  EXPECT_EQ(copied->record.status, JourneyStatus::kActive);
  auto first = other.Get("welcome", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->definition.ToJson(), Definition("welcome").ToJson());
  const uint64_t generation = other.generation();
  ASSERT_TRUE(other.Import(*parsed).ok());
  EXPECT_EQ(other.generation(), generation);

  // Importing an earlier state (an undone change) drops the versions above it.
  JourneyReplica earlier = *parsed;
  earlier.record.version = 1;
  earlier.record.status = JourneyStatus::kDraft;
  earlier.versions.resize(1);
  ASSERT_TRUE(other.Import(earlier).ok());
  EXPECT_EQ(other.Get("welcome", 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(other.Get("welcome")->record.status, JourneyStatus::kDraft);
  EXPECT_GT(other.generation(), generation);

  // A removal ignores the status; removing again changes nothing.
  ASSERT_TRUE(other.Import(*parsed).ok());
  ASSERT_TRUE(other.Remove("welcome").ok());
  EXPECT_EQ(other.Get("welcome").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(other.Get("welcome", 1).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(other.Remove("welcome").ok());
}

TEST_F(JourneyStoreTest, InconsistentReplicasAreRefused) {
  ASSERT_TRUE(journeys_->Create(Definition("welcome")).ok());
  auto exported = journeys_->Export("welcome");
  ASSERT_TRUE(exported.ok());
  JourneyReplica missing_version = *exported;
  missing_version.record.version = 2;
  EXPECT_EQ(journeys_->Import(missing_version).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JourneyReplica::Parse(missing_version.Serialize()).status().code(),
            StatusCode::kInvalidArgument);
  JourneyReplica other_id = *exported;
  other_id.versions[0] = Definition("another").ToJson();
  EXPECT_EQ(JourneyReplica::Parse(other_id.Serialize()).status().code(),
            StatusCode::kInvalidArgument);
  for (const char* text :
       {"", "[]", R"({"record": {}, "versions": []})", R"({"record": {"v": 1}, "versions": {}})"}) {
    EXPECT_EQ(JourneyReplica::Parse(text).status().code(), StatusCode::kInvalidArgument) << text;
  }
  EXPECT_EQ(journeys_->Export("absent").status().code(), StatusCode::kNotFound);
  // Nothing of the refused imports was stored.
  EXPECT_EQ(journeys_->Get("welcome")->record.version, 1u);
}

}  // namespace
}  // namespace mercato::journey
