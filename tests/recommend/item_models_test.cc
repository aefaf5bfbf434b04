// Item-to-item models, popularity and the blend on crafted sessions, scores worked out by hand.

#include <gtest/gtest.h>

#include <cmath>

#include "recommend/hybrid.h"
#include "recommend/item/item_graph.h"
#include "recommend/popularity.h"

namespace mercato::recommend {
namespace {

// Sessions holding item 0: three; item 1: two; items 2 and 3: one each.
SessionCorpus Corpus(std::int64_t last_time = 2) {
  SessionCorpus corpus;
  corpus.Add(std::vector<ItemId>{0, 1, 2}, 0);
  corpus.Add(std::vector<ItemId>{0, 1}, 1);
  corpus.Add(std::vector<ItemId>{3, 0}, last_time);
  return corpus;
}

std::vector<ScoredItem> Ask(const SessionModel& model, std::vector<ItemId> items,
                            std::size_t n = 10) {
  std::vector<ScoredItem> out;
  model.Recommend({items, 0}, n, out);
  return out;
}

TEST(ItemGraph, CosineCoOccurrence) {
  auto model = ItemGraph::Build(Corpus(), ItemGraphPreset("iknn").value()).value();
  auto out = Ask(*model, {0});
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out[0].item, 1U);
  EXPECT_NEAR(out[0].score, 2 / std::sqrt(6.0), 1e-6);  // 2 shared of 3 and 2
  EXPECT_EQ(out[1].item, 2U);                           // ties with 3: smaller id first
  EXPECT_NEAR(out[1].score, 1 / std::sqrt(3.0), 1e-6);
  EXPECT_EQ(out[2].item, 3U);
}

TEST(ItemGraph, SequentialRulesFollowOrderAndDistance) {
  auto model = ItemGraph::Build(Corpus(), ItemGraphPreset("sr").value()).value();
  auto out = Ask(*model, {0});
  ASSERT_EQ(out.size(), 2U);  // 0 -> 1 twice at distance 1, 0 -> 2 once at distance 2
  EXPECT_EQ(out[0].item, 1U);
  EXPECT_NEAR(out[0].score, 2.0, 1e-6);
  EXPECT_NEAR(out[1].score, 0.5, 1e-6);
  EXPECT_TRUE(Ask(*model, {2}).empty());  // nothing ever follows 2
  ASSERT_EQ(model->Related(3).size(), 1U);
  EXPECT_EQ(model->Related(3)[0].item, 0U);
}

TEST(ItemGraph, EarlierClicksDecayWithLambda) {
  auto options = ItemGraphPreset("sr").value();
  options.lambda = 1;
  auto model = ItemGraph::Build(Corpus(), options).value();
  // Query [3, 1]: 1 -> 2 with weight 1 (last click); 3 -> 0 with weight e^-1.
  auto out = Ask(*model, {3, 1});
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].item, 2U);
  EXPECT_NEAR(out[0].score, 1.0, 1e-6);
  EXPECT_EQ(out[1].item, 0U);
  EXPECT_NEAR(out[1].score, std::exp(-1.0), 1e-6);
  options.lambda = 0;  // last click only
  auto last_only = ItemGraph::Build(Corpus(), options).value();
  ASSERT_EQ(Ask(*last_only, {3, 1}).size(), 1U);
}

TEST(ItemGraph, NeighbourListsAreCapped) {
  auto options = ItemGraphPreset("iknn").value();
  options.neighbours = 1;
  auto model = ItemGraph::Build(Corpus(), options).value();
  EXPECT_EQ(model->Related(0).size(), 1U);
  EXPECT_EQ(Ask(*model, {0}).size(), 1U);
  EXPECT_TRUE(model->Related(99).empty());
}

