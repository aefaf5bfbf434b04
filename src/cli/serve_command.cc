// `mercato serve`: the composition root of the single-process deployment.

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/node.h"
#include "core/logging.h"
#include "pipeline/consumer_runner.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "server/api.h"
#include "server/http_server.h"

namespace mercato::cli {
namespace {

Status BuildKeyRing(const ServeOptions& options, KeyRing& keys) {
  for (const auto& key : options.write_keys) {
    RETURN_IF_ERROR(keys.Add({key, "write (flag)", static_cast<uint8_t>(Scope::kWrite)}));
  }
  for (const auto& key : options.read_keys) {
    RETURN_IF_ERROR(keys.Add({key, "read (flag)", static_cast<uint8_t>(Scope::kRead)}));
  }
  for (const auto& key : options.admin_keys) {
    RETURN_IF_ERROR(keys.Add({key, "admin (flag)", static_cast<uint8_t>(Scope::kAdmin)}));
  }
  std::string path = options.keys_file.empty()
                         ? (std::filesystem::path(options.data_dir) / "keys.json").string()
                         : options.keys_file;
  if (std::filesystem::exists(path)) return keys.LoadFile(path);
  if (!options.keys_file.empty()) return Status::NotFound("keys file " + path + " not found");
  if (keys.size() > 0) return Status::Ok();
  // No key anywhere: create one of each kind so the server is never open to the world.
  RETURN_IF_ERROR(keys.Add({GenerateApiKey(), "write", static_cast<uint8_t>(Scope::kWrite)}));
  RETURN_IF_ERROR(keys.Add({GenerateApiKey(), "read", static_cast<uint8_t>(Scope::kRead)}));
  RETURN_IF_ERROR(keys.Add({GenerateApiKey(), "admin", static_cast<uint8_t>(Scope::kAdmin)}));
  RETURN_IF_ERROR(keys.SaveFile(path));
  std::printf("created API keys in %s\n", path.c_str());
  return Status::Ok();
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

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato serve: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int RunServe(const ServeOptions& options) {
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
  auto node = OpenNode(options.data_dir, log_options, clock, &metrics);
  if (!node.ok()) return Fail(node.status());

  KeyRing keys;
  if (Status status = BuildKeyRing(options, keys); !status.ok()) return Fail(status);

  ProfileBuilder builder(*node->store, *node->log, clock, &metrics);
  ProfileStore profiles(*node->store, clock);
  // Acknowledging events comes first; profiles catch up when the request path leaves CPU free.
  constexpr int kConsumerNice = 5;
  ConsumerRunner profile_runner(
      "profiles", [&builder] { return builder.ProcessBatch(); }, kConsumerNice);
  node->log->SetAppendListener([&profile_runner] { profile_runner.Notify(); });

  Router router(&metrics);
  RegisterIngestRoutes(router, *node->log, keys, IngestLimits{}, clock, &metrics);
  RegisterProfileRoutes(router, profiles, keys);
  std::atomic<bool> ready{false};
  RegisterOpsRoutes(router, metrics, [&ready] { return ready.load(); });

  HttpServerOptions http_options;
  http_options.address = options.listen;
  http_options.port = options.port;
  http_options.threads = options.threads > 0
                             ? options.threads
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http_options.max_connections = options.max_connections;
  http_options.header_timeout_ms = options.header_timeout_ms;
  http_options.body_timeout_ms = options.body_timeout_ms;
  HttpServer server(
      http_options,
      [&router](HttpRequest&& request, Responder respond) {
        router.Dispatch(std::move(request), std::move(respond));
      },
      &metrics);

  // Start in dependency order: log, consumers, then the server that feeds them.
  node->log->Start();
  if (options.profiles) profile_runner.Start();
  if (Status status = server.Start(); !status.ok()) {
    profile_runner.Stop();
    node->log->Stop();
    return Fail(status);
  }
  ready.store(true);
  std::printf("mercato listening on http://%s:%u (data in %s, sync=%s)\n", options.listen.c_str(),
              static_cast<unsigned>(server.port()), options.data_dir.c_str(), options.sync.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG(INFO) << "signal " << signal_number << " received; stopping";
  ready.store(false);
  // Stop in reverse: no new connections, then write and answer what the log has queued (the
  // answers still reach their clients), then let connections drain, then consumers.
  server.StopAccepting();
  node->log->Stop();
  server.Stop(/*drain_ms=*/2000);
  profile_runner.Stop();
  return 0;
}

}  // namespace mercato::cli
