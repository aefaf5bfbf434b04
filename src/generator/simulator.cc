#include "generator/simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/time_format.h"
#include "event/parser.h"
#include "generator/catalog.h"
#include "generator/rng.h"

namespace mercato::generator {
namespace json = boost::json;
namespace {

constexpr uint64_t kBehaviourStream = 3;
// Sessions start between 07:00 and 21:59 UTC and last at most about 65 minutes, so every session
// ends on the day it started; that lets the generator sort one day at a time.
constexpr int kFirstSessionHour = 7;
constexpr int64_t kLastSessionStart = 22LL * 3600 * kMicrosPerSecond;
constexpr double kHourWeights[] = {1, 2, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 6, 4};  // 07..21
constexpr double kWeekdayFactor[] = {0.95, 0.90, 0.90, 0.95, 1.05, 1.25, 1.20};   // Mon..Sun
constexpr int kMaxSessionsPerDay = 4;
constexpr int kMaxViewsPerSession = 25;
// The holiday-like peak: a Gaussian bump at 80% of the period, 3 days wide, up to 2.8x sessions.
constexpr double kPeakPosition = 0.8;
constexpr double kPeakWidthDays = 3;
constexpr double kPeakSessionBoost = 1.8;
constexpr double kPeakPurchaseBoost = 0.25;
constexpr int64_t kSecond = kMicrosPerSecond;

const char* UserAgentFor(std::string_view device) {
  if (device == "mobile") {
    return "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
  }
  if (device == "tablet") {
    return "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
           "Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
  }
  return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0.0.0 Safari/537.36";
}

// One generated message before normalisation; sorted by (time, customer, sequence).
struct PendingEvent {
  int64_t time_us = 0;
  uint32_t customer = 0;
  uint32_t sequence = 0;
  json::object object;
};

struct CartLine {
  size_t product = 0;
  int64_t quantity = 0;
};

class ShopSimulator {
 public:
  ShopSimulator(const ShopOptions& options, std::vector<CustomerSeed> customers)
      : options_(options), catalog_(options), customers_(std::move(customers)) {
    states_.reserve(customers_.size());
    for (const CustomerSeed& seed : customers_) {
      states_.push_back(CustomerState{Rng(
          MixSeed(options.seed, kBehaviourStream, static_cast<uint64_t>(seed.customer.index)))});
    }
    std::vector<double> hours(std::begin(kHourWeights), std::end(kHourWeights));
    double sum = 0;
    for (double& weight : hours) weight = sum += weight;
    hour_cumulative_ = std::move(hours);
  }

  Status Run(const std::function<Status(Event&&)>& sink) {
    const IngestLimits limits;
    size_t previous_day_size = 0;
    uint64_t sequence = 0;
    const std::string id_prefix = "gen-" + std::to_string(options_.seed) + "-";
    for (int day = 0; day < options_.days; ++day) {
      // One arena per day: a day's messages are built, sorted and serialised, then dropped whole.
      json::monotonic_resource arena(1 << 20);
      storage_ = json::storage_ptr(&arena);
      std::vector<PendingEvent> day_events;  // declared after the arena, so destroyed before it
      day_events.reserve(previous_day_size + previous_day_size / 4);
      SimulateDay(day, day_events);
      previous_day_size = day_events.size();
      std::sort(day_events.begin(), day_events.end(),
                [](const PendingEvent& a, const PendingEvent& b) {
                  if (a.time_us != b.time_us) return a.time_us < b.time_us;
                  if (a.customer != b.customer) return a.customer < b.customer;
                  return a.sequence < b.sequence;
                });
      for (PendingEvent& pending : day_events) {
        pending.object["messageId"] = id_prefix + std::to_string(sequence++);
        auto event = NormalizeEvent(std::move(pending.object), std::nullopt, pending.time_us,
                                    limits, {}, options_.transform);
        if (!event.ok()) {
          return Status::Internal("generated event rejected: " + event.status().message());
        }
        RETURN_IF_ERROR(sink(std::move(event).value()));
      }
      storage_ = {};
    }
    return Status::Ok();
  }

