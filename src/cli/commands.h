#pragma once
// The `mercato` subcommands. main.cc parses flags (CLI11) into these option structs; each command
// returns the process exit code. This folder is the composition root: the only place that builds
// concrete stores, logs, consumers and servers and wires them together.

#include <cstdint>
#include <string>
#include <vector>

namespace mercato::cli {

struct ServeOptions {
  std::string data_dir = "mercato-data";
  std::string listen = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 0;  // 0 = number of cores
  std::string sync = "batch";
  uint32_t partitions = 0;  // 0 = as stored, 8 for a new store
  std::vector<std::string> write_keys, read_keys, admin_keys;
  std::string keys_file;
  size_t max_connections = 4096;
  int64_t dedupe_window_hours = 24;
  int64_t header_timeout_ms = 30'000;
  int64_t body_timeout_ms = 30'000;
  bool profiles = true;  // run the profile consumer
};
int RunServe(const ServeOptions& options);

struct ImportOptions {
  std::string data_dir = "mercato-data";
  std::string format;
  std::string path;
  uint32_t partitions = 0;  // 0 = as stored, 8 for a new store
  bool process = true;      // build profiles after importing
  bool progress = true;
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
};
int RunGenerate(const GenerateOptions& options);

struct ProfileOptions {
  std::string data_dir = "mercato-data";
  std::string id;
  bool events = false;
  size_t limit = 20;
};
int RunProfile(const ProfileOptions& options);

}  // namespace mercato::cli
