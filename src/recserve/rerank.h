#pragma once
// From a model's ranking to the answer a shop shows: exclusions, context re-ranking and reasons.
//
//  1. The strategy's model ranks max(3n, n + 20) candidates (plus one per excluded id) for the
//     session; when it knows fewer, trending items fill up after all of its items (reason
//     "popular now").
//  2. Exclusions: explicit item ids, items bought (when asked), items of the session (when asked)
//     and items the catalog marks unavailable (when asked; unknown items count as available).
//  3. Context: each candidate's score (divided by the best, so 0..1) is multiplied, per known
//     context value (device type, country, season), by sqrt(lift) with the lift clamped to
//     [0.5, 2] (ModelSet::Lift), and by 1.3 when the catalog tags the item with the current
//     weather ("rain", "snow", ...; "hot" at >= 25 °C, "cold" at <= 5 °C).
//  4. Reasons: "viewed together with X" when X, a recent item of the session, is among the
//     candidate's co-viewed items (iknn); "often viewed after X" for sequential rules; "popular
//     now" for fill-ups; else "viewed in similar sessions". A context that lifted the item by 20 %
//     or more adds "; popular on mobile" (or "in PL", "in winter", "for rainy weather").
//
// Thread safety: pure functions of their inputs.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "catalog/catalog_item.h"
#include "recserve/model_set.h"
#include "weather/weather.h"

namespace mercato::recserve {

struct RecommendContext {
  std::string device;   // lowercased; empty = unknown
  std::string country;  // uppercased; empty = unknown
  std::string season;   // "winter", ...; empty = unknown
  std::optional<Weather> weather;
};

struct RecommendedItem {
  std::string id;
  double score = 0;  // after re-ranking, 0..~2.6
  std::string reason;
  std::optional<catalog::CatalogItem> catalog;  // when the catalog knows the item
};

using CatalogLookup = std::function<std::optional<catalog::CatalogItem>(std::string_view id)>;

struct RerankInput {
  const ModelSet* models = nullptr;
  const recommend::SessionModel* model = nullptr;  // the strategy's model
  std::string_view strategy;
  std::vector<std::string> session;  // the shop's item ids, oldest first
  int64_t now_us = 0;
  size_t n = 10;
  std::unordered_set<std::string> exclude;  // ids never returned
  bool exclude_session = false;             // leave out items of the session
  bool exclude_unavailable = true;          // leave out items the catalog marks unavailable
  RecommendContext context;
  CatalogLookup catalog;  // may be empty
};

std::vector<RecommendedItem> Rerank(const RerankInput& input);

}  // namespace mercato::recserve
