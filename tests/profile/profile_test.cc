#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "core/clock.h"
#include "core/time_format.h"
#include "event/parser.h"
#include "profile/keys.h"
#include "profile/profile_builder.h"
#include "profile/profile_fixture.h"
#include "profile/profile_state.h"
#include "profile/profile_store.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {

namespace json = boost::json;

// --- identity graph
// -------------------------------------------------------------------------------

class IdentifyMergeTest : public ProfileTest, public ::testing::WithParamInterface<bool> {};

// Param: whether the anonymous history is already stored when the identify arrives (merge of stored
// state, history rows moved) or everything is in one batch of a one-partition log (merge inside the
// batch overlay).
TEST_P(IdentifyMergeTest, AnonymousBrowsingThenIdentifyMergesHistory) {
  const bool stored_first = GetParam();
  if (!stored_first) Fresh(1);
  std::vector<std::string> sent;
  sent.push_back(Send(R"({"type":"page","anonymousId":"anon-1","name":"Home"})", 1));
  sent.push_back(Send(R"({"type":"track","anonymousId":"anon-1","event":"Product Viewed"})", 2));
  sent.push_back(Send(R"({"type":"track","userId":"u1","event":"Signed In"})", 3));
  // Customer ids derive from the first identity seen.
  const std::string anonymous_customer = profile::CustomerIdFor("a:anon-1");
  const std::string user_customer = profile::CustomerIdFor("u:u1");
  if (stored_first) {
    EXPECT_EQ(ProcessAll(), 3u);
    EXPECT_EQ(Customer("anon-1"), anonymous_customer);
    EXPECT_EQ(Customer("u1"), user_customer);
    EXPECT_EQ(Counts().customers, 2u);
    EXPECT_EQ(Counts().known_customers, 1u);
  }
  sent.push_back(Send(
      R"({"type":"identify","userId":"u1","anonymousId":"anon-1","traits":{"name":"Ann"}})", 4));
  EXPECT_EQ(ProcessAll(), stored_first ? 1u : 4u);

  // The anonymous customer was seen first, so it survives; the other id redirects to it.
  EXPECT_EQ(Customer("u1"), anonymous_customer);
  EXPECT_EQ(Customer("anon-1"), anonymous_customer);
  EXPECT_EQ(MessageIds("u1"), sent);  // oldest first, both histories under one customer
  json::object profile = Profile("u1");
  EXPECT_EQ(profile.at("customerId").as_string(), anonymous_customer);
  EXPECT_EQ(Identities(profile), (std::set<std::string>{"userId:u1", "anonymousId:anon-1"}));
  EXPECT_EQ(profile.at("traits").at("name").as_string(), "Ann");
  const json::object& counts = profile.at("features").at("event_counts").as_object();
  EXPECT_EQ(Number(counts.at("page")), 1);
  EXPECT_EQ(Number(counts.at("track")), 2);
  EXPECT_EQ(Number(counts.at("identify")), 1);
  EXPECT_EQ(profile.at("features").at("first_seen").as_string(), At(1));
  EXPECT_EQ(profile.at("features").at("last_seen").as_string(), At(4));
  EXPECT_EQ(Counts().customers, 1u);
  EXPECT_EQ(Counts().known_customers, 1u);
  ASSERT_EQ(profile.at("mergedFrom").as_array().size(), 1u);
  EXPECT_EQ(profile.at("mergedFrom").at(0).as_string(), user_customer);
  EXPECT_EQ(*profiles_->Resolve(user_customer), anonymous_customer);
  auto via_old_id = profiles_->ProfileJson(user_customer);
  ASSERT_TRUE(via_old_id.ok());
  EXPECT_EQ(json::parse(*via_old_id).at("customerId").as_string(), anonymous_customer);
  auto old_events = profiles_->Events(user_customer, "", 100);
  ASSERT_TRUE(old_events.ok());
  EXPECT_EQ(old_events->events.size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(StoredOrInBatch, IdentifyMergeTest, ::testing::Bool());

TEST_F(ProfileTest, AliasMergesEvenTwoUserIds) {
  Send(R"({"type":"track","userId":"old-login","event":"A"})", 1);
  Send(R"({"type":"track","userId":"new-login","event":"B"})", 2);
  Send(R"({"type":"page","anonymousId":"device-9"})", 3);
  ASSERT_EQ(ProcessAll(), 3u);
  const std::string old_customer = Customer("old-login");
  EXPECT_EQ(Counts().customers, 3u);
  Send(R"({"type":"alias","userId":"new-login","previousId":"old-login"})", 4);
  Send(R"({"type":"alias","userId":"new-login","previousId":"device-9"})", 5);
  ASSERT_EQ(ProcessAll(), 2u);
  EXPECT_EQ(Customer("new-login"), old_customer);
  EXPECT_EQ(Customer("device-9"), old_customer);
  EXPECT_EQ(AllEvents("new-login").size(), 5u);
  EXPECT_EQ(
      Identities(Profile("old-login")),
      (std::set<std::string>{"userId:old-login", "userId:new-login", "anonymousId:device-9"}));
  EXPECT_EQ(Number(Features("device-9").at("event_counts").at("alias")), 2);
  EXPECT_EQ(Counts().customers, 1u);
  EXPECT_EQ(Counts().known_customers, 1u);
}

class MergeChainTest : public ProfileTest, public ::testing::WithParamInterface<bool> {};

// a (seen at 5) merges into b (seen at 3), then b into c (seen at 1): every old id redirects to c
// in one hop, and c holds the sum of all three. Param: process between the two merges or not.
TEST_P(MergeChainTest, RedirectsPointStraightAtTheSurvivor) {
  Send(
      R"({"type":"track","userId":"c","event":"Order Completed","properties":{"revenue":1,"category":"x"}})",
      1);
  Send(
      R"({"type":"track","userId":"b","event":"Order Completed","properties":{"revenue":2,"category":"x"}})",
      3);
  Send(R"({"type":"track","anonymousId":"a","event":"Order Completed","properties":{"revenue":4}})",
       5);
  ASSERT_EQ(ProcessAll(), 3u);
  const std::string a = Customer("a"), b = Customer("b"), c = Customer("c");
  Send(R"({"type":"alias","userId":"b","previousId":"a"})", 6);
  if (GetParam()) {
    ASSERT_EQ(ProcessAll(), 1u);
    EXPECT_EQ(Customer("a"), b);
  }
  Send(R"({"type":"alias","userId":"c","previousId":"b"})", 7);
  ProcessAll();

  for (const std::string& old_id : {a, b}) {
    auto stored = store_->Get(Cf::kProfiles, old_id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(*stored, R"({"mergedInto":")" + c + R"("})");
    EXPECT_EQ(*profiles_->Resolve(old_id), c);
  }
  EXPECT_EQ(Customer("a"), c);
  const json::object profile = Profile("b");
  EXPECT_EQ(profile.at("customerId").as_string(), c);
  std::set<std::string> merged_from;
  for (const json::value& id : profile.at("mergedFrom").as_array()) {
    merged_from.emplace(id.as_string());
  }
  EXPECT_EQ(merged_from, (std::set<std::string>{a, b}));
  const json::object& features = profile.at("features").as_object();
  EXPECT_EQ(Number(features.at("orders")), 3);
  EXPECT_DOUBLE_EQ(Number(features.at("revenue")), 7);
  EXPECT_EQ(Number(features.at("top_categories").at(0).at("count")), 2);
  EXPECT_EQ(features.at("first_seen").as_string(), At(1));
  EXPECT_EQ(AllEvents("a").size(), 5u);
  EXPECT_EQ(Counts().customers, 1u);
  // Nothing is left under the old prefixes.
  for (const std::string& old_id : {a, b}) {
    auto it = store_->NewIterator(Cf::kEvents);
    it->Seek(old_id);
    EXPECT_FALSE(it->Valid() && it->key().starts_with(old_id)) << old_id;
  }
}

INSTANTIATE_TEST_SUITE_P(StoredOrInBatch, MergeChainTest, ::testing::Bool());

TEST_F(ProfileTest, AliasWithUnknownPreviousIdLinksItAsAnonymous) {
  Send(R"({"type":"alias","userId":"u5","previousId":"later-device"})", 1);
  ASSERT_EQ(ProcessAll(), 1u);
  Send(R"({"type":"page","anonymousId":"later-device"})", 2);
  ASSERT_EQ(ProcessAll(), 1u);
  EXPECT_EQ(Customer("later-device"), Customer("u5"));
  EXPECT_EQ(Counts().customers, 1u);
}

TEST_F(ProfileTest, TwoUserIdsOnOneAnonymousIdDoNotMerge) {
  Send(R"({"type":"identify","userId":"u1","anonymousId":"family-tablet"})", 1);
  ASSERT_EQ(ProcessAll(), 1u);
  Send(R"({"type":"identify","userId":"u2","anonymousId":"family-tablet"})", 2);
  Send(R"({"type":"track","userId":"u2","anonymousId":"family-tablet","event":"Cart Viewed"})", 3);
  // Shared mailbox: same rule for an e-mail linking two users.
  Send(R"({"type":"identify","userId":"u1","traits":{"email":"home@example.com"}})", 4);
  ASSERT_EQ(ProcessAll(), 3u);
  Send(R"({"type":"identify","userId":"u2","traits":{"email":"home@example.com"}})", 5);
  ASSERT_EQ(ProcessAll(), 1u);
  EXPECT_NE(Customer("u1"), Customer("u2"));
  EXPECT_EQ(Customer("family-tablet"), Customer("u1"));
  EXPECT_EQ(Customer("home@example.com"), Customer("u1"));
  EXPECT_EQ(AllEvents("u1").size(), 2u);
  EXPECT_EQ(AllEvents("u2").size(), 3u);
  EXPECT_EQ(Identities(Profile("u2")), (std::set<std::string>{"userId:u2"}));
  EXPECT_EQ(Counts().customers, 2u);
  EXPECT_EQ(Counts().known_customers, 2u);
  // An anonymous event on the device still goes to the device's customer, and an e-mail of the
  // other user typed on it does not join the two.
  Send(R"({"type":"page","anonymousId":"family-tablet"})", 6);
  Send(R"({"type":"identify","userId":"u2","traits":{"email":"two@example.com"}})", 7);
  ASSERT_EQ(ProcessAll(), 2u);
  Send(R"({"type":"track","anonymousId":"family-tablet","event":"Login Form",
           "context":{"traits":{"email":"two@example.com"}}})",
       8);
  ASSERT_EQ(ProcessAll(), 1u);
  EXPECT_NE(Customer("u1"), Customer("u2"));
  EXPECT_EQ(Customer("two@example.com"), Customer("u2"));
  EXPECT_EQ(AllEvents("u1").size(), 4u);
  EXPECT_EQ(AllEvents("u2").size(), 4u);
  EXPECT_EQ(Counts().customers, 2u);
}

TEST_F(ProfileTest, EmailLookupIsCaseInsensitiveAndLinksAnonymousVisitors) {
  Send(R"({"type":"identify","userId":"u7","traits":{"email":"  Ann@Example.COM "}})", 1);
  ASSERT_EQ(ProcessAll(), 1u);
  const std::string customer = Customer("u7");
  EXPECT_EQ(Customer("ann@example.com"), customer);
  EXPECT_EQ(Customer("ANN@EXAMPLE.com"), customer);
  EXPECT_EQ(Customer(" ann@example.COM\t"), customer);
  EXPECT_EQ(profiles_->Resolve("bob@example.com").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(profiles_->Resolve("nobody").status().code(), StatusCode::kNotFound);
  // An anonymous visitor who types the address into a form joins the known customer.
  Send(R"({"type":"track","anonymousId":"anon-7","event":"Newsletter Signup",
           "context":{"traits":{"email":"ANN@example.com"}}})",
       2);
  ASSERT_EQ(ProcessAll(), 1u);
  EXPECT_EQ(Customer("anon-7"), customer);
  EXPECT_EQ(Identities(Profile("u7")),
            (std::set<std::string>{"userId:u7", "email:ann@example.com", "anonymousId:anon-7"}));
  // The trait keeps the spelling the customer used; the identity is normalised.
  EXPECT_EQ(Profile("u7").at("traits").at("email").as_string(), "ANN@example.com");
  EXPECT_EQ(Counts().customers, 1u);
}

