// Admission: each class has its own budget of requests in flight; a full admin budget answers 503
// while ingestion goes on.

#include "server/admission.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "server/gateway_harness.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

// Handlers that keep their responders until the test answers them.
class HeldResponders {
 public:
  Handler Holder() {
    return [this](HttpRequest&&, Responder respond) {
      std::lock_guard lock(mu_);
      held_.push_back(std::move(respond));
    };
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  void AnswerAll() {
    std::vector<Responder> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (Responder& respond : held) respond(JsonResponse(200, "{\"slow\":true}"));
  }
  void DropAll() {
    std::lock_guard lock(mu_);
    held_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<Responder> held_;
};

TEST(AdmissionTest, SlotsAreCountedPerClassUntilTheResponderIsCalled) {
  AdmissionBudgets budgets;
  budgets[AdmissionClass::kAdmin] = 1;
  budgets[AdmissionClass::kQuery] = 0;  // no limit
  MetricsRegistry metrics;
  AdmissionControl admission(budgets, &metrics);
  auto first = admission.TryAcquire(AdmissionClass::kAdmin);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(admission.TryAcquire(AdmissionClass::kAdmin), nullptr);
  EXPECT_NE(admission.TryAcquire(AdmissionClass::kIngest), nullptr);
  std::vector<std::unique_ptr<AdmissionControl::Slot>> many;
  for (int k = 0; k < 1000; ++k) many.push_back(admission.TryAcquire(AdmissionClass::kQuery));
  EXPECT_EQ(admission.in_flight(AdmissionClass::kQuery), 1000u);
  first->Release();
  first->Release();  // once only
  EXPECT_EQ(admission.in_flight(AdmissionClass::kAdmin), 0u);
  EXPECT_NE(admission.TryAcquire(AdmissionClass::kAdmin), nullptr);
  EXPECT_NE(metrics.RenderPrometheus().find("mercato_admission_rejected_total{class=\"admin\"} 1"),
            std::string::npos);
}

TEST(AdmissionTest, GatewayRefusesBeyondTheBudgetAndFreesSlotsOnAnswer) {
  GatewayOptions options;
  options.admission[AdmissionClass::kAdmin] = 2;
  GatewayHarness harness(options);
  ASSERT_TRUE(harness.keys().AddBootstrapKey("admin", Scope::kAdmin).ok());
  HeldResponders held;
  harness.router().Add("POST", "/slow", "/slow", Access::kAdmin, AdmissionClass::kAdmin,
                       held.Holder());
  harness.AddAnswering("POST", "/ingest", Access::kWrite, AdmissionClass::kIngest);
  const CallOptions admin{"Bearer admin"};

  EXPECT_FALSE(harness.Call("POST", "/slow", admin).has_value());
  EXPECT_FALSE(harness.Call("POST", "/slow", admin).has_value());
  auto refused = harness.Call("POST", "/slow", admin);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(HeaderOf(*refused, "Retry-After"), "1");
  EXPECT_NE(refused->body.find("admin requests in flight"), std::string::npos) << refused->body;
  EXPECT_EQ(harness.Call("POST", "/ingest", admin)->status, 200);

  held.AnswerAll();
  EXPECT_EQ(harness.gateway().admission().in_flight(AdmissionClass::kAdmin), 0u);
  EXPECT_FALSE(harness.Call("POST", "/slow", admin).has_value());
  // A responder destroyed without an answer (a connection gone at shutdown) frees its slot too.
  held.DropAll();
  EXPECT_EQ(harness.gateway().admission().in_flight(AdmissionClass::kAdmin), 0u);
}

TEST(AdmissionTest, AFullAdminBudgetNeverStarvesIngestion) {
  auto held = std::make_shared<HeldResponders>();
  TestServerOptions options;
  options.gateway.admission[AdmissionClass::kAdmin] = 2;
  options.extra_routes = [held](Router& router) {
    router.Add("GET", "/test/slow", "/test/slow", Access::kAdmin, AdmissionClass::kAdmin,
               held->Holder());
  };
  TestServer server(options);
  ASSERT_TRUE(server.start_status().ok());

  std::vector<std::thread> clients;
  std::vector<int> statuses(2, 0);
  for (int k = 0; k < 2; ++k) {
    clients.emplace_back([&, k] {
      HttpClient http(server.port());
      statuses[k] = http.Get("/test/slow", BasicAuth(kAdminKey)).status;
    });
  }
  HttpClient http(server.port());
  // Checked only once the budget is full; the clients are answered and joined in every case.
  const bool full = WaitFor([&] { return held->size() == 2; });
  EXPECT_TRUE(full);
  if (full) {
    EXPECT_EQ(server.gateway().admission().in_flight(AdmissionClass::kAdmin), 2u);
    auto ingest = http.Post("/v1/track", R"({"userId":"u","event":"e"})", BasicAuth(kWriteKey));
    EXPECT_EQ(ingest.status, 200) << ingest.body;
    auto refused = http.Get("/v1/keys", BasicAuth(kAdminKey));
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_EQ(refused.Header("Retry-After"), "1");
    EXPECT_EQ(http.Get("/v1/stats", BasicAuth(kReadKey)).status, 200);  // queries have their own
  }

  held->AnswerAll();
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(statuses, (std::vector<int>{200, 200}));
  EXPECT_EQ(http.Get("/v1/keys", BasicAuth(kAdminKey)).status, 200);
  EXPECT_NE(http.Get("/metrics").body.find("mercato_admission_rejected_total{class=\"admin\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace mercato::testing
