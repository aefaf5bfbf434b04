// The metrics on events worked out by hand.

#include <gtest/gtest.h>

#include <mutex>

#include "recommend/eval/evaluator.h"
#include "recommend/eval/metrics.h"

namespace mercato::recommend {
namespace {

TEST(Metrics, HandComputedEvents) {
  const std::vector<std::uint64_t> popularity{10, 5, 0, 5};
  MetricsAccumulator acc({3, 1}, popularity);
  // Ranked [2, 1, 3]; next 1, rest {1, 3}.
  const std::vector<ItemId> ranked{2, 1, 3};
  const std::vector<ItemId> rest{1, 3, 1};
  acc.Add(ranked, rest);
  // An empty list for next item 0.
  const std::vector<ItemId> nothing;
  const std::vector<ItemId> rest0{0};
  acc.Add(nothing, rest0);
  const MetricsReport report = acc.Report();
  EXPECT_EQ(report.events, 2U);
  ASSERT_EQ(report.at.size(), 2U);
  const CutoffMetrics& at1 = *report.At(1);
  EXPECT_DOUBLE_EQ(at1.hit_rate, 0);
  EXPECT_DOUBLE_EQ(at1.mrr, 0);
  EXPECT_DOUBLE_EQ(at1.coverage, 0.25);  // item 2 of 4
  const CutoffMetrics& at3 = *report.At(3);
  EXPECT_DOUBLE_EQ(at3.hit_rate, 0.5);                   // rank 2 in event 1
  EXPECT_DOUBLE_EQ(at3.mrr, 0.25);                       // (1/2 + 0) / 2
  EXPECT_DOUBLE_EQ(at3.precision, 1.0 / 3);              // (2/3 + 0) / 2
  EXPECT_DOUBLE_EQ(at3.recall, 0.5);                     // (2/2 + 0) / 2
  EXPECT_NEAR(at3.map, (0.5 + 2.0 / 3) / 2 / 2, 1e-12);  // hits at ranks 2 and 3, |rest| 2
  EXPECT_NEAR(at3.popularity, (0 + 0.5 + 0.5) / 3 / 2, 1e-12);
  EXPECT_DOUBLE_EQ(at3.coverage, 0.75);
  EXPECT_EQ(report.At(20), nullptr);
}

TEST(Metrics, MergeEqualsOneAccumulator) {
  const std::vector<std::uint64_t> popularity{1, 2, 3, 4, 5};
  MetricsAccumulator one({1, 2}, popularity), a({1, 2}, popularity), b({1, 2}, popularity);
  const std::vector<std::vector<ItemId>> lists{{0, 1}, {2, 3}, {4, 0}};
  const std::vector<std::vector<ItemId>> rests{{1, 2}, {2}, {3, 4}};
  for (std::size_t i = 0; i < lists.size(); ++i) {
    one.Add(lists[i], rests[i]);
    (i == 0 ? a : b).Add(lists[i], rests[i]);
  }
  a.Merge(b);
  const auto x = one.Report(), y = a.Report();
  ASSERT_EQ(x.at.size(), y.at.size());
  for (std::size_t c = 0; c < x.at.size(); ++c) {
    EXPECT_DOUBLE_EQ(x.at[c].hit_rate, y.at[c].hit_rate);
    EXPECT_DOUBLE_EQ(x.at[c].mrr, y.at[c].mrr);
    EXPECT_DOUBLE_EQ(x.at[c].map, y.at[c].map);
    EXPECT_DOUBLE_EQ(x.at[c].coverage, y.at[c].coverage);
  }
  EXPECT_DOUBLE_EQ(y.At(2)->hit_rate, 2.0 / 3);  // events 1 (rank 2) and 2 (rank 1)
}

// A model that always answers the same list, to check what the evaluator asks and scores.
class FixedModel final : public SessionModel {
 public:
  explicit FixedModel(std::vector<ItemId> answer) : answer_(std::move(answer)) {}
  std::string_view name() const override { return "fixed"; }
  void Recommend(const SessionQuery& query, std::size_t n,
                 std::vector<ScoredItem>& out) const override {
    out.clear();
    std::lock_guard lock(mutex_);
    asked_lengths_.push_back(query.items.size());
    asked_times_.push_back(query.now);
    for (std::size_t i = 0; i < answer_.size() && i < n; ++i) out.push_back({answer_[i], 1.0F});
  }
  mutable std::mutex mutex_;
  mutable std::vector<std::size_t> asked_lengths_;
  mutable std::vector<std::int64_t> asked_times_;

 private:
  std::vector<ItemId> answer_;
};

TEST(Evaluator, ReplayAsksEveryPrefixAtItsClickTime) {
  FixedModel model({2, 1});
  const std::vector<std::uint64_t> popularity{1, 1, 1};
  const std::vector<ReplaySession> sessions{{{0, 1, 2}, {10, 20, 30}}};
  EvaluationOptions options;
  options.cutoffs = {1, 2};
  const auto report = EvaluateReplay(model, sessions, popularity, options);
  EXPECT_EQ(model.asked_lengths_, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(model.asked_times_, (std::vector<std::int64_t>{10, 20}));
  ASSERT_EQ(report.metrics.events, 2U);
  // Next 1 (rank 2), next 2 (rank 1): HR@1 = 1/2, MRR@2 = (1/2 + 1) / 2.
  EXPECT_DOUBLE_EQ(report.metrics.At(1)->hit_rate, 0.5);
  EXPECT_DOUBLE_EQ(report.metrics.At(2)->mrr, 0.75);
  // Recall@2 on the rest: {1, 2} both shown -> 1; then {2} -> 1.
  EXPECT_DOUBLE_EQ(report.metrics.At(2)->recall, 1.0);
}

TEST(Evaluator, CasesUseTheirPrefixAndTheGivenTime) {
  FixedModel model({4});
  const std::vector<std::uint64_t> popularity(5, 1);
  const std::vector<NextItemCase> cases{{{1, 2}, 4}, {{3}, 0}};
  EvaluationOptions options;
  options.cutoffs = {20};
  options.threads = 2;
  options.now = 77;
  const auto report = EvaluateCases(model, cases, popularity, options);
  EXPECT_EQ(report.metrics.events, 2U);
  EXPECT_DOUBLE_EQ(report.metrics.At(20)->hit_rate, 0.5);
  EXPECT_DOUBLE_EQ(report.metrics.At(20)->mrr, 0.5);
}

}  // namespace
}  // namespace mercato::recommend
