// mercato: one binary for every role. See `mercato --help`.

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace {

// --master-key-file for every command that reads a data directory; the ingest-side policy flags for
// those that store events.
void AddPrivacyFlags(CLI::App* command, mercato::cli::PrivacyFlags& flags, bool stores_events) {
  command->add_option("--master-key-file", flags.master_key_file,
                      "File with the 32-byte master key (hex); default: $MERCATO_MASTER_KEY, else "
                      "<data-dir>/master.key (created on first use)");
  if (!stores_events) return;
  command->add_option("--privacy-policy", flags.policy_file,
                      "DLP policy JSON file (docs/privacy.md); default: built-in policy");
  command->add_option("--retention", flags.retention,
                      "Retention per event type, e.g. \"page=30d,track:Product Viewed=90d,*=730d\" "
                      "(default: keep forever)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mercato::cli;
  CLI::App app{"mercato: self-hosted marketing automation for e-commerce"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mercato 0.1.0");

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the engine: HTTP API, log, consumers");
  serve_cmd->add_option("--data-dir", serve.data_dir, "RocksDB directory")->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "TCP port (0 picks a free one)")
      ->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "HTTP threads (0 = cores)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--sync", serve.sync,
                   "When a 2xx is sent: batch = after a shared fsync (default), always = one fsync "
                   "per request, none = never fsync (benchmarks only: acknowledged events can be "
                   "lost on power failure)")
      ->check(CLI::IsMember({"batch", "always", "none"}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--partitions", serve.partitions,
                   "Log partitions, fixed at creation (0 = as stored, 8 for a new store)")
      ->capture_default_str();
  serve_cmd->add_option("--write-key", serve.write_keys,
                        "A write key (repeatable; held in memory only, source flag-write-N)");
  serve_cmd->add_option("--read-key", serve.read_keys, "A read key (repeatable)");
  serve_cmd->add_option("--admin-key", serve.admin_keys, "An admin key (repeatable)");
  serve_cmd
      ->add_option("--smtp-url", serve.smtp_url,
                   "SMTP server for journey e-mails (smtp://host:port, smtps:// for TLS)")
      ->capture_default_str();
  serve_cmd->add_option("--mail-from", serve.mail_from, "From address of journey e-mails")
      ->capture_default_str();
  serve_cmd->add_option("--public-url", serve.public_url,
                        "Base URL customers reach this node at (one-click unsubscribe links)");
  serve_cmd
      ->add_option("--log-format", serve.log_format,
                   "Log lines as text or json (one object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  serve_cmd->add_flag("--access-log", serve.access_log,
                      "Log one record per request: request id, method, route, status, time, bytes");
  serve_cmd->add_option("--kafka-brokers", serve.kafka.brokers,
                        "Cluster mode: Kafka bootstrap servers (host:port,...); events go to the "
                        "topic and this node processes the partitions its group assigns it");
  serve_cmd->add_option("--kafka-topic", serve.kafka.topic, "Cluster mode: the events topic")
      ->capture_default_str();
  serve_cmd
      ->add_option("--kafka-group", serve.kafka.group,
                   "Cluster mode: the consumer group all nodes of one cluster join")
      ->capture_default_str();
  serve_cmd->add_option("--advertise-host", serve.advertise_host,
                        "Cluster mode: the host name or address other nodes reach this node at "
                        "(default: --listen, or the host name when listening on every address)");
  serve_cmd->add_option("--kafka-property", serve.kafka.properties,
                        "Cluster mode: a librdkafka property name=value (repeatable; e.g. "
                        "security.protocol=ssl)");
  serve_cmd
      ->add_option("--ui-dir", serve.ui_dir,
                   "The built dashboard served at /ui/ (`make web` builds web/dist)")
      ->envname("MERCATO_UI_DIR")
      ->capture_default_str();
  serve_cmd->add_option("--backup-dir", serve.backup_dir,
                        "Directory for backups made with POST /v1/admin/backups (outside the data "
                        "directory)");
  serve_cmd
      ->add_option("--delivery-attempts", serve.delivery_attempts,
                   "Attempts per message before it is dead-lettered (1-100)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--delivery-backoff-ms", serve.delivery_backoff_ms,
                   "First retry delay; it doubles per attempt, capped at an hour")
      ->capture_default_str();
  serve_cmd
      ->add_option("--smtp-timeout-ms", serve.smtp_timeout_ms,
                   "Time one SMTP conversation may take (100-600000)")
      ->capture_default_str();
  serve_cmd->add_option("--webhook", serve.webhooks,
                        "A webhook or chat receiver NAME=URL that journeys name (repeatable)");
  serve_cmd->add_option("--audience-url", serve.audience_url,
                        "Receiver of ad-audience additions and removals (hashed identifiers)");
  serve_cmd->add_option("--push-url", serve.push_url, "FCM-shaped push endpoint");
  serve_cmd->add_option("--endpoint-secret-file", serve.endpoint_secret_file,
                        "File with the key that signs webhook, chat and audience requests "
                        "(X-Mercato-Signature); required with --webhook or --audience-url");
  serve_cmd->add_option("--push-token-file", serve.push_token_file,
                        "File with the push endpoint's bearer token");
  serve_cmd
      ->add_option("--rate-limit-key", serve.rate_limit_key,
                   "Requests per second RATE[:BURST] per API key (0 = no limit)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--rate-limit-ip", serve.rate_limit_ip,
                   "Requests per second RATE[:BURST] per client address (0 = no limit)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--inflight-ingest", serve.inflight_ingest,
                   "Ingestion requests in flight; more get 503 (0 = no limit)")
      ->capture_default_str();
  serve_cmd->add_option("--inflight-query", serve.inflight_query, "Query requests in flight")
      ->capture_default_str();
  serve_cmd
      ->add_option("--inflight-admin", serve.inflight_admin,
                   "Admin requests (keys, exports, erasure) in flight")
      ->capture_default_str();
  serve_cmd
      ->add_option("--inflight-ops", serve.inflight_ops,
                   "Health, readiness and metrics requests in flight")
      ->capture_default_str();
  serve_cmd->add_option("--max-connections", serve.max_connections, "Open connection limit")
      ->capture_default_str();
  serve_cmd
      ->add_option("--dedupe-window-hours", serve.dedupe_window_hours,
                   "A messageId seen within this window is stored once")
      ->capture_default_str();
  serve_cmd
      ->add_option("--header-timeout-ms", serve.header_timeout_ms,
                   "Time allowed for a request's headers, keep-alive idle time included")
      ->capture_default_str();
  serve_cmd->add_option("--body-timeout-ms", serve.body_timeout_ms, "Time allowed for a body")
      ->capture_default_str();
  serve_cmd
      ->add_option("--write-timeout-ms", serve.write_timeout_ms,
                   "Time allowed for a client to take a whole response")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections-per-ip", serve.max_connections_per_ip,
                   "Open connections from one client address; more get 503 (0 = no cap)")
      ->capture_default_str();
  auto* tls_cert = serve_cmd->add_option("--tls-cert", serve.tls_cert,
                                         "PEM certificate (chain) file: serve HTTPS only");
  auto* tls_key = serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key file");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  serve_cmd->add_flag("!--no-profiles", serve.profiles, "Do not run the profile consumer");
  serve_cmd
      ->add_option("--weather", serve.weather,
                   "Weather for recommendation context: none, fixed:<condition>:<celsius> or "
                   "open-meteo:<base url>")
      ->capture_default_str();
  AddPrivacyFlags(serve_cmd, serve.privacy, true);

  ImportOptions import;
  auto* import_cmd = app.add_subcommand("import", "Import a file into the log and build profiles");
  import_cmd->add_option("--data-dir", import.data_dir, "RocksDB directory")->capture_default_str();
  import_cmd->add_option("--format", import.format, "jsonl | online-retail | retailrocket | cdnow")
      ->required()
      ->check(CLI::IsMember({"jsonl", "online-retail", "retailrocket", "cdnow"}));
  import_cmd->add_option("file", import.path, "File to import")->required();
  import_cmd
      ->add_option("--partitions", import.partitions,
                   "Log partitions for a new store (0 = as stored, else 8)")
      ->capture_default_str();
  import_cmd->add_flag("!--no-process", import.process, "Only append to the log");
  import_cmd->add_flag("!--no-progress", import.progress, "No progress bar");
  AddPrivacyFlags(import_cmd, import.privacy, true);

  GenerateOptions generate;
  auto* generate_cmd =
      app.add_subcommand("generate", "Generate a deterministic synthetic shop's events");
  auto* gen_dir = generate_cmd->add_option("--data-dir", generate.data_dir,
                                           "Append to this store and build profiles");
  auto* gen_out = generate_cmd->add_option("--out", generate.out, "Write Segment JSONL here");
  gen_dir->excludes(gen_out);
  generate_cmd->add_option("--seed", generate.seed, "Random seed")->capture_default_str();
  generate_cmd->add_option("--customers", generate.customers, "Customers")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  generate_cmd->add_option("--products", generate.products, "Products")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  generate_cmd->add_option("--days", generate.days, "Days of activity")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  generate_cmd
      ->add_option("--partitions", generate.partitions,
                   "Log partitions for a new store (0 = as stored, else 8)")
      ->capture_default_str();
  AddPrivacyFlags(generate_cmd, generate.privacy, true);

  ProfileOptions profile;
  auto* profile_cmd = app.add_subcommand(
      "profile", "Print a customer's profile (by userId, anonymousId, e-mail or customer id)");
  profile_cmd->add_option("--data-dir", profile.data_dir, "RocksDB directory")
      ->capture_default_str();
  profile_cmd->add_option("id", profile.id, "Customer identifier")->required();
  profile_cmd->add_flag("--events", profile.events, "Print the customer's events instead");
  profile_cmd->add_option("--limit", profile.limit, "Events to print")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  AddPrivacyFlags(profile_cmd, profile.privacy, false);

  KeysOptions keys;
  auto* keys_cmd =
      app.add_subcommand("keys", "Manage API keys in a data directory while no server runs on it");
  keys_cmd->require_subcommand(1);
  auto* keys_list = keys_cmd->add_subcommand("list", "List keys (never their secrets)");
  auto* keys_create = keys_cmd->add_subcommand("create", "Create a key and print its secret once");
  keys_create->add_option("--name", keys.name, "Human-readable name")->required();
  keys_create->add_option("--scope", keys.scopes, "write, read, admin or feedback (repeatable)")
      ->required()
      ->check(CLI::IsMember({"write", "read", "admin", "feedback"}));
  keys_create->add_option("--source", keys.source, "Source of a write key's events (required)");
  keys_create->add_option("--origin", keys.origins,
                          "Allowed CORS origin, e.g. https://shop.example or * (repeatable)");
  keys_create->add_option("--expires-at", keys.expires_at, "ISO-8601 expiry time");
  auto* keys_rotate =
      keys_cmd->add_subcommand("rotate", "Issue a new secret; the old one works for a grace time");
  keys_rotate->add_option("id", keys.id, "Key id")->required();
  keys_rotate
      ->add_option("--grace-seconds", keys.grace_seconds,
                   "How long the old secret keeps working (0 = stops now)")
      ->capture_default_str();
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke a key at once");
  keys_revoke->add_option("id", keys.id, "Key id")->required();
  for (auto* command : {keys_list, keys_create, keys_rotate, keys_revoke}) {
    command->add_option("--data-dir", keys.data_dir, "RocksDB directory")->capture_default_str();
  }

  BackupOptions backup;
  auto* backup_cmd = app.add_subcommand(
      "backup", "Back up a stopped node's data directory (a running node: POST /v1/admin/backups)");
  backup_cmd->add_option("--data-dir", backup.data_dir, "Data directory")->capture_default_str();
  backup_cmd->add_option("--out", backup.out, "The backup directory to create (must not exist)")
      ->required();
  RestoreOptions restore;
  auto* restore_cmd =
      app.add_subcommand("restore", "Verify a backup and copy it into a new, empty data directory");
  restore_cmd->add_option("--from", restore.from, "A backup directory")->required();
  auto* restore_dir = restore_cmd->add_option(
      "--data-dir", restore.data_dir, "The data directory to create (must be new or empty)");
  restore_cmd
      ->add_flag("--verify-only", restore.verify_only, "Only check the backup against its manifest")
      ->excludes(restore_dir);
  AuditOptions audit;
  auto* audit_cmd = app.add_subcommand("audit", "Verify or export the audit log");
  audit_cmd->require_subcommand(1);
  auto* audit_verify = audit_cmd->add_subcommand(
      "verify", "Check the audit log's hash chain and head anchor (exit 1 on the first bad line)");
  auto* audit_verify_dir = audit_verify->add_option("--data-dir", audit.data_dir, "Data directory")
                               ->capture_default_str();
  audit_verify->add_option("--file", audit.file, "An audit log file to check instead")
      ->excludes(audit_verify_dir);
  auto* audit_export =
      audit_cmd->add_subcommand("export", "Print the audit log's entries to stdout (for a SIEM)");
  audit_export->add_option("--data-dir", audit.data_dir, "Data directory")->capture_default_str();
  audit_export->add_option("--since", audit.since, "Only entries at or after this ISO-8601 time");
  audit_export->add_option("--format", audit.format, "jsonl | syslog (RFC 5424 lines)")
      ->check(CLI::IsMember({"jsonl", "syslog"}))
      ->capture_default_str();

  AnalyzeOptions analyze;
  auto* analyze_cmd = app.add_subcommand(
      "analyze", "Run a model over the stored customers and write their predictions");
  analyze_cmd->add_option("kind", analyze.kind, "rfm | cluster | cohorts | predict")
      ->required()
      ->check(CLI::IsMember({"rfm", "cluster", "cohorts", "predict"}));
  analyze_cmd->add_option("--data-dir", analyze.data_dir, "RocksDB directory")
      ->capture_default_str();
  analyze_cmd->add_option("--as-of", analyze.as_of, "Reference time, ISO-8601 (default: now)");
  analyze_cmd->add_option("--param", analyze.params,
                          "Run parameter NAME=VALUE, e.g. k=5 (repeatable; docs/analytics.md)");
  analyze_cmd->add_flag("--json", analyze.json, "Print the run record as JSON");
  analyze_cmd->add_option("--csv", analyze.csv_file, "cohorts: write the table as CSV here");
  analyze_cmd->add_option("--svg", analyze.svg_file, "cohorts: write the SVG heatmap here");
  analyze_cmd->add_flag("!--no-progress", analyze.progress, "No progress bar");
  AddPrivacyFlags(analyze_cmd, analyze.privacy, false);

  SegmentOptions segment;
  auto* segment_cmd = app.add_subcommand(
      "segment", "Manage segments in a data directory while no server runs on it");
  segment_cmd->require_subcommand(1);
  auto* segment_list = segment_cmd->add_subcommand("list", "List segments (JSON, one per line)");
  auto* segment_show = segment_cmd->add_subcommand("show", "Print one segment");
  auto* segment_create =
      segment_cmd->add_subcommand("create", "Create a segment and evaluate it over every profile");
  auto* segment_update = segment_cmd->add_subcommand(
      "update", "Change a segment's name, description or rule (a new rule is evaluated again)");
  auto* segment_delete =
      segment_cmd->add_subcommand("delete", "Delete a segment and its memberships");
  auto* segment_members = segment_cmd->add_subcommand("members", "Print a page of members");
  auto* segment_history = segment_cmd->add_subcommand("history", "Print the size history");
  auto* segment_preview =
      segment_cmd->add_subcommand("preview", "Evaluate a rule without saving it");
  for (auto* command :
       {segment_show, segment_update, segment_delete, segment_members, segment_history}) {
    command->add_option("id", segment.id, "Segment id")->required();
  }
  segment_create->add_option("--id", segment.id, "Segment id (default: from the name)");
  for (auto* command : {segment_create, segment_update}) {
    command->add_option("--name", segment.name, "Display name");
    command->add_option("--description", segment.description, "Description");
    command->add_option("--rule", segment.rule, "Rule (docs/segments.md)");
  }
  segment_preview->add_option("rule", segment.rule, "Rule (docs/segments.md)")->required();
  segment_preview->add_option("--sample", segment.sample, "Matching customer ids to print")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  segment_members->add_option("--limit", segment.limit, "Members to print")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  segment_members->add_option("--cursor", segment.cursor, "Continue after this customer id");
  std::vector<CLI::App*> segment_commands{segment_list,    segment_show,   segment_create,
                                          segment_update,  segment_delete, segment_members,
                                          segment_history, segment_preview};
  for (auto* command : segment_commands) {
    command->add_option("--data-dir", segment.data_dir, "RocksDB directory")->capture_default_str();
    command->add_flag("!--no-progress", segment.progress, "No progress bar");
    AddPrivacyFlags(command, segment.privacy, false);
  }

  RecommendEvalOptions recommend;
  auto* recommend_cmd =
      app.add_subcommand("recommend", "Next-item recommendation models (docs/recommendations.md)");
  recommend_cmd->require_subcommand(1);
  auto* recommend_eval = recommend_cmd->add_subcommand(
      "eval", "Train and evaluate models on a public data set in its original format");
  recommend_eval
      ->add_option("--dataset", recommend.dataset,
                   "srgnn | retailrocket | retailrocket-sample | diginetica | online-retail")
      ->required()
      ->check(CLI::IsMember(
          {"srgnn", "retailrocket", "retailrocket-sample", "diginetica", "online-retail"}));
  recommend_eval->add_option("--path", recommend.path,
                             "Data file (directory for srgnn); default: under $MERCATO_DATA_DIR");
  recommend_eval
      ->add_option("--models", recommend.models,
                   "Comma-separated: pop, iknn, sr, sknn, vsknn, stan, vstan, gru4rec")
      ->capture_default_str();
  recommend_eval->add_option("--blend", recommend.blends,
                             "Also evaluate a blend, e.g. vstan:1,gru4rec:0.5 (repeatable; members "
                             "are trained once per fold)");
  recommend_eval->add_flag("--tune", recommend.tune,
                           "Search session-kNN parameters on a validation split of each fold");
  recommend_eval->add_flag(
      "--on-validation", recommend.on_validation,
      "Evaluate on the newest tenth of each fold's training data instead of its test data");
  recommend_eval->add_option("--cutoffs", recommend.cutoffs, "List lengths k")
      ->capture_default_str();
  recommend_eval
      ->add_option("--slices", recommend.slices,
                   "Sliding time windows (session-rec; RetailRocket: 5); 0 = one split")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  recommend_eval->add_option("--train-days", recommend.train_days, "Training days per slice")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  recommend_eval->add_option("--test-days", recommend.test_days, "Test days (per slice)")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  recommend_eval->add_option("--threads", recommend.threads, "Evaluation threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  recommend_eval
      ->add_option("--gru-minutes", recommend.gru_minutes, "gru4rec: training time budget per fold")
      ->check(CLI::Range(0.01, 1440.0))
      ->capture_default_str();
  recommend_eval->add_option("--gru-epochs", recommend.gru_epochs, "gru4rec: epochs at most")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  recommend_eval->add_flag("--json", recommend.json, "One JSON object per fold and model");
  recommend_eval->add_flag("!--no-progress", recommend.progress, "No progress bar");

  RecommendTrainOptions recommend_train_options;
  auto* recommend_train = recommend_cmd->add_subcommand(
      "train", "Train the shop's models from the stored events and make them current");
  recommend_train->add_option("--data-dir", recommend_train_options.data_dir, "RocksDB directory")
      ->capture_default_str();
  recommend_train->add_flag("--neural", recommend_train_options.neural,
                            "Also train GRU4Rec (needs the trainer plugin; minutes)");
  recommend_train
      ->add_option("--gru-epochs", recommend_train_options.gru_epochs, "gru4rec: epochs at most")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  recommend_train
      ->add_option("--gru-minutes", recommend_train_options.gru_minutes,
                   "gru4rec: time budget per training")
      ->check(CLI::Range(0.01, 1440.0))
      ->capture_default_str();
  recommend_train
      ->add_option("--validation", recommend_train_options.validation,
                   "Newest share of sessions held out to choose the default strategy")
      ->check(CLI::Range(0.0, 0.5))
      ->capture_default_str();
  recommend_train->add_option("--threads", recommend_train_options.threads, "Evaluation threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  recommend_train->add_flag("--json", recommend_train_options.json,
                            "Print the stored version's record as JSON");
  AddPrivacyFlags(recommend_train, recommend_train_options.privacy, false);

  CatalogOptions catalog_options;
  auto* catalog_cmd = app.add_subcommand("catalog", "The product catalog (docs/api.md, Catalog)");
  catalog_cmd->require_subcommand(1);
  auto* catalog_import =
      catalog_cmd->add_subcommand("import", "Import items from a CSV file (all rows or none)");
  catalog_import->add_option("--file", catalog_options.file, "CSV file with a header row")
      ->required();
  auto* catalog_get = catalog_cmd->add_subcommand("get", "Print one item as JSON");
  catalog_get->add_option("id", catalog_options.id, "Item id")->required();
  for (auto* command : {catalog_import, catalog_get}) {
    command->add_option("--data-dir", catalog_options.data_dir, "RocksDB directory")
        ->capture_default_str();
    AddPrivacyFlags(command, catalog_options.privacy, false);
  }

  JourneyOptions journey_options;
  auto* journey_cmd = app.add_subcommand("journey", "Journey definitions (docs/journeys.md)");
  journey_cmd->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::string>> journey_actions;
  for (const char* action : {"validate", "create", "update"}) {
    auto* command = journey_cmd->add_subcommand(
        action, std::string(action) == "validate"
                    ? "Check a definition file; print its canonical form or every error"
                    : (std::string(action) == "create" ? "Store a new journey as a draft"
                                                       : "Store a new version of a journey"));
    command->add_option("file", journey_options.file, "JSON definition")->required();
    journey_actions.emplace_back(command, action);
  }
  journey_actions.emplace_back(journey_cmd->add_subcommand("list", "One line per journey"), "list");
  for (const char* action : {"show", "activate", "pause"}) {
    auto* command = journey_cmd->add_subcommand(
        action, std::string(action) == "show"       ? "Print a stored definition"
                : std::string(action) == "activate" ? "Start entering customers"
                                                    : "Stop entering customers");
    command->add_option("id", journey_options.id, "Journey id")->required();
    if (std::string(action) == "show") {
      command->add_option("--version", journey_options.version, "Version (default: current)");
    }
    journey_actions.emplace_back(command, action);
  }
  for (auto& [command, action] : journey_actions) {
    if (action == "validate") continue;
    command->add_option("--data-dir", journey_options.data_dir, "RocksDB directory")
        ->capture_default_str();
    AddPrivacyFlags(command, journey_options.privacy, false);
  }

  CLI11_PARSE(app, argc, argv);
  for (auto& [command, action] : journey_actions) {
    if (command->parsed()) {
      journey_options.action = action;
      return RunJourney(journey_options);
    }
  }
  if (catalog_import->parsed() || catalog_get->parsed()) {
    catalog_options.action = catalog_import->parsed() ? "import" : "get";
    return RunCatalog(catalog_options);
  }
  if (recommend_eval->parsed()) return RunRecommendEval(recommend);
  if (recommend_train->parsed()) return RunRecommendTrain(recommend_train_options);
  if (serve_cmd->parsed()) return RunServe(serve);
  if (import_cmd->parsed()) return RunImport(import);
  if (generate_cmd->parsed()) {
    if (generate.data_dir.empty() && generate.out.empty()) {
      std::fprintf(stderr, "generate: give --data-dir or --out\n");
      return 2;
    }
    return RunGenerate(generate);
  }
  if (profile_cmd->parsed()) return RunProfile(profile);
  if (analyze_cmd->parsed()) return RunAnalyze(analyze);
  if (keys_cmd->parsed()) {
    for (auto* command : {keys_list, keys_create, keys_rotate, keys_revoke}) {
      if (command->parsed()) keys.action = command->get_name();
    }
    return RunKeys(keys);
  }
  if (segment_cmd->parsed()) {
    for (auto* command : segment_commands) {
      if (command->parsed()) segment.action = command->get_name();
    }
    for (auto* command : {segment_create, segment_update}) {
      if (!command->parsed()) continue;
      segment.has_name = command->count("--name") > 0;
      segment.has_description = command->count("--description") > 0;
      segment.has_rule = command->count("--rule") > 0;
    }
    return RunSegment(segment);
  }
  if (backup_cmd->parsed()) return RunBackup(backup);
  if (restore_cmd->parsed()) {
    if (!restore.verify_only && restore.data_dir.empty()) {
      std::fprintf(stderr, "mercato restore: --data-dir is required (or --verify-only)\n");
      return 2;
    }
    return RunRestore(restore);
  }
  if (audit_cmd->parsed()) {
    audit.action = audit_verify->parsed() ? "verify" : "export";
    return RunAudit(audit);
  }
  return 2;
}
