// SegmentEngine: definitions and their validation, paging, history, restarts without duplicate
// events, erasure, and that events re-evaluate only the segments they can change.

#include <gtest/gtest.h>

#include <algorithm>

#include "profile/prediction_store.h"
#include "segment/keys.h"
#include "segment/segment_harness.h"

namespace mercato::segment {
namespace {

using testing::SegmentEvent;
using testing::SegmentNode;

constexpr int64_t kStart = 1'780'000'000'000'000;  // 2026-05-28

SegmentSpec Spec(std::string id, std::string rule) {
  SegmentSpec spec;
  spec.id = id;
  spec.name = "Segment " + id;
  spec.rule = std::move(rule);
  return spec;
}

void Order(SegmentNode& node, const std::string& user, double revenue) {
  node.Send("{\"type\":\"track\",\"userId\":\"" + user +
            "\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":" +
            std::to_string(revenue) + "}}");
}

size_t CountEntered(const std::vector<SegmentEvent>& events, std::string_view segment) {
  return static_cast<size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) {
    return e.entered && e.segment == segment;
  }));
}

TEST(SegmentEngineTest, BadDefinitionsAreRejectedAndNothingIsStored) {
  SegmentNode node(kStart);
  auto bad_rule = node.engine().Create(Spec("a", "orders >= and revenue > 3"));
  ASSERT_FALSE(bad_rule.ok());
  EXPECT_EQ(bad_rule.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_rule.status().message().find("at 1:11"), std::string::npos)
      << bad_rule.status().message();
  auto unknown_field = node.engine().Create(Spec("a", "order >= 3"));
  ASSERT_FALSE(unknown_field.ok());
  EXPECT_NE(unknown_field.status().message().find("did you mean 'orders'"), std::string::npos)
      << unknown_field.status().message();
  auto bad_id = node.engine().Create(Spec("Bad Id", "orders >= 1"));
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.status().message().find("segment id"), std::string::npos);
  SegmentSpec no_name = Spec("a", "orders >= 1");
  no_name.name.reset();
  EXPECT_EQ(node.engine().Create(no_name).status().code(), StatusCode::kInvalidArgument);
  SegmentSpec control = Spec("a", "orders >= 1");
  control.name = std::string("tab\there");
  EXPECT_EQ(node.engine().Create(control).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(node.engine().List().empty());

  ASSERT_TRUE(node.engine().Create(Spec("a", "orders >= 1")).ok());
  EXPECT_EQ(node.engine().Create(Spec("a", "orders >= 2")).status().code(),
            StatusCode::kAlreadyExists);
  auto bad_edit = node.engine().Update("a", SegmentSpec{.rule = "orders >="});
  EXPECT_EQ(bad_edit.status().code(), StatusCode::kInvalidArgument);
  auto kept = node.engine().Get("a");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->definition.rule, "orders >= 1");
  EXPECT_EQ(kept->definition.version, 1u);
  EXPECT_EQ(node.engine().Update("missing", SegmentSpec{.name = "x"}).status().code(),
            StatusCode::kNotFound);

  // An id derived from the name, made unique.
  SegmentSpec named;
  named.name = "VIP in Poland!";
  named.rule = "orders >= 5";
  auto first = node.engine().Create(named);
  auto second = node.engine().Create(named);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->definition.id, "vip-in-poland");
  EXPECT_EQ(second->definition.id, "vip-in-poland-2");
}

TEST(SegmentEngineTest, MembersArePagedAndBuildsRecordSizeHistory) {
  SegmentNode node(kStart);
  for (int i = 0; i < 5; ++i) Order(node, "user" + std::to_string(i), 10.0 * (i + 1));
  node.Drain();
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "revenue >= 20")).ok());
  node.Drain();
  auto view = node.engine().Get("buyers");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->size, 4u);
  EXPECT_FALSE(view->definition.building);
  EXPECT_EQ(view->definition.built_version, 1u);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (; pages < 10; ++pages) {
    auto page = node.engine().Members("buyers", cursor, 3);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Member& m : page->members) {
      seen.push_back(m.customer_id);
      EXPECT_EQ(m.entered_at_us, kStart);
    }
    if (page->next_cursor.empty()) break;
    cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 1);  // 3 + 1
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  std::vector<std::string> expected;
  for (int i = 1; i < 5; ++i) expected.push_back(node.Customer("user" + std::to_string(i)));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(node.engine().Members("buyers", "", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(node.engine().Members("buyers", "not-a-cursor", 5).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(node.engine().Members("nope", "", 5).status().code(), StatusCode::kNotFound);

  auto history = node.engine().History("buyers");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].size, 4u);
  EXPECT_EQ((*history)[0].reason, "build");

  // An edit builds version 2 and adds a point.
  node.clock().Advance(60'000'000);
  ASSERT_TRUE(node.engine().Update("buyers", SegmentSpec{.rule = "revenue >= 40"}).ok());
  node.Drain();
  history = node.engine().History("buyers");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].size, 2u);
  EXPECT_EQ((*history)[1].version, 2u);
}

