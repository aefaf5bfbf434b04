#pragma once
// The products an e-commerce event mentions (Segment e-commerce spec v2): what recommendations
// learn sessions and purchases from, and what teaches the catalog names, categories and prices.
//
// - ActionOf maps a track event's name: "Product Viewed", "Product Clicked" -> kView;
//   "Product Added", "Cart Viewed", "Checkout Started" -> kCart; "Order Completed" -> kPurchase;
//   anything else -> kOther.
// - ProductsOf: events with a "products" array mention its objects; other events mention the
//   product their own properties describe. A product's id is "product_id", else "sku", else "id"
//   (a string, or an integer written in decimal); entries without one are skipped. "price" is a
//   number or numeric string; "currency" the product's, else the event's.
//
// Thread safety: pure functions.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mercato::catalog {

enum class ProductAction { kView, kCart, kPurchase, kOther };

struct ProductMention {
  std::string id;
  std::string name;
  std::string category;
  std::optional<double> price;
  std::string currency;
};

ProductAction ActionOf(std::string_view track_event_name);
std::vector<ProductMention> ProductsOf(std::string_view event_name,
                                       const boost::json::object* properties);

}  // namespace mercato::catalog