TEST_F(ProfileTest, CustomerIdsAreDerivedFromTheFirstIdentity) {
  Send(R"({"type":"track","userId":"42","event":"x"})", 1);
  ASSERT_EQ(ProcessAll(), 1u);
  EXPECT_EQ(Customer("42"), profile::CustomerIdFor("u:42"));
  EXPECT_EQ(Customer(profile::CustomerIdFor("u:42")), profile::CustomerIdFor("u:42"));
  EXPECT_EQ(profiles_->Resolve(profile::CustomerIdFor("u:43")).status().code(),
            StatusCode::kNotFound);
}

// --- traits and features
// ---------------------------------------------------------------------------

TEST_F(ProfileTest, TraitsLatestEventTimestampWinsNotArrivalOrder) {
  Send(R"({"type":"identify","userId":"u1","traits":{"name":"New Name","plan":"pro"}})", 20);
  ASSERT_EQ(ProcessAll(), 1u);
  // Arrives later but happened earlier: only the trait nobody set since is taken.
  Send(R"({"type":"identify","userId":"u1","traits":{"name":"Old Name","city":"Paris"}})", 10);
  // context.traits of any event update traits too.
  Send(
      R"({"type":"track","userId":"u1","event":"Upgraded","context":{"traits":{"plan":"enterprise"}}})",
      30);
  // Same rule within one batch.
  Send(R"({"type":"identify","userId":"u1","traits":{"city":"Lyon"}})", 40);
  Send(R"({"type":"identify","userId":"u1","traits":{"city":"Nice"}})", 35);
  ASSERT_EQ(ProcessAll(), 4u);
  const json::object traits = Profile("u1").at("traits").as_object();
  EXPECT_EQ(traits.at("name").as_string(), "New Name");
  EXPECT_EQ(traits.at("plan").as_string(), "enterprise");
  EXPECT_EQ(traits.at("city").as_string(), "Lyon");
  EXPECT_EQ(traits.size(), 3u);
}

