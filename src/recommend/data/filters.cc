#include "recommend/data/filters.h"

#include <algorithm>
#include <vector>

namespace mercato::recommend::data {
namespace {

void DropShortSessions(std::vector<ReplaySession>& sessions, std::size_t min_length) {
  std::erase_if(sessions, [&](const ReplaySession& s) { return s.items.size() < min_length; });
}

void DropRareItems(std::vector<ReplaySession>& sessions, std::size_t item_count,
                   std::size_t min_support) {
  std::vector<std::size_t> support(item_count, 0);
  for (const ReplaySession& session : sessions) {
    for (ItemId item : session.items) ++support[item];
  }
  for (ReplaySession& session : sessions) {
    std::size_t kept = 0;
    for (std::size_t click_idx = 0; click_idx < session.items.size(); ++click_idx) {
      if (support[session.items[click_idx]] < min_support) continue;
      session.items[kept] = session.items[click_idx];
      session.times[kept] = session.times[click_idx];
      ++kept;
    }
    session.items.resize(kept);
    session.times.resize(kept);
  }
}

}  // namespace

SessionLog FilterSessions(SessionLog log, const FilterOptions& options) {
  DropShortSessions(log.sessions, options.min_session_length);
  DropRareItems(log.sessions, log.items.size(), options.min_item_support);
  // Also removes sessions step 2 emptied, whatever min_session_length is.
  DropShortSessions(log.sessions, std::max<std::size_t>(options.min_session_length, 1));
  SortByEndTime(log.sessions);  // a dropped last click moves a session's end earlier
  return log;
}

}  // namespace mercato::recommend::data
