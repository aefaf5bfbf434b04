#include "generator/customers.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "core/clock.h"
#include "generator/catalog.h"
#include "generator/rng.h"

namespace mercato::generator {
namespace {

constexpr uint64_t kCustomerStream = 2;

struct Country {
  const char* code;
  const char* locale;
  double share;
};
constexpr Country kCountries[] = {
    {"US", "en-US", 0.42}, {"GB", "en-GB", 0.12}, {"DE", "de-DE", 0.10}, {"FR", "fr-FR", 0.07},
    {"CA", "en-CA", 0.08}, {"AU", "en-AU", 0.05}, {"NL", "nl-NL", 0.04}, {"ES", "es-ES", 0.05},
    {"IT", "it-IT", 0.05}, {"SE", "sv-SE", 0.02},
};
constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
constexpr double kDeviceShares[] = {0.55, 0.35, 0.10};
constexpr const char* kFirstNames[] = {
    "Olivia", "Liam",  "Emma",   "Noah",  "Ava",   "Oliver", "Sophia", "Elijah", "Mia",  "James",
    "Amelia", "Lucas", "Harper", "Mateo", "Ella",  "Leon",   "Chloe",  "Hugo",   "Lea",  "Marco",
    "Giulia", "Sven",  "Ingrid", "Aisha", "Kenji", "Priya",  "Diego",  "Zoe",    "Finn", "Nora"};
constexpr const char* kLastNames[] = {
    "Smith",  "Johnson", "Brown",  "Garcia", "Miller",    "Davis",  "Martin", "Wilson",
    "Taylor", "Clark",   "Lewis",  "Walker", "Young",     "King",   "Wright", "Lopez",
    "Hill",   "Scott",   "Green",  "Adams",  "Baker",     "Nelson", "Muller", "Schmidt",
    "Dubois", "Rossi",   "Jansen", "Novak",  "Lindqvist", "Moreau"};

std::vector<double> Cumulative(const double* weights, size_t count) {
  std::vector<double> out(count);
  double sum = 0;
  for (size_t k = 0; k < count; ++k) out[k] = sum += weights[k];
  return out;
}

std::string Lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string UuidShaped(Rng& rng) {
  const uint64_t high = rng.Next(), low = rng.Next();
  char text[40];
  std::snprintf(text, sizeof(text), "%08llx-%04llx-4%03llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xffff),
                static_cast<unsigned long long>(high & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffull));
  return text;
}

}  // namespace

const SegmentProfile& ProfileOf(ShopSegment segment) {
  static const SegmentProfile kProfiles[kShopSegmentCount] = {
      // loyal big spender: often, many items, picks the dearest of three, rarely abandons.
      {.share = 0.12,
       .sessions_per_day = 0.30,
       .mean_extra_views = 5,
       .add_to_cart = 0.22,
       .price_elasticity = 0,
       .candidates = 3,
       .price_pick = +1,
       .checkout = 0.75,
       .purchase = 0.90,
       .mean_extra_quantity = 1.2,
       .sign_up = 0.5},
      // bargain hunter: browses a lot, picks the cheapest of four, put off by high prices.
      {.share = 0.25,
       .sessions_per_day = 0.16,
       .mean_extra_views = 7,
       .add_to_cart = 0.12,
       .price_elasticity = 1.0,
       .candidates = 4,
       .price_pick = -1,
       .checkout = 0.55,
       .purchase = 0.75,
       .mean_extra_quantity = 0.4,
       .sign_up = 0.2},
      // window shopper: looks, rarely buys.
      {.share = 0.30,
       .sessions_per_day = 0.10,
       .mean_extra_views = 4,
       .add_to_cart = 0.04,
       .price_elasticity = 0.5,
       .candidates = 1,
       .price_pick = 0,
       .checkout = 0.25,
       .purchase = 0.35,
       .mean_extra_quantity = 0.2,
       .sign_up = 0.05},
      // one-time buyer: buys once and is never seen again.
      {.share = 0.15,
       .sessions_per_day = 0.08,
       .mean_extra_views = 4,
       .add_to_cart = 0.20,
       .price_elasticity = 0.3,
       .candidates = 1,
       .price_pick = 0,
       .checkout = 0.65,
       .purchase = 0.85,
       .mean_extra_quantity = 0.3,
       .sign_up = 0.1,
       .stops_after_first_order = true},
      // churner: active at first, gone after an exponential lifetime (mean 25 days).
      {.share = 0.18,
       .sessions_per_day = 0.22,
       .mean_extra_views = 5,
       .add_to_cart = 0.15,
       .price_elasticity = 0.3,
       .candidates = 1,
       .price_pick = 0,
       .checkout = 0.60,
       .purchase = 0.75,
       .mean_extra_quantity = 0.5,
       .sign_up = 0.3,
       .mean_lifetime_days = 25},
  };
  return kProfiles[static_cast<int>(segment)];
}

std::vector<CustomerSeed> BuildCustomers(const ShopOptions& options) {
  double segment_weights[kShopSegmentCount];
  for (int segment = 0; segment < kShopSegmentCount; ++segment) {
    segment_weights[segment] = ProfileOf(static_cast<ShopSegment>(segment)).share;
  }
  const auto segment_cumulative = Cumulative(segment_weights, kShopSegmentCount);
  double country_weights[std::size(kCountries)];
  for (size_t k = 0; k < std::size(kCountries); ++k) country_weights[k] = kCountries[k].share;
  const auto country_cumulative = Cumulative(country_weights, std::size(kCountries));
  const auto device_cumulative = Cumulative(kDeviceShares, std::size(kDeviceShares));
  std::vector<double> category_cumulative;
  double category_sum = 0;
  for (const CategorySpec& spec : Categories())
    category_cumulative.push_back(category_sum += spec.share);

  std::vector<CustomerSeed> out(static_cast<size_t>(options.customers));
  for (int index = 0; index < options.customers; ++index) {
    Rng rng(MixSeed(options.seed, kCustomerStream, static_cast<uint64_t>(index)));
    CustomerSeed& seed = out[static_cast<size_t>(index)];
    ShopCustomer& customer = seed.customer;
    customer.index = index;
    customer.segment = static_cast<ShopSegment>(rng.Pick(segment_cumulative));
    char id[32];
    std::snprintf(id, sizeof(id), "cust-%05d", index);
    customer.user_id = id;
    customer.anonymous_id = UuidShaped(rng);
    customer.first_name = kFirstNames[rng.UniformInt(0, std::size(kFirstNames) - 1)];
    customer.last_name = kLastNames[rng.UniformInt(0, std::size(kLastNames) - 1)];
    customer.email = Lower(customer.first_name + "." + customer.last_name) + std::to_string(index) +
                     "@example.com";
    const Country& country = kCountries[rng.Pick(country_cumulative)];
    customer.country = country.code;
    customer.locale = country.locale;
    customer.device_type = kDevices[rng.Pick(device_cumulative)];
    customer.plan = customer.segment == ShopSegment::kLoyalBigSpender
                        ? (rng.Bernoulli(0.6) ? "premium" : "plus")
                        : (rng.Bernoulli(0.15) ? "plus" : "free");
    seed.favourite_categories[0] = static_cast<int>(rng.Pick(category_cumulative));
    seed.favourite_categories[1] = static_cast<int>(rng.Pick(category_cumulative));
    // Half the base exists at the start; the rest arrives over the first 80% of the period.
    seed.first_day =
        rng.Bernoulli(0.5)
            ? 0
            : static_cast<int>(rng.UniformInt(0, std::max(0, options.days * 4 / 5 - 1)));
    customer.first_active_us = options.start_us + seed.first_day * kMicrosPerDay;
    const SegmentProfile& profile = ProfileOf(customer.segment);
    if (profile.mean_lifetime_days > 0) {
      const int lifetime =
          std::max(2, static_cast<int>(rng.Exponential(profile.mean_lifetime_days)));
      seed.churn_day = seed.first_day + lifetime;
      customer.churn_us = options.start_us + seed.churn_day * kMicrosPerDay;
    } else {
      seed.churn_day = INT_MAX;
      customer.churn_us = INT64_MAX;
    }
  }
  return out;
}

}  // namespace mercato::generator