TEST_F(ProfileTest, MergedTraitsKeepTheLatestPerTrait) {
  Send(R"({"type":"identify","anonymousId":"a1","traits":{"name":"Guest","color":"red"}})", 50);
  Send(R"({"type":"identify","userId":"u1","traits":{"name":"Ann","color":"blue"}})", 10);
  ASSERT_EQ(ProcessAll(), 2u);
  Send(R"({"type":"identify","userId":"u1","anonymousId":"a1","traits":{"color":"green"}})", 20);
  ASSERT_EQ(ProcessAll(), 1u);
  const json::object traits = Profile("u1").at("traits").as_object();
  EXPECT_EQ(traits.at("name").as_string(), "Guest");  // set at 50 by the anonymous side
  EXPECT_EQ(traits.at("color").as_string(), "red");   // 50 beats 20 and 10
}

TEST_F(ProfileTest, RevenueOrdersRefundsAndRfm) {
  Send(
      R"({"type":"track","userId":"buyer","event":"Order Completed","properties":{"revenue":100}})",
      0);
  Send(
      R"({"type":"track","userId":"buyer","event":"Order Completed","properties":{"total":"50.5"}})",
      1 * 24 * 60);
  Send(R"({"type":"track","userId":"buyer","event":"Order Completed","properties":{"products":[
          {"price":10,"quantity":2},{"price":5}]}})",
       3 * 24 * 60);
  Send(R"({"type":"track","userId":"buyer","event":"Order Refunded","properties":{"revenue":30}})",
       4 * 24 * 60);
  Send(R"({"type":"track","userId":"buyer","event":"Product Viewed","properties":{"price":999}})",
       5 * 24 * 60);
  Send(R"({"type":"page","userId":"browser"})", 0);
  ASSERT_EQ(ProcessAll(), 6u);
  clock_.Set(kBase + (3 * 24 * 60) * kMinute + 10 * kMicrosPerDay + 5 * 3600 * kMicrosPerSecond);

  const json::object features = Features("buyer");
  EXPECT_EQ(Number(features.at("orders")), 3);
  EXPECT_EQ(Number(features.at("refunds")), 1);
  EXPECT_DOUBLE_EQ(Number(features.at("revenue")), 145.5);  // 100 + 50.5 + 25 - 30
  EXPECT_DOUBLE_EQ(Number(features.at("average_order_value")), 48.5);
  EXPECT_EQ(features.at("last_order_at").as_string(), At(3 * 24 * 60));
  EXPECT_EQ(Number(features.at("events").at("Order Completed")), 3);
  EXPECT_EQ(Number(features.at("events").at("Product Viewed")), 1);
  const json::object& rfm = features.at("rfm").as_object();
  EXPECT_DOUBLE_EQ(Number(rfm.at("recency_days")), 10.21);  // 10 days 5 hours
  EXPECT_EQ(Number(rfm.at("frequency")), 3);
  EXPECT_DOUBLE_EQ(Number(rfm.at("monetary")), 145.5);

  // Numbers read as people write them (json::serialize would give 1.455E2).
  const std::string text = *profiles_->ProfileJson(Customer("buyer"));
  EXPECT_NE(text.find(R"("revenue":145.5,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("recency_days":10.21,)"), std::string::npos) << text;

  const json::object none = Features("browser");
  EXPECT_EQ(Number(none.at("orders")), 0);
  EXPECT_EQ(Number(none.at("average_order_value")), 0);
  EXPECT_TRUE(none.at("last_order_at").is_null());
  EXPECT_TRUE(none.at("rfm").at("recency_days").is_null());
}

