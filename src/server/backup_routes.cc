// Backups of a running node (server/api.h RegisterBackupRoutes).

#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "core/logging.h"
#include "core/time_format.h"
#include "pipeline/backup.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

namespace json = boost::json;

// "2026-11-25T01:02:03.456Z" -> "backup-20261125T010203Z".
std::string BackupName(int64_t now_us) {
  std::string name = "backup-";
  const std::string iso = FormatTimestamp(now_us);
  for (size_t i = 0; i < iso.size() && iso[i] != '.'; ++i) {
    if (iso[i] != '-' && iso[i] != ':') name += iso[i];
  }
  return name + "Z";
}

// One backup at a time, on its own thread: a backup flushes, links or copies and hashes the whole
// store, which must not hold an HTTP I/O thread (and every connection it serves) for minutes. The
// destructor (the router's, when the server has stopped) waits for a backup in progress.
class BackupRunner {
 public:
  ~BackupRunner() {
    std::thread worker;
    {
      std::lock_guard<std::mutex> lock(mu_);
      worker = std::move(worker_);
    }
    if (worker.joinable()) worker.join();
  }
  // False while a backup runs; otherwise runs `work` on the worker thread, marks the runner free,
  // and only then sends the response `work` made — so a client that starts the next backup as
  // soon as it has the answer to this one is not refused.
  bool TryStart(std::function<HttpResponse()> work, Responder respond) {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_) return false;
    if (worker_.joinable()) worker_.join();  // the previous one has finished (busy_ is false)
    busy_ = true;
    worker_ = std::thread([this, work = std::move(work), respond = std::move(respond)] {
      HttpResponse response = work();
      {
        std::lock_guard<std::mutex> done(mu_);
        busy_ = false;
      }
      respond(std::move(response));
    });
    return true;
  }

 private:
  std::mutex mu_;
  bool busy_ = false;   // guarded by mu_
  std::thread worker_;  // guarded by mu_
};

}  // namespace

void RegisterBackupRoutes(Router& router, const BackupRouteDeps& deps) {
  auto runner = std::make_shared<BackupRunner>();
  router.Add(
      "POST", "/v1/admin/backups", "/v1/admin/backups", Access::kAdmin, AdmissionClass::kAdmin,
      [deps, runner](HttpRequest&& request, const Responder& respond) {
        if (deps.backup_dir.empty()) {
          return respond(ErrorResponse(Status::FailedPrecondition(
              "backups are off: start the server with --backup-dir DIR")));
        }
        const std::string actor =
            request.principal.key_id.empty() ? "anonymous" : "key:" + request.principal.key_id;
        const bool started = runner->TryStart(
            [deps, actor]() -> HttpResponse {
              const int64_t now_us = deps.clock.NowMicros();
              std::filesystem::path out =
                  std::filesystem::path(deps.backup_dir) / BackupName(now_us);
              for (int n = 2; std::filesystem::exists(out) && n < 100; ++n) {
                out = std::filesystem::path(deps.backup_dir) /
                      (BackupName(now_us) + "-" + std::to_string(n));
              }
              auto summary = CreateBackup(deps.store, deps.data_dir, out.string(), now_us);
              if (!summary.ok()) return ErrorResponse(summary.status());
              const std::string name = out.filename().string();
              if (deps.audit != nullptr) {
                const json::object detail{{"name", name}, {"files", summary->files}};
                if (Status recorded = deps.audit->Record(
                        AuditEntry{actor, "backup.create", "", json::serialize(detail)});
                    !recorded.ok()) {
                  LOG(ERROR) << "audit record failed: " << recorded.ToString();
                }
              }
              json::object body{{"name", name},
                                {"path", summary->path},
                                {"files", summary->files},
                                {"bytes", summary->bytes},
                                {"createdAt", summary->created_at}};
              return JsonResponse(201, json::serialize(body));
            },
            respond);
        if (!started) respond(ErrorResponse(Status::AlreadyExists("a backup is being made")));
      });
}

}  // namespace mercato
