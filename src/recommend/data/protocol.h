#pragma once
// The session-rec evaluation protocols composed from their steps (sessionize.h, filters.h,
// windows.h), for the data sets in this folder:
//
//   RetailRocket events.csv: Sessionize({30 min, views}) -> FilterSessions -> SliceByTime({5, 25,
//   2}) RetailRocket sample, Diginetica: Sessionize({kNoGapSplit, views}) -> FilterSessions -> ...
//   Online Retail next purchase: NextPurchaseSplit (invoice = session).
//
// Thread safety: pure functions.

#include "core/status.h"
#include "recommend/data/click_log.h"
#include "recommend/data/filters.h"
#include "recommend/data/sessionize.h"
#include "recommend/data/windows.h"

namespace mercato::recommend::data {

// Sessionize, then the session-rec filters.
SessionLog PrepareSessions(const ClickLog& log, const SessionizeOptions& sessionize = {},
                           const FilterOptions& filters = {});

// Next purchase: every invoice (ClickLog key) is one session of its purchased items, however far
// apart its rows are, with the same filters, then the last test_days are test (SplitLastDays).
// Only kPurchase clicks are used; test sessions shorter than filters.min_session_length are
// dropped. Errors as SplitLastDays.
Result<TrainTestSplit> NextPurchaseSplit(const ClickLog& purchases, int test_days,
                                         const FilterOptions& filters = {});

}  // namespace mercato::recommend::data
