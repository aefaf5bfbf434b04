#pragma once
// MessageData: what a message template renders for one customer (docs/journeys.md, "Template
// data"): the customer's traits at the top level (so {{first_name}} works), and under reserved
// names, which win over traits of the same name:
//   "customer":        {"id", "email" (the `email` trait, the address given last; else the
//                       first e-mail identity; or null)}
//   "traits":          the profile's traits
//   "features":        computed features (orders, revenue, top_categories, ...)
//   "predictions":     model outputs (null fields without profiling consent)
//   "recommendations": up to `recommendations` items ({"id", "name", "price", "reason", ...});
//                      [] when no model is trained; not personalised without consent
//
// Thread safety: as ProfileStore and RecommendService (safe from any thread).

#include <boost/json/object.hpp>
#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "profile/profile_store.h"
#include "recserve/recommender.h"

namespace mercato {

// NotFound for an unknown customer. `recommendations` may be null (then the list is empty).
Result<boost::json::object> MessageData(const ProfileStore& profiles,
                                        const recserve::RecommendService* recommendations,
                                        std::string_view customer, size_t count = 4);

}  // namespace mercato
