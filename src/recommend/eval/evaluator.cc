#include "recommend/eval/evaluator.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace mercato::recommend {

namespace {

// Runs `body(begin, end, accumulator, report_progress)` over `total` inputs split across threads
// and merges the accumulators in thread order.
template <typename Body>
EvaluationReport RunSharded(std::size_t total, std::span<const std::uint64_t> popularity,
                            const EvaluationOptions& options, Body body) {
  const auto started = std::chrono::steady_clock::now();
  const std::size_t threads = std::max<std::size_t>(1, std::min(options.threads, total));
  std::vector<MetricsAccumulator> parts;
  parts.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) parts.emplace_back(options.cutoffs, popularity);
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      const std::size_t begin = total * t / threads;
      const std::size_t end = total * (t + 1) / threads;
      workers.emplace_back([&, t, begin, end] {
        body(begin, end, parts[t], [&](std::size_t done) {
          if (t == 0 && options.progress) options.progress(done * threads, total);
        });
      });
    }
  }
  for (std::size_t t = 1; t < threads; ++t) parts[0].Merge(parts[t]);
  EvaluationReport report;
  report.metrics = parts.empty() ? MetricsReport{} : parts[0].Report();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.progress) options.progress(total, total);
  return report;
}

std::vector<ItemId> RankedIds(const std::vector<ScoredItem>& ranked) {
  std::vector<ItemId> ids;
  ids.reserve(ranked.size());
  for (const ScoredItem& s : ranked) ids.push_back(s.item);
  return ids;
}

}  // namespace

EvaluationReport EvaluateReplay(const SessionModel& model, std::span<const ReplaySession> sessions,
                                std::span<const std::uint64_t> popularity,
                                const EvaluationOptions& options) {
  return RunSharded(sessions.size(), popularity, options,
                    [&](std::size_t begin, std::size_t end, MetricsAccumulator& acc, auto tick) {
                      std::vector<ScoredItem> ranked;
                      for (std::size_t s = begin; s < end; ++s) {
                        const ReplaySession& session = sessions[s];
                        const std::span<const ItemId> items(session.items);
                        for (std::size_t i = 1; i < items.size(); ++i) {
                          const std::int64_t now = session.times.size() == items.size()
                                                       ? session.times[i - 1]
                                                       : options.now;
                          model.Recommend({items.first(i), now}, acc.max_cutoff(), ranked);
                          acc.Add(RankedIds(ranked), items.subspan(i));
                        }
                        if ((s - begin) % 256 == 0) tick(s - begin);
                      }
                    });
}

EvaluationReport EvaluateCases(const SessionModel& model, std::span<const NextItemCase> cases,
                               std::span<const std::uint64_t> popularity,
                               const EvaluationOptions& options) {
  return RunSharded(cases.size(), popularity, options,
                    [&](std::size_t begin, std::size_t end, MetricsAccumulator& acc, auto tick) {
                      std::vector<ScoredItem> ranked;
                      for (std::size_t c = begin; c < end; ++c) {
                        const NextItemCase& test = cases[c];
                        model.Recommend({test.prefix, options.now}, acc.max_cutoff(), ranked);
                        acc.Add(RankedIds(ranked), std::span<const ItemId>(&test.next, 1));
                        if ((c - begin) % 1024 == 0) tick(c - begin);
                      }
                    });
}

std::vector<std::uint64_t> ItemPopularity(const SessionCorpus& corpus) {
  std::vector<std::uint64_t> clicks(corpus.item_count(), 0);
  for (SessionIndex s = 0; s < corpus.size(); ++s) {
    for (ItemId item : corpus.Session(s)) ++clicks[item];
  }
  return clicks;
}

}  // namespace mercato::recommend
