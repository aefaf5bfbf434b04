// The journey engine's parts: event conditions, state and outbox records, key codecs.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "journey/engine_keys.h"
#include "journey/event_match.h"
#include "journey/journey_state.h"
#include "journey/outbox.h"

namespace mercato::journey {
namespace {
namespace json = boost::json;

PropertyFilter Filter(std::string property, PropertyFilter::Op op, json::value value) {
  return PropertyFilter{std::move(property), op, std::move(value)};
}

TEST(EventMatchTest, ConditionsCompareByTheConditionsType) {
  const json::object props = json::parse(R"({"price": "30.00", "qty": 2, "sku": "AB-1",
      "product": {"category": "shoes"}, "gift": true, "note": null})")
                                 .as_object();
  using Op = PropertyFilter::Op;
  EXPECT_TRUE(MatchesFilter(Filter("price", Op::kGe, 20), &props));  // numeric string
  EXPECT_FALSE(MatchesFilter(Filter("price", Op::kLt, 20), &props));
  EXPECT_TRUE(MatchesFilter(Filter("qty", Op::kEq, 2), &props));
  EXPECT_TRUE(MatchesFilter(Filter("product.category", Op::kEq, "shoes"), &props));
  EXPECT_FALSE(MatchesFilter(Filter("product.category.x", Op::kEq, "shoes"), &props));
  EXPECT_TRUE(MatchesFilter(Filter("sku", Op::kContains, "B-"), &props));
  EXPECT_TRUE(MatchesFilter(Filter("sku", Op::kIn, json::array{"X", "AB-1"}), &props));
  EXPECT_FALSE(MatchesFilter(Filter("sku", Op::kIn, json::array{"X", 1}), &props));
  EXPECT_TRUE(MatchesFilter(Filter("gift", Op::kEq, true), &props));
  EXPECT_FALSE(MatchesFilter(Filter("gift", Op::kGt, false), &props));
  // Missing (or null) values fail everything but != and exists: false.
  EXPECT_FALSE(MatchesFilter(Filter("colour", Op::kEq, "red"), &props));
  EXPECT_TRUE(MatchesFilter(Filter("colour", Op::kNe, "red"), &props));
  EXPECT_TRUE(MatchesFilter(Filter("note", Op::kExists, false), &props));
  EXPECT_FALSE(MatchesFilter(Filter("note", Op::kExists, true), &props));
  EXPECT_TRUE(MatchesFilter(Filter("qty", Op::kExists, true), &props));
  // A string compared with a number is not equal, so != holds.
  EXPECT_TRUE(MatchesFilter(Filter("sku", Op::kNe, 5), &props));

  EventMatcher matcher{"Product Added", {Filter("qty", Op::kGe, 2)}};
  EXPECT_TRUE(MatchesEvent(matcher, "Product Added", &props));
  EXPECT_FALSE(MatchesEvent(matcher, "Product Viewed", &props));
  EXPECT_FALSE(MatchesEvent(matcher, "Product Added", nullptr));
}

TEST(JourneyStateTest, RoundTripsAndRefusesDamage) {
  JourneyState state;
  state.version = 3;
  state.entry = 2;
  state.active = true;
  state.step = 4;
  state.wait = JourneyState::Wait::kEvent;
  state.due_us = 1'800'000'000'000'000;
  state.entered_at_us = 1'700'000'000'000'000;
  state.variant = "b";
  state.last_send = "remind";
  state.last_send_at_us = 1'700'000'000'000'001;
  auto parsed = JourneyState::Parse(state.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Serialize(), state.Serialize());
  EXPECT_EQ(parsed->wait, JourneyState::Wait::kEvent);
  EXPECT_EQ(parsed->variant, "b");
  std::string damaged = state.Serialize();
  damaged.replace(damaged.find("\"event\""), 7, "\"later\"");
  EXPECT_FALSE(JourneyState::Parse(damaged).ok());
  EXPECT_FALSE(JourneyState::Parse("{}").ok());
  EXPECT_FALSE(JourneyState::Parse("not json").ok());
}

TEST(OutboxMessageTest, RoundTripsSendsAndTraits) {
  OutboxMessage send;
  send.key = IdempotencyKey("cart", "0123456789abcdef", 2, 5, "remind");
  send.journey = "cart";
  send.version = 5;
  send.step = "remind";
  send.entry = 2;
  send.customer = "0123456789abcdef";
  send.channel = Channel::kWebhook;
  send.tmpl = "t";
  send.endpoint = "crm";
  send.attempts = 3;
  send.last_error = "HTTP 503";
  auto parsed = OutboxMessage::Parse(send.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Serialize(), send.Serialize());
  EXPECT_EQ(parsed->channel, Channel::kWebhook);
  EXPECT_EQ(send.key, "cart/0123456789abcdef/2/5/remind");

  OutboxMessage trait = send;
  trait.channel.reset();
  trait.trait = "vip";
  trait.value = true;
  parsed = OutboxMessage::Parse(trait.Serialize());
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->channel.has_value());
  EXPECT_EQ(parsed->value, json::value(true));
  std::string bad = send.Serialize();
  bad.replace(bad.find("\"webhook\""), 9, "\"fax\"");
  EXPECT_FALSE(OutboxMessage::Parse(bad).ok());
}

TEST(EngineKeysTest, TimersAndOutboxSortByDueTime) {
  EXPECT_LT(EngineTimerKey(-5, "j", "c"), EngineTimerKey(3, "j", "c"));
  EXPECT_LT(EngineTimerKey(3, "z", "c"), EngineTimerKey(4, "a", "c"));
  int64_t due = 0;
  std::string_view journey;
  std::string_view customer;
  const std::string timer = EngineTimerKey(42, "cart", "00ff");
  ASSERT_TRUE(ParseEngineTimerKey(timer, due, journey, customer));
  EXPECT_EQ(due, 42);
  EXPECT_EQ(journey, "cart");
  EXPECT_EQ(customer, "00ff");
  EXPECT_FALSE(ParseEngineTimerKey("t/short", due, journey, customer));
  std::string_view key;
  const std::string outbox = OutboxKey(7, "a/b");
  ASSERT_TRUE(ParseOutboxKey(outbox, due, key));
  EXPECT_EQ(due, 7);
  EXPECT_EQ(key, "a/b");
  EXPECT_LT(OutboxKey(1, "z"), OutboxKey(2, "a"));
}

}  // namespace
}  // namespace mercato::journey
