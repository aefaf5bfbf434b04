#pragma once
// Hyper-parameter search on a validation split carved from the training data, so that the test
// data is looked at once, with the chosen settings (as SR-GNN and session-rec do).
//
// The newest `fraction` of training sessions (by session time) become validation sessions,
// replayed click by click against a model trained on the older ones; validation items unseen
// in the older sessions are dropped and sessions left shorter than 2 clicks are skipped.
// The search is coordinate descent: each parameter in turn takes every value of its grid while
// the others stay at their best so far, for `rounds` passes. The objective is MRR@20 + HR@20.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "recommend/eval/evaluator.h"
#include "recommend/knn/session_knn.h"

namespace mercato::recommend {

struct ValidationSplit {
  SessionCorpus train;
  std::vector<ReplaySession> validation;
};

// Fails when fewer than 10 validation sessions remain or the training part would be empty.
Result<ValidationSplit> SplitForValidation(const SessionCorpus& corpus, double fraction);

struct TuningTrial {
  SessionKnnOptions options;
  double hit_rate = 0, mrr = 0;  // at 20
};

struct TuningOptions {
  double fraction = 0.1;
  std::size_t rounds = 2;
  std::size_t threads = 1;
  std::int64_t now = 0;  // query time for validation sessions without click times
  std::function<void(const TuningTrial&)> on_trial;  // after every evaluated trial
};

struct TuningResult {
  SessionKnnOptions best;
  TuningTrial best_trial;
  std::vector<TuningTrial> trials;
};

// Tunes k, sample size and the lambdas and idf weight that `start` switches on (a weight that the
// variant leaves off stays off).
Result<TuningResult> TuneSessionKnn(const SessionCorpus& corpus, const SessionKnnOptions& start,
                                    const TuningOptions& options);

}  // namespace mercato::recommend
