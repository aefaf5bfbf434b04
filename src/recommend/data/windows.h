#pragma once
// Time-based train/test splits of the session-rec protocol (preprocess.py split_data and
// split_data_slice). A session is assigned by its END time (the time of its last click, "tmax"
// in session-rec), never split between train and test. Within a window:
//   train = sessions ending in [train_from, test_from),
//   test  = sessions ending in [test_from, test_until]   (both ends inclusive, as session-rec);
// then test clicks on items that no training session of the window has are removed, and test
// sessions left shorter than min_test_length dropped. Training sessions are not filtered again.
// Consequence kept from session-rec: with contiguous slices a session ending exactly on a slice
// boundary is test in one slice and train in the next.
//
// All times are seconds; a day is 86,400 s from the data's first (or last) click, not a calendar
// day. Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/status.h"
#include "recommend/data/sessionize.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend::data {

inline constexpr std::int64_t kSecondsPerDay = 86'400;

struct TimeWindow {
  std::int64_t train_from = std::numeric_limits<std::int64_t>::min();
  std::int64_t test_from = 0;
  std::int64_t test_until = std::numeric_limits<std::int64_t>::max();  // inclusive
};

// One train/test split with its own dense item ids.
struct TrainTestSplit {
  // Item ids 0..n-1 in first-seen order over the training sessions (in end-time order, each
  // oldest click first); External() gives the data set's id.
  ItemDictionary items;
  // Training sessions in end-time order; session time = end time in seconds.
  SessionCorpus train;
  // Test sessions in end-time order, items in `items`' ids, with every click's time (seconds),
  // for replaying them click by click. Every item occurs in train.
  std::vector<ReplaySession> test;
  TimeWindow window;
};

// The split of `log` for one window (see the header comment).
TrainTestSplit SplitWindow(const SessionLog& log, const TimeWindow& window,
                           std::size_t min_test_length = 2);

// session-rec split_data: test = sessions ending in the last test_days before the log's last
// click; train = every session ending before. InvalidArgument when test_days < 1;
// FailedPrecondition when the log has no sessions.
Result<TrainTestSplit> SplitLastDays(const SessionLog& log, int test_days,
                                     std::size_t min_test_length = 2);

// session-rec slicing. Defaults are session-rec's RetailRocket configuration.
struct SliceOptions {
  int slices = 5;
  int train_days = 25;
  int test_days = 2;
  int offset_days = 0;  // first window starts this many days after the log's first click
  int shift_days = 0;   // start of slice k+1 minus start of slice k; 0 = train_days + test_days
  std::size_t min_test_length = 2;
};

// Slice k covers [start_k, start_k + train_days + test_days days] with start_k = first click +
// (offset_days + k * shift_days) days; its last test_days are test. Slices past the data are
// returned empty. InvalidArgument for slices, train_days or test_days < 1 or negative offset or
// shift; FailedPrecondition when the log has no sessions.
Result<std::vector<TrainTestSplit>> SliceByTime(const SessionLog& log,
                                                const SliceOptions& options = {});

}  // namespace mercato::recommend::data
