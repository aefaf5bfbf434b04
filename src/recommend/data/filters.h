#pragma once
// The session-rec data filters, in session-rec's order (preprocess.py filter_data):
//   1. drop sessions with fewer than min_session_length clicks,
//   2. drop the clicks on items with fewer than min_item_support clicks in the remaining
//      sessions (support counts clicks, repeats included, not sessions),
//   3. drop sessions that step 2 left with fewer than min_session_length clicks.
// The order matters: a click in a session dropped by step 1 does not count toward support.
// Filters run once (no fixpoint): after step 3 an item may again be below min_item_support.
//
// Thread safety: pure functions.

#include <cstddef>

#include "recommend/data/sessionize.h"

namespace mercato::recommend::data {

struct FilterOptions {
  std::size_t min_session_length = 2;
  std::size_t min_item_support = 5;
};

// The filtered log, sessions re-sorted by their (possibly earlier) end time; the dictionary is kept
// whole (items that lost every click stay in it, so ids do not change).
SessionLog FilterSessions(SessionLog log, const FilterOptions& options = {});

}  // namespace mercato::recommend::data
