#pragma once
// Offline evaluation of a SessionModel: test sessions replayed click by click (session-rec), or
// fixed (prefix -> next item) cases (the SR-GNN protocol). Runs on several threads; each thread
// owns a contiguous share of the input and the shares are merged in order, so a report depends
// only on the input and the thread count.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "recommend/eval/metrics.h"
#include "recommend/model.h"

namespace mercato::recommend {

// A test session in dense ids with the time of each click (same unit as the training corpus).
struct ReplaySession {
  std::vector<ItemId> items;
  std::vector<std::int64_t> times;  // empty: every query uses EvaluationOptions::now
};

// One next-item case: the model sees `prefix` and should rank `next` high.
struct NextItemCase {
  std::vector<ItemId> prefix;
  ItemId next = 0;
};

struct EvaluationOptions {
  std::vector<std::size_t> cutoffs{1, 5, 10, 20};
  std::size_t threads = 1;
  std::int64_t now = 0;  // query time where the input has none
  // Called now and then from worker 0 with (done, total) in input units.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct EvaluationReport {
  MetricsReport metrics;
  double seconds = 0;  // wall time of the whole evaluation
};

// Replays each session: for i = 1..len-1 the model sees items[0..i) at time times[i-1] and is
// scored on items[i] (next) and items[i..] (rest). `popularity` = training clicks per item.
EvaluationReport EvaluateReplay(const SessionModel& model, std::span<const ReplaySession> sessions,
                                std::span<const std::uint64_t> popularity,
                                const EvaluationOptions& options);

// Scores each case on its next item only (rest = {next}).
EvaluationReport EvaluateCases(const SessionModel& model, std::span<const NextItemCase> cases,
                               std::span<const std::uint64_t> popularity,
                               const EvaluationOptions& options);

// Training clicks per item, the popularity input of the two functions above.
std::vector<std::uint64_t> ItemPopularity(const SessionCorpus& corpus);

}  // namespace mercato::recommend
