// Recommendations as a service over a real store: events appended to the log and folded into
// histories by the profile builder, models trained from them, stored, reloaded, served with
// exclusions, context and reasons, and erased per customer.

#include <gtest/gtest.h>

#include <algorithm>

#include "catalog/catalog_store.h"
#include "recserve/model_versions.h"
#include "recserve/recommender.h"
#include "scoring/scoring_fixture.h"
#include "weather/fixed_provider.h"

namespace mercato::testing {
namespace {

using recserve::RecommendAnswer;
using recserve::RecommendRequest;
using recserve::RecommendService;

class RecserveTest : public ScoringFixture {
 protected:
  void SetUp() override {
    ScoringFixture::SetUp();
    catalog_ = std::make_unique<catalog::CatalogStore>(*store_, clock_);
  }

  void View(const std::string& user, const std::string& item, int64_t time_us,
            const std::string& device = "desktop") {
    Queue(R"({"type":"track","userId":")" + user +
              R"(","event":"Product Viewed","properties":{"product_id":")" + item +
              R"(","category":"cat-)" + item.substr(0, 1) + R"("},"context":{"device":{"type":")" +
              device + R"("}}})",
          time_us);
  }
  void Buy(const std::string& user, const std::string& item, int64_t time_us) {
    Queue(
        R"({"type":"track","userId":")" + user +
            R"(","event":"Order Completed","properties":{"revenue":10,"products":[{"product_id":")" +
            item + R"("}]}})",
        time_us);
  }
  void NoPersonalisation(const std::string& user, int64_t time_us) {
    Queue(R"({"type":"identify","userId":")" + user +
              R"(","context":{"consent":{"categoryPreferences":{"personalisation":false}}}})",
          time_us);
  }

  // 60 customers: those with even numbers browse a1 -> a2 -> a3, the others b1 -> b2 -> b3, one
  // session a day for three days; b-sessions end on b3 on mobile.
  void Shop() {
    for (int c = 0; c < 60; ++c) {
      const std::string user = "u" + std::to_string(c);
      const char family = c % 2 == 0 ? 'a' : 'b';
      for (int day = 0; day < 3; ++day) {
        const int64_t start = Day(390 + day) + c * 60 * kMicrosPerSecond;
        for (int step = 1; step <= 3; ++step) {
          View(user, std::string(1, family) + std::to_string(step),
               start + step * 30 * kMicrosPerSecond, family == 'b' ? "mobile" : "desktop");
        }
      }
    }
    Process();
  }

  std::unique_ptr<RecommendService> Service(WeatherProvider* weather = nullptr) {
    auto service =
        std::make_unique<RecommendService>(*store_, *profiles_, catalog_.get(), weather, clock_);
    EXPECT_TRUE(service->Start().ok());
    return service;
  }

  static std::vector<std::string> Ids(const RecommendAnswer& answer) {
    std::vector<std::string> ids;
    for (const auto& item : answer.items) ids.push_back(item.id);
    return ids;
  }

  std::unique_ptr<catalog::CatalogStore> catalog_;
};

TEST_F(RecserveTest, TrainsFromStoredEventsAndRecommendsCoViewedItems) {
  Shop();
  auto service = Service();
  EXPECT_EQ(service->ForSession({"a1"}, {}).status().code(), StatusCode::kFailedPrecondition);
  auto trained = service->Train({});
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  EXPECT_EQ(trained->version.record.at("sessions").to_number<int64_t>(), 180);
  EXPECT_EQ(trained->version.record.at("items").to_number<int64_t>(), 6);

  RecommendRequest request;
  request.n = 2;
  request.exclude_session = true;
  auto answer = service->ForSession({"a1"}, request);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->items.size(), 2u);
  std::vector<std::string> ids = Ids(*answer);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(answer->items[0].reason, "viewed together with a1");
  // The events taught the catalog the items' categories.
  auto item = catalog_->Get("b2");
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(item->category, "cat-b");
  EXPECT_EQ(item->source, "events");
}

