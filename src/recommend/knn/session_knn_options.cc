#include <cmath>

#include "recommend/knn/session_knn.h"

namespace mercato::recommend {

Result<SessionKnnOptions> SessionKnnPreset(std::string_view name) {
  SessionKnnOptions o;
  o.name = std::string(name);
  o.remind = true;  // repeat views are common next items (session-rec's STAN and VSTAN default)
  if (name == "sknn") {
    o.k = 100;
    o.sample_size = 500;
  } else if (name == "vsknn") {
    o.k = 100;
    o.sample_size = 500;
    o.similarity = Similarity::kVector;
    o.position_weight = PositionWeight::kDivide;
    o.match_decay = MatchDecay::kDivide;
    o.idf_weight = 1;
  } else if (name == "stan") {
    o.k = 500;
    o.sample_size = 1000;
    o.position_weight = PositionWeight::kExponential;
    o.spw = 0.5;
    o.snh_days = 100;
    o.inh = 0.125;
  } else if (name == "vstan") {
    o.k = 500;
    o.sample_size = 1000;
    o.position_weight = PositionWeight::kExponential;
    o.spw = 1;
    o.snh_days = 100;
    o.inh = 0.25;
    o.match_decay = MatchDecay::kExponential;
    o.ipw = 0.25;
    o.idf_weight = 1;
  } else {
    return Status::InvalidArgument("unknown session-kNN variant \"" + std::string(name) +
                                   "\" (expected sknn, vsknn, stan or vstan)");
  }
  return o;
}

Status ValidateSessionKnnOptions(const SessionKnnOptions& o) {
  auto bad = [](const std::string& what) { return Status::InvalidArgument(what); };
  if (o.k == 0) return bad("k must be at least 1");
  for (auto [value, label] : {std::pair{o.spw, "lambda_spw"}, std::pair{o.snh_days, "lambda_snh"},
                              std::pair{o.inh, "lambda_inh"}, std::pair{o.ipw, "lambda_ipw"},
                              std::pair{o.idf_weight, "idf weight"}}) {
    if (!std::isfinite(value) || value < 0) {
      return bad(std::string(label) + " must be a finite number >= 0");
    }
  }
  if (o.position_weight == PositionWeight::kExponential && o.spw <= 0) {
    return bad("exponential position weights need lambda_spw > 0");
  }
  if (o.match_decay == MatchDecay::kExponential && o.ipw <= 0) {
    return bad("exponential match decay needs lambda_ipw > 0");
  }
  if (!std::isfinite(o.seconds_per_time_unit) || o.seconds_per_time_unit <= 0) {
    return bad("seconds per time unit must be > 0");
  }
  return Status::Ok();
}

}  // namespace mercato::recommend
