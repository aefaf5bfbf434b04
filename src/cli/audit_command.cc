// `mercato audit verify|export`: checks the audit log's chain, or prints its entries for a SIEM.
// Both only read the log, so they work while a server appends to it.

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "core/time_format.h"
#include "privacy/audit_log.h"

namespace mercato::cli {
namespace {

std::string Where(const AuditVerifyReport& report) {
  if (report.first_bad_line == 0) return "audit.head";
  return "line " + std::to_string(report.first_bad_line);
}

std::string Hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return {};
  return name;
}

int Verify(const std::string& path) {
  auto report = VerifyAuditLog(path);
  if (!report.ok()) {
    std::fprintf(stderr, "mercato audit verify: %s\n", report.status().ToString().c_str());
    return 1;
  }
  if (!report->ok() && !report->unacknowledged_tail()) {
    std::fprintf(stderr, "mercato audit verify: %s: %s: %s\n", path.c_str(), Where(*report).c_str(),
                 report->problem.c_str());
    return 1;
  }
  std::printf("%s: %llu entries verified, head %s\n", path.c_str(),
              static_cast<unsigned long long>(report->entries), report->head_hash.c_str());
  if (report->unacknowledged_tail()) {
    std::fprintf(stderr,
                 "mercato audit verify: note: %s: the last line is incomplete and was never "
                 "acknowledged (being written, or cut by a crash); it is not counted\n",
                 Where(*report).c_str());
  }
  if (report->anchor_seq < 0) {
    std::fprintf(stderr,
                 "mercato audit verify: warning: no head anchor (audit.head) next to the log, so "
                 "lines removed from its end cannot be detected\n");
  }
  return 0;
}

int Export(const std::string& path, const AuditOptions& options) {
  int64_t since = INT64_MIN;
  if (!options.since.empty()) {
    auto parsed = ParseTimestamp(options.since);
    if (!parsed.ok()) {
      std::fprintf(stderr, "mercato audit export: --since: %s\n",
                   parsed.status().message().c_str());
      return 2;
    }
    since = *parsed;
  }
  const bool syslog = options.format == "syslog";
  const std::string hostname = syslog ? Hostname() : std::string();
  std::string out;
  auto report = ScanAuditLog(path, [&](const AuditLineView& line) {
    if (line.time_micros < since) return;
    out.assign(syslog ? AuditSyslogLine(line, hostname) : std::string(line.text));
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "mercato audit export: cannot write to stdout\n");
    return 1;
  }
  if (!report.ok()) {
    std::fprintf(stderr, "mercato audit export: %s\n", report.status().ToString().c_str());
    return 1;
  }
  if (!report->ok() && !report->unacknowledged_tail()) {
    std::fprintf(stderr,
                 "mercato audit export: %s: %s: %s (only the %llu entries before it are "
                 "verified and exported)\n",
                 path.c_str(), Where(*report).c_str(), report->problem.c_str(),
                 static_cast<unsigned long long>(report->entries));
    return 1;
  }
  return 0;
}

}  // namespace

int RunAudit(const AuditOptions& options) {
  std::string path =
      options.file.empty()
          ? (std::filesystem::path(options.data_dir) / "audit" / "audit.log").string()
          : options.file;
  if (options.action == "verify") return Verify(path);
  return Export(path, options);
}

}  // namespace mercato::cli
