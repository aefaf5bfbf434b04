#pragma once
// An in-process mercato node (store, log, profile consumer, HTTP API) on an ephemeral port, wired
// as `mercato serve` wires it, for HTTP integration tests.

#include <memory>

#include "core/clock.h"
#include "core/metrics.h"
#include "pipeline/consumer_runner.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "server/api.h"
#include "server/http_server.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/http_client.h"
#include "support/test_support.h"

namespace mercato::testing {

inline constexpr char kWriteKey[] = "write-key-1";
inline constexpr char kReadKey[] = "read-key-1";
inline constexpr char kAdminKey[] = "admin-key-1";

class TestServer {
 public:
  explicit TestServer(HttpServerOptions http_options = {}, const Clock* clock = nullptr)
      : clock_(clock != nullptr ? *clock : SystemClock::Instance()) {
    StoreOptions store_options;
    store_options.path = dir_.str();
    store_options.clock = &clock_;
    store_ = std::move(Store::Open(store_options)).value();
    log_ = std::move(EventLog::Open(*store_, EventLogOptions{}, clock_, &metrics_)).value();
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, clock_, &metrics_);
    profiles_ = std::make_unique<ProfileStore>(*store_, clock_);
    runner_ =
        std::make_unique<ConsumerRunner>("profiles", [this] { return builder_->ProcessBatch(); });
    log_->SetAppendListener([this] { runner_->Notify(); });
    (void)keys_.Add({kWriteKey, "w", static_cast<uint8_t>(Scope::kWrite)});
    (void)keys_.Add({kReadKey, "r", static_cast<uint8_t>(Scope::kRead)});
    (void)keys_.Add({kAdminKey, "a", static_cast<uint8_t>(Scope::kAdmin)});
    router_ = std::make_unique<Router>(&metrics_);
    RegisterIngestRoutes(*router_, *log_, keys_, IngestLimits{}, clock_, &metrics_);
    RegisterProfileRoutes(*router_, *profiles_, keys_);
    RegisterOpsRoutes(*router_, metrics_, [] { return true; });
    server_ = std::make_unique<HttpServer>(
        http_options,
        [this](HttpRequest&& request, Responder respond) {
          router_->Dispatch(std::move(request), std::move(respond));
        },
        &metrics_);
    log_->Start();
    runner_->Start();
    start_status_ = server_->Start();
  }
  ~TestServer() {
    // The order `mercato serve` uses: answer what the log holds, then drain, then consumers.
    server_->StopAccepting();
    log_->Stop();
    server_->Stop();
    runner_->Stop();
  }

  const Status& start_status() const { return start_status_; }
  uint16_t port() const { return server_->port(); }
  EventLog& log() { return *log_; }
  Store& store() { return *store_; }
  ProfileStore& profiles() { return *profiles_; }
  MetricsRegistry& metrics() { return metrics_; }
  // Waits until the profile consumer has processed everything appended so far.
  bool WaitForProfiles() {
    return WaitFor([this] { return builder_->Lag() == 0 && runner_->caught_up(); });
  }

 private:
  const Clock& clock_;
  TempDir dir_;
  MetricsRegistry metrics_;
  KeyRing keys_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<ConsumerRunner> runner_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  Status start_status_;
};

}  // namespace mercato::testing
