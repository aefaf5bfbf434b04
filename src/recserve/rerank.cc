#include "recserve/rerank.h"

#include <algorithm>
#include <cmath>

namespace mercato::recserve {
namespace {

using recommend::ScoredItem;

constexpr double kWeatherBoost = 1.3;
constexpr double kReasonLift = 1.2;    // a context that lifts by this much is named
constexpr size_t kReasonLookback = 5;  // session items a reason may name

struct Candidate {
  ItemId item = 0;
  double score = 0;
  bool fill = false;  // from the trending fill-up
  std::string context_reason;
  std::optional<catalog::CatalogItem> catalog;
};

// The weather tags that match `weather`: its condition, and "hot" / "cold" by temperature.
std::vector<std::string> WeatherTags(const Weather& weather) {
  std::vector<std::string> tags;
  if (weather.condition != Condition::kUnknown) {
    tags.emplace_back(ConditionName(weather.condition));
  }
  if (weather.temperature_c >= 25) tags.emplace_back("hot");
  if (weather.temperature_c <= 5) tags.emplace_back("cold");
  return tags;
}

bool Contains(std::span<const ScoredItem> related, ItemId item) {
  return std::any_of(related.begin(), related.end(),
                     [item](const ScoredItem& scored) { return scored.item == item; });
}

std::string BaseReason(const RerankInput& input, const Candidate& candidate,
                       std::span<const ItemId> session) {
  if (candidate.fill) return "popular now";
  const size_t from = session.size() > kReasonLookback ? session.size() - kReasonLookback : 0;
  for (size_t i = session.size(); i-- > from;) {
    if (Contains(input.models->related().Related(session[i]), candidate.item)) {
      return "viewed together with " + input.models->items().External(session[i]);
    }
  }
  for (size_t i = session.size(); i-- > from;) {
    if (Contains(input.models->next_rules().Related(session[i]), candidate.item)) {
      return "often viewed after " + input.models->items().External(session[i]);
    }
  }
  if (input.strategy == "popular" || session.empty()) return "popular now";
  return "viewed in similar sessions";
}

// Multiplies the candidate's score by its context lifts and notes the strongest as a reason.
void ApplyContext(const RerankInput& input, const std::vector<std::string>& weather_tags,
                  Candidate& candidate) {
  const RecommendContext& context = input.context;
  double best = kReasonLift;
  auto apply = [&](std::string_view kind, const std::string& value, std::string_view phrase) {
    if (value.empty()) return;
    const ModelSet::ContextLift lift =
        input.models->Lift(std::string(kind) + ":" + value, candidate.item);
    const double clamped = std::clamp(static_cast<double>(lift.lift), 0.5, 2.0);
    candidate.score *= std::sqrt(clamped);
    if (clamped >= best && lift.views >= 3) {
      best = clamped;
      candidate.context_reason = std::string(phrase) + value;
    }
  };
  apply("device", context.device, "popular on ");
  apply("country", context.country, "popular in ");
  apply("season", context.season, "popular in ");
  if (!candidate.catalog || weather_tags.empty()) return;
  for (const std::string& tag : weather_tags) {
    const auto& tags = candidate.catalog->tags;
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) continue;
    candidate.score *= kWeatherBoost;
    candidate.context_reason = "for " + tag + " weather";
    return;
  }
}

}  // namespace

std::vector<RecommendedItem> Rerank(const RerankInput& input) {
  std::vector<ItemId> session;
  session.reserve(input.session.size());
  for (const std::string& id : input.session) {
    ItemId item = 0;
    if (input.models->items().Find(id, item)) session.push_back(item);
  }
  const size_t depth =
      std::min<size_t>(std::max<size_t>(3 * input.n, input.n + 20), 300) + input.exclude.size();
  std::vector<ScoredItem> ranked;
  const int64_t now_seconds = input.now_us / 1'000'000;
  if (!session.empty() && input.model != nullptr) {
    input.model->Recommend(recommend::SessionQuery{session, now_seconds}, depth, ranked);
  }
  std::vector<ScoredItem> popular;
  if (ranked.size() < depth) input.models->Popular(depth, popular);

  const std::vector<std::string> weather_tags =
      input.context.weather ? WeatherTags(*input.context.weather) : std::vector<std::string>{};
  std::unordered_set<ItemId> seen;
  std::vector<Candidate> candidates;
  auto consider = [&](const ScoredItem& scored, double best, bool fill) {
    if (!seen.insert(scored.item).second) return;
    const std::string& id = input.models->items().External(scored.item);
    if (input.exclude.contains(id)) return;
    if (input.exclude_session &&
        std::find(session.begin(), session.end(), scored.item) != session.end()) {
      return;
    }
    Candidate candidate;
    candidate.item = scored.item;
    candidate.fill = fill;
    if (input.catalog) candidate.catalog = input.catalog(id);
    if (input.exclude_unavailable && candidate.catalog && candidate.catalog->available &&
        !*candidate.catalog->available) {
      return;
    }
    // Model scores on 0..1; fill-ups below every model candidate.
    const double normalised = best > 0 ? scored.score / best : 0;
    candidate.score = fill ? 0.1 * normalised : normalised;
    ApplyContext(input, weather_tags, candidate);
    candidates.push_back(std::move(candidate));
  };
  const double best_model = ranked.empty() ? 0 : ranked.front().score;
  for (const ScoredItem& scored : ranked) consider(scored, best_model, false);
  const double best_popular = popular.empty() ? 0 : popular.front().score;
  for (const ScoredItem& scored : popular) consider(scored, best_popular, true);

  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.fill != b.fill) return !a.fill;  // fill-ups after every model item
                     if (a.score != b.score) return a.score > b.score;
                     return a.item < b.item;
                   });
  if (candidates.size() > input.n) candidates.resize(input.n);
  std::vector<RecommendedItem> out;
  out.reserve(candidates.size());
  for (Candidate& candidate : candidates) {
    RecommendedItem item;
    item.id = input.models->items().External(candidate.item);
    item.score = candidate.score;
    item.reason = BaseReason(input, candidate, session);
    if (!candidate.context_reason.empty()) item.reason += "; " + candidate.context_reason;
    item.catalog = std::move(candidate.catalog);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace mercato::recserve
