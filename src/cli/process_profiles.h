#pragma once
// Runs the profile consumer until it has caught up with the log (import and generate use it).

#include "cli/node.h"
#include "core/clock.h"
#include "core/status.h"

namespace mercato::cli {

// Returns the number of records processed.
Result<uint64_t> ProcessProfilesToEnd(Node& node, const Clock& clock);

// ProcessProfilesToEnd, then prints how many records updated profiles (or the error, prefixed with
// `command`). Returns the process exit code.
int ProcessProfilesAndReport(Node& node, const Clock& clock, const char* command);

}  // namespace mercato::cli
