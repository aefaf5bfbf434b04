#include "profile/prediction_store.h"

#include <rocksdb/write_batch.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "core/big_endian.h"
#include "core/time_format.h"
#include "event/json_writer.h"

namespace mercato {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "p/";

void PutNumber(json::object& out, std::string_view name, const std::optional<double>& value) {
  if (value && std::isfinite(*value)) out[name] = *value;
}

bool ReadNumber(const json::object& in, std::string_view name, std::optional<double>& out) {
  const json::value* v = in.if_contains(name);
  if (v == nullptr) return true;
  if (v->is_double()) {
    out = v->get_double();
  } else if (v->is_int64()) {
    out = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    out = static_cast<double>(v->get_uint64());
  } else {
    return v->is_null();
  }
  return true;
}

json::object ToObject(const Predictions& p, bool api) {
  json::object out;
  if (!api) out["v"] = 1;
  auto number = [&](std::string_view name, const std::optional<double>& value) {
    if (api && !value) {
      out[name] = nullptr;
    } else {
      PutNumber(out, name, value);
    }
  };
  number("churn_probability", p.churn_probability);
  number("p_alive", p.p_alive);
  number("clv", p.clv);
  number("expected_purchases_90d", p.expected_purchases_90d);
  number("rfm_score", p.rfm_score);
  if (p.rfm_segment) {
    out["rfm_segment"] = *p.rfm_segment;
  } else if (api) {
    out["rfm_segment"] = nullptr;
  }
  if (p.cluster) {
    out["cluster"] = *p.cluster;
  } else if (api) {
    out["cluster"] = nullptr;
  }
  if (api) {
    out["scoredAt"] =
        p.scored_at_us > 0 ? json::value(FormatTimestamp(p.scored_at_us)) : json::value(nullptr);
  } else {
    out["scoredAt"] = p.scored_at_us;
  }
  if (!p.runs.empty()) {
    json::object runs;
    for (const auto& [field, run] : p.runs) runs[field] = run;
    out["runs"] = std::move(runs);
  }
  return out;
}

}  // namespace

bool Predictions::empty() const {
  return !churn_probability && !p_alive && !clv && !expected_purchases_90d && !rfm_score &&
         !rfm_segment && !cluster;
}

void Predictions::Merge(const Predictions& newer) {
  auto take = [](auto& mine, const auto& theirs) {
    if (theirs) mine = theirs;
  };
  take(churn_probability, newer.churn_probability);
  take(p_alive, newer.p_alive);
  take(clv, newer.clv);
  take(expected_purchases_90d, newer.expected_purchases_90d);
  take(rfm_score, newer.rfm_score);
  take(rfm_segment, newer.rfm_segment);
  take(cluster, newer.cluster);
  for (const auto& [field, run] : newer.runs) runs[field] = run;
  scored_at_us = std::max(scored_at_us, newer.scored_at_us);
}

std::string Predictions::Serialize() const { return SerializeJson(ToObject(*this, false)); }

std::string Predictions::RenderApiJson() const { return SerializeJson(ToObject(*this, true)); }

Result<Predictions> Predictions::Parse(std::string_view stored) {
  // Parsed into a buffer on the stack (every segment build reads one per customer); everything
  // is copied out before it goes.
  unsigned char buffer[2048];
  json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec, &arena);
  const json::object* object = ec ? nullptr : root.if_object();
  auto corrupt = [] {
    return Status::Corruption("stored predictions are not a version-1 document");
  };
  if (object == nullptr) return corrupt();
  const json::value* version = object->if_contains("v");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1) return corrupt();
  Predictions p;
  if (!ReadNumber(*object, "churn_probability", p.churn_probability) ||
      !ReadNumber(*object, "p_alive", p.p_alive) || !ReadNumber(*object, "clv", p.clv) ||
      !ReadNumber(*object, "expected_purchases_90d", p.expected_purchases_90d) ||
      !ReadNumber(*object, "rfm_score", p.rfm_score)) {
    return corrupt();
  }
  if (const json::value* segment = object->if_contains("rfm_segment")) {
    if (!segment->is_string()) return corrupt();
    p.rfm_segment = std::string(segment->get_string());
  }
  if (const json::value* cluster = object->if_contains("cluster")) {
    if (!cluster->is_int64()) return corrupt();
    p.cluster = cluster->get_int64();
  }
  if (const json::value* at = object->if_contains("scoredAt")) {
    if (!at->is_int64()) return corrupt();
    p.scored_at_us = at->get_int64();
  }
  if (const json::value* runs = object->if_contains("runs")) {
    if (!runs->is_object()) return corrupt();
    for (const auto& [field, run] : runs->get_object()) {
      if (!run.is_string()) return corrupt();
      p.runs[std::string(field)] = std::string(run.get_string());
    }
  }
  return p;
}

std::string PredictionStore::Key(std::string_view customer_id) {
  std::string key(kPrefix);
  key.append(customer_id);
  return key;
}

Result<Predictions> PredictionStore::Get(std::string_view customer_id) const {
  Result<std::string> stored = store_.Get(Cf::kModels, Key(customer_id));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return Predictions{};
    return stored.status();
  }
  return Predictions::Parse(*stored);
}

Status PredictionStore::MergeInto(rocksdb::WriteBatch& batch, std::string_view customer_id,
                                  const Predictions& update) const {
  ASSIGN_OR_RETURN(Predictions current, Get(customer_id));
  current.Merge(update);
  const std::string key = Key(customer_id);
  return FromRocks(batch.Put(store_.cf(Cf::kModels), key, current.Serialize()),
                   "staging predictions");
}

namespace {
constexpr std::string_view kUpdatedKey = "predictions/updated";
}  // namespace

Status PredictionStore::MarkUpdated(Store& store, int64_t at_us) {
  rocksdb::WriteBatch batch;
  std::string value;
  PutInt64Ordered(value, at_us);
  batch.Put(store.cf(Cf::kMeta), kUpdatedKey, value);
  return store.Write(batch, true);
}

Result<int64_t> PredictionStore::LastUpdated(Store& store) {
  Result<std::string> stored = store.Get(Cf::kMeta, kUpdatedKey);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return int64_t{0};
    return stored.status();
  }
  if (stored->size() != 8) return Status::Corruption("predictions/updated is malformed");
  return GetInt64Ordered(*stored);
}

void PredictionStore::DeleteInto(Store& store, rocksdb::WriteBatch& batch,
                                 std::string_view customer_id) {
  batch.Delete(store.cf(Cf::kModels), Key(customer_id));
}

}  // namespace mercato
