#include "catalog/event_products.h"

#include <algorithm>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>
#include <cmath>

namespace mercato::catalog {
namespace {

namespace json = boost::json;

constexpr size_t kMaxIdBytes = 200;
constexpr size_t kMaxProducts = 1000;  // per event

std::string Text(const json::object& object, std::string_view key, size_t max) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string() || value->get_string().size() > max) return {};
  return std::string(value->get_string());
}

std::string Id(const json::object& product) {
  for (std::string_view key : {"product_id", "sku", "id"}) {
    const json::value* value = product.if_contains(key);
    if (value == nullptr) continue;
    if (value->is_string() && !value->get_string().empty() &&
        value->get_string().size() <= kMaxIdBytes) {
      return std::string(value->get_string());
    }
    if (value->is_int64()) return std::to_string(value->get_int64());
    if (value->is_uint64()) return std::to_string(value->get_uint64());
  }
  return {};
}

std::optional<double> Price(const json::object& product) {
  const json::value* value = product.if_contains("price");
  if (value == nullptr) return std::nullopt;
  double price = 0;
  if (value->is_number()) {
    price = value->to_number<double>();
  } else if (value->is_string()) {
    const std::string_view text = value->get_string();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), price);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(price) || price < 0) return std::nullopt;
  return price;
}

// Segment's examples write currencies in lower case ("usd"); the catalog keeps ISO 4217 codes.
std::string Currency(const json::object& object) {
  std::string code = Text(object, "currency", 3);
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return {};
  }
  return code;
}

// The events the e-commerce spec defines as being about one product, described by the properties.
bool IsSingleProductEvent(std::string_view name) {
  static constexpr std::string_view kNames[] = {"Product Viewed",
                                                "Product Clicked",
                                                "Product Added",
                                                "Product Removed",
                                                "Product Shared",
                                                "Product Reviewed",
                                                "Product Added to Wishlist",
                                                "Product Removed from Wishlist",
                                                "Wishlist Product Added to Cart"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::optional<ProductMention> Mention(const json::object& product, std::string_view currency) {
  ProductMention out;
  out.id = Id(product);
  if (out.id.empty()) return std::nullopt;
  out.name = Text(product, "name", 500);
  out.category = Text(product, "category", 200);
  out.price = Price(product);
  out.currency = Currency(product);
  if (out.currency.empty()) out.currency = std::string(currency);
  return out;
}

}  // namespace

ProductAction ActionOf(std::string_view name) {
  if (name == "Product Viewed" || name == "Product Clicked") return ProductAction::kView;
  if (name == "Product Added" || name == "Cart Viewed" || name == "Checkout Started") {
    return ProductAction::kCart;
  }
  if (name == "Order Completed") return ProductAction::kPurchase;
  return ProductAction::kOther;
}

std::vector<ProductMention> ProductsOf(std::string_view event_name,
                                       const json::object* properties) {
  std::vector<ProductMention> out;
  if (properties == nullptr) return out;
  const std::string currency = Currency(*properties);
  if (const json::value* products = properties->if_contains("products");
      products != nullptr && products->is_array()) {
    for (const json::value& product : products->get_array()) {
      if (out.size() == kMaxProducts) break;
      if (!product.is_object()) continue;
      if (auto mention = Mention(product.get_object(), currency)) out.push_back(*mention);
    }
    return out;
  }
  // Other events' properties describe something else (an order, a sign-up), even with an "id".
  if (!IsSingleProductEvent(event_name)) return out;
  if (auto mention = Mention(*properties, currency)) out.push_back(*mention);
  return out;
}

}  // namespace mercato::catalog
