#pragma once
// The readers of each import format (internal to the importer; ImportFile dispatches to them).
// Each reads the whole file from `lines` and hands events, rows and bad rows to `sink`. A non-ok
// Status is fatal for the import: a read error, a header that does not match the format, or an
// append error from the log. Field mappings are in importer/README.md.

#include "core/status.h"
#include "importer/import_sink.h"
#include "importer/line_reader.h"

namespace mercato::importer {

Status ImportSegmentJsonl(LineReader& lines, ImportSink& sink);
Status ImportOnlineRetail(LineReader& lines, ImportSink& sink);
Status ImportRetailRocket(LineReader& lines, ImportSink& sink);
Status ImportCdnow(LineReader& lines, ImportSink& sink);

// Message ids of imported rows: "<prefix>-<line>-<16 hex digits of Hash64(content)>", stable across
// re-imports of the same file and distinct for different rows.
std::string ImportMessageId(std::string_view prefix, uint64_t line, std::string_view content);

}  // namespace mercato::importer
