#include "journey/journey_store.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "core/big_endian.h"

namespace mercato::journey {
namespace {

namespace json = boost::json;

constexpr std::string_view kRecordPrefix = "d/";
constexpr std::string_view kVersionPrefix = "v/";

std::string RecordKey(std::string_view id) { return std::string(kRecordPrefix) + std::string(id); }

std::string VersionKey(std::string_view id, uint64_t version) {
  std::string key = std::string(kVersionPrefix) + std::string(id) + "/";
  PutFixed64BE(key, version);
  return key;
}

Status UnknownJourney(std::string_view id) {
  return Status::NotFound("no journey '" + std::string(id.substr(0, 64)) + "'");
}

}  // namespace

std::string_view JourneyStatusName(JourneyStatus status) {
  switch (status) {
    case JourneyStatus::kDraft:
      return "draft";
    case JourneyStatus::kActive:
      return "active";
    case JourneyStatus::kPaused:
      return "paused";
  }
  return "draft";
}

std::string JourneyRecord::Serialize() const {
  return json::serialize(json::object{{"v", 1},
                                      {"id", id},
                                      {"name", name},
                                      {"status", JourneyStatusName(status)},
                                      {"version", version},
                                      {"createdAt", created_at_us},
                                      {"updatedAt", updated_at_us},
                                      {"activatedAt", activated_at_us}});
}

Result<JourneyRecord> JourneyRecord::Parse(std::string_view stored) {
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const json::object* object = ec ? nullptr : root.if_object();
  auto corrupt = [] {
    return Status::Corruption("a stored journey record is not a version-1 record");
  };
  if (object == nullptr) return corrupt();
  const json::value* v = object->if_contains("v");
  const json::value* id = object->if_contains("id");
  const json::value* name = object->if_contains("name");
  const json::value* status = object->if_contains("status");
  const json::value* version = object->if_contains("version");
  if (v == nullptr || !v->is_int64() || v->get_int64() != 1 || id == nullptr || !id->is_string() ||
      name == nullptr || !name->is_string() || status == nullptr || !status->is_string() ||
      version == nullptr || !version->is_number()) {
    return corrupt();
  }
  JourneyRecord record;
  record.id = std::string(id->get_string());
  record.name = std::string(name->get_string());
  const std::string_view status_text = status->get_string();
  if (status_text == "active") {
    record.status = JourneyStatus::kActive;
  } else if (status_text == "paused") {
    record.status = JourneyStatus::kPaused;
  } else if (status_text != "draft") {
    return corrupt();
  }
  boost::system::error_code number_ec;
  record.version = version->to_number<uint64_t>(number_ec);
  if (number_ec || record.version == 0) return corrupt();
  auto time = [&](std::string_view key) {
    const json::value* value = object->if_contains(key);
    return value != nullptr && value->is_int64() ? value->get_int64() : int64_t{0};
  };
  record.created_at_us = time("createdAt");
  record.updated_at_us = time("updatedAt");
  record.activated_at_us = time("activatedAt");
  return record;
}

std::string JourneyReplica::Serialize() const {
  json::array list;
  for (const std::string& version : versions) list.emplace_back(version);
  boost::system::error_code ec;
  return json::serialize(
      json::object{{"record", json::parse(record.Serialize(), ec)}, {"versions", std::move(list)}});
}

Result<JourneyReplica> JourneyReplica::Parse(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  const json::object* object = ec ? nullptr : root.if_object();
  const json::value* record = object == nullptr ? nullptr : object->if_contains("record");
  const json::value* versions = object == nullptr ? nullptr : object->if_contains("versions");
  if (record == nullptr || !record->is_object() || versions == nullptr || !versions->is_array()) {
    return Status::InvalidArgument("a journey replica is an object with 'record' and 'versions'");
  }
  JourneyReplica replica;
  auto parsed = JourneyRecord::Parse(json::serialize(*record));
  if (!parsed.ok()) return Status::InvalidArgument(parsed.status().message());
  replica.record = std::move(*parsed);
  if (versions->get_array().size() != replica.record.version) {
    return Status::InvalidArgument("journey '" + replica.record.id + "' is at version " +
                                   std::to_string(replica.record.version) +
                                   " but the replica has " +
                                   std::to_string(versions->get_array().size()) + " versions");
  }
  for (const json::value& version : versions->get_array()) {
    if (!version.is_string()) {
      return Status::InvalidArgument("a journey replica's versions are strings");
    }
    std::string definition(version.get_string());
    auto checked = ParseJourney(definition);
    if (!checked.ok() || checked->id != replica.record.id) {
      return Status::InvalidArgument("version " + std::to_string(replica.versions.size() + 1) +
                                     " of journey '" + replica.record.id + "' " +
                                     (checked.ok()
                                          ? "names another journey"
                                          : "does not parse: " + checked.status().message()));
    }
    replica.versions.push_back(std::move(definition));
  }
  return replica;
}

Result<JourneyRecord> JourneyStore::ReadRecord(std::string_view id) const {
  auto stored = store_.Get(Cf::kJourneys, RecordKey(id));
  if (stored.status().code() == StatusCode::kNotFound) return UnknownJourney(id);
  if (!stored.ok()) return stored.status();
  return JourneyRecord::Parse(*stored);
}

Status JourneyStore::WriteRecord(const JourneyRecord& record, const std::string* definition_json) {
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kJourneys), RecordKey(record.id), record.Serialize());
  if (definition_json != nullptr) {
    batch.Put(store_.cf(Cf::kJourneys), VersionKey(record.id, record.version), *definition_json);
  }
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  generation_.fetch_add(1, std::memory_order_release);
  return Status::Ok();
}

