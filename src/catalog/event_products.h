#pragma once
// The products an e-commerce event mentions (Segment e-commerce spec v2): what recommendations
// learn sessions and purchases from, and what teaches the catalog names, categories and prices.
//
// - ActionOf maps a track event's name: "Product Viewed", "Product Clicked" -> kView;
//   "Product Added", "Cart Viewed", "Checkout Started" -> kCart; "Order Completed" -> kPurchase;
//   anything else -> kOther.
// - ProductsOf: events with a "products" array mention its objects; the events about one product
//   ("Product Viewed", "Product Clicked", "Product Added", "Product Removed", "Product Added to
//   Wishlist", "Product Removed from Wishlist", "Wishlist Product Added to Cart", "Product Shared",
//   "Product Reviewed") mention the product their own properties describe; other events (an
//   "Order Completed" without "products", "Signed Up" with an "id") mention none. A product's id
//   is "product_id", else "sku", else "id" (a string of 1..200 bytes, or an integer written in
//   decimal); entries without one are skipped. "price" is a number or numeric string (finite,
//   >= 0); "currency" the product's, else the event's, upper-cased ("usd" -> "USD"), kept only
//   when it is 3 ASCII letters.
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
