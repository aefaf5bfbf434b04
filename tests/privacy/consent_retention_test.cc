// Consent per purpose and retention rules (with their enforcement by compaction).

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time_format.h"
#include "privacy/consent.h"
#include "privacy/retention.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {
namespace json = boost::json;

TEST(ConsentTest, PurposeNamesAndAliases) {
  for (Purpose purpose : kAllPurposes) {
    EXPECT_EQ(PurposeFromName(PurposeName(purpose)), purpose);
  }
  EXPECT_EQ(PurposeFromName("Marketing"), Purpose::kEmailMarketing);
  EXPECT_EQ(PurposeFromName("Analytics"), Purpose::kProfiling);
  EXPECT_EQ(PurposeFromName("personalization"), Purpose::kPersonalisation);
  EXPECT_EQ(PurposeFromName("Advertising"), Purpose::kAdvertising);
  EXPECT_EQ(PurposeFromName("Email Marketing"), Purpose::kEmailMarketing);
  EXPECT_FALSE(PurposeFromName("cookies").has_value());
  EXPECT_FALSE(PurposeFromName("").has_value());
}

TEST(ConsentTest, DefaultsAndLatestDecisionWins) {
  ConsentState state;
  EXPECT_FALSE(state.Allows(Purpose::kEmailMarketing));
  EXPECT_TRUE(state.Allows(Purpose::kProfiling));
  EXPECT_TRUE(state.Allows(Purpose::kPersonalisation));
  EXPECT_FALSE(state.Allows(Purpose::kAdvertising));
  state.Apply(Purpose::kEmailMarketing, {true, 200, "web"});
  EXPECT_TRUE(state.Allows(Purpose::kEmailMarketing));
  state.Apply(Purpose::kEmailMarketing, {false, 100, "crm"});  // older: ignored
  EXPECT_TRUE(state.Allows(Purpose::kEmailMarketing));
  state.Apply(Purpose::kEmailMarketing, {false, 300, "crm"});
  EXPECT_FALSE(state.Allows(Purpose::kEmailMarketing));
  EXPECT_EQ(state.decisions[0]->source, "crm");
  ConsentDefaults opt_in_everything{{false, false, false, false}};
  EXPECT_FALSE(state.Allows(Purpose::kProfiling, opt_in_everything));
}

TEST(ConsentTest, ReadsSegmentConsentPreferences) {
  json::value context = json::parse(
      R"({"consent":{"categoryPreferences":{"Advertising":true,"Analytics":false,
          "Unknown Category":true,"Marketing":"yes"}}})");
  auto preferences = ReadConsentPreferences(&context.get_object());
  ASSERT_EQ(preferences.size(), 2u);
  EXPECT_EQ(preferences[0], std::make_pair(Purpose::kAdvertising, true));
  EXPECT_EQ(preferences[1], std::make_pair(Purpose::kProfiling, false));
  EXPECT_TRUE(ReadConsentPreferences(nullptr).empty());
  json::value none = json::parse(R"({"consent":"all"})");
  EXPECT_TRUE(ReadConsentPreferences(&none.get_object()).empty());
}

TEST(RetentionTest, ParsesRulesAndPicksTheMostSpecific) {
  auto policy = RetentionPolicy::Parse("page=30d, track:Product Viewed=90d,track=2h,*=730d");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->TtlFor(EventType::kPage, ""), 30 * kMicrosPerDay);
  EXPECT_EQ(policy->TtlFor(EventType::kTrack, "Product Viewed"), 90 * kMicrosPerDay);
  EXPECT_EQ(policy->TtlFor(EventType::kTrack, "Order Completed"), 2 * 3600 * kMicrosPerSecond);
  EXPECT_EQ(policy->TtlFor(EventType::kIdentify, ""), 730 * kMicrosPerDay);
  auto keep = RetentionPolicy::Parse("");
  ASSERT_TRUE(keep.ok());
  EXPECT_TRUE(keep->empty());
  EXPECT_FALSE(keep->TtlFor(EventType::kTrack, "x").has_value());
  for (const char* bad : {"page", "page=", "page=30", "page=0d", "page=-1d", "pages=1d",
                          "track:=1d", "*=99999999d", "page=1w"}) {
    EXPECT_EQ(RetentionPolicy::Parse(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RetentionTest, ExpiredJudgesByEventTimeAndKeepsWhatItCannotRead) {
  auto policy = RetentionPolicy::Parse("page=30d");
  ASSERT_TRUE(policy.ok());
  const int64_t now = 100 * kMicrosPerDay;
  auto page_at = [](int64_t day) {
    return R"({"type":"page","timestamp":")" + FormatTimestamp(day * kMicrosPerDay) + "\"}";
  };
  EXPECT_TRUE(policy->Expired(page_at(69), now));
  EXPECT_FALSE(policy->Expired(page_at(71), now));
  EXPECT_FALSE(
      policy->Expired(R"({"type":"track","event":"x","timestamp":"1970-01-02T00:00:00Z"})", now));
  EXPECT_FALSE(policy->Expired("not json", now));
  EXPECT_FALSE(policy->Expired(R"({"type":"page"})", now));
}

TEST(RetentionTest, CompactionDropsExpiredLogRecordsAndOffsetsAreNotReused) {
  testing::TempDir dir;
  FakeClock clock(1000 * kMicrosPerDay);
  auto policy = RetentionPolicy::Parse("page=30d");
  ASSERT_TRUE(policy.ok());
  StoreOptions options;
  options.path = dir.str();
  options.clock = &clock;
  options.event_expired = MakeEventExpiryFn(*policy, clock);
  auto open = [&] {
    auto store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  };
  auto store = open();
  EventLogOptions log_options;
  log_options.partitions = 1;
  auto log = std::move(EventLog::Open(*store, log_options, clock, nullptr)).value();
  log->Start();
  auto event = [&](const char* type, int64_t day) {
    return AppendItem{"u1", "", clock.NowMicros(),
                      std::string(R"({"type":")") + type + R"(","userId":"u1","timestamp":")" +
                          FormatTimestamp(day * kMicrosPerDay) + "\"}"};
  };
  ASSERT_TRUE(log->Append({event("page", 900), event("track", 900), event("page", 990)}).ok());
  ASSERT_TRUE(store->CompactAll().ok());
  auto records = log->Read(0, 0, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);  // the 100-day-old page view is gone
  EXPECT_EQ((*records)[0].offset, 1u);
  EXPECT_EQ((*records)[1].offset, 2u);
  // Time passes: the newest record expires too, and a reopened log does not reuse its offset.
  clock.Advance(60 * kMicrosPerDay);
  ASSERT_TRUE(store->CompactAll().ok());
  log->Stop();
  log.reset();
  store.reset();
  store = open();
  log = std::move(EventLog::Open(*store, log_options, clock, nullptr)).value();
  EXPECT_EQ(log->EndOffset(0), 3u);
  records = log->Read(0, 0, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].offset, 1u);  // the track event has no rule: kept
}

}  // namespace
}  // namespace mercato
