#include "importer/importer.h"

#include <algorithm>

#include "importer/formats.h"
#include "importer/import_sink.h"
#include "importer/line_reader.h"

namespace mercato {

Result<ImportFormat> ParseImportFormat(std::string_view name) {
  for (ImportFormat format : {ImportFormat::kSegmentJsonl, ImportFormat::kOnlineRetail,
                              ImportFormat::kRetailRocket, ImportFormat::kCdnow}) {
    if (name == ImportFormatName(format)) return format;
  }
  return Status::InvalidArgument("unknown import format '" + std::string(name.substr(0, 64)) +
                                 "'; expected jsonl, online-retail, retailrocket or cdnow");
}

std::string_view ImportFormatName(ImportFormat format) {
  switch (format) {
    case ImportFormat::kSegmentJsonl:
      return "jsonl";
    case ImportFormat::kOnlineRetail:
      return "online-retail";
    case ImportFormat::kRetailRocket:
      return "retailrocket";
    case ImportFormat::kCdnow:
      return "cdnow";
  }
  return "unknown";
}

IngestLimits DefaultImportLimits() {
  IngestLimits limits;
  limits.max_event_bytes = 1 << 20;
  return limits;
}

Result<ImportReport> ImportFile(const ImportOptions& options, EventLog& log) {
  if (options.batch_size == 0 || options.batch_size > 100'000) {
    return Status::InvalidArgument("batch_size must be between 1 and 100,000");
  }
  if (options.clock == nullptr) return Status::InvalidArgument("clock must not be null");
  // A line can hold one whole event; allow generous room around the event limit.
  const size_t max_line_bytes = std::max<size_t>(options.limits.max_event_bytes * 2, 1 << 20);
  ASSIGN_OR_RETURN(auto lines, importer::LineReader::Open(options.path, max_line_bytes));
  ImportReport report;
  importer::ImportSink sink(options, log, report, lines->file_size());
  switch (options.format) {
    case ImportFormat::kSegmentJsonl:
      RETURN_IF_ERROR(importer::ImportSegmentJsonl(*lines, sink));
      break;
    case ImportFormat::kOnlineRetail:
      RETURN_IF_ERROR(importer::ImportOnlineRetail(*lines, sink));
      break;
    case ImportFormat::kRetailRocket:
      RETURN_IF_ERROR(importer::ImportRetailRocket(*lines, sink));
      break;
    case ImportFormat::kCdnow:
      RETURN_IF_ERROR(importer::ImportCdnow(*lines, sink));
      break;
  }
  RETURN_IF_ERROR(sink.Finish());
  return report;
}

}  // namespace mercato
