#pragma once
// The shop's product catalogue (internal to the generator): products with categories, prices and
// Zipf-like popularity, plus the cumulative weights used to draw products quickly.

#include <cstdint>
#include <string_view>
#include <vector>

#include "generator/rng.h"
#include "generator/shop.h"

namespace mercato::generator {

struct CategorySpec {
  std::string_view name;
  double share;         // fraction of the catalogue
  double median_price;  // USD
};
// The fixed category list; its order is part of the generated data.
const std::vector<CategorySpec>& Categories();

class Catalog {
 public:
  // Builds the catalogue for options.seed and options.products (validated by the caller).
  explicit Catalog(const ShopOptions& options);

  const std::vector<ShopProduct>& products() const { return products_; }
  int category_of(size_t product) const { return category_of_[product]; }
  int64_t median_price_cents() const { return median_price_cents_; }
  // A product by popularity: from `category` when >= 0 and not empty, else from the whole shop.
  size_t Draw(Rng& rng, int category) const;

 private:
  // const after construction
  std::vector<ShopProduct> products_;
  std::vector<int> category_of_;
  std::vector<double> cumulative_;  // running sum of popularity over products_
  std::vector<std::vector<uint32_t>> by_category_;
  std::vector<std::vector<double>> category_cumulative_;
  int64_t median_price_cents_ = 0;
};

}  // namespace mercato::generator