Result<JourneyRecord> JourneyStore::Create(const JourneyDefinition& definition) {
  std::lock_guard lock(write_mu_);
  auto existing = ReadRecord(definition.id);
  if (existing.ok()) {
    return Status::AlreadyExists("journey '" + definition.id + "' exists; PUT a new version");
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  JourneyRecord record;
  record.id = definition.id;
  record.name = definition.name;
  record.created_at_us = record.updated_at_us = clock_.NowMicros();
  const std::string canonical = definition.ToJson();
  RETURN_IF_ERROR(WriteRecord(record, &canonical));
  return record;
}

Result<JourneyRecord> JourneyStore::Update(std::string_view id,
                                           const JourneyDefinition& definition) {
  if (definition.id != id) {
    return Status::InvalidArgument("the definition's id '" + definition.id +
                                   "' is not the journey's id '" + std::string(id.substr(0, 64)) +
                                   "'");
  }
  std::lock_guard lock(write_mu_);
  ASSIGN_OR_RETURN(JourneyRecord record, ReadRecord(id));
  const std::string canonical = definition.ToJson();
  auto current = store_.Get(Cf::kJourneys, VersionKey(id, record.version));
  if (!current.ok() && current.status().code() != StatusCode::kNotFound) return current.status();
  if (current.ok() && *current == canonical) return record;
  record.version += 1;
  record.name = definition.name;
  record.updated_at_us = clock_.NowMicros();
  RETURN_IF_ERROR(WriteRecord(record, &canonical));
  return record;
}

Result<StoredJourney> JourneyStore::Get(std::string_view id, uint64_t version) const {
  StoredJourney out;
  ASSIGN_OR_RETURN(out.record, ReadRecord(id));
  out.definition_version = version == 0 ? out.record.version : version;
  auto stored = store_.Get(Cf::kJourneys, VersionKey(id, out.definition_version));
  if (stored.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("journey '" + std::string(id.substr(0, 64)) + "' has no version " +
                            std::to_string(out.definition_version));
  }
  if (!stored.ok()) return stored.status();
  auto definition = ParseJourney(*stored);
  if (!definition.ok()) {
    return Status::Corruption("stored version " + std::to_string(out.definition_version) +
                              " of journey '" + out.record.id +
                              "' no longer parses: " + definition.status().message());
  }
  out.definition = std::move(*definition);
  return out;
}

Result<std::vector<JourneyRecord>> JourneyStore::List() const {
  std::vector<JourneyRecord> out;
  std::unique_ptr<rocksdb::Iterator> it = store_.NewIterator(Cf::kJourneys);
  for (it->Seek(rocksdb::Slice(kRecordPrefix.data(), kRecordPrefix.size()));
       it->Valid() &&
       it->key().starts_with(rocksdb::Slice(kRecordPrefix.data(), kRecordPrefix.size()));
       it->Next()) {
    ASSIGN_OR_RETURN(JourneyRecord record, JourneyRecord::Parse(it->value().ToStringView()));
    out.push_back(std::move(record));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "listing journeys");
  return out;
}

Result<JourneyRecord> JourneyStore::Activate(std::string_view id, const ReferenceCheck& check) {
  std::lock_guard lock(write_mu_);
  ASSIGN_OR_RETURN(JourneyRecord record, ReadRecord(id));
  if (record.status == JourneyStatus::kActive) return record;
  if (check) {
    ASSIGN_OR_RETURN(StoredJourney current, Get(id));
    RETURN_IF_ERROR(check(current.definition));
  }
  const int64_t now = clock_.NowMicros();
  record.status = JourneyStatus::kActive;
  record.updated_at_us = now;
  if (record.activated_at_us == 0) record.activated_at_us = now;
  RETURN_IF_ERROR(WriteRecord(record, nullptr));
  return record;
}

Result<JourneyRecord> JourneyStore::Pause(std::string_view id) {
  std::lock_guard lock(write_mu_);
  ASSIGN_OR_RETURN(JourneyRecord record, ReadRecord(id));
  if (record.status != JourneyStatus::kActive) {
    return Status::FailedPrecondition("journey '" + record.id + "' is " +
                                      std::string(JourneyStatusName(record.status)) +
                                      ", not active");
  }
  record.status = JourneyStatus::kPaused;
  record.updated_at_us = clock_.NowMicros();
  RETURN_IF_ERROR(WriteRecord(record, nullptr));
  return record;
}

Status JourneyStore::Delete(std::string_view id) {
  std::lock_guard lock(write_mu_);
  ASSIGN_OR_RETURN(JourneyRecord record, ReadRecord(id));
  if (record.activated_at_us != 0) {
    return Status::FailedPrecondition("journey '" + record.id +
                                      "' has been active; pause it instead, so the versions its "
                                      "customers entered with stay readable");
  }
  return EraseLocked(record);
}

Status JourneyStore::EraseLocked(const JourneyRecord& record) {
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(Cf::kJourneys), RecordKey(record.id));
  for (uint64_t version = 1; version <= record.version; ++version) {
    batch.Delete(store_.cf(Cf::kJourneys), VersionKey(record.id, version));
  }
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  generation_.fetch_add(1, std::memory_order_release);
  return Status::Ok();
}

