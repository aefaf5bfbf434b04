#include "scoring/run_request.h"

#include <cmath>
#include <initializer_list>

#include "core/time_format.h"
#include "event/json_writer.h"

namespace mercato::scoring {
namespace {

namespace json = boost::json;

Status Bad(std::string_view name, std::string_view what) {
  return Status::InvalidArgument("parameter '" + std::string(name) + "' " + std::string(what));
}

// An integer parameter in [min, max]; `out` keeps its default when absent.
Status ReadInt(const json::object& params, std::string_view name, int64_t min, int64_t max,
               int64_t& out) {
  const json::value* value = params.if_contains(name);
  if (value == nullptr) return Status::Ok();
  int64_t number = 0;
  if (value->is_int64()) {
    number = value->get_int64();
  } else if (value->is_uint64() && value->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    number = static_cast<int64_t>(value->get_uint64());
  } else if (value->is_double() && std::trunc(value->get_double()) == value->get_double() &&
             std::fabs(value->get_double()) < 9e15) {
    number = static_cast<int64_t>(value->get_double());
  } else {
    return Bad(name, "must be an integer");
  }
  if (number < min || number > max) {
    return Bad(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = number;
  return Status::Ok();
}

// A number parameter in [min, max] (exclusive of min when `min_exclusive`).
Status ReadDouble(const json::object& params, std::string_view name, double min, double max,
                  bool min_exclusive, double& out) {
  const json::value* value = params.if_contains(name);
  if (value == nullptr) return Status::Ok();
  if (!value->is_number()) return Bad(name, "must be a number");
  const double number = value->to_number<double>();
  if (!std::isfinite(number) || number > max || number < min || (min_exclusive && number == min)) {
    return Bad(name, "must be " + std::string(min_exclusive ? "above " : "at least ") +
                         SerializeJson(json::value(min)) + " and at most " +
                         SerializeJson(json::value(max)));
  }
  out = number;
  return Status::Ok();
}

// One of `choices`; returns its index (`out` unchanged when absent).
Status ReadChoice(const json::object& params, std::string_view name,
                  std::initializer_list<std::string_view> choices, size_t& out) {
  const json::value* value = params.if_contains(name);
  if (value == nullptr) return Status::Ok();
  std::string list;
  size_t index = 0;
  for (std::string_view choice : choices) {
    if (value->is_string() && value->get_string() == choice) {
      out = index;
      return Status::Ok();
    }
    list += (index == 0 ? "\"" : " or \"") + std::string(choice) + "\"";
    ++index;
  }
  return Bad(name, "must be " + list);
}

Status CheckNames(RunKind kind, const json::object& params,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& member : params) {
    bool known = member.key() == "as_of";
    for (std::string_view name : allowed) known = known || member.key() == name;
    if (!known) {
      return Status::InvalidArgument("unknown parameter '" +
                                     std::string(member.key().substr(0, 64)) + "' for run kind '" +
                                     std::string(RunKindName(kind)) + "'");
    }
  }
  return Status::Ok();
}

Status ReadCluster(const json::object& params, ClusterParams& out) {
  RETURN_IF_ERROR(CheckNames(
      RunKind::kCluster, params,
      {"algorithm", "k", "k_min", "k_max", "seed", "sample_size", "eps", "min_samples"}));
  size_t algorithm = 0;
  RETURN_IF_ERROR(ReadChoice(params, "algorithm", {"kmeans", "dbscan"}, algorithm));
  out.dbscan = algorithm == 1;
  if (params.contains("k")) {
    int64_t k = 0;
    RETURN_IF_ERROR(ReadInt(params, "k", 2, 50, k));
    out.k = k;
  }
  RETURN_IF_ERROR(ReadInt(params, "k_min", 2, 50, out.k_min));
  RETURN_IF_ERROR(ReadInt(params, "k_max", 2, 50, out.k_max));
  if (out.k_max < out.k_min) return Bad("k_max", "must be at least k_min");
  int64_t seed = static_cast<int64_t>(out.seed);
  RETURN_IF_ERROR(ReadInt(params, "seed", 0, INT64_MAX, seed));
  out.seed = static_cast<uint64_t>(seed);
  RETURN_IF_ERROR(ReadInt(params, "sample_size", 100, 100000, out.sample_size));
  RETURN_IF_ERROR(ReadDouble(params, "eps", 0, 1e6, /*min_exclusive=*/true, out.eps));
  RETURN_IF_ERROR(ReadInt(params, "min_samples", 1, 10000, out.min_samples));
  return Status::Ok();
}

Status ReadPredict(const json::object& params, PredictParams& out) {
  RETURN_IF_ERROR(CheckNames(RunKind::kPredict, params,
                             {"horizon_days", "training_cutoffs", "cutoff_step_days", "clv_months",
                              "monthly_discount_rate", "min_customers", "min_repeat_buyers"}));
  RETURN_IF_ERROR(ReadInt(params, "horizon_days", 7, 365, out.horizon_days));
  RETURN_IF_ERROR(ReadInt(params, "training_cutoffs", 1, 12, out.training_cutoffs));
  RETURN_IF_ERROR(ReadInt(params, "cutoff_step_days", 7, 365, out.cutoff_step_days));
  RETURN_IF_ERROR(ReadInt(params, "clv_months", 1, 120, out.clv_months));
  RETURN_IF_ERROR(
      ReadDouble(params, "monthly_discount_rate", 0, 1, false, out.monthly_discount_rate));
  RETURN_IF_ERROR(ReadInt(params, "min_customers", 10, INT64_MAX, out.min_customers));
  RETURN_IF_ERROR(ReadInt(params, "min_repeat_buyers", 5, INT64_MAX, out.min_repeat_buyers));
  return Status::Ok();
}

}  // namespace

std::string_view RunKindName(RunKind kind) {
  switch (kind) {
    case RunKind::kRfm:
      return "rfm";
    case RunKind::kCluster:
      return "cluster";
    case RunKind::kCohorts:
      return "cohorts";
    case RunKind::kPredict:
      return "predict";
  }
  return "rfm";
}

Result<RunKind> ParseRunKind(std::string_view name) {
  for (RunKind kind : {RunKind::kRfm, RunKind::kCluster, RunKind::kCohorts, RunKind::kPredict}) {
    if (RunKindName(kind) == name) return kind;
  }
  return Status::InvalidArgument("'kind' must be \"rfm\", \"cluster\", \"cohorts\" or \"predict\"");
}

Result<RunRequest> ParseRunRequest(RunKind kind, const json::object& params, int64_t now_us) {
  RunRequest request;
  request.kind = kind;
  request.as_of_us = now_us;
  if (const json::value* as_of = params.if_contains("as_of")) {
    if (!as_of->is_string()) return Bad("as_of", "must be an ISO-8601 time string");
    auto parsed = ParseTimestamp(as_of->get_string());
    if (!parsed.ok()) return Bad("as_of", "is not a valid time: " + parsed.status().message());
    request.as_of_us = *parsed;
  }
  switch (kind) {
    case RunKind::kRfm:
      RETURN_IF_ERROR(CheckNames(kind, params, {}));
      break;
    case RunKind::kCluster:
      RETURN_IF_ERROR(ReadCluster(params, request.cluster));
      break;
    case RunKind::kCohorts: {
      RETURN_IF_ERROR(CheckNames(kind, params, {"metric"}));
      size_t metric = 0;
      RETURN_IF_ERROR(ReadChoice(params, "metric", {"retention", "revenue"}, metric));
      request.cohorts.revenue_heatmap = metric == 1;
      break;
    }
    case RunKind::kPredict:
      RETURN_IF_ERROR(ReadPredict(params, request.predict));
      break;
  }
  return request;
}

json::object RunRequest::EffectiveParams() const {
  json::object out;
  out["as_of"] = FormatTimestamp(as_of_us);
  switch (kind) {
    case RunKind::kRfm:
      break;
    case RunKind::kCluster:
      out["algorithm"] = cluster.dbscan ? "dbscan" : "kmeans";
      if (cluster.dbscan) {
        out["eps"] = cluster.eps;
        out["min_samples"] = cluster.min_samples;
      } else {
        if (cluster.k) {
          out["k"] = *cluster.k;
        } else {
          out["k_min"] = cluster.k_min;
          out["k_max"] = cluster.k_max;
          out["sample_size"] = cluster.sample_size;
        }
        out["seed"] = cluster.seed;
      }
      break;
    case RunKind::kCohorts:
      out["metric"] = cohorts.revenue_heatmap ? "revenue" : "retention";
      break;
    case RunKind::kPredict:
      out["horizon_days"] = predict.horizon_days;
      out["training_cutoffs"] = predict.training_cutoffs;
      out["cutoff_step_days"] = predict.cutoff_step_days;
      out["clv_months"] = predict.clv_months;
      out["monthly_discount_rate"] = predict.monthly_discount_rate;
      out["min_customers"] = predict.min_customers;
      out["min_repeat_buyers"] = predict.min_repeat_buyers;
      break;
  }
  return out;
}

}  // namespace mercato::scoring
