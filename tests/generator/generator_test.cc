#include "generator/shop.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "core/clock.h"
#include "core/time_format.h"
#include "event/parser.h"
#include "support/test_support.h"

namespace mercato {
namespace {

namespace json = boost::json;

std::vector<Event> Generate(const ShopOptions& options) {
  std::vector<Event> events;
  Status status = GenerateShop(options, [&](Event&& event) {
    events.push_back(std::move(event));
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return events;
}

ShopOptions Small(uint64_t seed = 7) {
  ShopOptions options;
  options.seed = seed;
  options.customers = 300;
  options.products = 80;
  options.days = 30;
  return options;
}

// One generated event with its payload parsed, and the customer it belongs to.
struct Parsed {
  const Event* event = nullptr;
  json::object payload;
  const ShopCustomer* customer = nullptr;
};

// The default shop (2000 customers x 120 days), generated once for the tests that study it.
class DefaultShopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    events_ = new std::vector<Event>(Generate(ShopOptions{}));
    auto customers = ShopCustomers(ShopOptions{});
    ASSERT_TRUE(customers.ok());
    customers_ = new std::vector<ShopCustomer>(std::move(customers).value());
    std::map<std::string, const ShopCustomer*> by_anonymous_id;
    for (const ShopCustomer& customer : *customers_)
      by_anonymous_id[customer.anonymous_id] = &customer;
    parsed_ = new std::vector<Parsed>();
    parsed_->reserve(events_->size());
    for (const Event& event : *events_) {
      Parsed parsed{&event, json::parse(event.payload).as_object(), nullptr};
      auto it = by_anonymous_id.find(event.anonymous_id);
      parsed.customer = it == by_anonymous_id.end() ? nullptr : it->second;
      parsed_->push_back(std::move(parsed));
    }
  }
  static void TearDownTestSuite() {
    delete parsed_;
    delete customers_;
    delete events_;
  }
  static bool IsTrack(const Parsed& parsed, std::string_view name) {
    return parsed.event->type == EventType::kTrack &&
           parsed.payload.at("event").as_string() == name;
  }

  static std::vector<Event>* events_;
  static std::vector<ShopCustomer>* customers_;
  static std::vector<Parsed>* parsed_;
};
std::vector<Event>* DefaultShopTest::events_ = nullptr;
std::vector<ShopCustomer>* DefaultShopTest::customers_ = nullptr;
std::vector<Parsed>* DefaultShopTest::parsed_ = nullptr;

TEST(GeneratorTest, SameOptionsGiveByteIdenticalPayloadsAndAnotherSeedDiffers) {
  std::vector<Event> first = Generate(Small(7));
  std::vector<Event> second = Generate(Small(7));
  std::vector<Event> other = Generate(Small(8));
  ASSERT_GT(first.size(), 1000u);
  ASSERT_EQ(first.size(), second.size());
  for (size_t k = 0; k < first.size(); ++k) {
    ASSERT_EQ(first[k].payload, second[k].payload) << "event " << k;
    ASSERT_EQ(first[k].message_id, "gen-7-" + std::to_string(k));
  }
  size_t same = 0;
  for (size_t k = 0; k < std::min(first.size(), other.size()); ++k) {
    same += first[k].payload == other[k].payload;
  }
  EXPECT_EQ(same, 0u);
  EXPECT_EQ(other.front().message_id, "gen-8-0");
}

TEST(GeneratorTest, RejectsOutOfRangeOptions) {
  for (auto mutate :
       {+[](ShopOptions& o) { o.customers = 0; }, +[](ShopOptions& o) { o.products = -1; },
        +[](ShopOptions& o) { o.days = 0; }, +[](ShopOptions& o) { o.days = 4000; }}) {
    ShopOptions options = Small();
    mutate(options);
    int calls = 0;
    Status status = GenerateShop(options, [&](Event&&) {
      ++calls;
      return Status::Ok();
    });
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(calls, 0);
    EXPECT_FALSE(ShopCustomers(options).ok());
  }
}

TEST(GeneratorTest, SinkErrorStopsGeneration) {
  int calls = 0;
  Status status = GenerateShop(Small(), [&](Event&&) {
    return ++calls == 10 ? Status::IoError("disk full") : Status::Ok();
  });
  EXPECT_EQ(status, Status::IoError("disk full"));
  EXPECT_EQ(calls, 10);
}

TEST(GeneratorTest, WriteJsonlWritesOnePayloadPerLine) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/shop.jsonl";
  ASSERT_TRUE(WriteJsonl(Small(), path).ok());
  std::vector<Event> events = Generate(Small());
  std::ifstream in(path);
  std::string line;
  size_t index = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(index, events.size());
    EXPECT_EQ(line, events[index].payload);
    ++index;
  }
  EXPECT_EQ(index, events.size());
  EXPECT_EQ(WriteJsonl(Small(), dir.str() + "/missing/dir/shop.jsonl").code(),
            StatusCode::kIoError);
}

