#pragma once
// log-gamma and digamma for the CLV models, from Boost.Math with a policy that never throws (a
// domain or pole error gives NaN or infinity, which the callers check). Unlike std::lgamma these do
// not write the global `signgam`, so they are safe to call from several threads.

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace mercato::analytics::clv {

using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

inline double LogGamma(double x) { return boost::math::lgamma(x, NoThrowPolicy()); }
inline double Digamma(double x) { return boost::math::digamma(x, NoThrowPolicy()); }

}  // namespace mercato::analytics::clv
