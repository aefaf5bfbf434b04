#pragma once
// Runs the profile consumer until it has caught up with the log (import and generate use it).

#include "core/clock.h"
#include "core/status.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::cli {

// Returns the number of records processed.
Result<uint64_t> ProcessProfilesToEnd(Store& store, const EventLog& log, const Clock& clock);

}  // namespace mercato::cli
