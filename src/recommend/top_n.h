#pragma once
// Selecting the n best items from a sparse set of scores, the last step of every model.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "recommend/model.h"

namespace mercato::recommend {

// Ranks `candidates` (any order) and keeps the n best in `out`, best first: higher score wins,
// equal scores go to the smaller item id. Items with a score <= 0 or NaN are dropped.
void TakeTopN(std::vector<ScoredItem>& candidates, std::size_t n, std::vector<ScoredItem>& out);

// A dense score array over all items that remembers which entries it touched, so that clearing
// and collecting cost O(touched), not O(items). One per thread; reused across queries.
class ScoreBoard {
 public:
  void Reset(std::size_t item_count);
  void Add(ItemId item, float value) {
    if (seen_[item] == 0) {
      seen_[item] = 1;
      touched_.push_back(item);
    }
    scores_[item] += value;
  }
  // Moves the touched entries into `candidates` (cleared first) and zeroes the board.
  void Drain(std::vector<ScoredItem>& candidates);

 private:
  std::vector<float> scores_;
  std::vector<std::uint8_t> seen_;
  std::vector<ItemId> touched_;
};

}  // namespace mercato::recommend
