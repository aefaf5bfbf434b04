#pragma once
// Opening one node's state: the RocksDB store and the event log on top of it.

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::cli {

struct Node {
  std::unique_ptr<Store> store;
  std::unique_ptr<EventLog> log;  // declared after store: destroyed first
};

// Creates data_dir if needed and opens the store and the log (not started).
Result<Node> OpenNode(const std::string& data_dir, const EventLogOptions& log_options,
                      const Clock& clock, MetricsRegistry* metrics);

// OpenNode with default log options and the given partition count (0 = as stored), log started:
// what the offline commands (import, generate) append through.
Result<Node> OpenStartedNode(const std::string& data_dir, uint32_t partitions, const Clock& clock);

}  // namespace mercato::cli
