#pragma once
// Imports a file of historical events into the EventLog: Segment JSONL or one of the public
// e-commerce data sets (importer/README.md gives the field mapping of each format).
//
// Contract:
//  - A file that cannot be opened or read, or whose header shows it is not of the declared format,
//    is an error (Status); nothing more is appended after it.
//  - A bad row is never fatal: it is counted, reported with its 1-based line number and a reason,
//    and never half-stored (an Online Retail invoice with one bad row is not stored at all).
//  - Every event goes through NormalizeEvent, so what is stored is valid Segment.
//  - Message ids are derived from the file's content and line numbers, so importing the same file
//    again stores nothing twice -- within the log's dedupe window (24 h by default), which is
//    measured against receivedAt = options.clock at import time. Events keep their historical
//    time in "timestamp".
//  - Events are appended in batches of options.batch_size; an append error (disk, shutdown) is
//    returned and the batches appended before it stay (re-running the import completes it).
//
// Thread safety: ImportFile runs on the calling thread and blocks on the log; concurrent imports
// into one log are safe (the log serialises appends).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "event/parser.h"
#include "storage/event_log.h"

namespace mercato {

enum class ImportFormat { kSegmentJsonl, kOnlineRetail, kRetailRocket, kCdnow };

// "jsonl", "online-retail", "retailrocket", "cdnow"; InvalidArgument naming the accepted values.
Result<ImportFormat> ParseImportFormat(std::string_view name);
std::string_view ImportFormatName(ImportFormat format);

struct BadRow {
  uint64_t line = 0;  // 1-based line of the file where the row starts
  std::string reason;
};

struct ImportReport {
  uint64_t rows_read = 0;        // data rows (header and blank lines not counted)
  uint64_t events_appended = 0;  // new events stored in the log
  uint64_t duplicates = 0;       // events the log already had (same messageId)
  uint64_t bad_rows = 0;
  std::vector<BadRow> bad_row_samples;  // the first kMaxBadRowSamples bad rows, by line
};
inline constexpr size_t kMaxBadRowSamples = 100;

// The per-event limits of an import. One file row can legitimately be larger than what one HTTP
// event may be (an Online Retail invoice of 1,114 lines is 105 KB), so the event size limit is
// 1 MiB instead of the API's 32 KiB; the other limits are the API's.
IngestLimits DefaultImportLimits();

struct ImportOptions {
  ImportFormat format = ImportFormat::kSegmentJsonl;
  std::string path;
  size_t batch_size = 1000;                       // events per EventLog::Append
  const Clock* clock = &SystemClock::Instance();  // receivedAt of the imported events
  IngestLimits limits = DefaultImportLimits();
  // Called from the importing thread with the bytes of the file processed so far, at most every
  // ~100 ms and once at the end (bytes_done == bytes_total). May be empty.
  std::function<void(uint64_t bytes_done, uint64_t bytes_total)> on_progress;
  // Applied to each event as it is normalised (the privacy filter). May be empty.
  PayloadTransform transform;
};

// Reads options.path in options.format and appends its events to `log`. Returns the report, or:
// NotFound/IoError when the file cannot be opened or read; InvalidArgument for options out of
// range or a header that does not match the format; the log's error when an append fails.
Result<ImportReport> ImportFile(const ImportOptions& options, EventLog& log);

}  // namespace mercato
