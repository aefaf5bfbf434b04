// `mercato keys list|create|rotate|revoke`: API key administration on a data directory while no
// server runs on it (a running server holds the store's lock; use its /v1/keys API instead).
// Changes are recorded in the audit log with the actor "cli".

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "core/time_format.h"
#include "privacy/audit_log.h"
#include "server/key_store.h"
#include "storage/store.h"

namespace mercato::cli {
namespace {

namespace json = boost::json;

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato keys: %s\n", status.ToString().c_str());
  return 1;
}

Result<std::unique_ptr<Store>> OpenStore(const KeysOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(options.data_dir, ec)) {
    if (options.action != "create") {
      return Status::NotFound("no data directory at " + options.data_dir);
    }
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) return Status::IoError("cannot create " + options.data_dir + ": " + ec.message());
  }
  StoreOptions store_options;
  store_options.path = options.data_dir;
  auto store = Store::Open(store_options);
  if (!store.ok() && (store.status().message().find("LOCK") != std::string::npos ||
                      store.status().message().find("lock") != std::string::npos)) {
    return Status::Unavailable(
        "the store in " + options.data_dir +
        " is locked, most likely by a running server; manage keys through its API instead "
        "(GET/POST /v1/keys, POST /v1/keys/{id}/rotate, DELETE /v1/keys/{id} with an admin key), "
        "or stop the server");
  }
  return store;
}

Result<KeySpec> SpecFromFlags(const KeysOptions& options) {
  KeySpec spec;
  spec.name = options.name;
  for (const std::string& name : options.scopes) {
    ASSIGN_OR_RETURN(Scope scope, ParseScope(name));
    spec.scopes |= static_cast<uint8_t>(scope);
  }
  spec.source = options.source;
  spec.allowed_origins = options.origins;
  if (!options.expires_at.empty()) {
    auto expires = ParseTimestamp(options.expires_at);
    if (!expires.ok()) {
      return Status::InvalidArgument("--expires-at: " + expires.status().message());
    }
    spec.expires_at_us = *expires;
  }
  return spec;
}

void Print(const json::object& object) { std::printf("%s\n", json::serialize(object).c_str()); }

}  // namespace

int RunKeys(const KeysOptions& options) {
  const Clock& clock = SystemClock::Instance();
  auto store = OpenStore(options);
  if (!store.ok()) return Fail(store.status());
  std::unique_ptr<AuditLog> audit;
  if (options.action != "list") {
    auto opened = AuditLog::Open(AuditDirOf(options.data_dir), clock);
    if (!opened.ok()) return Fail(opened.status());
    audit = std::move(opened).value();
  }
  auto keys = KeyStore::Open(**store, clock, /*ring=*/nullptr, audit.get());
  if (!keys.ok()) return Fail(keys.status());
  const std::string actor = "cli";
  const int64_t now = clock.NowMicros();

  if (options.action == "list") {
    json::array list;
    for (const ApiKeyRecord& record : (*keys)->List()) list.push_back(KeyView(record, now));
    Print(json::object{{"keys", std::move(list)}});
    return 0;
  }
  if (options.action == "create") {
    auto spec = SpecFromFlags(options);
    if (!spec.ok()) return Fail(spec.status());
    auto issued = (*keys)->Create(std::move(spec).value(), actor);
    if (!issued.ok()) return Fail(issued.status());
    Print(json::object{{"key", KeyView(issued->record, now)}, {"secret", issued->secret}});
    return 0;
  }
  if (options.action == "rotate") {
    auto issued = (*keys)->Rotate(options.id, options.grace_seconds, actor);
    if (!issued.ok()) return Fail(issued.status());
    Print(json::object{{"key", KeyView(issued->record, now)}, {"secret", issued->secret}});
    return 0;
  }
  if (options.action == "revoke") {
    auto revoked = (*keys)->Revoke(options.id, actor);
    if (!revoked.ok()) return Fail(revoked.status());
    Print(json::object{{"key", KeyView(*revoked, now)}});
    return 0;
  }
  return Fail(Status::InvalidArgument("unknown action '" + options.action + "'"));
}

}  // namespace mercato::cli