TEST_F(RecserveTest, ValidationChoosesTheDefaultStrategyAndRecordsMetrics) {
  Shop();
  auto service = Service();
  auto trained = service->Train({});
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  const auto& validation = trained->version.record.at("validation").as_object();
  ASSERT_TRUE(validation.contains("strategies")) << boost::json::serialize(validation);
  const auto& strategies = validation.at("strategies").as_object();
  const std::string best(trained->version.record.at("strategy").as_string());
  const double best_mrr = strategies.at(best).as_object().at("mrr@20").to_number<double>();
  for (const auto& [name, metrics] : strategies) {
    EXPECT_LE(metrics.as_object().at("mrr@20").to_number<double>(), best_mrr) << name;
  }
  // Co-viewed items beat trending ones on this shop.
  EXPECT_GT(best_mrr, strategies.at("popular").as_object().at("mrr@20").to_number<double>());
  EXPECT_EQ(service->models()->default_strategy(), best);
}

TEST_F(RecserveTest, ALiveViewChangesTheNextAnswer) {
  Shop();
  auto service = Service();
  ASSERT_TRUE(service->Train({}).ok());
  clock_.Set(Day(399));
  View("visitor", "b1", clock_.NowMicros() - 60 * kMicrosPerSecond, "mobile");
  Process();
  RecommendRequest request;
  request.n = 1;
  request.exclude_session = true;
  auto before = service->ForCustomer("visitor", request);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(before->personalised);
  EXPECT_EQ(before->session, (std::vector<std::string>{"b1"}));
  ASSERT_EQ(before->items.size(), 1u);
  EXPECT_EQ(before->items[0].id.front(), 'b');
  EXPECT_EQ(before->context.device, "mobile");  // from the customer's events

  View("visitor", "a1", clock_.NowMicros());
  Process();
  RecommendRequest only_a = request;
  only_a.exclude_items = {"b1", "b2", "b3"};
  auto after = service->ForCustomer("visitor", only_a);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->session, (std::vector<std::string>{"b1", "a1"}));
  ASSERT_EQ(after->items.size(), 1u);
  EXPECT_EQ(after->items[0].id.front(), 'a');
  EXPECT_EQ(after->items[0].reason.rfind("viewed together with a1", 0), 0u)
      << after->items[0].reason;

  // After 30 minutes without a click, the session is over: trending items, no session.
  clock_.Advance(31 * 60 * kMicrosPerSecond);
  auto later = service->ForCustomer("visitor", request);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->session.empty());
  ASSERT_FALSE(later->items.empty());
  EXPECT_EQ(later->items[0].reason.rfind("popular now", 0), 0u) << later->items[0].reason;
}

TEST_F(RecserveTest, ExcludesPurchasedUnavailableAndListedItems) {
  Shop();
  auto service = Service();
  ASSERT_TRUE(service->Train({}).ok());
  clock_.Set(Day(399));
  View("buyer", "a1", clock_.NowMicros() - 60 * kMicrosPerSecond);
  Buy("buyer", "a2", clock_.NowMicros() - 30 * kMicrosPerSecond);
  Process();
  RecommendRequest request;
  request.n = 6;
  request.exclude_session = true;
  auto answer = service->ForCustomer("buyer", request);
  ASSERT_TRUE(answer.ok());
  std::vector<std::string> ids = Ids(*answer);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "a2"), 0);  // bought
  EXPECT_EQ(ids.front(), "a3");

  catalog::CatalogItem gone;
  gone.id = "a3";
  gone.available = false;
  gone.source = "api";
  ASSERT_TRUE(catalog_->Upsert(std::span(&gone, 1)).ok());
  request.exclude_items = {"b1"};
  answer = service->ForCustomer("buyer", request);
  ASSERT_TRUE(answer.ok());
  ids = Ids(*answer);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "a3"), 0);  // out of stock
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "b1"), 0);  // listed

  request.exclude_purchased = false;
  request.exclude_unavailable = false;
  request.exclude_items.clear();
  answer = service->ForCustomer("buyer", request);
  ASSERT_TRUE(answer.ok());
  ids = Ids(*answer);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "a2"), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "a3"), 1);
}