// Speed targets are checked by benchmarks (CONTRIBUTING.md), not here; the time is printed only.
TEST(GeneratorTest, DefaultShopIsLargeEnoughToBeInteresting) {
  size_t events = 0, bytes = 0;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(GenerateShop(ShopOptions{}, [&](Event&& event) {
                ++events;
                bytes += event.payload.size();
                return Status::Ok();
              }).ok());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "default shop: " << events << " events, " << static_cast<double>(bytes) / 1e6
            << " MB in " << seconds << " s\n";
  EXPECT_GT(events, 100'000u);
  EXPECT_LT(events, 1'000'000u);
}

TEST_F(DefaultShopTest, EveryPayloadReparsesAsValidSegmentInTimeOrder) {
  const IngestLimits limits;
  int64_t previous = INT64_MIN;
  std::set<std::string> message_ids;
  for (const Parsed& parsed : *parsed_) {
    const Event& event = *parsed.event;
    auto again =
        NormalizeEvent(json::object(parsed.payload), std::nullopt, event.received_at_us, limits);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << event.payload;
    EXPECT_EQ(again->type, event.type);
    EXPECT_EQ(again->timestamp_us, event.timestamp_us);
    EXPECT_EQ(event.received_at_us, event.timestamp_us);
    EXPECT_EQ(parsed.payload.at("receivedAt").as_string(),
              parsed.payload.at("timestamp").as_string());
    ASSERT_GE(event.timestamp_us, previous) << event.payload;
    previous = event.timestamp_us;
    EXPECT_TRUE(message_ids.insert(event.message_id).second);
    ASSERT_NE(parsed.customer, nullptr) << event.payload;
    const json::object& context = parsed.payload.at("context").as_object();
    const std::string_view device = context.at("device").at("type").as_string();
    EXPECT_TRUE(device == "mobile" || device == "desktop" || device == "tablet") << device;
    EXPECT_EQ(context.at("location").at("country").as_string(), parsed.customer->country);
    EXPECT_FALSE(context.at("userAgent").as_string().empty());
    EXPECT_EQ(context.at("locale").as_string(), parsed.customer->locale);
    if (IsTrack(parsed, "Product Viewed")) {
      const json::object& properties = parsed.payload.at("properties").as_object();
      EXPECT_TRUE(properties.at("product_id").is_string());
      EXPECT_TRUE(properties.at("category").is_string());
      EXPECT_GT(properties.at("price").as_double(), 0);
    }
  }
}

TEST_F(DefaultShopTest, CustomersBrowseAnonymouslyUntilAnIdentifyLinksTheIds) {
  std::map<const ShopCustomer*, int64_t> identified_at;
  std::map<const ShopCustomer*, int64_t> first_seen;
  size_t anonymous_only = 0;
  for (const Parsed& parsed : *parsed_) {
    const ShopCustomer* customer = parsed.customer;
    first_seen.emplace(customer, parsed.event->timestamp_us);
    if (parsed.event->type == EventType::kIdentify) {
      EXPECT_EQ(parsed.event->user_id, customer->user_id);
      EXPECT_EQ(parsed.event->anonymous_id, customer->anonymous_id);
      EXPECT_EQ(parsed.payload.at("traits").at("email").as_string(), customer->email);
      EXPECT_TRUE(parsed.payload.at("traits").as_object().contains("first_name"));
      EXPECT_TRUE(parsed.payload.at("traits").as_object().contains("plan"));
      EXPECT_TRUE(identified_at.emplace(customer, parsed.event->timestamp_us).second)
          << "identified twice: " << customer->user_id;
      continue;
    }
    auto identified = identified_at.find(customer);
    if (identified == identified_at.end()) {
      EXPECT_TRUE(parsed.event->user_id.empty()) << parsed.event->payload;
      ++anonymous_only;
    } else {
      EXPECT_EQ(parsed.event->user_id, customer->user_id) << parsed.event->payload;
    }
    if (IsTrack(parsed, "Checkout Started")) {
      EXPECT_NE(identified, identified_at.end()) << "checkout before identify";
    }
  }
  ASSERT_GT(identified_at.size(), customers_->size() / 4);
  for (const auto& [customer, at] : identified_at) {
    EXPECT_LT(first_seen[customer], at) << customer->user_id << " was never anonymous";
  }
  EXPECT_GT(anonymous_only, 0u);
}

TEST_F(DefaultShopTest, OrderRevenueIsTheSumOfPriceTimesQuantity) {
  size_t orders = 0;
  for (const Parsed& parsed : *parsed_) {
    if (!IsTrack(parsed, "Order Completed")) continue;
    ++orders;
    const json::object& properties = parsed.payload.at("properties").as_object();
    EXPECT_EQ(properties.at("currency").as_string(), "USD");
    EXPECT_TRUE(properties.at("order_id").is_string());
    const json::array& products = properties.at("products").as_array();
    ASSERT_FALSE(products.empty());
    double sum = 0;
    std::set<std::string> product_ids;
    for (const json::value& product : products) {
      EXPECT_TRUE(product_ids.insert(std::string(product.at("product_id").as_string())).second)
          << "one line per product: " << parsed.event->payload;
      EXPECT_TRUE(product.at("category").is_string());
      const int64_t quantity = product.at("quantity").as_int64();
      EXPECT_GE(quantity, 1);
      sum += product.at("price").as_double() * static_cast<double>(quantity);
    }
    EXPECT_NEAR(properties.at("revenue").as_double(), sum, 1e-6) << parsed.event->payload;
  }
  EXPECT_GT(orders, 1000u);
}

TEST_F(DefaultShopTest, ChurnersStopAtTheirChurnDateAndOneTimeBuyersBuyOnce) {
  std::map<const ShopCustomer*, int64_t> last_seen;
  std::map<const ShopCustomer*, int> orders;
  for (const Parsed& parsed : *parsed_) {
    last_seen[parsed.customer] = parsed.event->timestamp_us;
    if (IsTrack(parsed, "Order Completed")) ++orders[parsed.customer];
  }
  const int64_t end_us = ShopOptions{}.start_us + ShopOptions{}.days * kMicrosPerDay;
  size_t churned_in_period = 0, one_time_buyers = 0;
  for (const ShopCustomer& customer : *customers_) {
    auto seen = last_seen.find(&customer);
    if (customer.segment == ShopSegment::kChurner) {
      ASSERT_NE(customer.churn_us, INT64_MAX);
      if (customer.churn_us < end_us) ++churned_in_period;
      if (seen != last_seen.end()) {
        EXPECT_LT(seen->second, customer.churn_us) << customer.user_id;
        EXPECT_GE(seen->second, customer.first_active_us) << customer.user_id;
      }
    } else {
      EXPECT_EQ(customer.churn_us, INT64_MAX);
    }
    if (customer.segment == ShopSegment::kOneTimeBuyer) {
      EXPECT_LE(orders[&customer], 1) << customer.user_id;
      one_time_buyers += orders[&customer] == 1;
    }
  }
  EXPECT_GT(churned_in_period, 100u);
  EXPECT_GT(one_time_buyers, 50u);
}

TEST_F(DefaultShopTest, SegmentsDifferMeasurably) {
  struct Totals {
    double revenue = 0;
    double orders = 0;
    double sessions = 0;
    double customers = 0;
  };
  std::map<ShopSegment, Totals> totals;
  for (const ShopCustomer& customer : *customers_) totals[customer.segment].customers += 1;
  for (const Parsed& parsed : *parsed_) {
    Totals& segment = totals[parsed.customer->segment];
    if (parsed.event->type == EventType::kPage) segment.sessions += 1;
    if (IsTrack(parsed, "Order Completed")) {
      segment.orders += 1;
      segment.revenue += parsed.payload.at("properties").at("revenue").as_double();
    }
  }
  const Totals& loyal = totals[ShopSegment::kLoyalBigSpender];
  const Totals& bargain = totals[ShopSegment::kBargainHunter];
  const Totals& window = totals[ShopSegment::kWindowShopper];
  for (const auto& [segment, t] : totals) {
    std::cout << ShopSegmentName(segment) << ": customers " << t.customers << " sessions "
              << t.sessions << " orders " << t.orders << " mean order "
              << (t.orders > 0 ? t.revenue / t.orders : 0) << "\n";
  }
  ASSERT_GT(bargain.orders, 100);
  EXPECT_GT(loyal.revenue / loyal.orders, 2 * (bargain.revenue / bargain.orders));
  EXPECT_GT(loyal.orders / loyal.customers, 4 * (window.orders / window.customers));
  EXPECT_GT(loyal.sessions / loyal.customers, 2 * (window.sessions / window.customers));
}

TEST_F(DefaultShopTest, WeekendsAndTheHolidayPeakAreBusier) {
  const ShopOptions options;
  std::vector<double> sessions_per_day(static_cast<size_t>(options.days), 0);
  for (const Parsed& parsed : *parsed_) {
    if (parsed.event->type != EventType::kPage) continue;
    sessions_per_day[static_cast<size_t>((parsed.event->timestamp_us - options.start_us) /
                                         kMicrosPerDay)] += 1;
  }
  // 2026-01-01 is a Thursday: day k is a Saturday or Sunday when (k + 3) % 7 is 5 or 6.
  double weekend = 0, weekday = 0, weekend_days = 0, weekday_days = 0;
  for (int day = 30; day < 80; ++day) {  // away from arrivals at the start and the peak
    const bool is_weekend = (day + 3) % 7 >= 5;
    (is_weekend ? weekend : weekday) += sessions_per_day[static_cast<size_t>(day)];
    (is_weekend ? weekend_days : weekday_days) += 1;
  }
  EXPECT_GT(weekend / weekend_days, 1.15 * weekday / weekday_days);
  const double peak = sessions_per_day[95] + sessions_per_day[96] + sessions_per_day[97];
  const double before = sessions_per_day[75] + sessions_per_day[76] + sessions_per_day[77];
  EXPECT_GT(peak, 1.8 * before);
}

TEST_F(DefaultShopTest, PopularityIsSkewed) {
  std::map<std::string, double> views;
  double total = 0;
  for (const Parsed& parsed : *parsed_) {
    if (!IsTrack(parsed, "Product Viewed")) continue;
    views[std::string(parsed.payload.at("properties").at("product_id").as_string())] += 1;
    total += 1;
  }
  std::vector<double> counts;
  counts.reserve(views.size());
  for (const auto& [id, count] : views) counts.push_back(count);
  std::sort(counts.rbegin(), counts.rend());
  double top = 0;
  for (size_t k = 0; k < counts.size() / 10; ++k) top += counts[k];
  EXPECT_GT(top / total, 0.35) << "top 10% of products get " << top / total << " of views";
}

}  // namespace
}  // namespace mercato
