#include "scoring/run_record.h"

#include <boost/json/parse.hpp>
#include <cstdio>

#include "core/time_format.h"
#include "event/json_writer.h"

namespace mercato::scoring {
namespace {

namespace json = boost::json;

constexpr std::string_view kRunPrefix = "r/";
constexpr std::string_view kArtifactPrefix = "a/";

std::string RunKey(std::string_view id) { return std::string(kRunPrefix) + std::string(id); }

std::string ArtifactKey(std::string_view id, std::string_view name) {
  return std::string(kArtifactPrefix) + std::string(id) + "/" + std::string(name);
}

json::value TimeOrNull(int64_t micros) {
  return micros > 0 ? json::value(FormatTimestamp(micros)) : json::value(nullptr);
}

}  // namespace

std::string RunRecord::Serialize() const {
  json::object out;
  out["v"] = 1;
  out["id"] = id;
  out["kind"] = kind;
  out["params"] = params;
  out["status"] = status;
  out["startedUs"] = started_us;
  out["finishedUs"] = finished_us;
  if (!error.empty()) out["error"] = error;
  out["result"] = result;
  return SerializeJson(out);
}

Result<RunRecord> RunRecord::Parse(std::string_view stored) {
  auto corrupt = [] { return Status::Corruption("stored run record is not a version-1 document"); };
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const json::object* object = ec ? nullptr : root.if_object();
  if (object == nullptr) return corrupt();
  const json::value* version = object->if_contains("v");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1) return corrupt();
  RunRecord record;
  const json::value* id = object->if_contains("id");
  const json::value* kind = object->if_contains("kind");
  const json::value* status = object->if_contains("status");
  const json::value* params = object->if_contains("params");
  const json::value* started = object->if_contains("startedUs");
  const json::value* finished = object->if_contains("finishedUs");
  if (id == nullptr || !id->is_string() || kind == nullptr || !kind->is_string() ||
      status == nullptr || !status->is_string() || params == nullptr || !params->is_object() ||
      started == nullptr || !started->is_int64() || finished == nullptr || !finished->is_int64()) {
    return corrupt();
  }
  record.id = id->get_string();
  record.kind = kind->get_string();
  record.status = status->get_string();
  record.params = params->get_object();
  record.started_us = started->get_int64();
  record.finished_us = finished->get_int64();
  if (const json::value* error = object->if_contains("error"); error && error->is_string()) {
    record.error = error->get_string();
  }
  if (const json::value* result = object->if_contains("result")) record.result = *result;
  return record;
}

json::object RunRecord::ToApi() const {
  json::object out;
  out["id"] = id;
  out["kind"] = kind;
  out["params"] = params;
  out["status"] = status;
  out["startedAt"] = TimeOrNull(started_us);
  out["finishedAt"] = TimeOrNull(finished_us);
  out["error"] = error.empty() ? json::value(nullptr) : json::value(error);
  out["result"] = result;
  return out;
}

Result<std::string> RunStore::NewId(int64_t now_us) const {
  for (int64_t micros = now_us;; ++micros) {
    char text[32];
    std::snprintf(text, sizeof(text), "run_%016llx", static_cast<unsigned long long>(micros));
    auto existing = store_.Get(Cf::kModels, RunKey(text));
    if (!existing.ok() && existing.status().code() == StatusCode::kNotFound)
      return std::string(text);
    if (!existing.ok()) return existing.status();
  }
}

Status RunStore::Put(const RunRecord& record) {
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(
      FromRocks(batch.Put(store_.cf(Cf::kModels), RunKey(record.id), record.Serialize()),
                "staging run record"));
  return store_.Write(batch, /*sync=*/true);
}

Result<RunRecord> RunStore::Get(std::string_view id) const {
  auto stored = store_.Get(Cf::kModels, RunKey(id));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no model run '" + std::string(id.substr(0, 64)) + "'");
    }
    return stored.status();
  }
  return RunRecord::Parse(*stored);
}

Result<std::vector<RunRecord>> RunStore::List(size_t limit, std::string_view kind) const {
  std::vector<RunRecord> out;
  auto it = store_.NewIterator(Cf::kModels);
  // "r0" is the first key after every "r/..." key.
  it->SeekForPrev(rocksdb::Slice("r0"));
  for (; it->Valid() && it->key().starts_with(kRunPrefix) && out.size() < limit; it->Prev()) {
    if (it->key().compare(rocksdb::Slice("r0")) >= 0) continue;
    ASSIGN_OR_RETURN(RunRecord record, RunRecord::Parse(it->value().ToStringView()));
    if (!kind.empty() && record.kind != kind) continue;
    out.push_back(std::move(record));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing model runs"));
  return out;
}

Result<RunRecord> RunStore::LatestDone(std::string_view kind) const {
  auto it = store_.NewIterator(Cf::kModels);
  it->SeekForPrev(rocksdb::Slice("r0"));
  for (; it->Valid() && it->key().starts_with(kRunPrefix); it->Prev()) {
    if (it->key().compare(rocksdb::Slice("r0")) >= 0) continue;
    ASSIGN_OR_RETURN(RunRecord record, RunRecord::Parse(it->value().ToStringView()));
    if (record.kind == kind && record.status == "done") return record;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing model runs"));
  return Status::NotFound("no finished '" + std::string(kind) + "' run yet");
}

Status RunStore::PutArtifact(std::string_view id, std::string_view name, std::string_view content) {
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(FromRocks(batch.Put(store_.cf(Cf::kModels), ArtifactKey(id, name),
                                      rocksdb::Slice(content.data(), content.size())),
                            "staging run artifact"));
  return store_.Write(batch, /*sync=*/false);
}

Result<std::string> RunStore::GetArtifact(std::string_view id, std::string_view name) const {
  auto stored = store_.Get(Cf::kModels, ArtifactKey(id, name));
  if (!stored.ok() && stored.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("run '" + std::string(id) + "' has no " + std::string(name));
  }
  return stored;
}

}  // namespace mercato::scoring
