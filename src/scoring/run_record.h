#pragma once
// RunRecord and RunStore: what is kept about each model run, so runs can be listed and their
// results read after the fact (the CLI's output, GET /v1/analytics/runs/{id}).
//
// Stored format (models column family), version 1:
//   "r/" + run id -> {"v": 1, "id", "kind", "params": {effective parameters},
//                     "status": "running" | "done" | "failed", "startedUs", "finishedUs" (0 while
//                     running), "error": "<Code: message>" (failed only), "result": {summary}}
//   "a/" + run id + "/" + name -> an artifact of the run as text (cohorts: "csv", "svg")
// Run ids are "run_" + 16 lowercase hex digits of the start time in micros (bumped by one micro
// while taken), so key order is start order and listing newest first is a reverse scan.
//
// Thread safety: safe from any thread (RocksDB is); NewId is not atomic with Put, so callers that
// start runs concurrently must serialise (the runs module allows one run at a time anyway).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace mercato::scoring {

struct RunRecord {
  std::string id;
  std::string kind;
  boost::json::object params;
  std::string status = "running";
  int64_t started_us = 0;
  int64_t finished_us = 0;
  std::string error;
  boost::json::value result;  // null until done

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 record.
  static Result<RunRecord> Parse(std::string_view stored);
  // The API document: {"id", "kind", "params", "status", "startedAt", "finishedAt" (ISO | null),
  // "error" (null unless failed), "result" (null until done)}.
  boost::json::object ToApi() const;
};

class RunStore {
 public:
  explicit RunStore(Store& store) : store_(store) {}

  // A fresh run id for a run starting at `now_us`.
  Result<std::string> NewId(int64_t now_us) const;
  // Writes (creates or replaces) the record, synced.
  Status Put(const RunRecord& record);
  // NotFound for an unknown id.
  Result<RunRecord> Get(std::string_view id) const;
  // Up to `limit` records, newest first; only of `kind` when it is not empty.
  Result<std::vector<RunRecord>> List(size_t limit, std::string_view kind = {}) const;
  // The newest record of `kind` with status "done"; NotFound when there is none.
  Result<RunRecord> LatestDone(std::string_view kind) const;

  Status PutArtifact(std::string_view id, std::string_view name, std::string_view content);
  // NotFound when the run has no such artifact.
  Result<std::string> GetArtifact(std::string_view id, std::string_view name) const;

 private:
  Store& store_;
};

}  // namespace mercato::scoring
