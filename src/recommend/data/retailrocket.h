#pragma once
// Readers of the two RetailRocket layouts (Kaggle "Retailrocket recommender system dataset").
// Line numbers, headers and bad lines follow delimited_reader.h: a malformed line is an
// InvalidArgument naming it; nothing is skipped silently.
// Thread safety: pure functions.

#include <istream>

#include "core/status.h"
#include "recommend/data/click_log.h"

namespace mercato::recommend::data {

// The original events.csv: "timestamp,visitorid,event,itemid,transactionid" (header optional),
// timestamp in MILLISECONDS (floored to seconds here), event one of view / addtocart /
// transaction (-> kView / kCart / kPurchase), transactionid empty except for transactions and
// ignored. key = visitorid: the file is not sessionized; use Sessionize with the 30-minute rule.
// InvalidArgument on a wrong field count, a non-integer timestamp or an unknown event.
Result<ClickLog> ReadRetailRocketEvents(std::istream& in);

// The sessionized sample (SR-GTM's sample_retailrocket.csv): TAB-separated
// "timestamp user_id item_id session_id" (header optional), timestamp in SECONDS, views only.
// key = session_id (already sessionized: Sessionize with kNoGapSplit keeps it whole).
Result<ClickLog> ReadRetailRocketSessionSample(std::istream& in);

}  // namespace mercato::recommend::data