TEST_F(ProfileTest, RefundsReduceRevenueWhateverTheirSign) {
  Send(R"({"type":"track","userId":"b","event":"Order Completed","properties":{"revenue":40}})", 0);
  Send(R"({"type":"track","userId":"b","event":"Order Refunded","properties":{"products":[
          {"price":5,"quantity":-2}]}})",
       1);
  ASSERT_EQ(ProcessAll(), 2u);
  EXPECT_DOUBLE_EQ(Number(Features("b").at("revenue")), 30);
}

TEST_F(ProfileTest, TopCategoriesDeviceAndCountry) {
  // Category counts 7, 6, 5, 4, 3, 2, 1 for c7..c1, from properties.category and products[].
  int minute = 0;
  for (int count = 1; count <= 7; ++count) {
    for (int k = 0; k < count; ++k) {
      std::string category = "c" + std::to_string(count);
      if (k % 2 == 0) {
        Send(
            R"({"type":"track","userId":"u1","event":"Product Viewed","properties":{"category":")" +
                category + R"("}})",
            ++minute);
      } else {
        Send(
            R"({"type":"track","userId":"u1","event":"Order Completed","properties":{"products":[{"price":1,"category":")" +
                category + R"("}]}})",
            ++minute);
      }
    }
  }
  Send(
      R"({"type":"page","userId":"u1","context":{"device":{"type":"mobile"},"location":{"country":"FR"}}})",
      ++minute);
  Send(
      R"({"type":"page","userId":"u1","context":{"device":{"type":"mobile"},"location":{"country":"DE"}}})",
      ++minute);
  Send(
      R"({"type":"page","userId":"u1","context":{"device":{"type":"desktop"},"location":{"country":"DE"}}})",
      ++minute);
  Send(R"({"type":"identify","userId":"u2","traits":{"address":{"country":"GB","city":"Leeds"}}})",
       ++minute);
  Send(R"({"type":"page","userId":"u3"})", ++minute);
  ProcessAll();

  const json::object features = Features("u1");
  const json::array& top = features.at("top_categories").as_array();
  ASSERT_EQ(top.size(), 5u);
  for (int rank = 0; rank < 5; ++rank) {
    EXPECT_EQ(top[rank].at("category").as_string(), "c" + std::to_string(7 - rank));
    EXPECT_EQ(Number(top[rank].at("count")), 7 - rank);
  }
  EXPECT_EQ(features.at("preferred_device").as_string(), "mobile");
  EXPECT_EQ(features.at("preferred_country").as_string(), "DE");
  EXPECT_EQ(Features("u2").at("preferred_country").as_string(), "GB");
  EXPECT_TRUE(Features("u3").at("preferred_country").is_null());
  EXPECT_TRUE(Features("u3").at("preferred_device").is_null());
  EXPECT_EQ(Features("u3").at("top_categories").as_array().size(), 0u);
}

TEST_F(ProfileTest, ActiveHoursCountEventsByUtcHour) {
  for (int minute : {0, 1, 2, 180, 181}) {
    Send(R"({"type":"track","userId":"u1","event":"Product Viewed"})", minute);
  }
  ProcessAll();
  const json::array hours = Features("u1").at("active_hours_utc").as_array();
  ASSERT_EQ(hours.size(), 24u);
  // kBase is midnight UTC: minutes 0-2 fall in hour 0, minutes 180-181 in hour 3.
  int64_t total = 0;
  for (const json::value& count : hours) total += static_cast<int64_t>(Number(count));
  EXPECT_EQ(total, 5);
  EXPECT_EQ(Number(hours[0]), 3);
  EXPECT_EQ(Number(hours[3]), 2);

  // Profiles stored before hours were counted read as all zeros; damaged counts are refused.
  profile::ProfileState empty;
  empty.id = "0123456789abcdef";
  json::object stored = json::parse(empty.Serialize()).as_object();
  ASSERT_TRUE(stored.contains("hours"));
  stored.erase("hours");
  auto old = profile::ProfileState::Parse(empty.id, json::serialize(stored));
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  for (uint64_t count : old->active_hours) EXPECT_EQ(count, 0u);
  stored["hours"] = json::array{1, 2};
  EXPECT_EQ(profile::ProfileState::Parse(empty.id, json::serialize(stored)).status().code(),
            StatusCode::kCorruption);
}