TEST_F(RecserveTest, ContextAndWeatherRerankAndExplain) {
  Shop();
  FixedWeatherProvider rain(Weather{Condition::kRain, 9.5, clock_.NowMicros()});
  auto service = Service(&rain);
  ASSERT_TRUE(service->Train({}).ok());
  // Without a session, trending items: every item has 90 views.
  RecommendRequest request;
  request.n = 6;
  auto plain = service->ForSession({}, request);
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->items.size(), 6u);
  ASSERT_NE(plain->items[0].id, "a3");
  // On each device, the items viewed on it come first and say why.
  request.device = "desktop";
  auto desktop = service->ForSession({}, request);
  ASSERT_TRUE(desktop.ok());
  EXPECT_EQ(desktop->items[0].id.front(), 'a');
  EXPECT_NE(desktop->items[0].reason.find("popular on desktop"), std::string::npos)
      << desktop->items[0].reason;
  request.device = "mobile";
  auto mobile = service->ForSession({}, request);
  ASSERT_TRUE(mobile.ok());
  EXPECT_EQ(mobile->items[0].id.front(), 'b');
  EXPECT_NE(mobile->items[0].reason.find("popular on mobile"), std::string::npos)
      << mobile->items[0].reason;
  // Rain at the visitor's location lifts an item tagged for rain.
  catalog::CatalogItem umbrella;
  umbrella.id = "a3";
  umbrella.tags = {"rain"};
  umbrella.source = "api";
  ASSERT_TRUE(catalog_->Upsert(std::span(&umbrella, 1)).ok());
  request.device.clear();
  request.latitude = 52.2;
  request.longitude = 21.0;
  auto rainy = service->ForSession({}, request);
  ASSERT_TRUE(rainy.ok());
  ASSERT_TRUE(rainy->context.weather.has_value());
  EXPECT_EQ(rainy->items[0].id, "a3");
  EXPECT_NE(rainy->items[0].reason.find("for rain weather"), std::string::npos)
      << rainy->items[0].reason;
  request.use_weather = false;
  auto dry = service->ForSession({}, request);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->items[0].id, plain->items[0].id);
}

TEST_F(RecserveTest, CustomersWithoutPersonalisationConsentAreNeitherReadNorPersonalised) {
  NoPersonalisation("u0", Day(389));
  NoPersonalisation("u1", Day(389));
  Shop();
  auto service = Service();
  auto trained = service->Train({});
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(trained->version.record.at("excludedCustomers").to_number<int64_t>(), 2);
  EXPECT_EQ(trained->version.record.at("sessions").to_number<int64_t>(), 174);
  clock_.Set(Day(392));
  auto answer = service->ForCustomer("u1", {});
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->personalised);
  EXPECT_EQ(answer->strategy, "popular");
  EXPECT_TRUE(answer->session.empty());
}

TEST_F(RecserveTest, AStoredVersionSurvivesARestart) {
  Shop();
  std::string version;
  std::vector<std::string> before;
  {
    auto service = Service();
    auto trained = service->Train({});
    ASSERT_TRUE(trained.ok());
    version = trained->version.id();
    auto answer = service->ForSession({"b1", "b2"}, {});
    ASSERT_TRUE(answer.ok());
    before = Ids(*answer);
  }
  // A new service on the reopened store serves the same version.
  log_->Stop();
  builder_.reset();
  profiles_.reset();
  runner_.reset();
  catalog_.reset();
  log_.reset();
  vault_.reset();
  store_.reset();
  StoreOptions options;
  options.path = dir_.str();
  options.clock = &clock_;
  store_ = std::move(Store::Open(options)).value();
  log_ = std::move(EventLog::Open(*store_, EventLogOptions{}, clock_, nullptr)).value();
  log_->Start();
  vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'm'))).value();
  profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
  catalog_ = std::make_unique<catalog::CatalogStore>(*store_, clock_);
  auto service = Service();
  ASSERT_NE(service->models(), nullptr);
  EXPECT_EQ(service->models()->version(), version);
  auto answer = service->ForSession({"b1", "b2"}, {});
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(Ids(*answer), before);
  EXPECT_EQ(answer->version, version);
}

TEST_F(RecserveTest, AFailedStoreWriteKeepsTheServedVersion) {
  Shop();
  auto service = Service();
  auto first = service->Train({});
  ASSERT_TRUE(first.ok());
  clock_.Advance(kMicrosPerSecond);
  store_->FailWritesAfter(0);
  auto second = service->Train({});
  EXPECT_FALSE(second.ok());
  store_->FailWritesAfter(-1);
  EXPECT_EQ(service->models()->version(), first->version.id());
  auto current = recserve::ModelVersionStore(*store_).Current();
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->id(), first->version.id());
}

