#pragma once
// The `mercato` subcommands. main.cc parses flags (CLI11) into these option structs; each command
// returns the process exit code. This folder is the composition root: the only place that builds
// concrete stores, logs, consumers and servers and wires them together.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mercato::cli {

// Flags every command that opens a data directory shares (docs/privacy.md).
struct PrivacyFlags {
  std::string master_key_file;  // empty: MERCATO_MASTER_KEY, else <data-dir>/master.key
  std::string policy_file;      // DLP policy JSON; empty: the built-in defaults
  std::string retention;        // retention rules, e.g. "page=30d,*=730d"; empty: keep forever
};

// Cluster mode (cli/cluster.h).
struct KafkaFlags {
  std::string brokers;  // empty: single-node mode
  std::string topic = "mercato.events";
  std::string group = "mercato";
  std::vector<std::string> properties;  // "name=value" librdkafka properties
  bool enabled() const { return !brokers.empty(); }
};

struct ServeOptions {
  std::string data_dir = "mercato-data";
  std::string listen = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 0;  // 0 = number of cores
  std::string sync = "batch";
  uint32_t partitions = 0;  // 0 = as stored, 8 for a new store
  // Keys given as flags: held hashed in memory only.
  std::vector<std::string> write_keys, read_keys, admin_keys;
  std::string rate_limit_key = "10000:20000";  // RATE[:BURST] requests/s per API key; "0" = off
  std::string rate_limit_ip = "2000:4000";     // the same per client address
  // Requests in flight per admission class (docs/access.md); 0 = no limit.
  size_t inflight_ingest = 4096, inflight_query = 256, inflight_admin = 8, inflight_ops = 64;
  size_t max_connections = 4096;
  int64_t dedupe_window_hours = 24;
  int64_t header_timeout_ms = 30'000;
  int64_t body_timeout_ms = 30'000;
  int64_t write_timeout_ms = 30'000;
  size_t max_connections_per_ip = 1024;  // 0 = no per-address cap
  // PEM files; both set = HTTPS only.
  std::string tls_cert, tls_key;
  bool profiles = true;  // run the profile consumer
  // Weather for recommendation context: "none", "fixed:<condition>:<celsius>" or
  // "open-meteo:<base url>" (weather/make_provider.h).
  std::string weather = "none";
  // Journey delivery: the SMTP server e-mails go to, and their From address.
  std::string smtp_url = "smtp://127.0.0.1:25";
  std::string mail_from = "shop@localhost";
  // Where customers reach this node (e.g. "https://mail.shop.example"): e-mails then carry a
  // one-click unsubscribe link to <public_url>/v1/unsubscribe. Empty: no link.
  std::string public_url;
  // The built dashboard served at /ui/ (server/api.h RegisterUiRoutes): --ui-dir, else
  // $MERCATO_UI_DIR, else the source tree's web/dist (MERCATO_DEFAULT_UI_DIR, set by CMake).
  std::string ui_dir = MERCATO_DEFAULT_UI_DIR;
  // Where POST /v1/admin/backups writes backups (pipeline/backup.h). Empty: the route refuses.
  std::string backup_dir;
  // The process log's format ("text" or "json", core/logging.h), and one record per request.
  std::string log_format = "text";
  bool access_log = false;
  // Delivery retries: attempts per message, the first backoff (doubling, capped at an hour), and
  // the time one SMTP conversation may take.
  uint32_t delivery_attempts = 6;
  int64_t delivery_backoff_ms = 30'000;
  int smtp_timeout_ms = 30'000;
  // HTTP channels of journeys: named webhook and chat receivers ("NAME=URL"), the ad-audience
  // receiver, the FCM-shaped push endpoint, the file holding the HMAC key that signs webhook,
  // chat and audience requests, and the file holding the push endpoint's bearer token.
  std::vector<std::string> webhooks;
  std::string audience_url;
  std::string push_url;
  std::string endpoint_secret_file;
  std::string push_token_file;
  PrivacyFlags privacy;
  KafkaFlags kafka;
  // Cluster mode: the host other nodes reach this one at (forwarded reads). Empty: --listen, or
  // the machine's host name when listening on every address.
  std::string advertise_host;
};
int RunServe(const ServeOptions& options);

struct ImportOptions {
  std::string data_dir = "mercato-data";
  std::string format;
  std::string path;
  uint32_t partitions = 0;  // 0 = as stored, 8 for a new store
  bool process = true;      // build profiles after importing
  bool progress = true;
  PrivacyFlags privacy;
};
int RunImport(const ImportOptions& options);

struct GenerateOptions {
  std::string data_dir;  // append to this store's log (and build profiles) ...
  std::string out;       // ... or write Segment JSONL here
  uint64_t seed = 42;
  int customers = 2000;
  int products = 300;
  int days = 120;
  uint32_t partitions = 0;  // 0 = as stored, 8 for a new store
  PrivacyFlags privacy;
};
int RunGenerate(const GenerateOptions& options);

struct ProfileOptions {
  std::string data_dir = "mercato-data";
  std::string id;
  bool events = false;
  size_t limit = 20;
  PrivacyFlags privacy;
};
int RunProfile(const ProfileOptions& options);

// `mercato keys list|create|rotate|revoke`: API keys of a stopped server's store.
struct KeysOptions {
  std::string data_dir = "mercato-data";
  std::string action;  // "list", "create", "rotate", "revoke"
  std::string id;      // rotate, revoke
  std::string name;    // create
  std::vector<std::string> scopes, origins;
  std::string source, expires_at;
  int64_t grace_seconds = 86'400;  // rotate
};
int RunKeys(const KeysOptions& options);

