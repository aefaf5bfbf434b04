#include "recommend/knn/session_index.h"

#include <algorithm>
#include <cmath>

namespace mercato::recommend {

SessionKnnIndex::SessionKnnIndex(const SessionCorpus& corpus, std::size_t max_sessions_per_item)
    : corpus_(corpus) {
  const std::size_t items = corpus.item_count();
  const std::size_t sessions = corpus.size();
  std::vector<std::uint64_t> clicks(items, 0);
  std::vector<std::uint32_t> seen(items, UINT32_MAX);
  std::vector<std::uint64_t> containing(items, 0);
  distinct_offsets_.reserve(sessions + 1);
  distinct_offsets_.push_back(0);
  for (SessionIndex s = 0; s < sessions; ++s) {
    for (ItemId item : corpus.Session(s)) {
      ++clicks[item];
      if (seen[item] == s) continue;
      seen[item] = s;
      distinct_.push_back(item);
      ++containing[item];
    }
    distinct_offsets_.push_back(static_cast<std::uint32_t>(distinct_.size()));
  }
  // Postings: counting sort by item, then each list most recent first and capped.
  std::vector<std::uint64_t> start(items + 1, 0);
  for (std::size_t i = 0; i < items; ++i) start[i + 1] = start[i] + containing[i];
  std::vector<SessionIndex> all(start[items]);
  std::vector<std::uint64_t> fill(start.begin(), start.end() - 1);
  for (SessionIndex s = 0; s < sessions; ++s) {
    for (ItemId item : DistinctItems(s)) all[fill[item]++] = s;
  }
  posting_offsets_.reserve(items + 1);
  posting_offsets_.push_back(0);
  for (std::size_t i = 0; i < items; ++i) {
    auto first = all.begin() + static_cast<std::ptrdiff_t>(start[i]);
    auto last = all.begin() + static_cast<std::ptrdiff_t>(start[i + 1]);
    std::sort(first, last, [&corpus](SessionIndex a, SessionIndex b) {
      return corpus.Time(a) != corpus.Time(b) ? corpus.Time(a) > corpus.Time(b) : a > b;
    });
    const std::size_t keep = max_sessions_per_item == 0
                                 ? containing[i]
                                 : std::min<std::size_t>(containing[i], max_sessions_per_item);
    postings_.insert(postings_.end(), first, first + static_cast<std::ptrdiff_t>(keep));
    posting_offsets_.push_back(postings_.size());
  }
  idf_.assign(items, 0.0F);
  for (std::size_t i = 0; i < items; ++i) {
    if (clicks[i] > 0) {
      idf_[i] = static_cast<float>(
          std::log(static_cast<double>(sessions) / static_cast<double>(clicks[i])));
    }
  }
}

}  // namespace mercato::recommend
