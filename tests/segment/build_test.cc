// Batch evaluation in chunks cut into ranges read by several threads: the same memberships and
// entry events as one chunk read by one thread, for first builds, merges and recomputes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "segment/segment_harness.h"

namespace mercato::segment {
namespace {

using testing::SegmentEvent;
using testing::SegmentNode;

constexpr int64_t kStart = 1'780'000'000'000'000;  // 2026-05-28
constexpr int64_t kHour = 3'600'000'000;

const std::vector<std::string>& Rules() {
  static const std::vector<std::string> rules = {
      "orders >= 2",
      "revenue > 100",
      "traits.plan = \"pro\"",
      "count(event \"Order Completed\" within 2d) >= 1",
      "sum(event \"Order Completed\", revenue within 30d) > 50",
      "last_seen > now - 1d",
      "events >= 3 and not (orders >= 1)",
  };
  return rules;
}

// The same customers in both nodes: buyers, browsers, traits, anonymous visitors later identified
// (merges), over several days.
void Feed(SegmentNode& node) {
  for (int i = 0; i < 60; ++i) {
    const std::string user = "u" + std::to_string(i);
    for (int k = 0; k < i % 4; ++k) {
      node.Send("{\"type\":\"track\",\"userId\":\"" + user +
                "\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":" +
                std::to_string(10 * i + k) + "}}");
    }
    for (int k = 0; k < i % 3; ++k) {
      node.Send("{\"type\":\"page\",\"userId\":\"" + user + "\",\"name\":\"Home\"}");
    }
    if (i % 5 == 0) {
      node.Send("{\"type\":\"identify\",\"userId\":\"" + user + "\",\"traits\":{\"plan\":\"" +
                (i % 10 == 0 ? "pro" : "free") + "\"}}");
    }
    if (i % 7 == 0) {
      node.Send("{\"type\":\"page\",\"anonymousId\":\"anon" + std::to_string(i) +
                "\",\"name\":\"Home\"}");
    }
    if (i % 9 == 0) node.clock().Advance(19 * kHour);
  }
}

void Identify(SegmentNode& node) {
  for (int i = 0; i < 60; i += 7) {
    node.Send("{\"type\":\"identify\",\"userId\":\"u" + std::to_string(i) +
              "\",\"anonymousId\":\"anon" + std::to_string(i) + "\"}");
  }
}

size_t Entries(SegmentNode& node, std::vector<uint64_t>& from) {
  size_t entered = 0;
  for (const SegmentEvent& event : node.SegmentEventsSince(from)) entered += event.entered;
  return entered;
}

void ExpectSameMembers(SegmentNode& one, SegmentNode& small) {
  for (size_t r = 0; r < Rules().size(); ++r) {
    const std::string id = "s" + std::to_string(r);
    SCOPED_TRACE(Rules()[r]);
    EXPECT_EQ(one.MemberIds(id), small.MemberIds(id));
    EXPECT_EQ(one.engine().Get(id)->size, small.engine().Get(id)->size);
  }
}

TEST(SegmentBuildTest, RangesOnSeveralThreadsAgreeWithOneChunk) {
  SegmentNode one(kStart);
  SegmentNode small(kStart);
  small.set_build_chunk(5);
  small.Close();
  small.Open();
  std::vector<uint64_t> from_one;
  std::vector<uint64_t> from_small;
  for (SegmentNode* node : {&one, &small}) {
    Feed(*node);
    node->Drain();
    for (size_t r = 0; r < Rules().size(); ++r) {
      SegmentSpec spec;
      spec.id = "s" + std::to_string(r);
      spec.name = *spec.id;
      spec.rule = Rules()[r];
      ASSERT_TRUE(node->engine().Create(spec).ok());
    }
    node->Drain();
  }
  ExpectSameMembers(one, small);
  const size_t entered = Entries(one, from_one);
  EXPECT_GT(entered, 60u);
  EXPECT_EQ(Entries(small, from_small), entered);

  // Merges, time passing, then every rule edited into an equivalent one: a recompute.
  for (SegmentNode* node : {&one, &small}) {
    Identify(*node);
    node->clock().Advance(30 * kHour);
    node->Drain();
    for (size_t r = 0; r < Rules().size(); ++r) {
      SegmentSpec spec;
      spec.rule = "(" + Rules()[r] + ") and true";
      ASSERT_TRUE(node->engine().Update("s" + std::to_string(r), spec).ok());
    }
    node->Drain();
  }
  ExpectSameMembers(one, small);
  EXPECT_EQ(Entries(small, from_small), Entries(one, from_one));
}

TEST(SegmentBuildTest, HistoriesReadEscapedNamesAndPropertiesOnlyWhenAsked) {
  SegmentNode node(kStart);
  // An event name with escapes in the stored JSON, nested properties, and an order.
  node.Send(R"({"type":"track","userId":"h1","event":"Say \"hi\" \u00e9",)"
            R"("properties":{"n":{"k":[1,2]},"v":"3.5"}})");
  node.Send(
      R"({"type":"track","userId":"h1","event":"Order Completed","properties":{"revenue":7}})");
  node.Send(R"({"type":"track","userId":"h2","event":"Order Completed","properties":{}})");
  node.Drain();
  const std::vector<std::pair<std::string, std::string>> rules = {
      {"quoted", "count(event \"Say \\\"hi\\\" \u00e9\") >= 1"},
      {"quoted-sum", "sum(event \"Say \\\"hi\\\" \u00e9\", v) = 3.5"},
      {"orders", "count(event \"Order Completed\" within 1d) >= 1"},
      {"revenue", "sum(event \"Order Completed\", revenue) >= 7"},
      {"no-revenue", "count(event \"Order Completed\" where revenue exists) = 0"},
  };
  for (const auto& [id, rule] : rules) {
    SegmentSpec spec;
    spec.id = id;
    spec.name = id;
    spec.rule = rule;
    ASSERT_TRUE(node.engine().Create(spec).ok()) << rule;
  }
  node.Drain();
  const std::string h1 = node.Customer("h1");
  const std::string h2 = node.Customer("h2");
  EXPECT_EQ(node.MemberIds("quoted"), std::vector<std::string>{h1});
  EXPECT_EQ(node.MemberIds("quoted-sum"), std::vector<std::string>{h1});
  EXPECT_EQ(node.MemberIds("orders").size(), 2u);
  EXPECT_EQ(node.MemberIds("revenue"), std::vector<std::string>{h1});
  EXPECT_EQ(node.MemberIds("no-revenue"), std::vector<std::string>{h2});
}

}  // namespace
}  // namespace mercato::segment