// `mercato audit verify|export`: checks or exports the audit log, <data-dir>/audit/audit.log
// (docs/formats/audit.md). verify exits 0 when the chain and head anchor verify, 1 naming the
// first bad line otherwise; export writes the verified lines to stdout.
struct AuditOptions {
  std::string action;  // "verify", "export"
  std::string data_dir = "mercato-data";
  std::string file;              // verify: this log file instead of the data directory's
  std::string since;             // export: ISO-8601; only entries at or after it
  std::string format = "jsonl";  // export: "jsonl" or "syslog" (RFC 5424)
};
int RunAudit(const AuditOptions& options);

// `mercato backup --data-dir D --out DIR`: a backup of a stopped node's data directory
// (pipeline/backup.h); a running node makes one through POST /v1/admin/backups.
struct BackupOptions {
  std::string data_dir = "mercato-data";
  std::string out;
};
int RunBackup(const BackupOptions& options);

// `mercato restore --from DIR --data-dir D [--verify-only]`: verifies a backup against its
// manifest and copies it into a new data directory, which it then opens.
struct RestoreOptions {
  std::string from;
  std::string data_dir;
  bool verify_only = false;
};
int RunRestore(const RestoreOptions& options);

// `mercato analyze rfm|cluster|cohorts|predict`: one model run over a stopped server's store
// (docs/analytics.md, "Model runs"); writes predictions and the run record, prints the result.
struct AnalyzeOptions {
  std::string data_dir = "mercato-data";
  std::string kind;                 // "rfm", "cluster", "cohorts", "predict"
  std::string as_of;                // ISO-8601; empty: now
  std::vector<std::string> params;  // "NAME=VALUE" run parameters (scoring/run_request.h)
  bool json = false;                // print the run record as JSON instead of a table
  bool progress = true;
  std::string csv_file, svg_file;  // cohorts: also write the CSV / SVG heatmap here
  PrivacyFlags privacy;
};
int RunAnalyze(const AnalyzeOptions& options);

// `mercato segment list|show|create|update|delete|members|history|preview` over a stopped
// server's store (docs/segments.md, "Command line"). create and update evaluate the segment over
// every profile before returning (with a progress bar); the output is the API's JSON.
struct SegmentOptions {
  std::string data_dir = "mercato-data";
  std::string action;
  std::string id;
  std::string name, description, rule;
  bool has_name = false, has_description = false, has_rule = false;
  size_t limit = 100;  // members
  std::string cursor;  // members
  size_t sample = 10;  // preview
  bool progress = true;
  PrivacyFlags privacy;
};
int RunSegment(const SegmentOptions& options);

// `mercato recommend eval`: trains and evaluates next-item models on a public data set in its
// original format (docs/recommendations.md) and prints one row per model, averaged over folds.
struct RecommendEvalOptions {
  std::string dataset;  // srgnn, retailrocket, retailrocket-sample, diginetica, online-retail
  std::string path;     // file (directory for srgnn); default under $MERCATO_DATA_DIR
  std::string models = "pop,iknn,sr,sknn,vsknn,stan,vstan";
  std::vector<std::string> blends;  // "MODEL:WEIGHT,...": also evaluate these blends
  bool tune = false;  // session-kNN parameters searched on a validation split of each fold
  // Evaluate on the validation split of each fold's training data instead of its test data (to
  // choose settings, such as blend weights, without looking at test data).
  bool on_validation = false;
  std::string cutoffs = "1,5,10,20";
  int slices = 0;  // 0: one split of the last test_days; else session-rec sliding windows
  int train_days = 25;
  int test_days = 7;
  std::size_t threads = 2;
  bool json = false;
  bool progress = true;
  double gru_minutes = 20;  // training budget of gru4rec per fold
  int gru_epochs = 10;
};
int RunRecommendEval(const RecommendEvalOptions& options);

// `mercato recommend train`: trains the shop's recommendation models from a data directory's
// stored events and stores them as the new current version (docs/recommendations.md,
// "Serving"). No server may run on the directory meanwhile.
struct RecommendTrainOptions {
  std::string data_dir = "mercato-data";
  bool neural = false;  // also train GRU4Rec (minutes)
  int gru_epochs = 10;
  double gru_minutes = 20;  // per GRU4Rec training (it is trained twice)
  double validation = 0.1;  // newest share of sessions held out to choose the default
  std::size_t threads = 2;
  bool json = false;  // print the version record as JSON
  PrivacyFlags privacy;
};
int RunRecommendTrain(const RecommendTrainOptions& options);

// `mercato catalog import --file F.csv` (catalog/catalog_csv.h: every row or none) and
// `mercato catalog get ID` over a stopped node's data directory.
struct CatalogOptions {
  std::string data_dir = "mercato-data";
  std::string action;  // "import" or "get"
  std::string file;    // import
  std::string id;      // get
  PrivacyFlags privacy;
};
int RunCatalog(const CatalogOptions& options);

struct JourneyOptions {
  std::string data_dir = "mercato-data";
  // "validate", "create", "update", "list", "show", "activate" or "pause"
  std::string action;
  std::string file;      // validate, create, update
  std::string id;        // show, activate, pause
  uint64_t version = 0;  // show: 0 = the current one
  PrivacyFlags privacy;
};
int RunJourney(const JourneyOptions& options);

}  // namespace mercato::cli
