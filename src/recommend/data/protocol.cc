#include "recommend/data/protocol.h"

namespace mercato::recommend::data {

SessionLog PrepareSessions(const ClickLog& log, const SessionizeOptions& sessionize,
                           const FilterOptions& filters) {
  return FilterSessions(Sessionize(log, sessionize), filters);
}

Result<TrainTestSplit> NextPurchaseSplit(const ClickLog& purchases, int test_days,
                                         const FilterOptions& filters) {
  const SessionizeOptions by_invoice{kNoGapSplit, ClickKind::kPurchase};
  return SplitLastDays(PrepareSessions(purchases, by_invoice, filters), test_days,
                       filters.min_session_length);
}

}  // namespace mercato::recommend::data
