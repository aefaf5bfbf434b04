#include "recserve/model_versions.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cinttypes>
#include <cstdio>

namespace mercato::recserve {
namespace {

namespace json = boost::json;

constexpr std::string_view kRecordPrefix = "m/v/";
constexpr std::string_view kDataPrefix = "m/d/";
constexpr std::string_view kCurrentKey = "m/current";
constexpr size_t kChunkBytes = 4 << 20;

std::string RecordKey(std::string_view id) { return std::string(kRecordPrefix) + std::string(id); }

std::string PartPrefix(std::string_view id, std::string_view part) {
  return std::string(kDataPrefix) + std::string(id) + "/" + std::string(part) + "/";
}

std::string ChunkKey(std::string_view id, std::string_view part, size_t chunk) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%06zu", chunk);
  return PartPrefix(id, part) + digits;
}

bool ValidId(std::string_view id) {
  if (id.size() != 20 || !id.starts_with("rec_")) return false;
  for (char c : id.substr(4)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string ModelVersion::id() const {
  const json::value* version = record.if_contains("version");
  return version != nullptr && version->is_string() ? std::string(version->get_string())
                                                    : std::string();
}

Result<std::string> ModelVersionStore::NewId(int64_t now_us) const {
  for (int64_t micros = now_us;; ++micros) {
    char id[32];
    std::snprintf(id, sizeof(id), "rec_%016" PRIx64, static_cast<uint64_t>(micros));
    auto existing = store_.Get(Cf::kModels, RecordKey(id));
    if (existing.status().code() == StatusCode::kNotFound) return std::string(id);
    if (!existing.ok()) return existing.status();
  }
}

Status ModelVersionStore::Put(const ModelVersion& version) {
  const std::string id = version.id();
  if (!ValidId(id)) return Status::InvalidArgument("bad model version id '" + id + "'");
  rocksdb::WriteBatch batch;
  json::object record = version.record;
  json::object parts;
  for (const auto& [name, bytes] : version.parts) {
    size_t chunks = 0;
    for (size_t at = 0; at < bytes.size() || chunks == 0; at += kChunkBytes, ++chunks) {
      const std::string_view chunk = std::string_view(bytes).substr(at, kChunkBytes);
      batch.Put(store_.cf(Cf::kModels), ChunkKey(id, name, chunks), chunk);
    }
    parts[name] = chunks;
  }
  record["parts"] = std::move(parts);
  batch.Put(store_.cf(Cf::kModels), RecordKey(id), json::serialize(record));
  batch.Put(store_.cf(Cf::kModels), kCurrentKey, id);
  return store_.Write(batch, /*sync=*/true);
}

Result<ModelVersion> ModelVersionStore::Load(std::string_view id, bool with_parts) const {
  auto stored = store_.Get(Cf::kModels, RecordKey(id));
  if (stored.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no model version " + std::string(id));
  }
  if (!stored.ok()) return stored.status();
  boost::system::error_code ec;
  json::value record = json::parse(*stored, ec);
  if (ec || !record.is_object()) {
    return Status::Corruption("model version " + std::string(id) + ": unreadable record");
  }
  ModelVersion version;
  version.record = std::move(record.get_object());
  if (!with_parts) return version;
  const json::value* parts = version.record.if_contains("parts");
  if (parts == nullptr || !parts->is_object()) {
    return Status::Corruption("model version " + std::string(id) + ": no parts");
  }
  for (const auto& [name, count] : parts->get_object()) {
    if (!count.is_int64() || count.get_int64() < 1) {
      return Status::Corruption("model version " + std::string(id) + ": bad chunk count");
    }
    std::string& bytes = version.parts[std::string(name)];
    for (int64_t chunk = 0; chunk < count.get_int64(); ++chunk) {
      auto piece = store_.Get(Cf::kModels, ChunkKey(id, name, static_cast<size_t>(chunk)));
      if (piece.status().code() == StatusCode::kNotFound) {
        return Status::Corruption("model version " + std::string(id) + ": part " +
                                  std::string(name) + " is missing a chunk");
      }
      if (!piece.ok()) return piece.status();
      bytes += *piece;
    }
  }
  return version;
}

Result<ModelVersion> ModelVersionStore::Current() const {
  auto current = store_.Get(Cf::kModels, kCurrentKey);
  if (current.status().code() == StatusCode::kNotFound)
    return Status::NotFound("no model version was trained");
  if (!current.ok()) return current.status();
  return Load(*current, /*with_parts=*/true);
}

Result<ModelVersion> ModelVersionStore::Get(std::string_view id) const {
  if (!ValidId(id)) return Status::NotFound("no model version " + std::string(id));
  return Load(id, /*with_parts=*/true);
}

Result<json::object> ModelVersionStore::Record(std::string_view id) const {
  if (!ValidId(id)) return Status::NotFound("no model version " + std::string(id));
  ASSIGN_OR_RETURN(ModelVersion version, Load(id, /*with_parts=*/false));
  return std::move(version.record);
}

Result<std::vector<json::object>> ModelVersionStore::List() const {
  std::vector<json::object> out;
  std::unique_ptr<rocksdb::Iterator> it = store_.NewIterator(Cf::kModels);
  for (it->Seek(kRecordPrefix); it->Valid() && it->key().starts_with(kRecordPrefix); it->Next()) {
    boost::system::error_code ec;
    json::value record = json::parse(it->value().ToStringView(), ec);
    if (ec || !record.is_object()) {
      return Status::Corruption("unreadable model version record " + it->key().ToString());
    }
    out.push_back(std::move(record.get_object()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing model versions"));
  std::reverse(out.begin(), out.end());
  return out;
}

Status ModelVersionStore::DeleteVersion(std::string_view id, rocksdb::WriteBatch& batch) const {
  batch.Delete(store_.cf(Cf::kModels), RecordKey(id));
  const std::string prefix = std::string(kDataPrefix) + std::string(id) + "/";
  std::string end = prefix;
  end.back() = static_cast<char>('/' + 1);
  batch.DeleteRange(store_.cf(Cf::kModels), prefix, end);
  return Status::Ok();
}

Result<size_t> ModelVersionStore::Prune(size_t keep) {
  auto current = store_.Get(Cf::kModels, kCurrentKey);
  if (!current.ok() && current.status().code() != StatusCode::kNotFound) return current.status();
  ASSIGN_OR_RETURN(std::vector<json::object> records, List());
  rocksdb::WriteBatch batch;
  size_t deleted = 0;
  for (size_t i = keep; i < records.size(); ++i) {
    const json::value* id = records[i].if_contains("version");
    if (id == nullptr || !id->is_string()) continue;
    if (current.ok() && id->get_string() == *current) continue;
    RETURN_IF_ERROR(DeleteVersion(id->get_string(), batch));
    ++deleted;
  }
  if (deleted == 0) return deleted;
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  return deleted;
}

Result<size_t> ModelVersionStore::DeleteAllBut(std::string_view except) {
  ASSIGN_OR_RETURN(std::vector<json::object> records, List());
  rocksdb::WriteBatch batch;
  size_t deleted = 0;
  for (const json::object& record : records) {
    const json::value* id = record.if_contains("version");
    if (id == nullptr || !id->is_string() || id->get_string() == except) continue;
    RETURN_IF_ERROR(DeleteVersion(id->get_string(), batch));
    ++deleted;
  }
  if (except.empty()) batch.Delete(store_.cf(Cf::kModels), kCurrentKey);
  if (deleted == 0 && !except.empty()) return deleted;
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  return deleted;
}

}  // namespace mercato::recserve
