#pragma once
// ModelVersionStore: trained recommendation model versions in the models column family, so a
// restarted server serves the version it served before (docs/formats/keys.md):
//
//   "m/v/" + version          -> the version's record JSON: {"v": 1, "version", "createdAt",
//                                "strategy" (the default), "metrics": {strategy: {...}},
//                                "sessions", "items", "customers", "parts": {name: chunks},
//                                "erasures"}
//   "m/d/" + version + "/" + part + "/" + chunk (6 digits) -> up to 4 MiB of a part's bytes
//   "m/current"               -> the version being served
//
// Parts are the training data ("data", recserve/training_data.h) and, when trained, the neural
// model ("gru4rec", recommend/neural/gru4rec.h); each carries its own checksum. Version ids are
// "rec_" + 16 lowercase hex digits of the creation time in micros, so key order is age order.
//
// Put writes a version's record, its parts and the current pointer in one synced WriteBatch: a
// crash leaves either the old or the new version current, never half of one.
//
// Thread safety: safe from any thread (RocksDB is); callers serialise Put and Prune.

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace mercato::recserve {

struct ModelVersion {
  boost::json::object record;                // as stored (see above)
  std::map<std::string, std::string> parts;  // part name -> bytes
  std::string id() const;
};

class ModelVersionStore {
 public:
  explicit ModelVersionStore(Store& store) : store_(store) {}

  // A fresh version id for `now_us` (bumped by one micro while taken).
  Result<std::string> NewId(int64_t now_us) const;
  // Stores `version` (record["version"] must be set) and makes it current.
  Status Put(const ModelVersion& version);
  // The current version with its parts; NotFound when none was ever stored.
  Result<ModelVersion> Current() const;
  // One version; NotFound when unknown.
  Result<ModelVersion> Get(std::string_view id) const;
  // One version's record without its parts; NotFound when unknown.
  Result<boost::json::object> Record(std::string_view id) const;
  // Records of every stored version, newest first (parts not loaded).
  Result<std::vector<boost::json::object>> List() const;
  // Deletes every version but the newest `keep` and the current one; returns how many went.
  Result<size_t> Prune(size_t keep);
  // Deletes every stored version of recommendation models whose id is not `except` (erasure:
  // older versions hold the erased customer's sessions); an empty `except` deletes every version
  // and the current pointer. Returns how many versions went.
  Result<size_t> DeleteAllBut(std::string_view except);

 private:
  Result<ModelVersion> Load(std::string_view id, bool with_parts) const;
  Status DeleteVersion(std::string_view id, rocksdb::WriteBatch& batch) const;

  Store& store_;
};

}  // namespace mercato::recserve