Result<JourneyReplica> JourneyStore::Export(std::string_view id) const {
  JourneyReplica replica;
  ASSIGN_OR_RETURN(replica.record, ReadRecord(id));
  for (uint64_t version = 1; version <= replica.record.version; ++version) {
    auto stored = store_.Get(Cf::kJourneys, VersionKey(id, version));
    if (!stored.ok()) {
      return stored.status().code() == StatusCode::kNotFound
                 ? Status::Corruption("journey '" + replica.record.id + "' lacks its version " +
                                      std::to_string(version))
                 : stored.status();
    }
    replica.versions.push_back(std::move(*stored));
  }
  return replica;
}

Status JourneyStore::Import(const JourneyReplica& replica) {
  const JourneyRecord& record = replica.record;
  if (record.id.empty() || replica.versions.size() != record.version) {
    return Status::InvalidArgument("journey replica '" + record.id + "' is inconsistent: version " +
                                   std::to_string(record.version) + " with " +
                                   std::to_string(replica.versions.size()) + " definitions");
  }
  std::lock_guard lock(write_mu_);
  auto existing = Export(record.id);
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  if (existing.ok() && existing->record.Serialize() == record.Serialize() &&
      existing->versions == replica.versions) {
    return Status::Ok();
  }
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kJourneys), RecordKey(record.id), record.Serialize());
  for (uint64_t version = 1; version <= record.version; ++version) {
    batch.Put(store_.cf(Cf::kJourneys), VersionKey(record.id, version),
              replica.versions[version - 1]);
  }
  if (existing.ok()) {
    for (uint64_t version = record.version + 1; version <= existing->record.version; ++version) {
      batch.Delete(store_.cf(Cf::kJourneys), VersionKey(record.id, version));
    }
  }
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  generation_.fetch_add(1, std::memory_order_release);
  return Status::Ok();
}

Status JourneyStore::Remove(std::string_view id) {
  std::lock_guard lock(write_mu_);
  auto record = ReadRecord(id);
  if (record.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!record.ok()) return record.status();
  return EraseLocked(*record);
}

}  // namespace mercato::journey