TEST(SegmentEngineTest, AStepRepeatedAfterAFailedWriteAppendsNoEventTwice) {
  SegmentNode node(kStart);
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "orders >= 1")).ok());
  node.Drain();
  for (int i = 0; i < 6; ++i) Order(node, "c" + std::to_string(i), 5);
  for (;;) {
    auto done = node.builder().ProcessBatch();
    ASSERT_TRUE(done.ok());
    if (*done == 0) break;
  }
  // The events' append is one write; the memberships' batch after it fails.
  node.store().FailWritesAfter(1);
  EXPECT_FALSE(node.engine().Step().ok());
  node.Close();
  node.Open();
  node.Drain();
  std::vector<uint64_t> from;
  std::vector<SegmentEvent> events = node.SegmentEventsSince(from);
  EXPECT_EQ(CountEntered(events, "buyers"), 6u);
  EXPECT_EQ(node.MemberIds("buyers").size(), 6u);
  EXPECT_EQ(node.engine().Get("buyers")->size, 6u);
}

TEST(SegmentEngineTest, ABuildInChunksResumesAfterARestart) {
  SegmentNode node(kStart);
  node.set_build_chunk(2);
  node.Close();
  node.Open();
  for (int i = 0; i < 7; ++i) Order(node, "r" + std::to_string(i), 5);
  node.Drain();
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "orders >= 1")).ok());
  ASSERT_TRUE(node.engine().Step().ok());  // the first chunk only
  auto partial = node.engine().Get("buyers");
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(partial->definition.building);
  EXPECT_EQ(partial->size, 2u);
  node.Close();
  node.Open();
  node.Drain();
  EXPECT_EQ(node.engine().Get("buyers")->size, 7u);
  std::vector<uint64_t> from;
  EXPECT_EQ(CountEntered(node.SegmentEventsSince(from), "buyers"), 7u);
}

TEST(SegmentEngineTest, ErasureRemovesMembershipsTimersAndIgnoresLaterRecords) {
  SegmentNode node(kStart);
  ASSERT_TRUE(node.engine().Create(Spec("recent", "last_order_at > now - 30d")).ok());
  ASSERT_TRUE(node.engine().Create(Spec("any", "events >= 1")).ok());
  Order(node, "gone", 10);
  Order(node, "kept", 10);
  node.Drain();
  const std::string gone = node.Customer("gone");
  auto before = node.engine().SegmentsOf(gone);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->size(), 2u);
  EXPECT_TRUE(node.store().Get(Cf::kSegments, TimerIndexKey("recent", gone)).ok());

  auto removed = node.engine().EraseCustomer(gone);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 3u);  // two memberships and one timer
  EXPECT_TRUE(node.engine().SegmentsOf(gone)->empty());
  EXPECT_EQ(node.store().Get(Cf::kSegments, TimerIndexKey("recent", gone)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(node.engine().Get("any")->size, 1u);
  EXPECT_EQ(node.engine().Get("recent")->size, 1u);

  // A record of the customer still in the log does not bring the memberships back.
  Order(node, "gone", 10);
  node.Drain();
  EXPECT_TRUE(node.engine().SegmentsOf(gone)->empty());
  EXPECT_EQ(node.MemberIds("any"), std::vector<std::string>{node.Customer("kept")});
}

// Cluster mode: an anonymous buyer of one partition identifies as a user of another. Its customer
// becomes a stub there and leaves the segment without an exit event (as a merged customer does);
// the user enters it once, on the copies of the history.
TEST(SegmentEngineTest, AMergeAcrossPartitionsMovesTheMembership) {
  SegmentNode node(kStart);
  node.EnableIdentityRouting();
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "orders >= 1")).ok());
  std::string anon;
  for (int k = 0; k < 100 && anon.empty(); ++k) {
    const std::string candidate = "anon-" + std::to_string(k);
    if (node.log().PartitionFor(candidate) != node.log().PartitionFor("u1")) anon = candidate;
  }
  ASSERT_FALSE(anon.empty());
  node.Send(R"({"type":"track","anonymousId":")" + anon +
            R"(","event":"Order Completed","properties":{"revenue":5}})");
  node.Drain();
  const std::string anonymous_customer = node.Customer(anon);
  EXPECT_EQ(node.MemberIds("buyers"), std::vector<std::string>{anonymous_customer});
  std::vector<uint64_t> from;
  node.SegmentEventsSince(from);

  node.Send(R"({"type":"identify","userId":"u1","anonymousId":")" + anon + R"("})");
  node.Drain();
  const std::string user_customer = node.Customer("u1");
  ASSERT_NE(user_customer, anonymous_customer);
  EXPECT_EQ(node.Customer(anon), user_customer);
  EXPECT_EQ(node.MemberIds("buyers"), std::vector<std::string>{user_customer});
  std::vector<SegmentEvent> events = node.SegmentEventsSince(from);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].customer, user_customer);
  EXPECT_TRUE(events[0].entered);
}

