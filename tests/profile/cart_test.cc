// The cart fold: what each e-commerce event does to it, its bounds, merges and stored form.

#include "profile/cart.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mercato::profile {
namespace {

namespace json = boost::json;

json::object Props(std::string_view text) { return json::parse(text).as_object(); }

void Apply(Cart& cart, std::string_view event, std::string_view properties, int64_t at = 1) {
  const json::object props = Props(properties);
  ApplyCartEvent(cart, event, &props, at);
}

TEST(CartTest, AddsRemovesAndEmptiesOnOrder) {
  Cart cart;
  Apply(cart, "Product Added", R"({"product_id": "p1", "name": "Shirt", "price": 19.99})");
  Apply(cart, "Product Added", R"({"product_id": "p1", "quantity": 2, "price": 17.5})", 2);
  Apply(cart, "Product Added", R"({"sku": "s-2", "name": "Socks", "quantity": 3})", 3);
  Apply(cart, "Product Added", R"({"name": "no id"})", 4);  // not a product it can keep
  ASSERT_EQ(cart.size(), 2u);
  EXPECT_EQ(cart[0].product_id, "p1");
  EXPECT_EQ(cart[0].quantity, 3);
  EXPECT_EQ(cart[0].name, "Shirt");                      // kept: the later event had no name
  EXPECT_EQ(cart[0].price_micros, int64_t{17'500'000});  // the latest price
  EXPECT_EQ(cart[0].added_at_us, 2);
  EXPECT_EQ(cart[1].product_id, "s-2");
  EXPECT_FALSE(cart[1].price_micros.has_value());
  EXPECT_DOUBLE_EQ(CartValue(cart), 52.5);  // socks have no price

  Apply(cart, "Product Removed", R"({"product_id": "p1", "quantity": 1})");
  EXPECT_EQ(cart[0].quantity, 2);
  Apply(cart, "Product Removed", R"({"sku": "s-2"})");  // no quantity: all of it
  ASSERT_EQ(cart.size(), 1u);
  Apply(cart, "Product Removed", R"({"product_id": "p1", "quantity": 5})");  // more than held
  EXPECT_TRUE(cart.empty());

  Apply(cart, "Product Added", R"({"product_id": "p3"})");
  ApplyCartEvent(cart, "Order Completed", nullptr, 9);
  EXPECT_TRUE(cart.empty());
}

TEST(CartTest, CartViewedReplacesTheCartAndOtherEventsLeaveIt) {
  Cart cart;
  Apply(cart, "Product Added", R"({"product_id": "old"})");
  Apply(cart, "Product Viewed", R"({"product_id": "seen"})");
  Apply(cart, "Cart Viewed", R"({"products": []})");  // an empty list says nothing
  ASSERT_EQ(cart.size(), 1u);
  Apply(cart, "Cart Viewed",
        R"({"products": [{"product_id": "a", "quantity": 2}, {"product_id": "b"}, "junk"]})");
  ASSERT_EQ(cart.size(), 2u);
  EXPECT_EQ(cart[0].product_id, "a");
  EXPECT_EQ(cart[0].quantity, 2);
  EXPECT_EQ(cart[1].product_id, "b");
  EXPECT_EQ(cart[1].quantity, 1);
}

TEST(CartTest, BoundedInItemsQuantitiesAndText) {
  Cart cart;
  for (int i = 0; i < static_cast<int>(kMaxCartItems) + 5; ++i) {
    Apply(cart, "Product Added", R"({"product_id": "p)" + std::to_string(i) + R"("})", i);
  }
  ASSERT_EQ(cart.size(), kMaxCartItems);
  EXPECT_EQ(cart.front().product_id, "p5");  // the first added went first
  Apply(cart, "Product Added", R"({"product_id": "p5", "quantity": 1e300})", 100);
  EXPECT_EQ(cart.front().quantity, kMaxCartQuantity);
  Apply(cart, "Product Added", R"({"product_id": "p6", "quantity": -3, "price": "12"})", 101);
  EXPECT_EQ(cart[1].quantity, 2);  // a quantity below 1 counts as 1; a text price is not a price
  EXPECT_FALSE(cart[1].price_micros.has_value());
  Apply(cart, "Product Added",
        R"({"product_id": "p7", "name": ")" + std::string(2000, 'n') + R"("})", 102);
  EXPECT_EQ(cart[2].name.size(), 512u);
}

TEST(CartTest, MergesAddUpTheSameProduct) {
  Cart mine;
  Cart theirs;
  Apply(mine, "Product Added", R"({"product_id": "p1", "name": "Old name"})", 1);
  Apply(theirs, "Product Added", R"({"product_id": "p1", "name": "New name", "quantity": 2})", 5);
  Apply(theirs, "Product Added", R"({"product_id": "p2"})", 6);
  MergeCart(mine, theirs);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].quantity, 3);
  EXPECT_EQ(mine[0].name, "New name");  // the later details win
  EXPECT_EQ(mine[1].product_id, "p2");
}

TEST(CartTest, StoredFormRoundTripsAndRefusesDamage) {
  Cart cart;
  Apply(cart, "Product Added",
        R"({"product_id": "p1", "name": "Shirt", "price": 0.1, "image_url": "https://i/1.jpg",
            "url": "https://shop/p1", "quantity": 4})",
        77);
  const json::array stored = CartToStored(cart);
  auto parsed = CartFromStored(json::parse(json::serialize(stored)));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(json::serialize(CartToStored(*parsed)), json::serialize(stored));
  EXPECT_EQ((*parsed)[0].price_micros, int64_t{100'000});
  const json::array api = CartToApi(*parsed);
  EXPECT_EQ(api[0].at("price").as_double(), 0.1);
  EXPECT_EQ(api[0].at("image_url").as_string(), "https://i/1.jpg");
  for (const char* bad : {R"({"id": "p"})", R"([{"id": "", "quantity": 1, "priceMicros": null,
                          "at": 0}])",
                          R"([{"id": "p", "quantity": 0, "priceMicros": null, "at": 0}])",
                          R"([{"id": "p", "quantity": 1, "priceMicros": "1", "at": 0}])",
                          R"([{"id": "p", "quantity": 1, "priceMicros": null}])"}) {
    EXPECT_EQ(CartFromStored(json::parse(bad)).status().code(), StatusCode::kCorruption) << bad;
  }
}

}  // namespace
}  // namespace mercato::profile
