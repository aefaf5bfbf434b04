#include "recommend/data/sessionize.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace mercato::recommend::data {
namespace {

// Indices of the kept clicks, grouped by key in order of each key's first click.
std::vector<std::vector<std::size_t>> GroupByKey(const ClickLog& log,
                                                 const SessionizeOptions& options) {
  std::unordered_map<std::string_view, std::size_t> group_of;
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t click_idx = 0; click_idx < log.clicks.size(); ++click_idx) {
    const Click& click = log.clicks[click_idx];
    if (options.only_kind && click.kind != *options.only_kind) continue;
    auto [it, inserted] = group_of.try_emplace(click.key, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(click_idx);
  }
  return groups;
}

// Appends the sessions of one key's clicks to `out`.
void SplitKey(const ClickLog& log, std::vector<std::size_t>& clicks, std::int64_t max_gap,
              SessionLog& out) {
  std::stable_sort(clicks.begin(), clicks.end(), [&](std::size_t a, std::size_t b) {
    return log.clicks[a].time_seconds < log.clicks[b].time_seconds;
  });
  ReplaySession* session = nullptr;
  for (std::size_t click_idx : clicks) {
    const Click& click = log.clicks[click_idx];
    if (session == nullptr || click.time_seconds - EndTime(*session) > max_gap) {
      session = &out.sessions.emplace_back();
    }
    session->items.push_back(out.items.Intern(click.item));
    session->times.push_back(click.time_seconds);
  }
}

}  // namespace

SessionLog Sessionize(const ClickLog& log, const SessionizeOptions& options) {
  SessionLog out;
  for (std::vector<std::size_t>& clicks : GroupByKey(log, options)) {
    SplitKey(log, clicks, options.max_gap_seconds, out);
  }
  SortByEndTime(out.sessions);
  return out;
}

void SortByEndTime(std::vector<ReplaySession>& sessions) {
  std::stable_sort(
      sessions.begin(), sessions.end(),
      [](const ReplaySession& a, const ReplaySession& b) { return EndTime(a) < EndTime(b); });
}

}  // namespace mercato::recommend::data
