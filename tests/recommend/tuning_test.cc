// The validation split and the coordinate-descent search.

#include <gtest/gtest.h>

#include <random>

#include "recommend/eval/tuning.h"

namespace mercato::recommend {
namespace {

TEST(Tuning, ValidationHoldsOutTheNewestSessionsAndDropsUnseenItems) {
  SessionCorpus corpus;
  // Times run backwards, so the newest sessions are the first ones added.
  for (ItemId s = 0; s < 100; ++s) corpus.Add(std::vector<ItemId>{s % 7, (s + 1) % 7}, 1000 - s);
  corpus.Add(std::vector<ItemId>{0, 50, 1}, 2000);  // newest; item 50 is seen nowhere else
  auto split = SplitForValidation(corpus, 0.1).value();
  EXPECT_EQ(split.train.size(), 91U);
  ASSERT_EQ(split.validation.size(), 10U);
  for (SessionIndex s = 0; s < split.train.size(); ++s) {
    EXPECT_LE(split.train.Time(s), 1000 - 9);  // the newest and sessions 0..8 are held out
  }
  bool found = false;
  for (const ReplaySession& v : split.validation) {
    if (v.items == std::vector<ItemId>{0, 1}) found = true;  // 50 removed
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(SplitForValidation(corpus, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitForValidation(corpus, 1).status().code(), StatusCode::kInvalidArgument);
  SessionCorpus tiny;
  tiny.Add(std::vector<ItemId>{0, 1}, 0);
  EXPECT_EQ(SplitForValidation(tiny, 0.5).status().code(), StatusCode::kInvalidArgument);
}

TEST(Tuning, SearchKeepsTheBestTrialAndNeverRepeatsOne) {
  // Sessions walk a ring of 40 items, mostly one step at a time: recency weights pay off.
  std::mt19937 rng(11);
  SessionCorpus corpus;
  for (int s = 0; s < 600; ++s) {
    std::vector<ItemId> items{ItemId(rng() % 40)};
    const std::size_t length = 3 + rng() % 5;
    while (items.size() < length) {
      items.push_back(rng() % 5 == 0 ? ItemId(rng() % 40) : (items.back() + 1) % 40);
    }
    corpus.Add(items, s);
  }
  TuningOptions options;
  options.rounds = 2;
  std::size_t calls = 0;
  options.on_trial = [&calls](const TuningTrial&) { ++calls; };
  auto start = SessionKnnPreset("vstan").value();
  auto result = TuneSessionKnn(corpus, start, options).value();
  EXPECT_EQ(calls, result.trials.size());
  ASSERT_GT(result.trials.size(), 10U);
  double best = 0;
  for (std::size_t i = 0; i < result.trials.size(); ++i) {
    best = std::max(best, result.trials[i].hit_rate + result.trials[i].mrr);
    for (std::size_t j = 0; j < i; ++j) {
      const auto &a = result.trials[i].options, &b = result.trials[j].options;
      EXPECT_FALSE(a.k == b.k && a.sample_size == b.sample_size && a.spw == b.spw &&
                   a.inh == b.inh && a.ipw == b.ipw && a.idf_weight == b.idf_weight)
          << "trial " << i << " repeats trial " << j;
    }
  }
  EXPECT_DOUBLE_EQ(result.best_trial.hit_rate + result.best_trial.mrr, best);
  EXPECT_GE(best, result.trials.front().hit_rate + result.trials.front().mrr);
  EXPECT_GT(result.best_trial.hit_rate, 0.5);  // the ring is learnable
  start.k = 0;
  EXPECT_EQ(TuneSessionKnn(corpus, start, options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mercato::recommend
