// `mercato serve`: the composition root of the single-process deployment.

#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "catalog/catalog_store.h"
#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/node.h"
#include "content/template_store.h"
#include "core/logging.h"
#include "core/rate_anomaly.h"
#include "journey/engine.h"
#include "journey/journey_store.h"
#include "pipeline/consumer_runner.h"
#include "pipeline/delivery.h"
#include "pipeline/erasure_service.h"
#include "pipeline/journey_participant.h"
#include "pipeline/journey_support.h"
#include "pipeline/recommend_participant.h"
#include "pipeline/segment_participant.h"
#include "privacy/audit_log.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "recserve/recommender.h"
#include "scoring/runs.h"
#include "segment/segment_engine.h"
#include "server/api.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/key_store.h"
#include "weather/make_provider.h"

namespace mercato::cli {
namespace {

// Runs `tick` every `period_us` on its own thread between Start and Stop (the destructor stops).
class Ticker {
 public:
  Ticker(int64_t period_us, std::function<void()> tick)
      : period_us_(period_us), tick_(std::move(tick)) {}
  ~Ticker() { Stop(); }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  void Start() {
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        lock.unlock();
        tick_();
        lock.lock();
        wake_.wait_for(lock, std::chrono::microseconds(period_us_), [this] { return stop_; });
      }
    });
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const int64_t period_us_;
  const std::function<void()> tick_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// Keys given as flags: held hashed in memory only, never stored.
Status AddFlagKeys(const ServeOptions& options, KeyRing& keys) {
  for (const auto& key : options.write_keys) {
    RETURN_IF_ERROR(keys.AddBootstrapKey(key, Scope::kWrite));
  }
  for (const auto& key : options.read_keys) {
    RETURN_IF_ERROR(keys.AddBootstrapKey(key, Scope::kRead));
  }
  for (const auto& key : options.admin_keys) {
    RETURN_IF_ERROR(keys.AddBootstrapKey(key, Scope::kAdmin));
  }
  return Status::Ok();
}

// A secret kept in a file: its first line, which must not be empty.
Result<std::string> ReadSecretFile(const std::string& path, std::string_view flag) {
  std::ifstream in(path);
  std::string secret;
  if (!in) return Status::InvalidArgument(std::string(flag) + ": cannot read " + path);
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.empty()) return Status::InvalidArgument(std::string(flag) + ": " + path + " is empty");
  return secret;
}

bool IsHttpUrl(std::string_view url) {
  return (url.starts_with("http://") && url.size() > 7) ||
         (url.starts_with("https://") && url.size() > 8);
}

// The HTTP channels of journeys from --webhook, --audience-url, --push-url and their secrets.
Status ConfigureHttpChannels(const ServeOptions& options, DeliveryOptions& delivery) {
  std::string secret;
  if (!options.endpoint_secret_file.empty()) {
    ASSIGN_OR_RETURN(secret,
                     ReadSecretFile(options.endpoint_secret_file, "--endpoint-secret-file"));
  }
  if ((!options.webhooks.empty() || !options.audience_url.empty()) && secret.empty()) {
    return Status::InvalidArgument(
        "--webhook and --audience-url need --endpoint-secret-file: receivers verify signatures");
  }
  for (const std::string& entry : options.webhooks) {
    const size_t equals = entry.find('=');
    const std::string name = entry.substr(0, equals);
    const std::string url = equals == std::string::npos ? "" : entry.substr(equals + 1);
    const bool valid_name =
        !name.empty() && name.size() <= 64 &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
    if (!valid_name || !IsHttpUrl(url)) {
      return Status::InvalidArgument("--webhook '" + entry.substr(0, 200) +
                                     "': expected NAME=URL, NAME of [a-z0-9_-], URL http(s)://");
    }
    if (!delivery.endpoints.emplace(name, WebhookEndpoint{url, secret}).second) {
      return Status::InvalidArgument("--webhook: '" + name + "' is given twice");
    }
  }
  if (!options.audience_url.empty()) {
    if (!IsHttpUrl(options.audience_url)) {
      return Status::InvalidArgument("--audience-url must start with http:// or https://");
    }
    delivery.audiences = WebhookEndpoint{options.audience_url, secret};
  }
  if (!options.push_url.empty()) {
    if (!IsHttpUrl(options.push_url)) {
      return Status::InvalidArgument("--push-url must start with http:// or https://");
    }
    delivery.push_url = options.push_url;
  }
  if (!options.push_token_file.empty()) {
    ASSIGN_OR_RETURN(delivery.push_token,
                     ReadSecretFile(options.push_token_file, "--push-token-file"));
  }
  return Status::Ok();
}

