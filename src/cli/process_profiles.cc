#include "cli/process_profiles.h"

#include <cstdio>

#include "profile/profile_builder.h"

namespace mercato::cli {

Result<uint64_t> ProcessProfilesToEnd(Node& node, const Clock& clock) {
  ProfileBuilder builder(*node.store, *node.log, *node.vault, clock, nullptr);
  uint64_t total = 0;
  while (true) {
    ASSIGN_OR_RETURN(size_t done, builder.ProcessBatch(8192));
    if (done == 0) return total;
    total += done;
  }
}

int ProcessProfilesAndReport(Node& node, const Clock& clock, const char* command) {
  auto processed = ProcessProfilesToEnd(node, clock);
  if (!processed.ok()) {
    std::fprintf(stderr, "%s: %s\n", command, processed.status().ToString().c_str());
    return 1;
  }
  std::printf("profiles updated from %llu log records\n",
              static_cast<unsigned long long>(*processed));
  return 0;
}

}  // namespace mercato::cli
