#pragma once
// An in-process mercato node (store, log, profile consumer, HTTP API) on an ephemeral port, wired
// as `mercato serve` wires it, for HTTP integration tests.

#include <functional>
#include <memory>

#include "catalog/catalog_store.h"
#include "content/template_store.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "journey/engine.h"
#include "journey/journey_store.h"
#include "pipeline/consumer_runner.h"
#include "pipeline/delivery.h"
#include "pipeline/recommend_participant.h"
#include "pipeline/segment_participant.h"
#include "privacy/key_vault.h"
#include "privacy/privacy_filter.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "recserve/recommender.h"
#include "scoring/runs.h"
#include "segment/segment_engine.h"
#include "server/api.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/key_store.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/http_client.h"
#include "support/test_support.h"

namespace mercato::testing {

inline constexpr char kWriteKey[] = "write-key-1";
inline constexpr char kReadKey[] = "read-key-1";
inline constexpr char kAdminKey[] = "admin-key-1";
inline constexpr char kFeedbackKey[] = "feedback-key-1";

struct TestServerOptions {
  HttpServerOptions http;
  const Clock* clock = nullptr;  // default: the system clock
  GatewayOptions gateway;
  AuditLog* audit = nullptr;  // receives key administration entries when set
  // Registers extra routes (e.g. handlers a test controls) before the server starts.
  std::function<void(Router&)> extra_routes;
  scoring::RunnerOptions model_runs;  // e.g. a hook that holds a run (tests of 409)
  std::string backup_dir;             // POST /v1/admin/backups writes here; empty: refused
  bool access_log = false;            // Router::SetAccessLog
  std::string ui_dir;                 // the dashboard served at /ui/; empty: not built
  JourneyShare journey_share;         // as in cluster mode; empty: journeys are not shared
};

class TestServer {
 public:
  explicit TestServer(HttpServerOptions http_options = {}, const Clock* clock = nullptr)
      : TestServer(TestServerOptions{std::move(http_options), clock, {}, nullptr, {}}) {}
  explicit TestServer(TestServerOptions options)
      : clock_(options.clock != nullptr ? *options.clock : SystemClock::Instance()), keys_(clock_) {
    const HttpServerOptions& http_options = options.http;
    StoreOptions store_options;
    store_options.path = dir_.str();
    store_options.clock = &clock_;
    store_ = std::move(Store::Open(store_options)).value();
    log_ = std::move(EventLog::Open(*store_, EventLogOptions{}, clock_, &metrics_)).value();
    vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'm'))).value();
    filter_ = std::make_unique<PrivacyFilter>(*vault_, DlpPolicy(), &metrics_);
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, &metrics_);
    profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
    segment::SegmentEngineOptions segment_options;
    segment_options.upstream_cursors = [this] { return builder_->Cursors(); };
    segments_ = std::move(segment::SegmentEngine::Open(*store_, *log_, *vault_, clock_, &metrics_,
                                                       segment_options))
                    .value();
    segment_runner_ =
        std::make_unique<ConsumerRunner>("segments", [this] { return segments_->Step(); });
    runner_ = std::make_unique<ConsumerRunner>("profiles", [this] {
      Result<size_t> done = builder_->ProcessBatch();
      if (done.ok() && *done > 0) {
        segment_runner_->Notify();
        if (journey_runner_) journey_runner_->Notify();
      }
      return done;
    });
    log_->SetAppendListener([this] { runner_->Notify(); });
    (void)keys_.AddBootstrapKey(kWriteKey, Scope::kWrite);
    (void)keys_.AddBootstrapKey(kReadKey, Scope::kRead);
    (void)keys_.AddBootstrapKey(kAdminKey, Scope::kAdmin);
    (void)keys_.AddBootstrapKey(kFeedbackKey, Scope::kFeedback);
    key_store_ = std::move(KeyStore::Open(*store_, clock_, &keys_, options.audit)).value();
    gateway_ = std::make_unique<Gateway>(keys_, clock_, options.gateway, &metrics_);
    router_ = std::make_unique<Router>(*gateway_, &metrics_);
    router_->SetAccessLog(options.access_log);
    RegisterIngestRoutes(*router_, *log_, IngestLimits{}, clock_, &metrics_,
                         filter_->AsTransform());
    RegisterProfileRoutes(*router_, *profiles_, options.audit);
    erasure_ = std::make_unique<ErasureService>(*store_, *log_, *builder_, *profiles_,
                                                options.audit, clock_, &metrics_);
    RegisterPrivacyRoutes(*router_,
                          PrivacyRouteDeps{*erasure_, *profiles_, *log_, filter_->AsTransform(),
                                           options.audit, clock_});
    RegisterKeyRoutes(*router_, *key_store_, keys_, clock_);
    segment_erasure_ = std::make_unique<SegmentErasureParticipant>(*segments_);
    erasure_->AddParticipant(segment_erasure_.get());
    RegisterSegmentRoutes(*router_, *segments_);
    RegisterCustomerSegmentRoutes(*router_, *segments_, *profiles_);
    model_runs_ = std::make_unique<scoring::RunService>(*store_, clock_, options.model_runs);
    RegisterAnalyticsRoutes(*router_, AnalyticsRouteDeps{*model_runs_, *profiles_, options.audit});
    catalog_ = std::make_unique<catalog::CatalogStore>(*store_, clock_);
    RegisterCatalogRoutes(*router_, *catalog_);
    journeys_ = std::make_unique<journey::JourneyStore>(*store_, clock_);
    RegisterJourneyRoutes(*router_, *journeys_, segments_.get(), options.journey_share);
    journey::JourneyEngineOptions journey_options;
    journey_options.upstream_cursors = [this] { return builder_->Cursors(); };
    journey_engine_ = std::move(journey::JourneyEngine::Open(*store_, *log_, *journeys_, *vault_,
                                                             clock_, &metrics_, journey_options))
                          .value();
    journey_runner_ =
        std::make_unique<ConsumerRunner>("journeys", [this] { return journey_engine_->Step(); });
    RegisterJourneyStatsRoutes(*router_, *journeys_, *journey_engine_);
    recommendations_ = std::make_unique<recserve::RecommendService>(
        *store_, *profiles_, catalog_.get(), nullptr, clock_);
    (void)recommendations_->Start();
    RegisterRecommendationRoutes(*router_, *recommendations_);
    templates_ = std::make_unique<content::TemplateStore>(*store_, clock_);
    RegisterTemplateRoutes(*router_, TemplateRouteDeps{*templates_, *profiles_,
                                                       recommendations_.get(), options.audit});
    transport_ = std::make_unique<ChannelTransport>(channel::SmtpOptions{}, channel::HttpOptions{});
    DeliveryOptions delivery_options;
    delivery_options.unsubscribe_secret = UnsubscribeSecret(vault_->pseudonym_key());
    delivery_ = std::make_unique<DeliveryWorker>(*store_, log_.get(), *profiles_, *templates_,
                                                 *transport_, clock_, &metrics_, delivery_options);
    RegisterUnsubscribeRoutes(*router_,
                              UnsubscribeRouteDeps{*delivery_, *store_, *log_,
                                                   delivery_options.unsubscribe_secret, clock_});
    RegisterTrackingRoutes(
        *router_,
        TrackingRouteDeps{*store_, *log_, TrackingSecret(vault_->pseudonym_key()), clock_});
    RegisterEmailFeedbackRoutes(
        *router_, EmailFeedbackRouteDeps{*store_, *log_, *profiles_, *delivery_, clock_});
    RegisterDeliveryRoutes(*router_, *store_);
    RegisterBackupRoutes(
        *router_, BackupRouteDeps{*store_, dir_.str(), options.backup_dir, clock_, options.audit});
    recommend_erasure_ = std::make_unique<RecommendErasureParticipant>(*recommendations_);
    erasure_->AddParticipant(recommend_erasure_.get());
    RegisterUiRoutes(*router_, options.ui_dir);
    RegisterOpsRoutes(*router_, metrics_, [] { return true; });
    if (options.extra_routes) options.extra_routes(*router_);
    server_ = std::make_unique<HttpServer>(
        http_options,
        [this](HttpRequest&& request, Responder respond) {
          router_->Dispatch(std::move(request), std::move(respond));
        },
        &metrics_);
    log_->Start();
    runner_->Start();
    segment_runner_->Start();
    journey_runner_->Start();
    start_status_ = erasure_->Start();
    if (start_status_.ok()) start_status_ = server_->Start();
  }
  ~TestServer() {
    // The order `mercato serve` uses: answer what the log holds, then drain, then consumers.
    server_->StopAccepting();
    log_->Stop();
    server_->Stop();
    model_runs_->Stop();
    recommendations_->Stop();
    erasure_->Stop();
    runner_->Stop();
    segment_runner_->Stop();
    journey_runner_->Stop();
  }

  const Status& start_status() const { return start_status_; }
  uint16_t port() const { return server_->port(); }
  EventLog& log() { return *log_; }
  Store& store() { return *store_; }
  ProfileStore& profiles() { return *profiles_; }
  MetricsRegistry& metrics() { return metrics_; }
  KeyRing& keys() { return keys_; }
  KeyStore& key_store() { return *key_store_; }
  scoring::RunService& model_runs() { return *model_runs_; }
  catalog::CatalogStore& catalog() { return *catalog_; }
  recserve::RecommendService& recommendations() { return *recommendations_; }
  segment::SegmentEngine& segments() { return *segments_; }
  DeliveryWorker& delivery() { return *delivery_; }
  std::string unsubscribe_secret() const { return UnsubscribeSecret(vault_->pseudonym_key()); }
  std::string tracking_secret() const { return TrackingSecret(vault_->pseudonym_key()); }
  Gateway& gateway() { return *gateway_; }
  const Router& router() const { return *router_; }
  const std::filesystem::path& data_dir() const { return dir_.path(); }
  // Waits until the profile consumer has processed everything appended so far.
  bool WaitForProfiles() {
    return WaitFor([this] { return builder_->Lag() == 0 && runner_->caught_up(); });
  }
  // Waits until profiles and segments have processed everything appended so far (segment events
  // the engine appends included) and no segment is being built.
  bool WaitForSegments() {
    return WaitFor([this] {
      if (builder_->Lag() != 0 || segments_->Lag() != 0 || !runner_->caught_up() ||
          !segment_runner_->caught_up()) {
        return false;
      }
      for (const segment::SegmentView& view : segments_->List()) {
        if (view.definition.building) return false;
      }
      return true;
    });
  }

 private:
  const Clock& clock_;
  TempDir dir_;
  MetricsRegistry metrics_;
  KeyRing keys_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<PrivacyFilter> filter_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<ErasureService> erasure_;
  std::unique_ptr<scoring::RunService> model_runs_;
  std::unique_ptr<catalog::CatalogStore> catalog_;
  std::unique_ptr<journey::JourneyStore> journeys_;
  std::unique_ptr<journey::JourneyEngine> journey_engine_;
  std::unique_ptr<ConsumerRunner> journey_runner_;
  std::unique_ptr<content::TemplateStore> templates_;
  std::unique_ptr<ChannelTransport> transport_;
  std::unique_ptr<DeliveryWorker> delivery_;
  std::unique_ptr<recserve::RecommendService> recommendations_;
  std::unique_ptr<RecommendErasureParticipant> recommend_erasure_;
  std::unique_ptr<segment::SegmentEngine> segments_;
  std::unique_ptr<ConsumerRunner> segment_runner_;
  std::unique_ptr<SegmentErasureParticipant> segment_erasure_;
  std::unique_ptr<ConsumerRunner> runner_;
  std::unique_ptr<KeyStore> key_store_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  Status start_status_;
};

}  // namespace mercato::testing