// No key at all (no flag key, nothing stored): create an admin key so that the server is never
// open to the world, and show its secret this once.
// The key created, if any (a fresh installation without flag keys).
Result<std::optional<ApiKeyRecord>> BootstrapAdminKey(const ServeOptions& options, KeyStore& store,
                                                      const KeyRing& keys) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(options.data_dir) / "keys.json", ec)) {
    LOG(WARNING) << "keys.json in " << options.data_dir
                 << " holds plaintext keys and is no longer read; create keys with POST /v1/keys "
                    "or `mercato keys create`, then delete the file";
  }
  std::string path = (std::filesystem::path(options.data_dir) / "initial-admin-key").string();
  ASSIGN_OR_RETURN(std::optional<IssuedKey> issued, CreateInitialAdminKey(store, keys, path));
  if (!issued) return std::optional<ApiKeyRecord>();
  std::printf(
      "created the first admin key %s; its secret (shown once, also in %s, mode 0600):\n%s\n",
      issued->record.id.c_str(), path.c_str(), issued->secret.c_str());
  return std::optional<ApiKeyRecord>(issued->record);
}

Result<GatewayOptions> BuildGatewayOptions(const ServeOptions& options) {
  GatewayOptions gateway;
  auto key_limit = ParseRateLimit(options.rate_limit_key);
  if (!key_limit.ok()) {
    return Status::InvalidArgument("--rate-limit-key: " + key_limit.status().message());
  }
  auto ip_limit = ParseRateLimit(options.rate_limit_ip);
  if (!ip_limit.ok()) {
    return Status::InvalidArgument("--rate-limit-ip: " + ip_limit.status().message());
  }
  gateway.key_limit = *key_limit;
  gateway.ip_limit = *ip_limit;
  gateway.admission[AdmissionClass::kIngest] = options.inflight_ingest;
  gateway.admission[AdmissionClass::kQuery] = options.inflight_query;
  gateway.admission[AdmissionClass::kAdmin] = options.inflight_admin;
  gateway.admission[AdmissionClass::kOps] = options.inflight_ops;
  return gateway;
}

