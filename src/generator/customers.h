#pragma once
// The shop's customer base (internal to the generator): latent segments and the behaviour each one
// implies, and the static attributes of every customer.

#include <vector>

#include "generator/shop.h"

namespace mercato::generator {

// How a segment behaves. Probabilities are per opportunity (per product view, per cart...).
struct SegmentProfile {
  double share = 0;                // fraction of customers
  double sessions_per_day = 0;     // on an average weekday outside the peak
  double mean_extra_views = 0;     // product views per session = 1 + Poisson(this)
  double add_to_cart = 0;          // per product view, at the catalogue's median price
  double price_elasticity = 0;     // add_to_cart *= (median / price) ^ elasticity
  int candidates = 1;              // products considered per view ...
  int price_pick = 0;              // ... keeping the cheapest (-1), the dearest (+1) or the first
  double checkout = 0;             // a non-empty cart goes to checkout
  double purchase = 0;             // a checkout completes
  double mean_extra_quantity = 0;  // quantity per added product = 1 + Poisson(this)
  double sign_up = 0;              // per session, an anonymous customer identifies without buying
  double mean_lifetime_days = 0;   // > 0: churns this many days (exponential) after arriving
  bool stops_after_first_order = false;
};
const SegmentProfile& ProfileOf(ShopSegment segment);

// Customer `index` also gets two favourite categories (indices into Categories()).
struct CustomerSeed {
  ShopCustomer customer;
  int favourite_categories[2] = {0, 0};
  int first_day = 0;
  int churn_day = 0;  // first day without sessions; >= days when it never churns in the period
};

// The customers of a shop (options validated by the caller), in index order.
std::vector<CustomerSeed> BuildCustomers(const ShopOptions& options);

}  // namespace mercato::generator
