#pragma once
// ImportSink: what every format reader hands its results to. It normalises events, appends them to
// the log in batches, keeps the report (rows, bad rows, counts) and throttles progress callbacks.
// Thread safety: none; one import runs on one thread.

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "importer/importer.h"
#include "storage/event_log.h"

namespace mercato::importer {

class ImportSink {
 public:
  ImportSink(const ImportOptions& options, EventLog& log, ImportReport& report,
             uint64_t bytes_total);

  // Sets "messageId" (unless `message_id` is empty: the object's own is kept) and normalises the
  // object as received now (options.clock). On failure the Status message is the parser's reason,
  // ready for a BadRow.
  Result<Event> Normalize(boost::json::object object, const std::string& message_id) const;
  const IngestLimits& limits() const { return options_.limits; }

  // Queues a normalised event; appends the batch when it is full. Returns the log's error.
  Status Add(Event event);

  void CountRow() { ++report_.rows_read; }
  void AddBadRow(uint64_t line, std::string reason);

  // Reports `bytes_done` to options.on_progress if ~100 ms passed since the last report.
  void Progress(uint64_t bytes_done);

  // Appends what is still queued, orders the bad-row samples by line and reports final progress.
  Status Finish();

 private:
  Status AppendBatch();

  // const after construction
  const ImportOptions& options_;
  EventLog& log_;
  const uint64_t bytes_total_;

  ImportReport& report_;
  std::vector<AppendItem> batch_;
  std::chrono::steady_clock::time_point last_progress_;
  uint32_t progress_calls_ = 0;
};

}  // namespace mercato::importer
