#include "cli/node.h"

#include <filesystem>

namespace mercato::cli {

Result<Node> OpenNode(const std::string& data_dir, const EventLogOptions& log_options,
                      const Clock& clock, MetricsRegistry* metrics) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IoError("cannot create " + data_dir + ": " + ec.message());
  StoreOptions store_options;
  store_options.path = data_dir;
  store_options.clock = &clock;
  store_options.dedupe_window_us = log_options.dedupe_window_us;
  Node node;
  ASSIGN_OR_RETURN(node.store, Store::Open(store_options));
  ASSIGN_OR_RETURN(node.log, EventLog::Open(*node.store, log_options, clock, metrics));
  return node;
}

Result<Node> OpenStartedNode(const std::string& data_dir, uint32_t partitions, const Clock& clock) {
  EventLogOptions log_options;
  log_options.partitions = partitions;
  ASSIGN_OR_RETURN(Node node, OpenNode(data_dir, log_options, clock, nullptr));
  node.log->Start();
  return node;
}

}  // namespace mercato::cli
