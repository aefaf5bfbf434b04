// Experiments over folds: members shared by blends are trained once per fold, means are means.

#include <gtest/gtest.h>

#include "recommend/eval/experiment.h"
#include "recommend/popularity.h"

namespace mercato::recommend {
namespace {

Fold MakeFold(std::string label, std::vector<std::vector<ItemId>> train,
              std::vector<ReplaySession> test) {
  Fold fold;
  fold.label = std::move(label);
  for (std::size_t i = 0; i < train.size(); ++i) fold.train.Add(train[i], std::int64_t(i));
  fold.replay = std::move(test);
  return fold;
}

TEST(Experiment, BlendMembersAreTrainedOncePerFoldAndMeansAverageFolds) {
  std::vector<Fold> folds;
  // Fold 1: item 0 is the most popular, and the test session goes 1 -> 0 (a hit at rank 1).
  folds.push_back(MakeFold("a", {{0, 1}, {0, 2}, {0}}, {{{1, 0}, {}}}));
  // Fold 2: item 2 is the most popular, but the test session goes 0 -> 1 (rank 2 at best).
  folds.push_back(MakeFold("b", {{2, 1}, {2, 0}, {2}}, {{{0, 1}, {}}}));
  int built = 0;
  ModelSpec pop{"pop",
                [&built](const Fold& fold) -> Result<std::unique_ptr<SessionModel>> {
                  ++built;
                  auto model = Popularity::Build(fold.train, {});
                  if (!model.ok()) return model.status();
                  return std::unique_ptr<SessionModel>(std::move(model).value());
                },
                {},
                {}};
  std::vector<ModelSpec> specs{pop, BlendModel("blend", {pop, pop}, {1.0, 2.0})};
  EvaluationOptions options;
  options.cutoffs = {1, 2};
  std::vector<std::string> order;
  auto rows = RunExperiment(folds, specs, options, [&order](const ExperimentRow& row) {
    order.push_back(row.model + "/" + row.fold);
  });
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(built, 2);  // once per fold, shared by the blend
  EXPECT_EQ(order, (std::vector<std::string>{"pop/a", "blend/a", "pop/b", "blend/b"}));
  const auto means = MeanOverFolds(rows.value());
  ASSERT_EQ(means.size(), 2U);
  EXPECT_EQ(means[0].model, "pop");
  EXPECT_EQ(means[0].metrics.events, 2U);
  // Fold a: hit at rank 1; fold b: item 1 ranks 2nd (after 2; 0 is in the session).
  EXPECT_DOUBLE_EQ(means[0].metrics.At(1)->hit_rate, 0.5);
  EXPECT_DOUBLE_EQ(means[0].metrics.At(2)->mrr, (1.0 + 0.5) / 2);
  // A blend of a model with itself ranks exactly like it.
  EXPECT_DOUBLE_EQ(means[1].metrics.At(2)->mrr, means[0].metrics.At(2)->mrr);
}

TEST(Experiment, AFailingModelNamesItselfAndTheFold) {
  std::vector<Fold> folds;
  folds.push_back(MakeFold("only", {{0, 1}}, {{{0, 1}, {}}}));
  ModelSpec broken{"broken",
                   [](const Fold&) -> Result<std::unique_ptr<SessionModel>> {
                     return Status::InvalidArgument("no good");
                   },
                   {},
                   {}};
  std::vector<ModelSpec> specs{BlendModel("mix", {broken}, {1.0})};
  auto rows = RunExperiment(folds, specs, EvaluationOptions{});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().message(), "broken on only: no good");
}

}  // namespace
}  // namespace mercato::recommend