TEST(ItemGraph, RejectsBadOptions) {
  auto options = ItemGraphPreset("iknn").value();
  options.neighbours = 0;
  EXPECT_EQ(ItemGraph::Build(Corpus(), options).status().code(), StatusCode::kInvalidArgument);
  options = ItemGraphPreset("sr").value();
  options.lambda = -1;
  EXPECT_EQ(ItemGraph::Build(Corpus(), options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ItemGraphPreset("svd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ItemGraph::Build(SessionCorpus(), ItemGraphPreset("sr").value()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Popularity, CountsAndDecay) {
  auto plain = Popularity::Build(Corpus(), {}).value();
  auto out = Ask(*plain, {0});
  ASSERT_EQ(out.size(), 3U);  // 0 is in the session
  EXPECT_EQ(out[0].item, 1U);
  EXPECT_FLOAT_EQ(out[0].score, 2);
  // Half-life 10 days, the last session 10 days after the others: they count 1/2.
  PopularityOptions options;
  options.half_life_days = 10;
  options.remind = true;
  auto decayed = Popularity::Build(Corpus(10 * 86400), options).value();
  out = Ask(*decayed, {});
  ASSERT_EQ(out.size(), 4U);
  EXPECT_EQ(out[0].item, 0U);
  EXPECT_FLOAT_EQ(out[0].score, 2.0F);  // 0.5 + 0.5 + 1
  EXPECT_EQ(out[1].item, 1U);           // 1.0, tied with 3: smaller id first
  EXPECT_EQ(out[2].item, 3U);
  EXPECT_FLOAT_EQ(out[3].score, 0.5F);
  options.half_life_days = -1;
  EXPECT_EQ(Popularity::Build(Corpus(), options).status().code(), StatusCode::kInvalidArgument);
}

TEST(Popularity, SameSeasonLastYear) {
  // Item 5 was viewed 363 days before the newest session (the same season last year), item 7
  // three times in that session, item 8 half a year before.
  constexpr int64_t kDay = 86400;
  const int64_t now = 800 * kDay;
  SessionCorpus corpus;
  const ItemId last_year[] = {5, 5};
  corpus.Add(last_year, now - 366 * kDay);
  const ItemId half_year[] = {8, 8, 8, 8};
  corpus.Add(half_year, now - 180 * kDay);
  const ItemId recent[] = {7, 7, 7};
  corpus.Add(recent, now - 3 * kDay);
  PopularityOptions options;
  options.half_life_days = 30;
  options.remind = true;
  auto trending = Popularity::Build(corpus, options).value();
  auto out = Ask(*trending, {});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].item, 7U);
  // Trending scores are divided by the best (1 for item 7); item 5 adds 1.5 x 2/2.
  options.season_weight = 1.5;
  auto seasonal = Popularity::Build(corpus, options).value();
  out = Ask(*seasonal, {});
  ASSERT_GE(out.size(), 3U);
  EXPECT_EQ(out[0].item, 5U);
  EXPECT_NEAR(out[0].score, 1.5, 0.01);
  EXPECT_EQ(out[1].item, 7U);
  EXPECT_FLOAT_EQ(out[1].score, 1.0F);
  // Half a year ago is not the same season: item 8 only has its decayed trending share.
  EXPECT_EQ(out[2].item, 8U);
  EXPECT_LT(out[2].score, 0.1F);
  options.season_window_days = 0.5;  // a day off the anniversary is now outside the window
  auto narrow = Popularity::Build(corpus, options).value();
  EXPECT_EQ(Ask(*narrow, {})[0].item, 7U);
  options.season_weight = -1;
  EXPECT_EQ(Popularity::Build(corpus, options).status().code(), StatusCode::kInvalidArgument);
}

class Fixed final : public SessionModel {
 public:
  explicit Fixed(std::vector<ScoredItem> answer) : answer_(std::move(answer)) {}
  std::string_view name() const override { return "fixed"; }
  void Recommend(const SessionQuery&, std::size_t n, std::vector<ScoredItem>& out) const override {
    out.assign(answer_.begin(), answer_.begin() + std::min(n, answer_.size()));
  }

 private:
  std::vector<ScoredItem> answer_;
};

TEST(Hybrid, BlendsNormalisedScores) {
  Fixed a({{1, 4.0F}, {2, 2.0F}});   // normalised 1, 0.5
  Fixed b({{3, 10.0F}, {2, 5.0F}});  // normalised 1, 0.5
  auto blend = Hybrid::Build("blend", {{&a, 1.0}, {&b, 0.5}}).value();
  auto out = Ask(*blend, {});
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out[0].item, 1U);  // 1
  EXPECT_NEAR(out[0].score, 1.0, 1e-6);
  EXPECT_EQ(out[1].item, 2U);  // 0.5 + 0.25
  EXPECT_NEAR(out[1].score, 0.75, 1e-6);
  EXPECT_EQ(out[2].item, 3U);  // 0.5
  EXPECT_EQ(Hybrid::Build("x", {{&a, 0.0}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hybrid::Build("x", {{&a, -1.0}, {&b, 1.0}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Hybrid::Build("x", {{nullptr, 1.0}}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mercato::recommend
