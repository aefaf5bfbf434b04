#pragma once
// Maximum-likelihood estimation of strictly positive parameters: NLopt's L-BFGS (NLOPT_LD_LBFGS)
// minimises the negative mean log-likelihood over the logarithms of the parameters, so no bound is
// ever touched in practice and the problem is better scaled. Used by the BG/NBD and Gamma-Gamma
// fits; callers supply the log-likelihood and its analytic gradient.
//
// Thread safety: reentrant; the log-likelihood is called from the calling thread only.

#include <functional>
#include <span>
#include <string>

#include "core/status.h"

namespace mercato::analytics::clv {

struct MleOptions {
  int threads = 0;                    // for the log-likelihood evaluation; 0 = all cores
  int max_evaluations = 1000;         // per starting point
  double relative_tolerance = 1e-12;  // NLopt ftol_rel on the mean log-likelihood
  // Converged means: the largest |d mean log-likelihood / d log(parameter)| at the optimum is at
  // most this.
  double gradient_tolerance = 1e-6;
};

struct MleReport {
  double log_likelihood = 0;  // the total log-likelihood at the returned parameters
  bool converged = false;     // gradient_norm <= MleOptions::gradient_tolerance
  std::string status;         // NLopt's result, e.g. "NLOPT_FTOL_REACHED"
  int evaluations = 0;        // log-likelihood evaluations, all starting points together
  double gradient_norm = 0;   // max |d mean log-likelihood / d log(parameter)| at the optimum
};

// Returns the log-likelihood at `params` (all > 0) and writes d log-likelihood / d params into
// `gradient` (same size). A non-ok Status aborts the fit with that Status.
using LogLikelihoodFn =
    std::function<Result<double>(std::span<const double> params, std::span<double> gradient)>;

// Maximises `log_likelihood` from the start in `params`; `count` (> 0, e.g. the number of
// customers) divides the log-likelihood so that tolerances do not depend on the data size. On
// success `params` holds the best point evaluated and the report describes it, converged or not.
// Errors: the log-likelihood's own Status; Internal when NLopt cannot be set up; FailedPrecondition
// when no evaluated point had a finite log-likelihood.
Result<MleReport> MaximizeLogLikelihood(const LogLikelihoodFn& log_likelihood,
                                        std::span<double> params, double count,
                                        const MleOptions& options);

}  // namespace mercato::analytics::clv