 private:
  struct CustomerState {
    Rng rng;
    bool identified = false;
    bool stopped = false;  // one-time buyer after the first order
    int orders = 0;
    uint32_t sequence = 0;  // per-day counter, the last sort key
  };

  // What one session shares between its events.
  struct SessionContext {
    CustomerSeed* seed = nullptr;
    CustomerState* state = nullptr;
    json::object context;
    int64_t time_us = 0;
    std::vector<PendingEvent>* out = nullptr;
  };

  void SimulateDay(int day, std::vector<PendingEvent>& out) {
    const int64_t day_start = options_.start_us + day * kMicrosPerDay;
    const int64_t epoch_day = day_start >= 0 ? day_start / kMicrosPerDay
                                             : -((-day_start + kMicrosPerDay - 1) / kMicrosPerDay);
    const int weekday =
        static_cast<int>(((epoch_day % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
    const double distance = (day - kPeakPosition * options_.days) / kPeakWidthDays;
    const double bump = std::exp(-0.5 * distance * distance);
    const double session_factor = kWeekdayFactor[weekday] * (1 + kPeakSessionBoost * bump);
    const double purchase_factor = 1 + kPeakPurchaseBoost * bump;

    int64_t starts[kMaxSessionsPerDay];
    for (size_t index = 0; index < customers_.size(); ++index) {
      CustomerSeed& seed = customers_[index];
      CustomerState& state = states_[index];
      if (day < seed.first_day || day >= seed.churn_day || state.stopped) continue;
      state.sequence = 0;
      const SegmentProfile& profile = ProfileOf(seed.customer.segment);
      const int sessions = std::min(kMaxSessionsPerDay,
                                    state.rng.Poisson(profile.sessions_per_day * session_factor));
      for (int session = 0; session < sessions; ++session) {
        const int64_t hour =
            kFirstSessionHour + static_cast<int64_t>(state.rng.Pick(hour_cumulative_));
        starts[session] = day_start + hour * 3600 * kSecond +
                          state.rng.UniformInt(0, 3600 * kSecond - 1000) / 1000 * 1000;
      }
      // Insertion sort: at most four values (std::sort here trips GCC 12's -Warray-bounds).
      for (int later = 1; later < sessions; ++later) {
        for (int pos = later; pos > 0 && starts[pos - 1] > starts[pos]; --pos) {
          std::swap(starts[pos - 1], starts[pos]);
        }
      }
      // Sessions of one customer never overlap, so what one session changes (identified,
      // stopped) is true for everything after it in time.
      int64_t busy_until = INT64_MIN;
      for (int session = 0; session < sessions && !state.stopped; ++session) {
        int64_t start = starts[session];
        if (start <= busy_until) start = busy_until + state.rng.UniformInt(5, 60) * 60 * kSecond;
        if (start >= day_start + kLastSessionStart) break;
        busy_until = SimulateSession(seed, state, start, purchase_factor, out);
      }
    }
  }

  json::object MakeContext(const CustomerSeed& seed, Rng& rng) const {
    static constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
    std::string_view device = seed.customer.device_type;
    if (rng.Bernoulli(0.15)) device = kDevices[rng.UniformInt(0, 2)];
    return json::object(
        {{"device", json::object({{"type", device}}, storage_)},
         {"location", json::object({{"country", seed.customer.country}}, storage_)},
         {"userAgent", UserAgentFor(device)},
         {"locale", seed.customer.locale},
         {"library", json::object({{"name", "mercato-generator"}, {"version", "1"}}, storage_)}},
        storage_);
  }

  // Starts a message of `type` at the session's current time with ids and context filled in.
  json::object& Begin(SessionContext& session, std::string_view type) {
    PendingEvent& pending = session.out->emplace_back();
    pending.time_us = session.time_us;
    pending.customer = static_cast<uint32_t>(session.seed->customer.index);
    pending.sequence = session.state->sequence++;
    pending.object = json::object(storage_);
    json::object& object = pending.object;
    object.reserve(10);
    object["type"] = type;
    object["anonymousId"] = session.seed->customer.anonymous_id;
    if (session.state->identified) object["userId"] = session.seed->customer.user_id;
    object["context"] = session.context;
    object["timestamp"] = FormatTime(session.time_us);
    return object;
  }

  json::object& BeginTrack(SessionContext& session, std::string_view name) {
    json::object& object = Begin(session, "track");
    object["event"] = name;
    return object;
  }

  json::object ProductJson(size_t product, int64_t quantity) const {
    const ShopProduct& p = catalog_.products()[product];
    json::object out(storage_);
    out["product_id"] = p.product_id;
    out["category"] = p.category;
    out["price"] = static_cast<double>(p.price_cents) / 100.0;
    if (quantity > 0) out["quantity"] = quantity;
    return out;
  }

  void Identify(SessionContext& session) {
    session.state->identified = true;
    const ShopCustomer& customer = session.seed->customer;
    json::object& object = Begin(session, "identify");
    object["traits"] = json::object({{"email", customer.email},
                                     {"first_name", customer.first_name},
                                     {"last_name", customer.last_name},
                                     {"plan", customer.plan},
                                     {"country", customer.country}},
                                    storage_);
  }

  size_t ChooseProduct(const CustomerSeed& seed, const SegmentProfile& profile, Rng& rng) const {
    // Favourite categories get 60% of the views; then price preference picks among candidates.
    const int category = rng.Bernoulli(0.6) ? seed.favourite_categories[rng.UniformInt(0, 1)] : -1;
    size_t chosen = catalog_.Draw(rng, category);
    for (int candidate = 1; candidate < profile.candidates; ++candidate) {
      const size_t other = catalog_.Draw(rng, category);
      const int64_t other_price = catalog_.products()[other].price_cents;
      const int64_t chosen_price = catalog_.products()[chosen].price_cents;
      if ((profile.price_pick < 0 && other_price < chosen_price) ||
          (profile.price_pick > 0 && other_price > chosen_price)) {
        chosen = other;
      }
    }
    return chosen;
  }

  // Simulates one session starting at `start`; returns the time of its last event.
  int64_t SimulateSession(CustomerSeed& seed, CustomerState& state, int64_t start,
                          double purchase_factor, std::vector<PendingEvent>& out) {
    Rng& rng = state.rng;
    const SegmentProfile& profile = ProfileOf(seed.customer.segment);
    SessionContext session{&seed, &state, MakeContext(seed, rng), start, &out};

    const int landing = rng.Bernoulli(0.5) ? seed.favourite_categories[0] : -1;
    json::object& page = Begin(session, "page");
    if (landing < 0) {
      page["name"] = "Home";
      page["properties"] =
          json::object({{"path", "/"}, {"url", "https://shop.example.com/"}}, storage_);
    } else {
      const std::string_view name = Categories()[static_cast<size_t>(landing)].name;
      page["name"] = name;
      page["category"] = "Category";
      const std::string path = "/c/" + std::to_string(landing);
      page["properties"] =
          json::object({{"path", path}, {"url", "https://shop.example.com" + path}}, storage_);
    }

    std::vector<CartLine> cart;
    const int views = std::min(kMaxViewsPerSession, 1 + rng.Poisson(profile.mean_extra_views));
    const double median_price = static_cast<double>(catalog_.median_price_cents());
    for (int view = 0; view < views; ++view) {
      session.time_us += rng.UniformInt(5, 90) * kSecond + rng.UniformInt(0, 999) * 1000;
      const size_t product = ChooseProduct(seed, profile, rng);
      BeginTrack(session, "Product Viewed")["properties"] = ProductJson(product, 0);
      const double price = static_cast<double>(catalog_.products()[product].price_cents);
      const double add = std::min(
          0.95, profile.add_to_cart * std::pow(median_price / price, profile.price_elasticity));
      if (rng.Bernoulli(add)) {
        session.time_us += rng.UniformInt(2, 20) * kSecond + rng.UniformInt(0, 999) * 1000;
        const int64_t quantity = 1 + rng.Poisson(profile.mean_extra_quantity);
        // Adding a product already in the cart raises its quantity; one line per product.
        auto line = std::find_if(cart.begin(), cart.end(), [&](const CartLine& existing) {
          return existing.product == product;
        });
        if (line == cart.end()) {
          cart.push_back({product, quantity});
        } else {
          line->quantity += quantity;
        }
        BeginTrack(session, "Product Added")["properties"] = ProductJson(product, quantity);
      }
    }

    if (!cart.empty() && rng.Bernoulli(profile.checkout)) {
      if (!state.identified) {
        session.time_us += rng.UniformInt(20, 120) * kSecond;
        Identify(session);
      }
      json::array products(storage_);
      int64_t revenue_cents = 0;
      for (const CartLine& line : cart) {
        products.push_back(ProductJson(line.product, line.quantity));
        revenue_cents += catalog_.products()[line.product].price_cents * line.quantity;
      }
      char order_id[48];
      std::snprintf(order_id, sizeof(order_id), "ord-%05d-%d", seed.customer.index, state.orders);
      const double revenue = static_cast<double>(revenue_cents) / 100.0;
      session.time_us += rng.UniformInt(10, 120) * kSecond + rng.UniformInt(0, 999) * 1000;
      BeginTrack(session, "Checkout Started")["properties"] = json::object({{"order_id", order_id},
                                                                            {"value", revenue},
                                                                            {"revenue", revenue},
                                                                            {"currency", "USD"},
                                                                            {"products", products}},
                                                                           storage_);
      if (rng.Bernoulli(std::min(0.98, profile.purchase * purchase_factor))) {
        session.time_us += rng.UniformInt(30, 180) * kSecond + rng.UniformInt(0, 999) * 1000;
        BeginTrack(session, "Order Completed")["properties"] =
            json::object({{"order_id", order_id},
                          {"revenue", revenue},
                          {"currency", "USD"},
                          {"products", std::move(products)}},
                         storage_);
        ++state.orders;
        if (profile.stops_after_first_order) state.stopped = true;
      }
    } else if (!state.identified && rng.Bernoulli(profile.sign_up)) {
      session.time_us += rng.UniformInt(10, 60) * kSecond;
      Identify(session);
    }
    return session.time_us;
  }

  // "2026-03-10T14:56:18.518Z", as FormatTimestamp writes it, without printf (the hot spot).
  std::string FormatTime(int64_t micros) {
    const int64_t day =
        micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
    if (day != formatted_day_) {
      formatted_day_ = day;
      day_prefix_ = FormatTimestamp(day * kMicrosPerDay).substr(0, 11);  // "YYYY-MM-DDT"
    }
    int64_t in_day = micros - day * kMicrosPerDay;
    const int64_t millis = in_day / 1000 % 1000;
    in_day /= kMicrosPerSecond;
    char text[16];
    auto two = [&](char* at, int64_t value) {
      at[0] = static_cast<char>('0' + value / 10);
      at[1] = static_cast<char>('0' + value % 10);
    };
    two(text, in_day / 3600);
    text[2] = ':';
    two(text + 3, in_day / 60 % 60);
    text[5] = ':';
    two(text + 6, in_day % 60);
    text[8] = '.';
    text[9] = static_cast<char>('0' + millis / 100);
    two(text + 10, millis % 100);
    text[12] = 'Z';
    std::string out = day_prefix_;
    out.append(text, 13);
    return out;
  }

  // const after construction
  const ShopOptions options_;
  const Catalog catalog_;
  std::vector<double> hour_cumulative_;
  // mutated as the simulation advances (single-threaded)
  std::vector<CustomerSeed> customers_;
  std::vector<CustomerState> states_;
  json::storage_ptr storage_;  // the current day's arena
  int64_t formatted_day_ = INT64_MIN;
  std::string day_prefix_;
};

}  // namespace

Status SimulateShop(const ShopOptions& options, std::vector<CustomerSeed> customers,
                    const std::function<Status(Event&&)>& sink) {
  // The simulator holds per-customer state for the whole run; on the heap, it is large.
  auto simulator = std::make_unique<ShopSimulator>(options, std::move(customers));
  return simulator->Run(sink);
}

}  // namespace mercato::generator
