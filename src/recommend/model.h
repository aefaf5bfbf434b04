#pragma once
// The interface every next-item model implements, and what a query and an answer look like.
//
// A model is built (trained) from a SessionCorpus and is then immutable: Recommend is const and
// safe to call from many threads at once (per-call scratch lives in thread-local storage or on
// the stack). Models never do I/O; saving and loading go through Serialize/Deserialize in the
// model's own header.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "recommend/session_corpus.h"

namespace mercato::recommend {

// The session so far, oldest click first, and the time of the request (same unit as the
// corpus's session times). Items outside the model's item range are ignored.
struct SessionQuery {
  std::span<const ItemId> items;
  std::int64_t now = 0;
};

struct ScoredItem {
  ItemId item = 0;
  float score = 0;
  bool operator==(const ScoredItem&) const = default;
};

class SessionModel {
 public:
  virtual ~SessionModel() = default;
  virtual std::string_view name() const = 0;
  // Writes the n best next items into `out` (cleared first), best first; ties broken by the
  // smaller item id so that answers are deterministic. Fewer than n when the model knows fewer
  // candidates.
  virtual void Recommend(const SessionQuery& query, std::size_t n,
                         std::vector<ScoredItem>& out) const = 0;
};

}  // namespace mercato::recommend
