#include "recommend/session_corpus.h"

#include <algorithm>

namespace mercato::recommend {

SessionIndex SessionCorpus::Add(std::span<const ItemId> items, std::int64_t time) {
  for (ItemId item : items) item_count_ = std::max<std::size_t>(item_count_, item + 1ULL);
  items_.insert(items_.end(), items.begin(), items.end());
  offsets_.push_back(static_cast<std::uint32_t>(items_.size()));
  times_.push_back(time);
  return static_cast<SessionIndex>(times_.size() - 1);
}

void SessionCorpus::set_item_count(std::size_t count) {
  item_count_ = std::max(item_count_, count);
}

double SessionCorpus::AverageLength() const {
  return empty() ? 0.0 : static_cast<double>(items_.size()) / static_cast<double>(size());
}

ItemId ItemDictionary::Intern(std::string_view external) {
  auto [it, inserted] =
      ids_.try_emplace(std::string(external), static_cast<ItemId>(external_.size()));
  if (inserted) external_.emplace_back(external);
  return it->second;
}

bool ItemDictionary::Find(std::string_view external, ItemId& id) const {
  auto it = ids_.find(std::string(external));
  if (it == ids_.end()) return false;
  id = it->second;
  return true;
}

}  // namespace mercato::recommend
