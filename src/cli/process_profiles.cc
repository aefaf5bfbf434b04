#include "cli/process_profiles.h"

#include "profile/profile_builder.h"

namespace mercato::cli {

Result<uint64_t> ProcessProfilesToEnd(Store& store, const EventLog& log, const Clock& clock) {
  ProfileBuilder builder(store, log, clock, nullptr);
  uint64_t total = 0;
  while (true) {
    ASSIGN_OR_RETURN(size_t done, builder.ProcessBatch(8192));
    if (done == 0) return total;
    total += done;
  }
}

}  // namespace mercato::cli
