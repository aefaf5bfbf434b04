// `mercato profile <id>`: prints a profile from a data directory, even while a server runs on it
// (the store is opened read-only, as of the moment of the call).

#include <cstdio>

#include "cli/commands.h"
#include "cli/node.h"
#include "profile/profile_store.h"

namespace mercato::cli {

int RunProfile(const ProfileOptions& options) {
  auto node = OpenReadOnlyNode(options.data_dir, options.privacy);
  if (!node.ok()) {
    std::fprintf(stderr, "mercato profile: %s\n", node.status().ToString().c_str());
    return 1;
  }
  ProfileStore profiles(*node->store, *node->vault, SystemClock::Instance());
  auto customer = profiles.Resolve(options.id);
  if (!customer.ok()) {
    std::fprintf(stderr, "mercato profile: no customer known as '%s'\n", options.id.c_str());
    return 1;
  }
  if (!options.events) {
    auto json = profiles.ProfileJson(*customer);
    if (!json.ok()) {
      std::fprintf(stderr, "mercato profile: %s\n", json.status().ToString().c_str());
      return 1;
    }
    std::printf("%s\n", json->c_str());
    return 0;
  }
  auto page = profiles.Events(*customer, "", options.limit);
  if (!page.ok()) {
    std::fprintf(stderr, "mercato profile: %s\n", page.status().ToString().c_str());
    return 1;
  }
  for (const std::string& event : page->events) std::printf("%s\n", event.c_str());
  return 0;
}

}  // namespace mercato::cli
