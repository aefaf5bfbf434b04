// Cart (cart.h): the cart fold over e-commerce events and its stored and API forms.

#include "profile/cart.h"

#include <algorithm>
#include <cmath>

#include "core/time_format.h"

namespace mercato::profile {
namespace {

namespace json = boost::json;

constexpr size_t kMaxText = 512;  // names and URLs are cut to this many bytes

std::string Text(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return "";
  if (value->is_string()) return std::string(value->get_string().subview().substr(0, kMaxText));
  if (value->is_int64()) return std::to_string(value->get_int64());
  if (value->is_uint64()) return std::to_string(value->get_uint64());
  return "";
}

std::string ProductId(const json::object& product) {
  for (std::string_view key : {"product_id", "sku", "id"}) {
    std::string id = Text(product, key);
    if (!id.empty()) return id;
  }
  return "";
}

std::optional<int64_t> Quantity(const json::object& product) {
  const json::value* value = product.if_contains("quantity");
  if (value == nullptr || !value->is_number()) return std::nullopt;
  const double quantity = value->to_number<double>();
  if (!std::isfinite(quantity) || quantity < 1) return std::nullopt;
  return static_cast<int64_t>(std::min<double>(quantity, kMaxCartQuantity));
}

std::optional<int64_t> PriceMicros(const json::object& product) {
  const json::value* value = product.if_contains("price");
  if (value == nullptr || !value->is_number()) return std::nullopt;
  const double price = value->to_number<double>();
  if (!std::isfinite(price) || std::fabs(price) > 1e12) return std::nullopt;
  return static_cast<int64_t>(std::llround(price * 1e6));
}

// Adds `quantity` of the product described by `product` (its latest details win).
void Add(Cart& cart, const json::object& product, int64_t quantity, int64_t at_us) {
  const std::string id = ProductId(product);
  if (id.empty()) return;
  auto item = std::find_if(cart.begin(), cart.end(),
                           [&](const CartItem& held) { return held.product_id == id; });
  if (item == cart.end()) {
    if (cart.size() >= kMaxCartItems) {
      cart.erase(std::min_element(cart.begin(), cart.end(), [](const auto& a, const auto& b) {
        return a.added_at_us < b.added_at_us;
      }));
    }
    cart.push_back(CartItem{id, "", std::nullopt, 0, "", "", at_us});
    item = cart.end() - 1;
  }
  item->quantity = std::min(item->quantity + quantity, kMaxCartQuantity);
  item->added_at_us = std::max(item->added_at_us, at_us);
  if (std::string name = Text(product, "name"); !name.empty()) item->name = std::move(name);
  if (auto price = PriceMicros(product)) item->price_micros = price;
  if (std::string image = Text(product, "image_url"); !image.empty()) item->image_url = image;
  if (std::string url = Text(product, "url"); !url.empty()) item->url = std::move(url);
}

}  // namespace

void ApplyCartEvent(Cart& cart, std::string_view event_name, const json::object* properties,
                    int64_t at_us) {
  if (event_name == "Order Completed") {
    cart.clear();
    return;
  }
  if (properties == nullptr) return;
  if (event_name == "Product Added") {
    Add(cart, *properties, Quantity(*properties).value_or(1), at_us);
  } else if (event_name == "Product Removed") {
    const std::string id = ProductId(*properties);
    auto item = std::find_if(cart.begin(), cart.end(),
                             [&](const CartItem& held) { return held.product_id == id; });
    if (id.empty() || item == cart.end()) return;
    const std::optional<int64_t> removed = Quantity(*properties);
    if (removed && *removed < item->quantity) {
      item->quantity -= *removed;
    } else {
      cart.erase(item);
    }
  } else if (event_name == "Cart Viewed") {
    const json::value* products = properties->if_contains("products");
    if (products == nullptr || !products->is_array() || products->get_array().empty()) return;
    Cart viewed;
    for (const json::value& product : products->get_array()) {
      if (product.is_object()) {
        Add(viewed, product.get_object(), Quantity(product.get_object()).value_or(1), at_us);
      }
    }
    cart = std::move(viewed);
  }
}

void MergeCart(Cart& cart, const Cart& other) {
  for (const CartItem& theirs : other) {
    auto item = std::find_if(cart.begin(), cart.end(), [&](const CartItem& held) {
      return held.product_id == theirs.product_id;
    });
    if (item != cart.end()) {
      item->quantity = std::min(item->quantity + theirs.quantity, kMaxCartQuantity);
      if (theirs.added_at_us > item->added_at_us) {
        const int64_t quantity = item->quantity;
        *item = theirs;
        item->quantity = quantity;
      }
    } else {
      cart.push_back(theirs);
    }
  }
  while (cart.size() > kMaxCartItems) {
    cart.erase(std::min_element(cart.begin(), cart.end(), [](const auto& a, const auto& b) {
      return a.added_at_us < b.added_at_us;
    }));
  }
}

json::array CartToStored(const Cart& cart) {
  json::array out;
  for (const CartItem& item : cart) {
    out.push_back(json::object{
        {"id", item.product_id},
        {"name", item.name},
        {"priceMicros", item.price_micros ? json::value(*item.price_micros) : json::value(nullptr)},
        {"quantity", item.quantity},
        {"image", item.image_url},
        {"url", item.url},
        {"at", item.added_at_us}});
  }
  return out;
}

Result<Cart> CartFromStored(const json::value& stored) {
  const Status corrupt = Status::Corruption("the profile's cart is malformed");
  if (!stored.is_array()) return corrupt;
  Cart cart;
  for (const json::value& entry : stored.get_array()) {
    const json::object* item = entry.if_object();
    if (item == nullptr) return corrupt;
    const json::value* id = item->if_contains("id");
    const json::value* quantity = item->if_contains("quantity");
    const json::value* price = item->if_contains("priceMicros");
    const json::value* at = item->if_contains("at");
    if (id == nullptr || !id->is_string() || id->get_string().empty() || quantity == nullptr ||
        !quantity->is_int64() || quantity->get_int64() < 1 || price == nullptr ||
        (!price->is_null() && !price->is_int64()) || at == nullptr || !at->is_int64()) {
      return corrupt;
    }
    CartItem parsed;
    parsed.product_id = id->get_string();
    parsed.name = Text(*item, "name");
    if (price->is_int64()) parsed.price_micros = price->get_int64();
    parsed.quantity = quantity->get_int64();
    parsed.image_url = Text(*item, "image");
    parsed.url = Text(*item, "url");
    parsed.added_at_us = at->get_int64();
    cart.push_back(std::move(parsed));
  }
  return cart;
}

json::array CartToApi(const Cart& cart) {
  json::array out;
  auto text = [](const std::string& value) {
    return value.empty() ? json::value(nullptr) : json::value(value);
  };
  for (const CartItem& item : cart) {
    out.push_back(json::object{
        {"product_id", item.product_id},
        {"name", text(item.name)},
        {"price", item.price_micros ? json::value(static_cast<double>(*item.price_micros) / 1e6)
                                    : json::value(nullptr)},
        {"quantity", item.quantity},
        {"image_url", text(item.image_url)},
        {"url", text(item.url)},
        {"added_at", FormatTimestamp(item.added_at_us)}});
  }
  return out;
}

double CartValue(const Cart& cart) {
  double value = 0;
  for (const CartItem& item : cart) {
    if (item.price_micros) {
      value += static_cast<double>(*item.price_micros) / 1e6 * static_cast<double>(item.quantity);
    }
  }
  return value;
}

}  // namespace mercato::profile
