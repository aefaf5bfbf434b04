// `mercato import`: appends a file's events to the log of a data directory, then builds profiles.

#include <cstdio>

#include "cli/commands.h"
#include "cli/node.h"
#include "cli/process_profiles.h"
#include "importer/importer.h"
#include "importer/progress_bar.h"

namespace mercato::cli {

int RunImport(const ImportOptions& options) {
  auto fail = [](const Status& status) {
    std::fprintf(stderr, "mercato import: %s\n", status.ToString().c_str());
    return 1;
  };
  auto format = ParseImportFormat(options.format);
  if (!format.ok()) return fail(format.status());
  const Clock& clock = SystemClock::Instance();
  auto node = OpenStartedNode(options.data_dir, options.partitions, options.privacy, clock);
  if (!node.ok()) return fail(node.status());

  ProgressBar bar;
  ::mercato::ImportOptions import_options;
  import_options.format = *format;
  import_options.path = options.path;
  import_options.clock = &clock;
  import_options.transform = node->filter->AsTransform();
  if (options.progress) {
    import_options.on_progress = [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
  }
  auto report = ImportFile(import_options, *node->log);
  bar.Finish();
  node->log->Stop();
  if (!report.ok()) return fail(report.status());
  std::printf("rows read: %llu, events stored: %llu, duplicates skipped: %llu, bad rows: %llu\n",
              static_cast<unsigned long long>(report->rows_read),
              static_cast<unsigned long long>(report->events_appended),
              static_cast<unsigned long long>(report->duplicates),
              static_cast<unsigned long long>(report->bad_rows));
  for (const auto& bad : report->bad_row_samples) {
    std::printf("  line %llu: %s\n", static_cast<unsigned long long>(bad.line), bad.reason.c_str());
  }
  if (report->bad_rows > report->bad_row_samples.size()) {
    std::printf("  ... and %llu more bad rows\n",
                static_cast<unsigned long long>(report->bad_rows - report->bad_row_samples.size()));
  }
  if (!options.process) return 0;
  return ProcessProfilesAndReport(*node, clock, "mercato import");
}

}  // namespace mercato::cli
