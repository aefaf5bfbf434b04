#pragma once
// Opening one node's state: the RocksDB store, the key vault (with the master key), the privacy
// filter every event goes through before it is stored, and the event log.

#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "privacy/key_vault.h"
#include "privacy/privacy_filter.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::cli {

struct Node {
  std::unique_ptr<Store> store;
  std::unique_ptr<KeyVault> vault;
  std::unique_ptr<PrivacyFilter> filter;
  std::unique_ptr<EventLog> log;  // declared after store: destroyed first
};

// Creates data_dir if needed, resolves the master key (privacy/master_key.h), loads the DLP policy
// and retention rules, and opens the store, the vault and the log (not started). `metrics` may be
// null.
Result<Node> OpenNode(const std::string& data_dir, const EventLogOptions& log_options,
                      const PrivacyFlags& privacy, const Clock& clock, MetricsRegistry* metrics);

// OpenNode with default log options and the given partition count (0 = as stored), log started:
// what the offline commands (import, generate) append through.
Result<Node> OpenStartedNode(const std::string& data_dir, uint32_t partitions,
                             const PrivacyFlags& privacy, const Clock& clock);

// The store (read-only: usable while a server runs on the directory) and its vault, for commands
// that only read.
struct ReadOnlyNode {
  std::unique_ptr<Store> store;
  std::unique_ptr<KeyVault> vault;
};
Result<ReadOnlyNode> OpenReadOnlyNode(const std::string& data_dir, const PrivacyFlags& privacy);

}  // namespace mercato::cli