TEST(SegmentEngineTest, EventsReevaluateOnlyTheSegmentsTheyCanChange) {
  SegmentNode node(kStart);
  ASSERT_TRUE(node.engine().Create(Spec("pro", "traits.plan = \"pro\"")).ok());
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "orders >= 1")).ok());
  ASSERT_TRUE(
      node.engine().Create(Spec("viewers", "count(event \"Product Viewed\" within 7d) >= 1")).ok());
  node.Send(R"({"type":"identify","userId":"x","traits":{"plan":"free"}})");
  node.Drain();
  Counter& evaluations = node.metrics().GetCounter("mercato_segment_evaluations_total", "");
  const uint64_t start = evaluations.Value();

  node.Send(R"({"type":"page","userId":"x","name":"Home"})");
  node.Drain();
  EXPECT_EQ(evaluations.Value() - start, 0u) << "a page view changes none of the rules";

  node.Send(R"({"type":"track","userId":"x","event":"Product Viewed","properties":{}})");
  node.Drain();
  EXPECT_EQ(evaluations.Value() - start, 1u) << "only the viewers rule counts that event";
  EXPECT_EQ(node.MemberIds("viewers").size(), 1u);

  Order(node, "x", 3);
  node.Drain();
  EXPECT_EQ(evaluations.Value() - start, 2u) << "only the buyers rule reads orders";
  EXPECT_EQ(node.MemberIds("buyers").size(), 1u);
  EXPECT_TRUE(node.MemberIds("pro").empty());
}

TEST(SegmentEngineTest, DeleteRemovesEverythingAndTheIdCanBeReused) {
  SegmentNode node(kStart);
  ASSERT_TRUE(node.engine().Create(Spec("s", "last_order_at > now - 1d")).ok());
  Order(node, "d1", 1);
  Order(node, "d2", 1);
  node.Drain();
  EXPECT_EQ(node.engine().Get("s")->size, 2u);
  ASSERT_TRUE(node.engine().Delete("s").ok());
  EXPECT_EQ(node.engine().Get("s").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(node.engine().Delete("s").code(), StatusCode::kNotFound);
  auto it = node.store().NewIterator(Cf::kSegments);
  size_t left = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!it->key().starts_with("e/")) ++left;  // "evaluated once" marks belong to customers
  }
  EXPECT_EQ(left, 0u) << "definition, count, members, reverse index, timers and history";
  ASSERT_TRUE(node.engine().Create(Spec("s", "orders >= 1")).ok());
  node.Drain();
  EXPECT_EQ(node.engine().Get("s")->size, 2u);
}

