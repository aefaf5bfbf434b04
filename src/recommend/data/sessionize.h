#pragma once
// Sessionize: click log -> sessions, the first step of the session-rec evaluation protocol
// (Ludewig, Mauro, Latifi & Jannach 2021): per key, clicks sorted by time (stably, so ties keep
// file order) are cut into sessions wherever the gap between two consecutive clicks exceeds
// max_gap_seconds. Exactly max_gap_seconds apart is still the same session.
//
// Thread safety: pure functions; SessionLog is a plain value.

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "recommend/data/click_log.h"
#include "recommend/eval/evaluator.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend::data {

// Never split on time: one session per key (for data that is sessionized already: Diginetica,
// the RetailRocket sample, Online Retail invoices).
inline constexpr std::int64_t kNoGapSplit = std::numeric_limits<std::int64_t>::max();

// Sessions are the evaluator's ReplaySession (eval/evaluator.h), so that test sessions go to
// EvaluateReplay as they are. Here `times` always holds one time per item (seconds,
// non-decreasing), and which id space `items` is in depends on the owner: SessionLog::items for a
// SessionLog, the split's dictionary for TrainTestSplit::test.
inline std::int64_t StartTime(const ReplaySession& session) { return session.times.front(); }
// The session's time in session-rec ("tmax").
inline std::int64_t EndTime(const ReplaySession& session) { return session.times.back(); }

struct SessionLog {
  ItemDictionary items;  // every item of the sessionized clicks, first-seen order of the log
  // Sorted by end time (stably: ties keep the order of their keys' first click). Never empty
  // sessions.
  std::vector<ReplaySession> sessions;
};

struct SessionizeOptions {
  std::int64_t max_gap_seconds = 30 * 60;
  // Keep only clicks of this kind (views for the next-item protocol); nullopt keeps all.
  std::optional<ClickKind> only_kind = ClickKind::kView;
};

SessionLog Sessionize(const ClickLog& log, const SessionizeOptions& options = {});

// Stable sort by end time; filters that drop clicks restore SessionLog's order with it.
void SortByEndTime(std::vector<ReplaySession>& sessions);

}  // namespace mercato::recommend::data
