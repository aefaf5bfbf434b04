#include "importer/import_sink.h"

#include <algorithm>

#include "event/parser.h"

namespace mercato::importer {
namespace {

constexpr auto kProgressInterval = std::chrono::milliseconds(100);

}  // namespace

ImportSink::ImportSink(const ImportOptions& options, EventLog& log, ImportReport& report,
                       uint64_t bytes_total)
    : options_(options),
      log_(log),
      bytes_total_(bytes_total),
      report_(report),
      last_progress_(std::chrono::steady_clock::now()) {
  batch_.reserve(options.batch_size);
}

Result<Event> ImportSink::Normalize(boost::json::object object,
                                    const std::string& message_id) const {
  if (!message_id.empty()) object["messageId"] = message_id;
  return NormalizeEvent(std::move(object), std::nullopt, options_.clock->NowMicros(),
                        options_.limits, {}, options_.transform);
}

Status ImportSink::Add(Event event) {
  // Copy the routing key before the move: it views the event's own strings.
  std::string routing_key(event.RoutingKey());
  batch_.push_back(AppendItem{std::move(routing_key), std::move(event.message_id),
                              event.received_at_us, std::move(event.payload)});
  if (batch_.size() >= options_.batch_size) return AppendBatch();
  return Status::Ok();
}

Status ImportSink::AppendBatch() {
  if (batch_.empty()) return Status::Ok();
  std::vector<AppendItem> items;
  items.swap(batch_);
  batch_.reserve(options_.batch_size);
  auto appended = log_.Append(std::move(items));
  if (!appended.ok()) return appended.status();
  report_.events_appended += appended->appended;
  report_.duplicates += appended->duplicates;
  return Status::Ok();
}

void ImportSink::AddBadRow(uint64_t line, std::string reason) {
  ++report_.bad_rows;
  if (report_.bad_row_samples.size() < kMaxBadRowSamples) {
    report_.bad_row_samples.push_back(BadRow{line, std::move(reason)});
  }
}

void ImportSink::Progress(uint64_t bytes_done) {
  // Reading the clock for every row would cost more than the check saves; every 64th row is enough.
  if (!options_.on_progress || (++progress_calls_ & 63) != 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_progress_ < kProgressInterval) return;
  last_progress_ = now;
  options_.on_progress(std::min(bytes_done, bytes_total_), bytes_total_);
}

Status ImportSink::Finish() {
  RETURN_IF_ERROR(AppendBatch());
  std::stable_sort(report_.bad_row_samples.begin(), report_.bad_row_samples.end(),
                   [](const BadRow& a, const BadRow& b) { return a.line < b.line; });
  if (options_.on_progress) options_.on_progress(bytes_total_, bytes_total_);
  return Status::Ok();
}

}  // namespace mercato::importer