// Connections, RocksDB files and the WAL all need descriptors: raise the soft limit to the hard
// one, and warn when it still cannot hold --max-connections plus a reserve.
void RaiseDescriptorLimit(size_t max_connections) {
  constexpr rlim_t kReserve = 512;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
    (void)getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < max_connections + kReserve) {
    LOG(WARNING) << "the descriptor limit (" << limit.rlim_cur << ") is below --max-connections ("
                 << max_connections << ") plus " << kReserve
                 << " for the store; raise `ulimit -n` or lower --max-connections";
  }
}

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "localhost";
  return host;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato serve: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int RunServe(const ServeOptions& options) {
  SetLogFormat(options.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto sync = ParseSyncMode(options.sync);
  if (!sync.ok()) return Fail(sync.status());
  if (options.dedupe_window_hours < 1 || options.dedupe_window_hours > int64_t{24} * 366) {
    return Fail(Status::InvalidArgument("--dedupe-window-hours must be between 1 and 8784"));
  }
  if (options.max_connections < 1) {
    return Fail(Status::InvalidArgument("--max-connections must be at least 1"));
  }
  RaiseDescriptorLimit(options.max_connections);
  if (*sync == SyncMode::kNone) {
    LOG(WARNING) << "--sync=none: acknowledged events are not fsynced and can be lost on a crash "
                    "of the machine; use it for benchmarks only";
  }
  const Clock& clock = SystemClock::Instance();
  MetricsRegistry metrics;
  EventLogOptions log_options;
  log_options.partitions = options.partitions;
  log_options.sync = *sync;
  log_options.dedupe_window_us = options.dedupe_window_hours * 3600 * kMicrosPerSecond;
  std::unique_ptr<ClusterMember> cluster;
  if (options.kafka.enabled()) {
    auto member = ClusterMember::Prepare(options.kafka, options.partitions, log_options);
    if (!member.ok()) return Fail(member.status());
    cluster = std::move(member).value();
  }
  auto node = OpenNode(options.data_dir, log_options, options.privacy, clock, &metrics);
  if (!node.ok()) return Fail(node.status());
  if (cluster && node->filter->policy().Uses(DlpAction::kEncrypt)) {
    // The key vault is per node: a field one node encrypts, the owner of its customer could not
    // read (docs/operations.md, "Cluster mode").
    return Fail(Status::FailedPrecondition(
        "cluster mode cannot encrypt personal fields yet (each node's key vault is its own): give "
        "--privacy-policy a policy without \"encrypt\" actions and with \"ip\" other than "
        "\"encrypt\", such as deploy/cluster/privacy-policy.json"));
  }
  if (cluster) {
    if (Status status = cluster->Attach(*node->log, *node->filter, clock, &metrics); !status.ok()) {
      return Fail(status);
    }
  }

  auto gateway_options = BuildGatewayOptions(options);
  if (!gateway_options.ok()) return Fail(gateway_options.status());
  auto audit = AuditLog::Open(AuditDirOf(options.data_dir), clock);
  if (!audit.ok()) return Fail(audit.status());
  KeyRing keys(clock);
  if (Status status = AddFlagKeys(options, keys); !status.ok()) return Fail(status);
  auto key_store = KeyStore::Open(*node->store, clock, &keys, audit->get());
  if (!key_store.ok()) return Fail(key_store.status());
  auto initial_key = BootstrapAdminKey(options, **key_store, keys);
  if (!initial_key.ok()) return Fail(initial_key.status());

  ProfileBuilder builder(*node->store, *node->log, *node->vault, clock, &metrics);
  // A customer's identities may live in other nodes' partitions: they are linked by messages.
  if (cluster) builder.EnableIdentityRouting(*node->log);
  ProfileStore profiles(*node->store, *node->vault, clock);
  // Acknowledging events comes first; profiles catch up when the request path leaves CPU free.
  constexpr int kConsumerNice = 5;
  // Segments trail the profiles: the engine reads profiles the builder has already updated.
  segment::SegmentEngineOptions segment_options;
  segment_options.upstream_cursors = [&builder] { return builder.Cursors(); };
  auto segments = segment::SegmentEngine::Open(*node->store, *node->log, *node->vault, clock,
                                               &metrics, segment_options);
  if (!segments.ok()) return Fail(segments.status());
  ConsumerRunner segment_runner(
      "segments", [&segments] { return (*segments)->Step(); }, kConsumerNice);
  // Set once the journey and delivery runners exist (they are built further down).
  std::atomic<ConsumerRunner*> journey_wake{nullptr};
  std::atomic<ConsumerRunner*> delivery_wake{nullptr};
  ConsumerRunner profile_runner(
      "profiles",
      [&builder, &segment_runner, &journey_wake] {
        Result<size_t> done = builder.ProcessBatch();
        if (done.ok() && *done > 0) {
          segment_runner.Notify();
          if (ConsumerRunner* journeys = journey_wake.load()) journeys->Notify();
        }
        return done;
      },
      kConsumerNice);
  node->log->SetAppendListener([&profile_runner] { profile_runner.Notify(); });

  Gateway gateway(keys, clock, *gateway_options, &metrics);
  Router router(gateway, &metrics);
  router.SetAccessLog(options.access_log);
  RegisterIngestRoutes(router, *node->log, IngestLimits{}, clock, &metrics,
                       node->filter->AsTransform());
  ReadForwarder forwarder;
  if (cluster) {
    forwarder.owner_of = [&cluster](std::string_view identity) {
      return cluster->OwnerUrl(identity);
    };
    // Forwards wait on the owner's answer; the query class's admission budget bounds how many
    // queue here, and these threads keep them off the I/O threads.
    forwarder.pool = MakeForwardingPool(8);
  }
  std::function<std::vector<std::string>()> other_nodes;
  if (cluster) {
    other_nodes = [&cluster] { return cluster->OtherNodeUrls(); };
    profiles.CountOnlyOwned([&cluster](std::string_view value) { return cluster->Owns(value); });
  }
  RegisterProfileRoutes(router, profiles, audit->get(), forwarder, other_nodes);
  ErasureService erasure(*node->store, *node->log, builder, profiles, audit->get(), clock,
                         &metrics);
  SegmentErasureParticipant segment_erasure(**segments);
  erasure.AddParticipant(&segment_erasure);
  PrivacyRouteDeps privacy_deps{erasure,      profiles, *node->log, node->filter->AsTransform(),
                                audit->get(), clock};
  if (cluster) {
    privacy_deps.forwarder = forwarder;
    privacy_deps.other_nodes = other_nodes;
    privacy_deps.store = node->store.get();
  }
  RegisterPrivacyRoutes(router, privacy_deps);
  SegmentShare share_segments;
  if (cluster) {
    share_segments = [&cluster](std::string_view id, const segment::SegmentSpec* definition) {
      return cluster->PublishSegment(id, definition);
    };
  }
  RegisterSegmentRoutes(router, **segments, share_segments);
  RegisterCustomerSegmentRoutes(router, **segments, profiles, forwarder);
  RegisterKeyRoutes(router, **key_store, keys, clock);
  scoring::RunnerOptions run_options;
  run_options.metrics = &metrics;
  scoring::RunService model_runs(*node->store, clock, run_options);
  RegisterAnalyticsRoutes(router, AnalyticsRouteDeps{model_runs, profiles, audit->get()});
  catalog::CatalogStore catalog(*node->store, clock);
  RegisterCatalogRoutes(router, catalog);
  journey::JourneyStore journeys(*node->store, clock);
  content::TemplateStore templates(*node->store, clock);
  JourneyShare share_journeys;
  if (cluster) {
    // Segments, templates, journeys, API keys and catalog items made through any node are shared
    // with all (stream::DefinitionLog); a fresh node's initial admin key is published once it
    // joins.
    cluster->ShareDefinitions(cli::SharedDefinitionTargets{segments->get(), &templates, &journeys,
                                                           key_store->get(), &catalog});
    share_journeys = [&cluster](std::string_view id, const journey::JourneyReplica* replica) {
      return cluster->PublishJourney(id, replica);
    };
    (*key_store)->SetPublisher([&cluster](const ApiKeyRecord& record) {
      return cluster->PublishKey(record);
    });
    catalog.SetPublisher(catalog::CatalogStore::Publisher{
        [&cluster](std::span<const catalog::CatalogItem> items) {
          return cluster->PublishCatalogItems(items);
        },
        [&cluster](std::string_view id) { return cluster->PublishCatalogDeletion(id); }});
  }
  RegisterJourneyRoutes(router, journeys, segments->get(), share_journeys);
  auto weather = MakeWeatherProvider(options.weather, clock);
  if (!weather.ok()) return Fail(weather.status());
  recserve::ServiceOptions recommend_options;
  recommend_options.metrics = &metrics;
  recserve::RecommendService recommendations(*node->store, profiles, &catalog, weather->get(),
                                             clock, recommend_options);
  if (Status status = recommendations.Start(); !status.ok()) return Fail(status);
  RegisterRecommendationRoutes(router, recommendations, forwarder);
  TemplateShare share_templates;
  if (cluster) {
    share_templates = [&cluster](std::string_view id, const boost::json::object* fields) {
      return cluster->PublishTemplate(id, fields);
    };
  }
  RegisterTemplateRoutes(router, TemplateRouteDeps{templates, profiles, &recommendations,
                                                   audit->get(), share_templates});
  RecommendErasureParticipant recommend_erasure(recommendations);
  erasure.AddParticipant(&recommend_erasure);

  // Journeys trail the profiles too; what they enqueue goes out through the delivery worker.
  journey::JourneyEngineOptions journey_options;
  journey_options.upstream_cursors = [&builder] { return builder.Cursors(); };
  journey_options.evaluate_rule = MakeRuleEvaluator(*node->store, *node->vault);
  journey_options.segment_members = MakeSegmentMembers(**segments);
  journey_options.next_local_time = MakeLocalTime(*node->store);
  journey_options.on_enqueued = [&delivery_wake] {
    if (ConsumerRunner* delivery = delivery_wake.load()) delivery->Notify();
  };
  auto journey_engine =
      journey::JourneyEngine::Open(*node->store, *node->log, journeys, *node->vault, clock,
                                   &metrics, std::move(journey_options));
  if (!journey_engine.ok()) return Fail(journey_engine.status());
  RegisterJourneyStatsRoutes(router, journeys, **journey_engine);
  if (options.delivery_attempts < 1 || options.delivery_attempts > 100) {
    return Fail(Status::InvalidArgument("--delivery-attempts must be between 1 and 100"));
  }
  if (options.delivery_backoff_ms < 1 || options.delivery_backoff_ms > 3'600'000) {
    return Fail(Status::InvalidArgument("--delivery-backoff-ms must be between 1 and 3600000"));
  }
  if (options.smtp_timeout_ms < 100 || options.smtp_timeout_ms > 600'000) {
    return Fail(Status::InvalidArgument("--smtp-timeout-ms must be between 100 and 600000"));
  }
  channel::SmtpOptions smtp;
  smtp.url = options.smtp_url;
  smtp.timeout_ms = options.smtp_timeout_ms;
  ChannelTransport transport(smtp, channel::HttpOptions{});
  DeliveryOptions delivery_options;
  delivery_options.from.address = options.mail_from;
  delivery_options.commit_journal_path =
      (std::filesystem::path(options.data_dir) / "delivery-commits").string();
  delivery_options.max_attempts = options.delivery_attempts;
  delivery_options.backoff_base_us = options.delivery_backoff_ms * 1000;
  delivery_options.unsubscribe_secret = UnsubscribeSecret(node->vault->pseudonym_key());
  delivery_options.tracking_secret = TrackingSecret(node->vault->pseudonym_key());
  if (!options.public_url.empty()) {
    std::string base = options.public_url;
    while (base.ends_with('/')) base.pop_back();
    if (!base.starts_with("https://") && !base.starts_with("http://")) {
      return Fail(Status::InvalidArgument("--public-url must start with https:// or http://"));
    }
    delivery_options.unsubscribe_base_url = base + "/v1/unsubscribe";
    delivery_options.tracking_base_url = base;
  }
  if (Status channels = ConfigureHttpChannels(options, delivery_options); !channels.ok()) {
    return Fail(channels);
  }
  delivery_options.recommendations = &recommendations;
  delivery_options.next_local_time = MakeLocalTime(*node->store);
  if (cluster) {
    delivery_options.may_deliver = cluster->DeliveryGate(
        *node->store, *node->log, [&journey_engine] { return (*journey_engine)->Cursors(); });
    delivery_options.announce_finished = true;
  }
  DeliveryWorker delivery(*node->store, node->log.get(), profiles, templates, transport, clock,
                          &metrics, delivery_options);
  ConsumerRunner delivery_runner(
      "delivery", [&delivery] { return delivery.Step(); }, kConsumerNice);
  ConsumerRunner journey_runner(
      "journeys", [&journey_engine] { return (*journey_engine)->Step(); }, kConsumerNice);
  delivery_wake.store(&delivery_runner);
  journey_wake.store(&journey_runner);
  RegisterUnsubscribeRoutes(router,
                            UnsubscribeRouteDeps{delivery, *node->store, *node->log,
                                                 delivery_options.unsubscribe_secret, clock});
  RegisterTrackingRoutes(
      router, TrackingRouteDeps{*node->store, *node->log, delivery_options.tracking_secret, clock});
  RegisterEmailFeedbackRoutes(
      router, EmailFeedbackRouteDeps{*node->store, *node->log, profiles, delivery, clock});
  RegisterDeliveryRoutes(router, *node->store);
  RegisterBackupRoutes(router, BackupRouteDeps{*node->store, options.data_dir, options.backup_dir,
                                               clock, audit->get()});
  JourneyErasureParticipant journey_erasure(**journey_engine, delivery);
  erasure.AddParticipant(&journey_erasure);
  RegisterUiRoutes(router, options.ui_dir);
  if (std::error_code ec;
      !std::filesystem::is_regular_file(std::filesystem::path(options.ui_dir) / "index.html", ec)) {
    LOG(INFO) << "no dashboard in '" << options.ui_dir
              << "' (no index.html): /ui/ answers 404 until `make web` builds it";
  }
  std::atomic<bool> ready{false};
  RegisterClusterRoutes(router, cluster ? cluster->source() : nullptr);
  // In cluster mode a node is not ready while it mirrors partitions it was just assigned.
  RegisterOpsRoutes(router, metrics,
                    [&ready, &cluster] { return ready.load() && (!cluster || cluster->Ready()); });
  // The ingest rate and how unusual it is (core/rate_anomaly.h), fed once a second.
  RateAnomaly ingest_anomaly;
  metrics.AddGaugeCallback("mercato_ingest_events_per_second",
                           "Events appended per second over the last closed 10 s interval", {},
                           [&ingest_anomaly] { return ingest_anomaly.rate(); });
  metrics.AddGaugeCallback(
      "mercato_ingest_rate_zscore",
      "EWMA z-score of the last interval's ingest rate against the intervals before it", {},
      [&ingest_anomaly] { return ingest_anomaly.zscore(); });
  metrics.AddGaugeCallback("mercato_ingest_rate_baseline",
                           "EWMA of the ingest rate (events per second)", {},
                           [&ingest_anomaly] { return ingest_anomaly.baseline(); });
  Ticker anomaly_ticker(kMicrosPerSecond, [&] {
    ingest_anomaly.Observe(node->log->TotalRecords(), clock.NowMicros());
  });

  HttpServerOptions http_options;
  http_options.address = options.listen;
  http_options.port = options.port;
  http_options.threads = options.threads > 0
                             ? options.threads
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http_options.max_connections = options.max_connections;
  http_options.header_timeout_ms = options.header_timeout_ms;
  http_options.body_timeout_ms = options.body_timeout_ms;
  http_options.write_timeout_ms = options.write_timeout_ms;
  http_options.max_connections_per_address = options.max_connections_per_ip;
  http_options.tls_cert_file = options.tls_cert;
  http_options.tls_key_file = options.tls_key;
  HttpServer server(
      http_options,
      [&router](HttpRequest&& request, Responder respond) {
        router.Dispatch(std::move(request), std::move(respond));
      },
      &metrics);

  // Start in dependency order: log, consumers, then the server that feeds them.
  node->log->Start();
  if (options.profiles) {
    profile_runner.Start();
    segment_runner.Start();
    journey_runner.Start();
    delivery_runner.Start();
  }
  // A later start that fails undoes the earlier ones, newest first.
  enum class Started { kConsumers, kErasure, kModelRuns, kServer };
  Started started = Started::kConsumers;
  auto abandon = [&](const Status& status) {
    if (started >= Started::kServer) server.Stop(/*drain_ms=*/0);
    if (started >= Started::kModelRuns) model_runs.Stop();
    if (started >= Started::kErasure) erasure.Stop();
    profile_runner.Stop();
    segment_runner.Stop();
    journey_runner.Stop();
    delivery_runner.Stop();
    node->log->Stop();
    return Fail(status);
  };
  if (Status status = erasure.Start(); !status.ok()) return abandon(status);
  started = Started::kErasure;
  if (Status status = model_runs.Start(); !status.ok()) return abandon(status);
  started = Started::kModelRuns;
  if (Status status = server.Start(); !status.ok()) return abandon(status);
  started = Started::kServer;
  if (cluster) {
    const std::string host =
        options.advertise_host.empty()
            ? (options.listen == "0.0.0.0" || options.listen == "::" ? HostName() : options.listen)
            : options.advertise_host;
    const std::string self_url = std::string(server.tls() ? "https" : "http") + "://" +
                                 (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                 ":" + std::to_string(server.port());
    if (Status status = cluster->Start(self_url); !status.ok()) return abandon(status);
    if (*initial_key) {
      if (Status status = cluster->PublishKey(**initial_key); !status.ok()) {
        LOG(WARNING) << "the initial admin key is not shared with the other nodes yet: "
                     << status.ToString();
      }
    }
  }
  ready.store(true);
  anomaly_ticker.Start();
  std::printf("mercato listening on %s://%s:%u (data in %s, sync=%s)\n",
              server.tls() ? "https" : "http", options.listen.c_str(),
              static_cast<unsigned>(server.port()), options.data_dir.c_str(), options.sync.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG(INFO) << "signal " << signal_number << " received; stopping";
  ready.store(false);
  anomaly_ticker.Stop();
  // Stop in reverse: no new connections, then write and answer what the log has queued (the
  // answers still reach their clients), then let connections drain, then consumers.
  server.StopAccepting();
  // Leave the group first, so that the partitions move while this node drains.
  if (cluster) cluster->Stop(std::chrono::milliseconds(2000));
  node->log->Stop();
  server.Stop(/*drain_ms=*/2000);
  model_runs.Stop();       // waits for a run in progress
  recommendations.Stop();  // waits for a training in progress
  erasure.Stop();
  profile_runner.Stop();
  segment_runner.Stop();
  journey_runner.Stop();
  delivery_runner.Stop();
  return 0;
}

}  // namespace mercato::cli