TEST(SegmentEngineTest, PreviewEvaluatesWithoutStoring) {
  SegmentNode node(kStart);
  for (int i = 0; i < 4; ++i) Order(node, "p" + std::to_string(i), 50.0 * i);
  node.Drain();
  auto preview = node.engine().Preview("revenue >= 100", 1);
  ASSERT_TRUE(preview.ok()) << preview.status().ToString();
  EXPECT_EQ(preview->evaluated, 4u);
  EXPECT_EQ(preview->total, 4u);
  EXPECT_EQ(preview->matched, 2u);
  EXPECT_EQ(preview->sample.size(), 1u);
  EXPECT_EQ(preview->rule, "revenue >= 100");
  EXPECT_EQ(node.engine().Preview("revenue >=", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(node.engine().Preview("revenue >= 1", 1000).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(node.engine().List().empty());
}

}  // namespace
}  // namespace mercato::segment

namespace mercato::segment {
namespace {

TEST(SegmentEngineTest, ACustomerFirstSeenAcrossStepsIsEvaluatedByEverySegment) {
  SegmentNode node(kStart, /*partitions=*/1);
  ASSERT_TRUE(node.engine().Create(Spec("no-plan", "traits.plan is null")).ok());
  node.Drain();
  node.Send(R"({"type":"page","anonymousId":"v1","name":"Home"})");
  node.Send(R"({"type":"page","anonymousId":"v1","name":"Shoes"})");
  for (;;) {
    auto done = node.builder().ProcessBatch();
    ASSERT_TRUE(done.ok());
    if (*done == 0) break;
  }
  // One record per step: the profile already holds both events when the first is processed.
  ASSERT_TRUE(node.engine().Step(1).ok());
  EXPECT_EQ(node.MemberIds("no-plan"), std::vector<std::string>{node.Customer("v1")});
}

TEST(SegmentEngineTest, AModelRunReevaluatesRulesOnScoresAndConsentHidesThem) {
  SegmentNode node(kStart);
  ASSERT_TRUE(node.engine().Create(Spec("churny", "churn_probability > 0.5")).ok());
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "orders >= 1")).ok());
  Order(node, "m1", 5);
  Order(node, "m2", 5);
  node.Send(R"({"type":"identify","userId":"m2",
                "context":{"consent":{"categoryPreferences":{"profiling":false}}}})");
  node.Drain();
  EXPECT_TRUE(node.MemberIds("churny").empty());
  // A model run scores both customers high.
  PredictionStore predictions(node.store());
  rocksdb::WriteBatch batch;
  for (const char* user : {"m1", "m2"}) {
    Predictions update;
    update.churn_probability = 0.9;
    update.scored_at_us = kStart;
    ASSERT_TRUE(predictions.MergeInto(batch, node.Customer(user), update).ok());
  }
  ASSERT_TRUE(node.store().Write(batch, true).ok());
  ASSERT_TRUE(PredictionStore::MarkUpdated(node.store(), kStart + 1).ok());
  const auto buyers_before = node.engine().Get("buyers")->definition;
  node.Drain();
  // Only the customer who did not withhold profiling consent enters.
  EXPECT_EQ(node.MemberIds("churny"), std::vector<std::string>{node.Customer("m1")});
  // Segments that read no model feature were not evaluated again.
  EXPECT_EQ(node.engine().Get("buyers")->definition.built_at_us, buyers_before.built_at_us);
  EXPECT_FALSE(node.engine().Get("churny")->definition.building);
}

}  // namespace
}  // namespace mercato::segment

namespace mercato::segment {
namespace {

TEST(SegmentEngineTest, RulesCanCountTheEnginesOwnEventsInHistories) {
  SegmentNode node(kStart);
  Order(node, "e1", 5);
  node.Send(R"({"type":"page","userId":"e2","name":"Home"})");
  node.Drain();
  ASSERT_TRUE(node.engine().Create(Spec("buyers", "orders >= 1")).ok());
  node.Drain();  // the entry of e1 is now in its history
  ASSERT_TRUE(node.engine()
                  .Create(Spec("was-buyer",
                               "count(event \"Segment Entered\" where segment_id = "
                               "\"buyers\") >= 1"))
                  .ok());
  ASSERT_TRUE(node.engine().Create(Spec("viewed", "count(event \"Page Viewed\") >= 1")).ok());
  node.Drain();
  EXPECT_EQ(node.MemberIds("was-buyer"), std::vector<std::string>{node.Customer("e1")});
  EXPECT_TRUE(node.MemberIds("viewed").empty()) << "no customer has a track event of that name";
}

}  // namespace
}  // namespace mercato::segment
