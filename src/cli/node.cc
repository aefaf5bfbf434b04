#include "cli/node.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/logging.h"
#include "privacy/master_key.h"
#include "privacy/retention.h"

namespace mercato::cli {
namespace {

Result<DlpPolicy> LoadPolicy(const std::string& path) {
  if (path.empty()) return DlpPolicy();
  std::ifstream in(path);
  if (!in) return Status::NotFound("privacy policy file " + path + " not found");
  std::stringstream text;
  text << in.rdbuf();
  auto policy = DlpPolicy::FromJson(text.str());
  if (!policy.ok()) return Status::InvalidArgument(path + ": " + policy.status().message());
  return policy;
}

}  // namespace

Result<Node> OpenNode(const std::string& data_dir, const EventLogOptions& log_options,
                      const PrivacyFlags& privacy, const Clock& clock, MetricsRegistry* metrics) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IoError("cannot create " + data_dir + ": " + ec.message());
  ASSIGN_OR_RETURN(ResolvedMasterKey master, ResolveMasterKey(privacy.master_key_file, data_dir));
  if (master.origin.ends_with("(created)")) {
    LOG(WARNING) << "created a master key in " << master.origin
                 << "; keep production master keys outside the data directory "
                    "(--master-key-file or MERCATO_MASTER_KEY)";
  }
  ASSIGN_OR_RETURN(DlpPolicy policy, LoadPolicy(privacy.policy_file));
  ASSIGN_OR_RETURN(RetentionPolicy retention, RetentionPolicy::Parse(privacy.retention));

  StoreOptions store_options;
  store_options.path = data_dir;
  store_options.clock = &clock;
  store_options.dedupe_window_us = log_options.dedupe_window_us;
  store_options.event_expired = MakeEventExpiryFn(std::move(retention), clock);
  Node node;
  ASSIGN_OR_RETURN(node.store, Store::Open(store_options));
  ASSIGN_OR_RETURN(node.vault, KeyVault::Open(*node.store, std::move(master.key)));
  node.filter = std::make_unique<PrivacyFilter>(*node.vault, std::move(policy), metrics);
  ASSIGN_OR_RETURN(node.log, EventLog::Open(*node.store, log_options, clock, metrics));
  return node;
}

Result<Node> OpenStartedNode(const std::string& data_dir, uint32_t partitions,
                             const PrivacyFlags& privacy, const Clock& clock) {
  EventLogOptions log_options;
  log_options.partitions = partitions;
  ASSIGN_OR_RETURN(Node node, OpenNode(data_dir, log_options, privacy, clock, nullptr));
  node.log->Start();
  return node;
}

Result<ReadOnlyNode> OpenReadOnlyNode(const std::string& data_dir, const PrivacyFlags& privacy) {
  StoreOptions store_options;
  store_options.path = data_dir;
  store_options.read_only = true;
  ReadOnlyNode node;
  ASSIGN_OR_RETURN(node.store, Store::Open(store_options));
  // Read-only: never create a master key here (there would be nothing it could decrypt).
  std::string key_file = privacy.master_key_file;
  if (key_file.empty()) key_file = (std::filesystem::path(data_dir) / "master.key").string();
  ASSIGN_OR_RETURN(ResolvedMasterKey master, ResolveMasterKey(key_file, data_dir));
  ASSIGN_OR_RETURN(node.vault, KeyVault::Open(*node.store, std::move(master.key)));
  return node;
}

}  // namespace mercato::cli
