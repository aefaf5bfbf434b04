#include "recommend/hybrid.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "recommend/top_n.h"

namespace mercato::recommend {

Result<std::unique_ptr<Hybrid>> Hybrid::Build(std::string name, std::vector<Member> members,
                                              std::size_t depth) {
  double total = 0;
  for (const Member& m : members) {
    if (m.model == nullptr) return Status::InvalidArgument("a hybrid member has no model");
    if (!std::isfinite(m.weight) || m.weight < 0) {
      return Status::InvalidArgument("hybrid weights must be finite and >= 0");
    }
    total += m.weight;
  }
  if (!(total > 0)) return Status::InvalidArgument("hybrid weights must not all be 0");
  if (depth == 0) return Status::InvalidArgument("hybrid depth must be at least 1");
  auto hybrid = std::unique_ptr<Hybrid>(new Hybrid());
  hybrid->name_ = std::move(name);
  hybrid->members_ = std::move(members);
  hybrid->depth_ = depth;
  return hybrid;
}

void Hybrid::Recommend(const SessionQuery& query, std::size_t n,
                       std::vector<ScoredItem>& out) const {
  thread_local std::vector<ScoredItem> part;
  thread_local std::vector<ScoredItem> merged;
  std::unordered_map<ItemId, float> blended;
  for (const Member& m : members_) {
    if (m.weight == 0) continue;
    m.model->Recommend(query, std::max(depth_, n), part);
    if (part.empty() || !(part.front().score > 0)) continue;
    const double scale = m.weight / part.front().score;
    for (const ScoredItem& s : part) blended[s.item] += static_cast<float>(s.score * scale);
  }
  merged.clear();
  for (const auto& [item, score] : blended) merged.push_back({item, score});
  TakeTopN(merged, n, out);
}

}  // namespace mercato::recommend
