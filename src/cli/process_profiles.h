#pragma once
// Runs the profile consumer until it has caught up with the log (import and generate use it).

#include "core/clock.h"
#include "core/status.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::cli {

// Returns the number of records processed.
Result<uint64_t> ProcessProfilesToEnd(Store& store, const EventLog& log, const Clock& clock);

// ProcessProfilesToEnd, then prints how many records updated profiles (or the error, prefixed with
// `command`). Returns the process exit code.
int ProcessProfilesAndReport(Store& store, const EventLog& log, const Clock& clock,
                             const char* command);

}  // namespace mercato::cli
