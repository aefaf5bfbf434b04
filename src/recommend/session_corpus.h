#pragma once
// SessionCorpus: click sessions over dense item ids, the input of every recommendation model.
//
// Items are dense ids 0..item_count-1 (an ItemDictionary maps them to the shop's own ids).
// Sessions are stored compressed (CSR): the items of session s, oldest click first, are
// items()[offsets()[s] .. offsets()[s + 1]). Repeated clicks on one item are kept; models that
// want sets de-duplicate. Every session has a time: the time of its last click (seconds since
// the epoch, or any monotone counter for data without timestamps, such as the SR-GNN split,
// where it is the session's position in the file). Models treat a larger time as more recent.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mercato::recommend {

using ItemId = std::uint32_t;
using SessionIndex = std::uint32_t;

class SessionCorpus {
 public:
  SessionCorpus() = default;
  explicit SessionCorpus(std::size_t item_count) : item_count_(item_count) {}

  // Appends one session (at least one click); item_count() grows to cover its ids. Returns the
  // session's index.
  SessionIndex Add(std::span<const ItemId> items, std::int64_t time);

  std::size_t size() const { return offsets_.size() - 1; }
  bool empty() const { return size() == 0; }
  std::size_t item_count() const { return item_count_; }
  // Raises item_count (never lowers it), for corpora built before the dictionary is final.
  void set_item_count(std::size_t count);
  std::size_t click_count() const { return items_.size(); }

  std::span<const ItemId> Session(SessionIndex s) const {
    return {items_.data() + offsets_[s], items_.data() + offsets_[s + 1]};
  }
  std::int64_t Time(SessionIndex s) const { return times_[s]; }
  // Mean clicks per session (0 when empty).
  double AverageLength() const;

 private:
  std::size_t item_count_ = 0;
  std::vector<std::uint32_t> offsets_{0};
  std::vector<ItemId> items_;
  std::vector<std::int64_t> times_;
};

// Maps external item ids (strings as the shop sends them) to dense ids, in first-seen order.
class ItemDictionary {
 public:
  // The dense id of `external`, adding it when new.
  ItemId Intern(std::string_view external);
  // Sets `id` and returns true when `external` is known.
  bool Find(std::string_view external, ItemId& id) const;
  const std::string& External(ItemId id) const { return external_[id]; }
  std::size_t size() const { return external_.size(); }

 private:
  std::unordered_map<std::string, ItemId> ids_;
  std::vector<std::string> external_;
};

}  // namespace mercato::recommend