TEST_F(ProfileTest, TrackEventNamesAreCapped) {
  for (int k = 0; k < 250; ++k) {
    Send(R"({"type":"track","userId":"u1","event":"e)" + std::to_string(k) + R"("})", k);
  }
  Send(R"({"type":"track","userId":"u1","event":"e0"})", 300);
  ASSERT_EQ(ProcessAll(), 251u);
  const json::object features = Features("u1");
  EXPECT_EQ(features.at("events").as_object().size(), profile::kMaxTrackEventNames);
  EXPECT_EQ(Number(features.at("event_counts").at("track")), 251);
}

// --- history paging
// -------------------------------------------------------------------------------

TEST_F(ProfileTest, EventsArePagedOldestFirstWithEveryEventExactlyOnce) {
  std::vector<int> minutes(25);
  for (int k = 0; k < 25; ++k) minutes[k] = k;
  std::shuffle(minutes.begin(), minutes.end(), std::mt19937(7));
  std::map<int, std::string> by_minute;
  for (int minute : minutes) {
    by_minute[minute] = Send(R"({"type":"track","userId":"pager","event":"Tick"})", minute);
  }
  ASSERT_EQ(ProcessAll(), 25u);
  std::vector<std::string> expected;
  for (const auto& [minute, message_id] : by_minute) expected.push_back(message_id);

  const std::string customer = Customer("pager");
  for (size_t page_size : {1u, 7u, 25u, 1000u}) {
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
      auto page = profiles_->Events(customer, cursor, page_size);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      ++pages;
      ASSERT_LE(page->events.size(), page_size);
      for (const std::string& text : page->events) {
        seen.emplace_back(json::parse(text).at("messageId").as_string());
      }
      cursor = page->next_cursor;
    } while (!cursor.empty() && pages < 100);
    EXPECT_EQ(seen, expected) << "page size " << page_size;
    EXPECT_EQ(pages, static_cast<int>((25 + page_size - 1) / page_size))
        << "page size " << page_size;
  }
}

