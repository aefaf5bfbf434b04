#pragma once
// Cart: the products a customer has in their shopping cart, folded from the Segment e-commerce
// events, so that an abandoned-cart message can list them (template data `features.cart`).
//
//   "Product Added"    adds properties.quantity (default 1) of the product (product_id, else sku,
//                      else id); name, price, image_url and url are taken from the latest event
//   "Product Removed"  removes properties.quantity of it, or all of it without a quantity
//   "Cart Viewed"      with a non-empty products[] array: the cart is exactly those products
//   "Order Completed"  empties the cart
//
// At most kMaxCartItems products are kept; adding another drops the one added longest ago.
// Stored in the profile as "cart": [{"id", "name", "priceMicros", "quantity", "image", "url",
// "at"}] (absent when empty), prices in integer micro-units like the profile's revenue.
//
// Thread safety: plain values and pure functions.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::profile {

inline constexpr size_t kMaxCartItems = 50;
inline constexpr int64_t kMaxCartQuantity = 1'000'000;

struct CartItem {
  std::string product_id;
  std::string name;
  std::optional<int64_t> price_micros;
  int64_t quantity = 0;
  std::string image_url;
  std::string url;
  int64_t added_at_us = 0;  // when it was last added
};

using Cart = std::vector<CartItem>;  // in the order first added

// Folds one track event into the cart; other events leave it unchanged.
void ApplyCartEvent(Cart& cart, std::string_view event_name, const boost::json::object* properties,
                    int64_t at_us);
// Adds `other`'s items (a merged customer's): quantities of the same product add up.
void MergeCart(Cart& cart, const Cart& other);

boost::json::array CartToStored(const Cart& cart);
// Corruption when `stored` is not a stored cart.
Result<Cart> CartFromStored(const boost::json::value& stored);
// The API and template form: [{"product_id", "name", "price", "quantity", "image_url", "url",
// "added_at"}] (unknown values null, times ISO 8601).
boost::json::array CartToApi(const Cart& cart);
// The sum of price x quantity over items with a price.
double CartValue(const Cart& cart);

}  // namespace mercato::profile
