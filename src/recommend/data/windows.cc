#include "recommend/data/windows.h"

#include <algorithm>
#include <string>

namespace mercato::recommend::data {
namespace {

constexpr ItemId kNotInTrain = std::numeric_limits<ItemId>::max();

// Adds the window's training sessions to `split`; returns log id -> split id (kNotInTrain).
std::vector<ItemId> AddTrain(const SessionLog& log, TrainTestSplit& split) {
  std::vector<ItemId> dense(log.items.size(), kNotInTrain);
  std::vector<ItemId> items;
  for (const ReplaySession& session : log.sessions) {
    if (EndTime(session) < split.window.train_from || EndTime(session) >= split.window.test_from)
      continue;
    items.clear();
    for (ItemId item : session.items) {
      if (dense[item] == kNotInTrain) dense[item] = split.items.Intern(log.items.External(item));
      items.push_back(dense[item]);
    }
    split.train.Add(items, EndTime(session));
  }
  return dense;
}

// The clicks of `session` on training items, in split ids.
ReplaySession RestrictToTrain(const ReplaySession& session, const std::vector<ItemId>& dense) {
  ReplaySession kept;
  for (std::size_t click_idx = 0; click_idx < session.items.size(); ++click_idx) {
    const ItemId item = dense[session.items[click_idx]];
    if (item == kNotInTrain) continue;
    kept.items.push_back(item);
    kept.times.push_back(session.times[click_idx]);
  }
  return kept;
}

Status RequireSessions(const SessionLog& log) {
  if (log.sessions.empty()) return Status::FailedPrecondition("the session log is empty");
  return Status::Ok();
}

struct ClickSpan {
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
};

ClickSpan SpanOf(const SessionLog& log) {
  ClickSpan span;
  for (const ReplaySession& session : log.sessions) {
    span.first = std::min(span.first, StartTime(session));
    span.last = std::max(span.last, EndTime(session));
  }
  return span;
}

Status ValidateSliceOptions(const SliceOptions& options) {
  if (options.slices < 1 || options.train_days < 1 || options.test_days < 1) {
    return Status::InvalidArgument("slices, train_days and test_days must be at least 1");
  }
  if (options.offset_days < 0 || options.shift_days < 0) {
    return Status::InvalidArgument("offset_days and shift_days must not be negative");
  }
  return Status::Ok();
}

}  // namespace

TrainTestSplit SplitWindow(const SessionLog& log, const TimeWindow& window,
                           std::size_t min_test_length) {
  TrainTestSplit split;
  split.window = window;
  const std::vector<ItemId> dense = AddTrain(log, split);
  for (const ReplaySession& session : log.sessions) {
    if (EndTime(session) < window.test_from || EndTime(session) > window.test_until) continue;
    ReplaySession kept = RestrictToTrain(session, dense);
    if (!kept.items.empty() && kept.items.size() >= min_test_length) {
      split.test.push_back(std::move(kept));
    }
  }
  return split;
}

Result<TrainTestSplit> SplitLastDays(const SessionLog& log, int test_days,
                                     std::size_t min_test_length) {
  if (test_days < 1) return Status::InvalidArgument("test_days must be at least 1");
  RETURN_IF_ERROR(RequireSessions(log));
  TimeWindow window;
  window.test_from = SpanOf(log).last - test_days * kSecondsPerDay;
  return SplitWindow(log, window, min_test_length);
}

Result<std::vector<TrainTestSplit>> SliceByTime(const SessionLog& log,
                                                const SliceOptions& options) {
  RETURN_IF_ERROR(ValidateSliceOptions(options));
  RETURN_IF_ERROR(RequireSessions(log));
  const std::int64_t shift_days =
      options.shift_days != 0 ? options.shift_days : options.train_days + options.test_days;
  const std::int64_t first = SpanOf(log).first;
  std::vector<TrainTestSplit> splits;
  for (int slice = 0; slice < options.slices; ++slice) {
    TimeWindow window;
    window.train_from = first + (options.offset_days + slice * shift_days) * kSecondsPerDay;
    window.test_from = window.train_from + options.train_days * kSecondsPerDay;
    window.test_until = window.test_from + options.test_days * kSecondsPerDay;
    splits.push_back(SplitWindow(log, window, options.min_test_length));
  }
  return splits;
}

}  // namespace mercato::recommend::data