TEST_F(ProfileTest, EventsRejectsBadCursorsAndLimits) {
  Send(R"({"type":"track","userId":"u1","event":"x"})", 1);
  Send(R"({"type":"track","userId":"u1","event":"y"})", 2);
  ASSERT_EQ(ProcessAll(), 2u);
  const std::string customer = Customer("u1");
  auto first = profiles_->Events(customer, "", 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->next_cursor.size(), 40u);
  for (std::string bad : {std::string("zz"), std::string("abc"), std::string(40, 'g'),
                          first->next_cursor + "00", first->next_cursor.substr(2)}) {
    auto page = profiles_->Events(customer, bad, 10);
    EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(profiles_->Events(customer, "", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(profiles_->Events(customer, "", 1001).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(profiles_->Events(customer, "", 1000).ok());
  EXPECT_EQ(profiles_->Events(profile::CustomerIdFor("u:nobody"), "", 10).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(profiles_->ProfileJson("0000000000000000").status().code(), StatusCode::kNotFound);
}

// --- cursors, idempotence, failures
// ---------------------------------------------------------------

TEST_F(ProfileTest, CursorsPersistSoNothingIsProcessedTwice) {
  for (int k = 0; k < 10; ++k) {
    Send(R"({"type":"track","userId":"u1","anonymousId":"a1","event":"Order Completed",
             "properties":{"revenue":1}})",
         k);
  }
  auto partial = builder_->ProcessBatch(3);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(*partial, 3u);
  NewBuilder();  // the consumer "crashes" and restarts from its stored cursors
  EXPECT_EQ(builder_->Lag(), 7u);
  EXPECT_EQ(ProcessAll(), 7u);
  NewBuilder();
  EXPECT_EQ(builder_->Lag(), 0u);
  EXPECT_EQ(ProcessAll(), 0u);
  for (int k = 10; k < 15; ++k) {
    Send(R"({"type":"track","userId":"u1","event":"Order Completed","properties":{"revenue":1}})",
         k);
  }
  Open(4);  // the whole node restarts
  EXPECT_EQ(builder_->Lag(), 5u);
  EXPECT_EQ(ProcessAll(), 5u);
  const json::object features = Features("u1");
  EXPECT_EQ(Number(features.at("event_counts").at("track")), 15);
  EXPECT_EQ(Number(features.at("orders")), 15);
  EXPECT_DOUBLE_EQ(Number(features.at("revenue")), 15);
  EXPECT_EQ(AllEvents("u1", 4).size(), 15u);
  EXPECT_EQ(Counts().customers, 1u);
}

TEST_F(ProfileTest, AFailedBatchChangesNothingAndTheRetryIsExact) {
  Send(R"({"type":"track","userId":"u1","event":"Order Completed","properties":{"revenue":10}})",
       1);
  Send(R"({"type":"page","anonymousId":"a9"})", 2);
  ASSERT_EQ(ProcessAll(), 2u);
  const std::string before = *profiles_->ProfileJson(Customer("u1"));
  const std::string anonymous_before = *profiles_->ProfileJson(Customer("a9"));

  Send(R"({"type":"identify","userId":"u1","anonymousId":"a9","traits":{"email":"x@y.z"}})", 3);
  Send(R"({"type":"track","userId":"u1","event":"Order Completed","properties":{"revenue":5}})", 4);
  Send(R"({"type":"track","userId":"u2","event":"Order Completed","properties":{"revenue":7}})", 5);
  store_->FailWritesAfter(0);
  auto failed = builder_->ProcessBatch();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  EXPECT_EQ(builder_->Lag(), 3u);
  EXPECT_EQ(*profiles_->ProfileJson(Customer("u1")), before);
  EXPECT_EQ(*profiles_->ProfileJson(Customer("a9")), anonymous_before);
  EXPECT_NE(Customer("a9"), Customer("u1"));
  EXPECT_EQ(profiles_->Resolve("u2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(profiles_->Resolve("x@y.z").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Counts().customers, 2u);

  // Let one batch through and fail the next: the first is kept whole, the second not at all.
  store_->FailWritesAfter(1);
  ASSERT_TRUE(builder_->ProcessBatch(1).ok());
  EXPECT_EQ(builder_->Lag(), 2u);
  EXPECT_FALSE(builder_->ProcessBatch(1).ok());
  EXPECT_EQ(builder_->Lag(), 2u);

  store_->FailWritesAfter(-1);
  NewBuilder();
  EXPECT_EQ(ProcessAll(), 2u);
  EXPECT_EQ(Customer("a9"), Customer("u1"));
  EXPECT_EQ(Customer("x@y.z"), Customer("u1"));
  const json::object features = Features("u1");
  EXPECT_EQ(Number(features.at("orders")), 2);
  EXPECT_DOUBLE_EQ(Number(features.at("revenue")), 15);
  EXPECT_EQ(Number(features.at("event_counts").at("identify")), 1);
  EXPECT_EQ(AllEvents("u1").size(), 4u);
  EXPECT_DOUBLE_EQ(Number(Features("u2").at("revenue")), 7);
  EXPECT_EQ(Counts().customers, 2u);
  EXPECT_EQ(Counts().known_customers, 2u);
}

TEST_F(ProfileTest, LagAndMetrics) {
  EXPECT_EQ(builder_->Lag(), 0u);
  for (int k = 0; k < 10; ++k) {
    Send(R"({"type":"track","userId":"user)" + std::to_string(k) + R"(","event":"x"})", k);
  }
  EXPECT_EQ(builder_->Lag(), 10u);
  auto done = builder_->ProcessBatch(4);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*done, 4u);
  EXPECT_EQ(builder_->Lag(), 6u);
  std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("mercato_consumer_lag{consumer=\"profiles\"} 6\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("mercato_profile_events_processed_total 4\n"), std::string::npos) << text;
  EXPECT_EQ(ProcessAll(), 6u);
  EXPECT_EQ(builder_->Lag(), 0u);
  text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("mercato_consumer_lag{consumer=\"profiles\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("mercato_profile_events_processed_total 10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mercato_profile_batch_seconds_count"), std::string::npos) << text;
  EXPECT_EQ(text.find("mercato_profile_batch_seconds_count 0\n"), std::string::npos) << text;
  // The gauge stays safe to scrape after the builder is gone.
  builder_.reset();
  EXPECT_NE(metrics_.RenderPrometheus().find("mercato_consumer_lag{consumer=\"profiles\"} 0\n"),
            std::string::npos);
}

TEST_F(ProfileTest, UndecodableRecordsAreSkippedNotFatal) {
  std::vector<AppendItem> items;
  items.push_back(AppendItem{"u1", "", 0, "not json"});
  items.push_back(AppendItem{"u1", "", 0, R"({"type":"track","userId":"u1"})"});  // no timestamp
  ASSERT_TRUE(log_->Append(std::move(items)).ok());
  Send(R"({"type":"track","userId":"u1","event":"x"})", 1);
  EXPECT_EQ(ProcessAll(), 3u);
  EXPECT_EQ(builder_->Lag(), 0u);
  EXPECT_EQ(AllEvents("u1").size(), 1u);
  EXPECT_NE(metrics_.RenderPrometheus().find("mercato_profile_events_skipped_total 2\n"),
            std::string::npos);
}

TEST_F(ProfileTest, RebuildingFromTheLogGivesTheSameProfiles) {
  const char* bodies[] = {
      R"({"type":"page","anonymousId":"a1"})",
      R"({"type":"identify","userId":"u1","anonymousId":"a1","traits":{"email":"A@B.CO"}})",
      R"({"type":"track","userId":"u2","event":"Order Completed","properties":{"revenue":3}})",
      R"({"type":"alias","userId":"u2","previousId":"u1"})",
  };
  int minute = 0;
  for (const char* body : bodies) Send(body, ++minute);
  ASSERT_EQ(ProcessAll(), 4u);
  const std::string first = *profiles_->ProfileJson(Customer("u2"));
  // Wipe the derived state (everything but the log) and rebuild it.
  rocksdb::WriteBatch wipe;
  for (Cf family : {Cf::kEvents, Cf::kIdentities, Cf::kProfiles, Cf::kMeta}) {
    auto it = store_->NewIterator(family);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (family == Cf::kMeta && !it->key().starts_with("cursor/profiles/")) continue;
      wipe.Delete(store_->cf(family), it->key());
    }
  }
  ASSERT_TRUE(store_->Write(wipe, true).ok());
  NewBuilder();
  EXPECT_EQ(profiles_->Resolve("u2").status().code(), StatusCode::kNotFound);
  ASSERT_EQ(ProcessAll(), 4u);
  EXPECT_EQ(*profiles_->ProfileJson(Customer("u2")), first);
  EXPECT_EQ(Customer("a@b.co"), Customer("a1"));
}

// --- data and throughput
// --------------------------------------------------------------------------

// Splits one RFC-4180 CSV line (no embedded newlines in this data set).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t k = 0; k < line.size(); ++k) {
    char c = line[k];
    if (quoted) {
      if (c == '"' && k + 1 < line.size() && line[k + 1] == '"') {
        fields.back().push_back('"');
        ++k;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

// The UCI Online Retail table as one Order Completed (or, for "C" invoices, Order Refunded) per
// invoice: 25,900 events, 4,372 known customers plus one guest per invoice without a customer.
TEST_F(ProfileTest, OnlineRetailImportBuildsTheExpectedCustomers) {
  REQUIRE_DATA_FILE(path, "online_retail/online_retail_I_from_spark_guide_by_day.csv");
  std::ifstream in(path);
  ASSERT_TRUE(in.good());
  std::string line;
  std::getline(in, line);  // header
  struct Invoice {
    std::string customer, date, country;
    json::array products;
  };
  std::vector<std::string> order;
  std::map<std::string, Invoice> invoices;
  while (std::getline(in, line)) {
    std::vector<std::string> f = SplitCsv(line);
    ASSERT_EQ(f.size(), 8u) << line;
    auto [it, inserted] = invoices.try_emplace(f[0]);
    if (inserted) {
      order.push_back(f[0]);
      it->second.customer = f[6].empty() ? "" : std::to_string(static_cast<long>(std::stod(f[6])));
      it->second.date = f[4];
      it->second.country = f[7];
    }
    it->second.products.push_back(json::object{
        {"product_id", f[1]}, {"price", std::stod(f[5])}, {"quantity", std::stol(f[3])}});
  }
  ASSERT_EQ(invoices.size(), 25900u);
  IngestLimits limits;
  limits.max_event_bytes = 4 << 20;
  std::vector<AppendItem> items;
  for (const std::string& number : order) {
    Invoice& invoice = invoices[number];
    json::object event{
        {"type", "track"},
        {"messageId", "invoice-" + number},
        {"event", number[0] == 'C' ? "Order Refunded" : "Order Completed"},
        {"timestamp", invoice.date},
        {"context", json::object{{"location", json::object{{"country", invoice.country}}}}},
        {"properties",
         json::object{{"order_id", number}, {"products", std::move(invoice.products)}}}};
    if (invoice.customer.empty()) {
      event["anonymousId"] = "guest-" + number;
    } else {
      event["userId"] = invoice.customer;
    }
    auto normalized = NormalizeEvent(std::move(event), std::nullopt, clock_.NowMicros(), limits);
    ASSERT_TRUE(normalized.ok()) << normalized.status().ToString();
    items.push_back(AppendItem{std::string(normalized->RoutingKey()), normalized->message_id,
                               normalized->received_at_us, std::move(normalized->payload)});
  }
  ASSERT_EQ(log_->Append(std::move(items))->appended, 25900u);

  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(ProcessAll(), 25900u);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ profile ] Online Retail: 25900 events in " << seconds << " s (" << 25900 / seconds
            << " events/s)\n";

  EXPECT_EQ(Counts().known_customers, 4372u);
  EXPECT_EQ(Counts().customers, 4372u + 3710u);
  // 12346 bought 74,215 units for 77,183.60 and returned them the same day.
  json::object features = Features("12346");
  EXPECT_EQ(Number(features.at("orders")), 1);
  EXPECT_EQ(Number(features.at("refunds")), 1);
  EXPECT_NEAR(Number(features.at("revenue")), 0, 1e-6);
  features = Features("17850");
  EXPECT_EQ(Number(features.at("orders")), 34);
  EXPECT_EQ(Number(features.at("refunds")), 1);
  EXPECT_NEAR(Number(features.at("revenue")), 5288.63, 0.005);
  EXPECT_EQ(features.at("preferred_country").as_string(), "United Kingdom");
  EXPECT_EQ(features.at("last_order_at").as_string(), "2010-12-02T15:27:00.000Z");
  EXPECT_EQ(features.at("last_seen").as_string(), "2011-02-10T14:38:00.000Z");  // the refund
  EXPECT_EQ(AllEvents("17850", 10).size(), 35u);
}

// Many small events over many customers. Prints the rate; MERCATO_PROFILE_THROUGHPUT_EVENTS sets
// the size (default 20,000 to keep the suite fast).
TEST_F(ProfileTest, SyntheticThroughput) {
  size_t total = 20000;
  if (const char* env = std::getenv("MERCATO_PROFILE_THROUGHPUT_EVENTS")) total = std::stoul(env);
  const size_t customers = std::max<size_t>(1, total / 10);
  std::mt19937_64 rng(42);
  IngestLimits limits;
  std::vector<AppendItem> items;
  const char* names[] = {"Product Viewed", "Product Added", "Order Completed", "Checkout Started"};
  for (size_t k = 0; k < total; ++k) {
    size_t customer = rng() % customers;
    json::object event;
    switch (rng() % 10) {
      case 0:
        event = {{"type", "identify"},
                 {"userId", "user-" + std::to_string(customer)},
                 {"anonymousId", "anon-" + std::to_string(customer)},
                 {"traits", json::object{{"email", "c" + std::to_string(customer) + "@example.com"},
                                         {"plan", k % 3 == 0 ? "pro" : "free"}}}};
        break;
      case 1:
      case 2:
      case 3:
        event = {{"type", "page"},
                 {"anonymousId", "anon-" + std::to_string(customer)},
                 {"name", "Home"},
                 {"context", json::object{{"device", json::object{{"type", "mobile"}}}}}};
        break;
      default:
        event = {{"type", "track"},
                 {"userId", "user-" + std::to_string(customer)},
                 {"event", names[rng() % 4]},
                 {"properties", json::object{{"revenue", static_cast<double>(rng() % 10000) / 100},
                                             {"category", "cat" + std::to_string(rng() % 30)}}}};
    }
    event["timestamp"] = At(static_cast<int64_t>(k));
    auto normalized = NormalizeEvent(std::move(event), std::nullopt, clock_.NowMicros(), limits);
    ASSERT_TRUE(normalized.ok()) << normalized.status().ToString();
    items.push_back(AppendItem{std::string(normalized->RoutingKey()), normalized->message_id,
                               normalized->received_at_us, std::move(normalized->payload)});
    if (items.size() == 10000) {
      ASSERT_TRUE(log_->Append(std::move(items)).ok());
      items.clear();
    }
  }
  ASSERT_TRUE(log_->Append(std::move(items)).ok());
  ASSERT_EQ(builder_->Lag(), total);

  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(ProcessAll(), total);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ profile ] synthetic: " << total << " events in " << seconds << " s ("
            << static_cast<double>(total) / seconds << " events/s)\n";
  EXPECT_EQ(builder_->Lag(), 0u);
  EXPECT_LE(Counts().customers, customers * 2);
  EXPECT_GE(Counts().known_customers, customers / 2);
}

TEST_F(ProfileTest, ConsentIsRecordedPerPurposeAndWithheldProfilingDropsScores) {
  Send(R"({"type":"track","userId":"c1","event":"Order Completed","properties":{"revenue":10},
           "source":"web-shop"})",
       1);
  ASSERT_EQ(ProcessAll(), 1u);
  json::object consent = Profile("c1").at("consent").as_object();
  // Defaults: opt-in for marketing and advertising, granted for profiling and personalisation.
  EXPECT_FALSE(consent.at("email_marketing").at("granted").as_bool());
  EXPECT_FALSE(consent.at("email_marketing").at("decided").as_bool());
  EXPECT_TRUE(consent.at("profiling").at("granted").as_bool());
  EXPECT_FALSE(consent.at("advertising").at("granted").as_bool());
  EXPECT_TRUE(Features("c1").at("rfm").is_object());

  Send(R"({"type":"identify","userId":"c1","source":"web-shop","context":{"consent":{
           "categoryPreferences":{"Analytics":false,"Marketing":true,"Cookies":true}}}})",
       3);
  ASSERT_EQ(ProcessAll(), 1u);
  consent = Profile("c1").at("consent").as_object();
  EXPECT_TRUE(consent.at("email_marketing").at("granted").as_bool());
  EXPECT_TRUE(consent.at("email_marketing").at("decided").as_bool());
  EXPECT_EQ(consent.at("email_marketing").at("source").as_string(), "web-shop");
  EXPECT_EQ(consent.at("email_marketing").at("at").as_string(), At(3));
  EXPECT_FALSE(consent.at("profiling").at("granted").as_bool());
  EXPECT_TRUE(Features("c1").at("rfm").is_null());      // no profiling consent: no scores
  EXPECT_EQ(Number(Features("c1").at("orders")), 1.0);  // plain counts stay

  // An older decision arriving late does not override the newer one.
  Send(R"({"type":"identify","userId":"c1","context":{"consent":{
           "categoryPreferences":{"analytics":true}}}})",
       2);
  ASSERT_EQ(ProcessAll(), 1u);
  EXPECT_TRUE(Features("c1").at("rfm").is_null());
  // A later one does; consent survives a merge into another customer.
  Send(R"({"type":"identify","anonymousId":"dev-9","context":{"consent":{
           "categoryPreferences":{"advertising":true}}}})",
       4);
  Send(R"({"type":"alias","userId":"c1","previousId":"dev-9"})", 5);
  Send(R"({"type":"identify","userId":"c1","context":{"consent":{
           "categoryPreferences":{"profiling":true}}}})",
       6);
  ASSERT_EQ(ProcessAll(), 3u);
  consent = Profile("c1").at("consent").as_object();
  EXPECT_TRUE(consent.at("advertising").at("granted").as_bool());
  EXPECT_TRUE(consent.at("profiling").at("granted").as_bool());
  EXPECT_TRUE(Features("c1").at("rfm").is_object());
  // The decisions are stored, so they survive a rebuild of the builder.
  NewBuilder();
  EXPECT_TRUE(Profile("c1").at("consent").at("email_marketing").at("granted").as_bool());
}

}  // namespace
}  // namespace mercato
