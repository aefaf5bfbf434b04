// mercato_ingest_server: the ingestion path of `mercato serve` alone (HttpServer -> Router ->
// ingest routes -> EventLog -> Store), without the profile consumer or the other routes. It
// separates the cost of ingestion from that of the consumers that share the machine, and runs
// while the full binary is not buildable. Same output line and flags as `mercato serve` where they
// overlap; requests pass the same gateway (authentication, rate limits, admission).

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/router.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::bench {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato_ingest_server: %s\n", status.ToString().c_str());
  return 1;
}

int Main(int argc, char** argv) {
  std::string data_dir;
  std::string sync_text = "batch";
  std::string write_key;
  HttpServerOptions http_options;
  http_options.threads = 1;
  CLI::App app{"mercato_ingest_server: HTTP ingestion into the log, nothing else"};
  app.add_option("--data-dir", data_dir, "RocksDB directory")->required();
  app.add_option("--port", http_options.port, "TCP port (0 picks a free one)");
  app.add_option("--threads", http_options.threads, "HTTP threads")->check(CLI::Range(1, 256));
  app.add_option("--sync", sync_text, "batch | always | none")
      ->check(CLI::IsMember({"batch", "always", "none"}));
  app.add_option("--write-key", write_key, "The write key")->required();
  std::string rate_limit_key = "10000:20000", rate_limit_ip = "2000:4000";
  app.add_option("--rate-limit-key", rate_limit_key, "RATE[:BURST] per API key (0 = no limit)");
  app.add_option("--rate-limit-ip", rate_limit_ip, "RATE[:BURST] per client address (0 = none)");
  CLI11_PARSE(app, argc, argv);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const Clock& clock = SystemClock::Instance();
  MetricsRegistry metrics;
  auto sync = ParseSyncMode(sync_text);
  if (!sync.ok()) return Fail(sync.status());
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  StoreOptions store_options;
  store_options.path = data_dir;
  auto store = Store::Open(store_options);
  if (!store.ok()) return Fail(store.status());
  EventLogOptions log_options;
  log_options.sync = *sync;
  auto log = EventLog::Open(**store, log_options, clock, &metrics);
  if (!log.ok()) return Fail(log.status());
  KeyRing keys(clock);
  if (Status status = keys.AddBootstrapKey(write_key, Scope::kWrite); !status.ok()) {
    return Fail(status);
  }
  GatewayOptions gateway_options;
  auto key_limit = ParseRateLimit(rate_limit_key);
  if (!key_limit.ok()) return Fail(key_limit.status());
  auto ip_limit = ParseRateLimit(rate_limit_ip);
  if (!ip_limit.ok()) return Fail(ip_limit.status());
  gateway_options.key_limit = *key_limit;
  gateway_options.ip_limit = *ip_limit;
  Gateway gateway(keys, clock, gateway_options, &metrics);
  Router router(gateway, &metrics);
  RegisterIngestRoutes(router, **log, IngestLimits{}, clock, &metrics);
  HttpServer server(
      http_options,
      [&router](HttpRequest&& request, Responder respond) {
        router.Dispatch(std::move(request), std::move(respond));
      },
      &metrics);
  (*log)->Start();
  if (Status status = server.Start(); !status.ok()) return Fail(status);
  std::printf("listening on http://%s:%u (data in %s, sync=%s)\n", http_options.address.c_str(),
              static_cast<unsigned>(server.port()), data_dir.c_str(), sync_text.c_str());
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  (*log)->Stop();
  return 0;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }
