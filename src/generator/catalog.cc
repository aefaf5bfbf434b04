#include "generator/catalog.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace mercato::generator {
namespace {

constexpr uint64_t kCatalogStream = 1;
constexpr double kZipfExponent = 1.07;
constexpr double kPriceSigma = 0.55;

}  // namespace

const std::vector<CategorySpec>& Categories() {
  static const std::vector<CategorySpec> kCategories = {
      {"Electronics", 0.10, 160}, {"Books", 0.12, 14},  {"Home & Kitchen", 0.12, 38},
      {"Clothing", 0.14, 32},     {"Beauty", 0.08, 21}, {"Toys", 0.07, 24},
      {"Sports", 0.07, 52},       {"Grocery", 0.08, 7}, {"Garden", 0.05, 44},
      {"Jewelry", 0.04, 110},     {"Shoes", 0.08, 68},  {"Office", 0.05, 17},
  };
  return kCategories;
}

Catalog::Catalog(const ShopOptions& options) {
  Rng rng(MixSeed(options.seed, kCatalogStream));
  const auto& categories = Categories();
  std::vector<double> category_cumulative;
  category_cumulative.reserve(categories.size());
  double total = 0;
  for (const CategorySpec& spec : categories) category_cumulative.push_back(total += spec.share);

  const auto count = static_cast<size_t>(options.products);
  products_.resize(count);
  category_of_.resize(count);
  by_category_.resize(categories.size());
  for (size_t product = 0; product < count; ++product) {
    const size_t category = rng.Pick(category_cumulative);
    const double price = rng.LogNormal(categories[category].median_price, kPriceSigma);
    char id[32];
    std::snprintf(id, sizeof(id), "sku-%05zu", product);
    ShopProduct& out = products_[product];
    out.product_id = id;
    out.category = std::string(categories[category].name);
    // Shop prices end in .99: 18.99, 159.99; never below 0.99.
    out.price_cents = std::max<int64_t>(1, std::llround(price)) * 100 - 1;
    category_of_[product] = static_cast<int>(category);
    by_category_[category].push_back(static_cast<uint32_t>(product));
  }
  // Popularity follows the rank in a seeded shuffle, so it is independent of category and price.
  std::vector<uint32_t> rank(count);
  std::iota(rank.begin(), rank.end(), 0u);
  for (size_t k = count; k > 1; --k) {
    std::swap(rank[k - 1],
              rank[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(k) - 1))]);
  }
  cumulative_.resize(count);
  double running = 0;
  for (size_t product = 0; product < count; ++product) {
    products_[product].popularity = 1.0 / std::pow(rank[product] + 1.0, kZipfExponent);
    cumulative_[product] = running += products_[product].popularity;
  }
  category_cumulative_.resize(categories.size());
  for (size_t category = 0; category < categories.size(); ++category) {
    double sum = 0;
    for (uint32_t product : by_category_[category]) {
      category_cumulative_[category].push_back(sum += products_[product].popularity);
    }
  }
  std::vector<int64_t> prices(count);
  for (size_t product = 0; product < count; ++product)
    prices[product] = products_[product].price_cents;
  std::nth_element(prices.begin(), prices.begin() + static_cast<std::ptrdiff_t>(count / 2),
                   prices.end());
  median_price_cents_ = prices[count / 2];
}

size_t Catalog::Draw(Rng& rng, int category) const {
  if (category >= 0 && !by_category_[static_cast<size_t>(category)].empty()) {
    const auto index = static_cast<size_t>(category);
    return by_category_[index][rng.Pick(category_cumulative_[index])];
  }
  return rng.Pick(cumulative_);
}

}  // namespace mercato::generator
