#include "recommend/eval/tuning.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mercato::recommend {

Result<ValidationSplit> SplitForValidation(const SessionCorpus& corpus, double fraction) {
  if (!(fraction > 0 && fraction < 1)) {
    return Status::InvalidArgument("the validation fraction must lie strictly between 0 and 1");
  }
  std::vector<SessionIndex> order(corpus.size());
  std::iota(order.begin(), order.end(), SessionIndex{0});
  std::stable_sort(order.begin(), order.end(), [&corpus](SessionIndex a, SessionIndex b) {
    return corpus.Time(a) < corpus.Time(b);
  });
  const auto held =
      static_cast<std::size_t>(std::llround(static_cast<double>(corpus.size()) * fraction));
  const std::size_t kept = corpus.size() - held;
  ValidationSplit split;
  split.train = SessionCorpus(corpus.item_count());
  std::vector<bool> known(corpus.item_count(), false);
  for (std::size_t i = 0; i < kept; ++i) {
    const auto items = corpus.Session(order[i]);
    split.train.Add(items, corpus.Time(order[i]));
    for (ItemId item : items) known[item] = true;
  }
  for (std::size_t i = kept; i < order.size(); ++i) {
    ReplaySession session;
    for (ItemId item : corpus.Session(order[i])) {
      if (known[item]) session.items.push_back(item);
    }
    if (session.items.size() >= 2) split.validation.push_back(std::move(session));
  }
  if (split.train.empty() || split.validation.size() < 10) {
    return Status::InvalidArgument("too few sessions to hold out a validation split");
  }
  return split;
}

namespace {

// One tunable parameter: where it lives in the options and the values it may take.
struct Axis {
  std::function<double&(SessionKnnOptions&)> field;
  std::vector<double> grid;
};

std::vector<Axis> AxesFor(const SessionKnnOptions& start) {
  std::vector<Axis> axes;
  if (start.spw > 0)
    axes.push_back(
        {[](SessionKnnOptions& o) -> double& { return o.spw; }, {0.25, 0.5, 1, 2, 4, 8}});
  if (start.inh > 0)
    axes.push_back(
        {[](SessionKnnOptions& o) -> double& { return o.inh; }, {0.125, 0.25, 0.5, 1, 2}});
  if (start.ipw > 0)
    axes.push_back(
        {[](SessionKnnOptions& o) -> double& { return o.ipw; }, {0.125, 0.25, 0.5, 1, 2}});
  if (start.idf_weight > 0)
    axes.push_back(
        {[](SessionKnnOptions& o) -> double& { return o.idf_weight; }, {0.5, 1, 2, 5, 10, 20}});
  return axes;
}

}  // namespace

Result<TuningResult> TuneSessionKnn(const SessionCorpus& corpus, const SessionKnnOptions& start,
                                    const TuningOptions& options) {
  if (Status s = ValidateSessionKnnOptions(start); !s.ok()) return s;
  auto split = SplitForValidation(corpus, options.fraction);
  if (!split.ok()) return split.status();
  const std::vector<std::uint64_t> popularity = ItemPopularity(split.value().train);
  EvaluationOptions eval;
  eval.cutoffs = {20};
  eval.threads = options.threads;
  eval.now = options.now;
  TuningResult result;
  auto same = [](const SessionKnnOptions& a, const SessionKnnOptions& b) {
    return a.k == b.k && a.sample_size == b.sample_size && a.spw == b.spw && a.inh == b.inh &&
           a.ipw == b.ipw && a.idf_weight == b.idf_weight;
  };
  // Evaluates `candidate` unless an equal setting was tried before (then returns that trial).
  auto run = [&](const SessionKnnOptions& candidate) -> Result<TuningTrial> {
    for (const TuningTrial& t : result.trials) {
      if (same(t.options, candidate)) return t;
    }
    auto model = SessionKnn::Build(split.value().train, candidate);
    if (!model.ok()) return model.status();
    const auto report = EvaluateReplay(*model.value(), split.value().validation, popularity, eval);
    TuningTrial trial{candidate, report.metrics.At(20)->hit_rate, report.metrics.At(20)->mrr};
    result.trials.push_back(trial);
    if (options.on_trial) options.on_trial(trial);
    return trial;
  };
  auto better = [](const TuningTrial& a, const TuningTrial& b) {
    return a.hit_rate + a.mrr > b.hit_rate + b.mrr;
  };
  auto first = run(start);
  if (!first.ok()) return first.status();
  result.best_trial = first.value();
  // Integer parameters first, then the real-valued ones.
  const std::vector<std::pair<std::size_t SessionKnnOptions::*, std::vector<std::size_t>>> sizes{
      {&SessionKnnOptions::k, {50, 100, 200, 500, 1000}},
      {&SessionKnnOptions::sample_size, {250, 500, 1000, 2500}}};
  const std::vector<Axis> axes = AxesFor(start);
  for (std::size_t round = 0; round < options.rounds; ++round) {
    for (const auto& [member, grid] : sizes) {
      for (std::size_t value : grid) {
        SessionKnnOptions candidate = result.best_trial.options;
        if (candidate.*member == value) continue;
        candidate.*member = value;
        auto trial = run(candidate);
        if (!trial.ok()) return trial.status();
        if (better(trial.value(), result.best_trial)) result.best_trial = trial.value();
      }
    }
    for (const Axis& axis : axes) {
      for (double value : axis.grid) {
        SessionKnnOptions candidate = result.best_trial.options;
        if (axis.field(candidate) == value) continue;
        axis.field(candidate) = value;
        auto trial = run(candidate);
        if (!trial.ok()) return trial.status();
        if (better(trial.value(), result.best_trial)) result.best_trial = trial.value();
      }
    }
  }
  result.best = result.best_trial.options;
  return result;
}

}  // namespace mercato::recommend
