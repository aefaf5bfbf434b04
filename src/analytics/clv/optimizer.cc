#include "analytics/clv/optimizer.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace mercato::analytics::clv {
namespace {

// exp(+-40) covers every scale a time or money unit can give the parameters.
constexpr double kLogBound = 40.0;

std::string ResultName(nlopt_result result) {
  switch (result) {
    case NLOPT_SUCCESS:
      return "NLOPT_SUCCESS";
    case NLOPT_STOPVAL_REACHED:
      return "NLOPT_STOPVAL_REACHED";
    case NLOPT_FTOL_REACHED:
      return "NLOPT_FTOL_REACHED";
    case NLOPT_XTOL_REACHED:
      return "NLOPT_XTOL_REACHED";
    case NLOPT_MAXEVAL_REACHED:
      return "NLOPT_MAXEVAL_REACHED";
    case NLOPT_MAXTIME_REACHED:
      return "NLOPT_MAXTIME_REACHED";
    case NLOPT_FAILURE:
      return "NLOPT_FAILURE";
    case NLOPT_INVALID_ARGS:
      return "NLOPT_INVALID_ARGS";
    case NLOPT_OUT_OF_MEMORY:
      return "NLOPT_OUT_OF_MEMORY";
    case NLOPT_ROUNDOFF_LIMITED:
      return "NLOPT_ROUNDOFF_LIMITED";
    case NLOPT_FORCED_STOP:
      return "NLOPT_FORCED_STOP";
    default:
      return "NLOPT_RESULT_" + std::to_string(static_cast<int>(result));
  }
}

struct State {
  nlopt_opt opt = nullptr;
  const LogLikelihoodFn* log_likelihood = nullptr;
  double count = 1;
  std::vector<double> params;    // scratch: exp(theta)
  std::vector<double> gradient;  // scratch: d LL / d params
  Status error;
  int evaluations = 0;
  // The best point evaluated, in log space, with its objective and gradient.
  double best_objective = std::numeric_limits<double>::infinity();
  std::vector<double> best_theta;
  std::vector<double> best_gradient;
};

// NLopt objective: the negative mean log-likelihood over theta = log(params).
double Objective(unsigned n, const double* theta, double* grad, void* data) {
  auto* state = static_cast<State*>(data);
  ++state->evaluations;
  for (unsigned k = 0; k < n; ++k) state->params[k] = std::exp(theta[k]);
  Result<double> ll = (*state->log_likelihood)(state->params, state->gradient);
  if (!ll.ok()) {
    state->error = ll.status();
    nlopt_force_stop(state->opt);
    return std::numeric_limits<double>::infinity();
  }
  const double objective = -*ll / state->count;
  bool finite = std::isfinite(objective);
  for (unsigned k = 0; k < n; ++k) {
    const double g = -state->params[k] * state->gradient[k] / state->count;
    finite = finite && std::isfinite(g);
    if (grad != nullptr) grad[k] = std::isfinite(g) ? g : 0.0;
  }
  if (!finite) return std::numeric_limits<double>::infinity();
  if (objective < state->best_objective) {
    state->best_objective = objective;
    state->best_theta.assign(theta, theta + n);
    state->best_gradient.assign(n, 0.0);
    for (unsigned k = 0; k < n; ++k) {
      state->best_gradient[k] = -state->params[k] * state->gradient[k] / state->count;
    }
  }
  return objective;
}

struct OptDeleter {
  void operator()(nlopt_opt opt) const { nlopt_destroy(opt); }
};

}  // namespace

Result<MleReport> MaximizeLogLikelihood(const LogLikelihoodFn& log_likelihood,
                                        std::span<double> params, double count,
                                        const MleOptions& options) {
  const auto n = static_cast<unsigned>(params.size());
  if (n == 0) return Status::InvalidArgument("no parameters to fit");
  if (!(count > 0)) return Status::InvalidArgument("count must be positive");
  std::vector<double> theta(n);
  for (unsigned k = 0; k < n; ++k) {
    if (!(params[k] > 0) || !std::isfinite(params[k])) {
      return Status::InvalidArgument("starting parameters must be positive and finite");
    }
    theta[k] = std::clamp(std::log(params[k]), -kLogBound, kLogBound);
  }

  std::unique_ptr<nlopt_opt_s, OptDeleter> opt(nlopt_create(NLOPT_LD_LBFGS, n));
  if (!opt) return Status::Internal("nlopt_create failed");
  State state;
  state.opt = opt.get();
  state.log_likelihood = &log_likelihood;
  state.count = count;
  state.params.assign(n, 0.0);
  state.gradient.assign(n, 0.0);
  const std::vector<double> lower(n, -kLogBound);
  const std::vector<double> upper(n, kLogBound);
  if (nlopt_set_min_objective(opt.get(), Objective, &state) != NLOPT_SUCCESS ||
      nlopt_set_lower_bounds(opt.get(), lower.data()) != NLOPT_SUCCESS ||
      nlopt_set_upper_bounds(opt.get(), upper.data()) != NLOPT_SUCCESS ||
      nlopt_set_ftol_rel(opt.get(), options.relative_tolerance) != NLOPT_SUCCESS ||
      nlopt_set_xtol_rel(opt.get(), 1e-10) != NLOPT_SUCCESS ||
      nlopt_set_maxeval(opt.get(), std::max(options.max_evaluations, 1)) != NLOPT_SUCCESS) {
    return Status::Internal("NLopt rejected the optimiser settings");
  }
  double value = 0;
  const nlopt_result result = nlopt_optimize(opt.get(), theta.data(), &value);
  if (!state.error.ok()) return state.error;
  if (state.best_theta.empty()) {
    return Status::FailedPrecondition("the log-likelihood was not finite at any point tried");
  }

  MleReport report;
  report.status = ResultName(result);
  report.evaluations = state.evaluations;
  report.log_likelihood = -state.best_objective * count;
  for (unsigned k = 0; k < n; ++k) {
    params[k] = std::exp(state.best_theta[k]);
    report.gradient_norm = std::max(report.gradient_norm, std::abs(state.best_gradient[k]));
  }
  report.converged = report.gradient_norm <= options.gradient_tolerance;
  return report;
}

}  // namespace mercato::analytics::clv
