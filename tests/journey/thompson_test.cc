// Splits that choose by conversions (Thompson sampling): with the evidence so far favouring one
// variant, nearly every new customer gets it; with no evidence, customers spread over all.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/big_endian.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "journey/definition.h"
#include "journey/engine.h"
#include "journey/engine_keys.h"
#include "journey/journey_store.h"
#include "privacy/key_vault.h"
#include "profile/profile_builder.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato::journey {
namespace {

namespace json = boost::json;

constexpr char kJourney[] = R"({"id": "ab", "name": "AB", "trigger": {"event": "Signed Up"},
  "steps": [{"id": "pick", "split": {"variants": [{"name": "a", "next": "send-a"},
                                                 {"name": "b", "next": "send-b"}],
                                     "choose": "conversions"}},
            {"id": "send-a", "send": {"channel": "email", "template": "a"}, "next": "end"},
            {"id": "send-b", "send": {"channel": "email", "template": "b"}},
            {"id": "end", "exit": true}]})";

class ThompsonTest : public ::testing::Test {
 protected:
  virtual std::string Definition() const { return kJourney; }

  void SetUp() override {
    StoreOptions options;
    options.path = dir_.str();
    options.clock = &clock_;
    store_ = std::move(Store::Open(options)).value();
    log_ = std::move(EventLog::Open(*store_, EventLogOptions{}, clock_, nullptr)).value();
    log_->Start();
    vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'k'))).value();
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, nullptr);
    journeys_ = std::make_unique<JourneyStore>(*store_, clock_);
    auto definition = ParseJourney(Definition());
    ASSERT_TRUE(definition.ok()) << definition.status().ToString();
    ASSERT_TRUE(journeys_->Create(*definition).ok());
    ASSERT_TRUE(journeys_->Activate("ab").ok());
    engine_ = std::move(JourneyEngine::Open(*store_, *log_, *journeys_, *vault_, clock_, nullptr))
                  .value();
  }
  void TearDown() override { log_->Stop(); }

  void SetCounter(std::string_view step, std::string_view counter, uint64_t value) {
    rocksdb::WriteBatch batch;
    std::string encoded;
    PutFixed64BE(encoded, value);
    batch.Put(store_->cf(Cf::kJourneyState), EngineCounterKey("ab", step, counter), encoded);
    ASSERT_TRUE(store_->Write(batch, false).ok());
  }

  // Appends one track event and runs the profile builder and the engine until idle.
  void Track(const std::string& user, const std::string& message_id, const std::string& event,
             json::object properties, const std::string& source) {
    const std::string time = FormatTimestamp(clock_.NowMicros());
    json::object body{{"type", "track"},
                      {"event", event},
                      {"userId", user},
                      {"messageId", message_id},
                      {"timestamp", time},
                      {"receivedAt", time},
                      {"properties", std::move(properties)},
                      {"source", source}};
    ASSERT_TRUE(
        log_->Append({AppendItem{user, message_id, clock_.NowMicros(), SerializeJson(body)}}).ok());
    Settle();
  }

  void Settle() {
    for (int round = 0; round < 1000; ++round) {
      auto built = builder_->ProcessBatch();
      auto stepped = engine_->Step();
      ASSERT_TRUE(built.ok() && stepped.ok());
      if (*built == 0 && *stepped == 0) return;
    }
  }

  // The sum of counter `name` over the journey's steps.
  uint64_t Counter(std::string_view step, std::string_view name) {
    uint64_t total = 0;
    auto stats = engine_->Stats("ab");
    EXPECT_TRUE(stats.ok());
    for (const auto& entry : *stats) {
      if (entry.step != step) continue;
      if (auto found = entry.counters.find(std::string(name)); found != entry.counters.end()) {
        total += found->second;
      }
    }
    return total;
  }

  // Sends `count` new customers through; returns how many got each variant.
  std::map<std::string, uint64_t> Run(int first, int count) {
    std::map<std::string, uint64_t> before = Assigned();
    std::vector<AppendItem> items;
    for (int i = first; i < first + count; ++i) {
      const std::string user = "u" + std::to_string(i);
      const std::string time = FormatTimestamp(clock_.NowMicros());
      json::object event{{"type", "track"},         {"event", "Signed Up"}, {"userId", user},
                         {"messageId", "m" + user}, {"timestamp", time},    {"receivedAt", time}};
      items.push_back(AppendItem{user, "m" + user, clock_.NowMicros(), SerializeJson(event)});
    }
    EXPECT_TRUE(log_->Append(std::move(items)).ok());
    for (int round = 0; round < 1000; ++round) {
      auto built = builder_->ProcessBatch();
      auto stepped = engine_->Step();
      EXPECT_TRUE(built.ok() && stepped.ok());
      if (*built == 0 && *stepped == 0) break;
    }
    std::map<std::string, uint64_t> after = Assigned();
    for (auto& [name, value] : after) value -= before[name];
    return after;
  }

  std::map<std::string, uint64_t> Assigned() {
    std::map<std::string, uint64_t> out;
    auto stats = engine_->Stats("ab");
    EXPECT_TRUE(stats.ok());
    for (const auto& entry : *stats) {
      if (entry.step != "pick") continue;
      for (const auto& [name, value] : entry.counters) {
        if (name.starts_with("variant/")) out[name.substr(8)] += value;
      }
    }
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{1'790'000'000'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<JourneyStore> journeys_;
  std::unique_ptr<JourneyEngine> engine_;
};

TEST(SplitChooseTest, OnlyWeightsConversionsOrClicks) {
  auto conversions = ParseJourney(kJourney);
  ASSERT_TRUE(conversions.ok()) << conversions.status().ToString();
  EXPECT_TRUE(conversions->steps[0].by_conversions);
  EXPECT_NE(conversions->ToJson().find("\"choose\":\"conversions\""), std::string::npos);
  std::string clicks_text = kJourney;
  clicks_text.replace(clicks_text.find("\"conversions\""), 13, "\"clicks\"");
  auto clicks = ParseJourney(clicks_text);
  ASSERT_TRUE(clicks.ok()) << clicks.status().ToString();
  EXPECT_TRUE(clicks->steps[0].by_clicks);
  EXPECT_FALSE(clicks->steps[0].by_conversions);
  EXPECT_NE(clicks->ToJson().find("\"choose\":\"clicks\""), std::string::npos);

  std::string text = kJourney;
  text.replace(text.find("\"conversions\""), 13, "\"random\"");
  std::vector<DefinitionError> errors;
  ASSERT_FALSE(ParseJourney(text, &errors).ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "steps[0].split.choose");
  text.replace(text.find("\"random\""), 8, "\"weights\"");
  auto weighted = ParseJourney(text);
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  EXPECT_FALSE(weighted->steps[0].by_conversions);
  EXPECT_EQ(weighted->ToJson().find("choose"), std::string::npos);  // the default is not written
}

TEST_F(ThompsonTest, WithoutEvidenceCustomersSpreadOverTheVariants) {
  auto got = Run(0, 200);
  EXPECT_EQ(got["a"] + got["b"], 200u);
  EXPECT_GT(got["a"], 50u);
  EXPECT_GT(got["b"], 50u);
}

TEST_F(ThompsonTest, EvidenceSendsNearlyEveryoneToTheBetterVariant) {
  // 1,000 customers each so far: "a" converted 1 %, "b" 30 %.
  SetCounter("pick", "variant/a", 1000);
  SetCounter("pick", "variant/b", 1000);
  SetCounter("send-a", "converted/a", 10);
  SetCounter("send-b", "converted/b", 300);
  auto got = Run(0, 200);
  EXPECT_EQ(got["a"] + got["b"], 200u);
  EXPECT_GE(got["b"], 198u) << "a got " << got["a"];
}

class ThompsonClicksTest : public ThompsonTest {
 protected:
  std::string Definition() const override {
    std::string text = kJourney;
    text.replace(text.find("\"conversions\""), 13, "\"clicks\"");
    return text;
  }
};

TEST_F(ThompsonClicksTest, ClicksNotConversionsDecide) {
  // Conversions favour "a", clicks favour "b": a split on clicks follows the clicks.
  SetCounter("pick", "variant/a", 1000);
  SetCounter("pick", "variant/b", 1000);
  SetCounter("send-a", "converted/a", 300);
  SetCounter("send-a", "clicked/a", 10);
  SetCounter("send-b", "clicked/b", 300);
  auto got = Run(0, 200);
  EXPECT_EQ(got["a"] + got["b"], 200u);
  EXPECT_GE(got["b"], 198u) << "a got " << got["a"];
}

TEST_F(ThompsonClicksTest, AClickCountsOncePerEntryForTheCustomersVariant) {
  auto got = Run(0, 1);
  ASSERT_EQ(got["a"] + got["b"], 1u);
  const std::string variant = got["a"] == 1 ? "a" : "b";
  const std::string step = "send-" + variant;
  const json::object click{{"journey", "ab"}, {"step", step}, {"url", "https://shop.test/x"}};
  // Not counted: a click event from a customer-facing source, and one of another journey.
  Track("u0", "c-web", "Email Link Clicked", click, "web");
  json::object other = click;
  other["journey"] = "other";
  Track("u0", "c-other", "Email Link Clicked", other, "journeys");
  EXPECT_EQ(Counter(step, "clicked/" + variant), 0u);
  // Counted once however often the customer clicks.
  Track("u0", "c-1", "Email Link Clicked", click, "journeys");
  Track("u0", "c-2", "Email Link Clicked", click, "journeys");
  EXPECT_EQ(Counter(step, "clicked/" + variant), 1u);
}

}  // namespace
}  // namespace mercato::journey