TEST_F(RecserveTest, ErasureRemovesTheCustomersSessionsFromEveryVersion) {
  Shop();
  auto service = Service();
  ASSERT_TRUE(service->Train({}).ok());
  clock_.Advance(kMicrosPerSecond);
  ASSERT_TRUE(service->Train({}).ok());  // two versions hold u4's sessions
  const std::string customer = Customer("u4");
  clock_.Advance(kMicrosPerSecond);
  auto erased = service->EraseCustomer(customer);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(*erased, 3u);
  recserve::ModelVersionStore versions(*store_);
  auto listed = versions.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  auto current = versions.Current();
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->record.at("erasures").as_int64(), 1);
  auto data = recserve::TrainingData::Deserialize(current->parts.at("data"));
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->sessions.size(), 177u);
  for (const auto& session : data->sessions) EXPECT_NE(session.customer_id, customer);
  // Nothing in the models column family names the customer any more.
  auto it = store_->NewIterator(Cf::kModels);
  for (it->Seek("m/"); it->Valid() && it->key().starts_with("m/"); it->Next()) {
    EXPECT_EQ(it->value().ToStringView().find(customer), std::string_view::npos)
        << it->key().ToString();
  }
  EXPECT_EQ(service->models()->version(), current->id());
}

TEST_F(RecserveTest, ErasureAlsoFindsSessionsOfCustomersMergedAfterTraining) {
  Shop();
  // A visitor browses anonymously, then as a known customer: two customers when training runs.
  for (const char* id : {"anon-x", "known-x"}) {
    const std::string who = std::string(id).starts_with("anon") ? "anonymousId" : "userId";
    for (int step = 1; step <= 2; ++step) {
      Queue(R"({"type":"track",")" + who + R"(":")" + id +
                R"(","event":"Product Viewed","properties":{"product_id":"a)" +
                std::to_string(step) + R"("}})",
            Day(393) + (id[0] == 'a' ? 0 : 7200) * kMicrosPerSecond + step * kMicrosPerSecond);
    }
  }
  Process();
  auto service = Service();
  auto trained = service->Train({});
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(trained->version.record.at("sessions").to_number<int64_t>(), 182);
  // Then they log in on the anonymous device: the two customers merge.
  Queue(R"({"type":"identify","userId":"known-x","anonymousId":"anon-x"})", Day(393.5));
  Process();
  const std::string survivor = Customer("known-x");
  ASSERT_EQ(Customer("anon-x"), survivor);
  auto erased = service->EraseCustomer(survivor);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(*erased, 2u);
  EXPECT_EQ(service->models()->data().sessions.size(), 180u);
}

TEST(TrainingDataTest, RoundTripsAndRejectsDamage) {
  recserve::TrainingData data;
  data.as_of_us = 42;
  data.items = {"x", "y", "z"};
  data.contexts = {"device:mobile"};
  data.sessions.push_back({"c1", 10, {0, 1, 2}, {0}});
  data.sessions.push_back({"c2", 20, {2, 1}, {}});
  data.customers = 2;
  data.views = 5;
  const std::string bytes = data.Serialize();
  auto back = recserve::TrainingData::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->items, data.items);
  ASSERT_EQ(back->sessions.size(), 2u);
  EXPECT_EQ(back->sessions[0].items, (std::vector<recommend::ItemId>{0, 1, 2}));
  EXPECT_EQ(back->sessions[1].customer_id, "c2");
  EXPECT_EQ(back->views, 5u);
  for (size_t at : {size_t{0}, size_t{9}, bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] ^= 0x20;
    EXPECT_EQ(recserve::TrainingData::Deserialize(damaged).status().code(), StatusCode::kCorruption)
        << at;
  }
  EXPECT_EQ(recserve::TrainingData::Deserialize(bytes.substr(0, bytes.size() - 3)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(data.EraseCustomer("c1"), 1u);
  EXPECT_EQ(data.sessions.size(), 1u);
}

}  // namespace
}  // namespace mercato::testing
