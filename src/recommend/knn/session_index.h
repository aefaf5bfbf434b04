#pragma once
// SessionIndex: the training sessions of the session-kNN family, arranged for fast neighbour
// search.
//
// - Per session: its clicks in order (from the corpus) and its distinct items.
// - Per item: the sessions that contain it, most recent first, at most `max_sessions_per_item`
//   of them (0 = all). The cap bounds the candidate set of a query by its length times the cap,
//   so prediction time stays flat as the data grows (the oldest sessions of popular items are
//   the ones left out).
// - Per item: idf = log(sessions / clicks on the item), as in V-SKNN.
// Built once, immutable afterwards.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "recommend/session_corpus.h"

namespace mercato::recommend {

class SessionKnnIndex {
 public:
  SessionKnnIndex(const SessionCorpus& corpus, std::size_t max_sessions_per_item);

  const SessionCorpus& corpus() const { return corpus_; }
  std::size_t session_count() const { return corpus_.size(); }
  std::size_t item_count() const { return corpus_.item_count(); }

  std::span<const ItemId> Clicks(SessionIndex s) const { return corpus_.Session(s); }
  std::span<const ItemId> DistinctItems(SessionIndex s) const {
    return {distinct_.data() + distinct_offsets_[s], distinct_.data() + distinct_offsets_[s + 1]};
  }
  std::span<const SessionIndex> SessionsOf(ItemId item) const {
    return {postings_.data() + posting_offsets_[item],
            postings_.data() + posting_offsets_[item + 1]};
  }
  float Idf(ItemId item) const { return idf_[item]; }

 private:
  const SessionCorpus& corpus_;
  std::vector<std::uint32_t> distinct_offsets_;
  std::vector<ItemId> distinct_;
  std::vector<std::uint64_t> posting_offsets_;
  std::vector<SessionIndex> postings_;
  std::vector<float> idf_;
};

}  // namespace mercato::recommend
