#pragma once
// PredictionStore: the model outputs kept per customer — churn probability, BG/NBD P(alive) and
// expected purchases, CLV, RFM score and segment, cluster — written by model runs (`mercato
// analyze`, /v1/analytics) and read by segment rules, the profile API and /v1/predictions/{id}.
//
// Stored format (models column family, key "p/" + customer id), version 1:
//   {"v": 1, "scoredAt": <micros of the latest run that wrote any field>,
//    "churn_probability": x, "p_alive": x, "clv": x, "expected_purchases_90d": x,
//    "rfm_score": x, "rfm_segment": "champions", "cluster": n,
//    "runs": {"<field>": "<run id>", ...}}        // which run wrote each field
// Absent members are unknown (rules read them as null). Each run writes only its own fields and
// keeps the others (Merge), so an RFM run does not drop a churn score.
//
// Thread safety: PredictionStore holds no state besides the store reference; concurrent Get calls
// are safe. Writers (one model run at a time) read-modify-write; two concurrent runs writing the
// same customer may lose one run's fields for that customer (callers serialise runs).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "storage/store.h"

namespace rocksdb {
class WriteBatch;
}

namespace mercato {

struct Predictions {
  std::optional<double> churn_probability;
  std::optional<double> p_alive;
  std::optional<double> clv;
  std::optional<double> expected_purchases_90d;
  std::optional<double> rfm_score;
  std::optional<std::string> rfm_segment;
  std::optional<int64_t> cluster;
  int64_t scored_at_us = 0;
  std::map<std::string, std::string, std::less<>> runs;  // field -> run id

  bool empty() const;
  // Copies every field `newer` has (and its run id) over this one; scored_at becomes the later.
  void Merge(const Predictions& newer);
  // The stored JSON (format above); numbers in shortest decimal form.
  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 document.
  static Result<Predictions> Parse(std::string_view stored);
  // The API object: every field (null when unknown) and "scoredAt" as ISO-8601 (null when never).
  std::string RenderApiJson() const;
};

class PredictionStore {
 public:
  explicit PredictionStore(Store& store) : store_(store) {}

  static std::string Key(std::string_view customer_id);

  // The customer's predictions; empty (not an error) when it was never scored.
  Result<Predictions> Get(std::string_view customer_id) const;
  // Adds to `batch` the merge of `update` into what is stored for the customer (read now).
  Status MergeInto(rocksdb::WriteBatch& batch, std::string_view customer_id,
                   const Predictions& update) const;
  // The time of the latest model run that changed predictions (0: none), kept in the meta column
  // family; segments re-evaluate rules that read model features when it moves.
  static Status MarkUpdated(Store& store, int64_t at_us);
  static Result<int64_t> LastUpdated(Store& store);

  // Adds the deletion of the customer's predictions to `batch` (erasure).
  static void DeleteInto(Store& store, rocksdb::WriteBatch& batch, std::string_view customer_id);

 private:
  Store& store_;
};

}  // namespace mercato
