#pragma once
// Item-to-item models: each item keeps its `neighbours` strongest related items with a weight,
// and a query is scored from the items it holds.
//
// - Co-occurrence (kind kCosine): weight(i, j) = sessions with both / sqrt(sessions with i *
//   sessions with j), the classic item-kNN of Hidasi et al. and session-rec's IKNN.
// - Sequential rules (kind kSequentialRules, Ludewig & Jannach 2018): every time j follows i
//   within `max_steps` clicks of one session, rule i -> j gains 1 / steps.
// A query c_1..c_l scores item j with sum_p exp((p - l) / lambda) * weight(c_p, j), so the last
// click counts most (lambda 0 = the last click only). Items of the query itself are skipped
// unless `remind`.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/model.h"

namespace mercato::recommend {

struct ItemGraphOptions {
  enum class Kind { kCosine, kSequentialRules };
  Kind kind = Kind::kCosine;
  std::string name = "iknn";
  std::size_t neighbours = 200;              // kept per item
  std::size_t max_steps = 10;                // sequential rules only
  std::size_t max_sessions_per_item = 2000;  // cosine: most recent sessions read per item
  double lambda = 0;                         // query position decay in clicks; 0 = last click only
  bool remind = false;
};

// Named defaults: "iknn" (cosine) and "sr" (sequential rules).
Result<ItemGraphOptions> ItemGraphPreset(std::string_view name);

class ItemGraph final : public SessionModel {
 public:
  static Result<std::unique_ptr<ItemGraph>> Build(const SessionCorpus& corpus,
                                                  const ItemGraphOptions& options);
  std::string_view name() const override { return options_.name; }
  void Recommend(const SessionQuery& query, std::size_t n,
                 std::vector<ScoredItem>& out) const override;
  // The related items of `item`, strongest first.
  std::span<const ScoredItem> Related(ItemId item) const;

 private:
  ItemGraphOptions options_;
  std::size_t item_count_ = 0;
  std::vector<std::uint64_t> offsets_;
  std::vector<ScoredItem> edges_;
};

}  // namespace mercato::recommend
