// Session-kNN scorers on crafted sessions whose scores are worked out by hand in the comments.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "recommend/knn/session_knn.h"

namespace mercato::recommend {
namespace {

SessionCorpus Corpus(const std::vector<std::pair<std::vector<ItemId>, std::int64_t>>& sessions) {
  SessionCorpus corpus;
  for (const auto& [items, time] : sessions) corpus.Add(items, time);
  return corpus;
}

SessionKnnOptions Plain() {
  SessionKnnOptions o;
  o.k = 100;
  o.sample_size = 0;
  o.max_sessions_per_item = 0;
  return o;
}

std::vector<ScoredItem> Ask(const SessionKnn& model, std::vector<ItemId> items,
                            std::int64_t now = 0, std::size_t n = 10) {
  std::vector<ScoredItem> out;
  model.Recommend({items, now}, n, out);
  return out;
}

std::vector<ItemId> Ids(const std::vector<ScoredItem>& scored) {
  std::vector<ItemId> ids;
  for (const auto& s : scored) ids.push_back(s.item);
  return ids;
}

const SessionCorpus kThree = Corpus({{{0, 1, 2}, 1}, {{0, 1, 3}, 2}, {{4, 5}, 3}});

TEST(SessionKnn, CosineNeighboursVoteForTheirItems) {
  auto model = SessionKnn::Build(kThree, Plain()).value();
  // Query {0}: both sessions holding 0 have cosine 1 / sqrt(3); item 1 is in both.
  auto out = Ask(*model, {0});
  ASSERT_EQ(Ids(out), (std::vector<ItemId>{1, 2, 3}));  // 2 and 3 tie: smaller id first
  EXPECT_NEAR(out[0].score, 2 / std::sqrt(3.0), 1e-6);
  EXPECT_NEAR(out[1].score, 1 / std::sqrt(3.0), 1e-6);
  // Query {0, 1}: cosine 2 / (sqrt 2 sqrt 3) for both; 0 and 1 are not reminded.
  out = Ask(*model, {0, 1});
  ASSERT_EQ(Ids(out), (std::vector<ItemId>{2, 3}));
  EXPECT_NEAR(out[0].score, 2 / (std::sqrt(2.0) * std::sqrt(3.0)), 1e-6);
}

TEST(SessionKnn, RemindLetsSessionItemsBack) {
  auto options = Plain();
  options.remind = true;
  auto model = SessionKnn::Build(kThree, options).value();
  auto out = Ask(*model, {0});
  ASSERT_EQ(out.size(), 4U);
  EXPECT_EQ(out[0].item, 0U);  // in both neighbours, tied with 1, smaller id
  EXPECT_EQ(out[1].item, 1U);
}

TEST(SessionKnn, SampleKeepsTheMostRecentCandidates) {
  auto options = Plain();
  options.sample_size = 1;
  auto model = SessionKnn::Build(kThree, options).value();
  EXPECT_EQ(Ids(Ask(*model, {0})), (std::vector<ItemId>{1, 3}));  // only session 1 (t = 2)
}

TEST(SessionKnn, PerItemCapKeepsTheMostRecentSessions) {
  auto options = Plain();
  options.max_sessions_per_item = 1;
  auto model = SessionKnn::Build(kThree, options).value();
  EXPECT_EQ(Ids(Ask(*model, {0})), (std::vector<ItemId>{1, 3}));
}

TEST(SessionKnn, TopKNeighboursOnly) {
  // Query {0, 1}: session 0 shares both items, session 1 only one.
  auto corpus = Corpus({{{0, 1, 2}, 1}, {{1, 3}, 2}});
  auto options = Plain();
  options.k = 1;
  auto model = SessionKnn::Build(corpus, options).value();
  EXPECT_EQ(Ids(Ask(*model, {0, 1})), (std::vector<ItemId>{2}));
}

TEST(SessionKnn, NeighbourItemDistanceDecaysExponentially) {
  // One neighbour [0, 1, 2]; the query's item 0 sits at position 1, item 1 one step away, item 2
  // two. Average length (3 + 2) / 2 = 2.5, inh 0.4 -> lambda 1, so the ratio is e.
  auto corpus = Corpus({{{0, 1, 2}, 1}, {{4, 5}, 3}});
  auto options = Plain();
  options.inh = 0.4;
  auto model = SessionKnn::Build(corpus, options).value();
  auto out = Ask(*model, {0});
  ASSERT_EQ(Ids(out), (std::vector<ItemId>{1, 2}));
  EXPECT_NEAR(out[0].score / out[1].score, std::exp(1.0), 1e-5);
}

TEST(SessionKnn, OlderNeighbourSessionsWeighLess) {
  const std::int64_t day = 86400;
  auto corpus = Corpus({{{0, 1}, 0}, {{0, 2}, 10 * day}});
  auto options = Plain();
  options.snh_days = 10;
  auto model = SessionKnn::Build(corpus, options).value();
  auto out = Ask(*model, {0}, 10 * day);
  ASSERT_EQ(Ids(out), (std::vector<ItemId>{2, 1}));
  EXPECT_NEAR(out[1].score / out[0].score, std::exp(-1.0), 1e-5);
}

TEST(SessionKnn, VectorSimilarityWithMatchDecay) {
  // V-SKNN, query [0, 4]: weights p / l = 1/2 and 1. Neighbour [0,1,2] overlaps on 0:
  // sim 0.5 / 2 = 0.25, its latest shared query item is one step back: decay 1/2 -> 0.125.
  // Neighbour [4,5]: sim 1 / 2 = 0.5, decay 1.
  auto options = Plain();
  options.similarity = Similarity::kVector;
  options.position_weight = PositionWeight::kDivide;
  options.match_decay = MatchDecay::kDivide;
  auto model = SessionKnn::Build(kThree, options).value();
  auto out = Ask(*model, {0, 4});
  ASSERT_EQ(Ids(out), (std::vector<ItemId>{5, 1, 2, 3}));
  EXPECT_NEAR(out[0].score, 0.5, 1e-6);
  EXPECT_NEAR(out[1].score, 2 * 0.125, 1e-6);  // item 1 is in both sessions holding 0
  EXPECT_NEAR(out[2].score, 0.125, 1e-6);
}

TEST(SessionKnn, IdfRaisesRareItems) {
  // Item 2 is clicked once in 3 sessions, item 1 twice: idf log 3 vs log 1.5.
  auto options = Plain();
  options.idf_weight = 1;
  auto model = SessionKnn::Build(kThree, options).value();
  auto out = Ask(*model, {0});
  const double sim = 1 / std::sqrt(3.0);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_NEAR(out[0].score, 2 * sim * (1 + std::log(1.5)), 1e-5);
  EXPECT_EQ(out[1].item, 2U);
  EXPECT_NEAR(out[1].score, sim * (1 + std::log(3.0)), 1e-5);
}

TEST(SessionKnn, UnknownItemsAndEmptyQueriesGiveNothing) {
  auto model = SessionKnn::Build(kThree, Plain()).value();
  EXPECT_TRUE(Ask(*model, {}).empty());
  EXPECT_TRUE(Ask(*model, {99}).empty());
  EXPECT_EQ(Ids(Ask(*model, {99, 0})), (std::vector<ItemId>{1, 2, 3}));
  EXPECT_EQ(Ask(*model, {0}, 0, 1).size(), 1U);
}

TEST(SessionKnn, ConcurrentQueriesMatchSerialOnes) {
  std::mt19937 rng(7);
  SessionCorpus corpus;
  for (int s = 0; s < 2000; ++s) {
    std::vector<ItemId> items(2 + rng() % 6);
    for (auto& item : items) item = rng() % 300;
    corpus.Add(items, s);
  }
  auto model = SessionKnn::Build(corpus, SessionKnnPreset("vstan").value()).value();
  std::vector<std::vector<ItemId>> queries;
  for (int q = 0; q < 200; ++q) queries.push_back({ItemId(rng() % 300), ItemId(rng() % 300)});
  std::vector<std::vector<ScoredItem>> serial;
  for (const auto& q : queries) serial.push_back(Ask(*model, q));
  std::vector<std::vector<ScoredItem>> parallel(queries.size());
  {
    std::jthread a([&] {
      for (std::size_t i = 0; i < queries.size(); i += 2) parallel[i] = Ask(*model, queries[i]);
    });
    std::jthread b([&] {
      for (std::size_t i = 1; i < queries.size(); i += 2) parallel[i] = Ask(*model, queries[i]);
    });
  }
  EXPECT_EQ(parallel, serial);
}

TEST(SessionKnn, PresetsAndValidation) {
  for (const char* name : {"sknn", "vsknn", "stan", "vstan"}) {
    auto preset = SessionKnnPreset(name);
    ASSERT_TRUE(preset.ok()) << name;
    EXPECT_TRUE(ValidateSessionKnnOptions(preset.value()).ok()) << name;
  }
  EXPECT_EQ(SessionKnnPreset("gru").status().code(), StatusCode::kInvalidArgument);
  auto options = Plain();
  options.k = 0;
  EXPECT_EQ(SessionKnn::Build(kThree, options).status().code(), StatusCode::kInvalidArgument);
  options = Plain();
  options.position_weight = PositionWeight::kExponential;  // without lambda_spw
  EXPECT_EQ(SessionKnn::Build(kThree, options).status().code(), StatusCode::kInvalidArgument);
  options = Plain();
  options.inh = -1;
  EXPECT_EQ(SessionKnn::Build(kThree, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SessionKnn::Build(SessionCorpus(), Plain()).status().code(),
            StatusCode::kInvalidArgument);
  // STAN's RetailRocket defaults: L/2 and L/8.
  auto stan = SessionKnnPreset("stan").value();
  EXPECT_EQ(stan.k, 500U);
  EXPECT_EQ(stan.sample_size, 1000U);
  EXPECT_NEAR(stan.spw * 3.62, 1.81, 1e-9);
  EXPECT_NEAR(stan.inh * 3.62, 0.4525, 1e-9);
}

}  // namespace
}  // namespace mercato::recommend
