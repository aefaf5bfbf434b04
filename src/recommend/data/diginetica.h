#pragma once
// Reader of the Diginetica (CIKM Cup 2016) train-item-views.csv and its samples.
// Line numbers, headers and bad lines follow delimited_reader.h.
// Thread safety: pure functions.

#include <istream>

#include "core/status.h"
#include "recommend/data/click_log.h"

namespace mercato::recommend::data {

// ';'-separated "session_id;user_id;item_id;timeframe;eventdate" (header optional). Every row is
// a view; key = session_id (already sessionized); user_id ("NA" when anonymous) is ignored.
// Time, as session-rec's preprocessing computes it: eventdate (YYYY-MM-DD, midnight UTC) in
// seconds plus timeframe (milliseconds) / 1000, floored to whole seconds; clicks of one session
// that land in the same second keep their file order (Sessionize sorts stably).
// InvalidArgument on a wrong field count, a non-integer or negative timeframe or a bad date.
Result<ClickLog> ReadDigineticaItemViews(std::istream& in);

}  // namespace mercato::recommend::data
