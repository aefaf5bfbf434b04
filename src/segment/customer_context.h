#pragma once
// CustomerContext: what a segment rule reads about one stored customer (analytics/rules/
// evaluator.h RuleContext) — the profile's features and traits, its predictions, and its event
// history for aggregates, loaded once on first use.
//
// Features (docs/segments.md, "Fields"): orders, refunds, revenue, average_order_value (0 without
// orders), last_order_at (a time, null without orders), first_seen, last_seen (times), events,
// preferred_country, preferred_device (null when unknown), and the predictions (profile/
// prediction_store.h; null when not scored). Encrypted trait values are decrypted with the vault;
// a trait whose data key was destroyed reads as missing. Aggregates read the customer's history
// (events column family), engine-written segment events included.
//
// Thread safety: one context per evaluating thread; it reads a consistent view only as far as the
// store's reads are (the engine serialises writers).

#include <boost/json/value.hpp>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/evaluator.h"
#include "core/status.h"
#include "privacy/key_vault.h"
#include "profile/prediction_store.h"
#include "profile/profile_state.h"
#include "segment/history_scan.h"
#include "storage/store.h"

namespace mercato::segment {

class CustomerContext final : public analytics::rules::RuleContext {
 public:
  // The live customer `customer_id` (no redirect is followed: pass the survivor's id). NotFound
  // when it has no profile or its profile is a redirect.
  static Result<std::unique_ptr<CustomerContext>> Load(Store& store, const KeyVault& vault,
                                                       std::string_view customer_id);
  // A context over a profile and predictions already in memory. `history`, when given, is the
  // scan over the events column family that the context reads instead of creating an iterator of
  // its own (batch evaluation keeps one per thread); it must outlive the context's use.
  CustomerContext(Store& store, const KeyVault& vault, profile::ProfileState profile,
                  Predictions predictions, HistoryScan* history = nullptr);

  const profile::ProfileState& profile() const { return profile_; }
  // Moves the profile out; the context must not be used afterwards.
  profile::ProfileState ReleaseProfile() && { return std::move(profile_); }

  std::optional<analytics::rules::Value> Feature(std::string_view name) const override;
  std::optional<analytics::rules::Value> Trait(std::span<const std::string> path) const override;
  Result<std::optional<double>> Aggregate(const analytics::rules::EventQuery& query,
                                          std::optional<int64_t> after_us) const override;
  Result<std::optional<int64_t>> OldestEventTime(const analytics::rules::EventQuery& query,
                                                 std::optional<int64_t> after_us) const override;

 private:
  Status LoadHistory() const;
  // True when the profile proves that no history event matches: it never counted an event of
  // that name (and its list of names is not full), or its latest event (its latest order, for
  // "Order Completed") is not after `after_us`.
  // Engine events are in histories but not in profiles, so their names never qualify.
  bool HistoryCannotMatch(const analytics::rules::EventQuery& query,
                          std::optional<int64_t> after_us) const;

  Store& store_;
  const KeyVault& vault_;
  profile::ProfileState profile_;
  Predictions predictions_;
  HistoryScan* history_scan_ = nullptr;

  // One track event of the history: its name and "properties" text are kept in history_text_
  // (offsets: the text grows while the history is read); the properties are parsed only for a
  // query that reads them.
  struct HistoryEvent {
    size_t name_at = 0;
    size_t name_size = 0;
    size_t properties_at = 0;
    size_t properties_size = 0;  // 0: no properties object
    int64_t time_us = 0;
    bool parsed = false;
    const boost::json::object* properties = nullptr;  // once parsed
  };
  // Appends a track event read from `stored` (nothing for other types or undecodable text).
  void AddHistoryEvent(std::string_view stored, int64_t time_us) const;
  // The events named as `query` asks, after `after_us`, with their properties parsed when the
  // query reads them; valid until the next call.
  std::span<const analytics::rules::EventRecord> Candidates(
      const analytics::rules::EventQuery& query, std::optional<int64_t> after_us) const;

  // The history, read on the first aggregate.
  mutable bool history_loaded_ = false;
  mutable std::string history_text_;
  mutable std::vector<HistoryEvent> history_;
  mutable std::deque<boost::json::value> history_json_;  // parsed events and properties
  mutable std::vector<analytics::rules::EventRecord> candidates_;
};

}  // namespace mercato::segment
