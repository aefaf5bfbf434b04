// mercato: one binary for every role. See `mercato --help`.

#include <CLI/CLI.hpp>

#include "cli/commands.h"

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
  serve_cmd->add_option("--write-key", serve.write_keys, "A write key (repeatable)");
  serve_cmd->add_option("--read-key", serve.read_keys, "A read key (repeatable)");
  serve_cmd->add_option("--admin-key", serve.admin_keys, "An admin key (repeatable)");
  serve_cmd->add_option("--keys-file", serve.keys_file,
                        "JSON keys file; default <data-dir>/keys.json, created with fresh keys "
                        "when no key is given");
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
  serve_cmd->add_flag("!--no-profiles", serve.profiles, "Do not run the profile consumer");

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

  CLI11_PARSE(app, argc, argv);
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
  return 2;
}
