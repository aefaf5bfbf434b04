#pragma once
// AuditLog: an append-only, hash-chained record of who did what to which customer — admin actions
// (keys, segments, journeys), reads of personal data (profiles, histories, exports) and erasures.
//
// Format (docs/formats/audit.md): one JSON object per line in <dir>/audit.log, fields in this
// order,
//   {"seq":n,"time":"<ISO-8601>","actor":"...","action":"...","customer":"..."|null,
//    "detail":{...},"prev":"<the previous line's hash; 64 zeros for the first line>",
//    "hash":"<hex SHA-256 of the line's bytes before ,\"hash\">"}
// seq starts at 1. Changing, inserting, reordering or removing a line breaks the chain, and
// VerifyAuditLog finds the first broken line. Removing lines from the end keeps the chain intact,
// so <dir>/audit.head (the "head anchor", {"seq":n,"hash":"..."}, replaced atomically after every
// record) says where the log must end; verification compares against it when it is present.
//
// Entries never hold personal data: customers are named by customer id only, and whatever the PII
// detectors (pii_detectors.h) find in an entry — e-mail, phone, card, IBAN, PESEL, IP address — is
// written as "[<kind>]" instead, with a warning in the process log (values of exactly 16 lowercase
// hex digits are customer ids and kept). A record is never lost for it.
//
// Durability: Record returns after the line and the anchor are fsynced, so an acknowledged action
// is never missing from the record. A crash can leave a torn last line (never acknowledged); Open
// cuts it off when the anchor shows it was never completed.
//
// Thread safety: Record and the accessors are safe from any thread (serialised under a mutex).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace mercato {

struct AuditEntry {
  std::string actor;     // "key:<key id>", "cli", "system"
  std::string action;    // dotted verb, e.g. "keys.create", "profile.read", "privacy.erasure.done"
  std::string customer;  // customer id, or empty
  std::string detail;    // a JSON object's text, or empty for {}
};

struct AuditVerifyReport {
  uint64_t entries = 0;         // lines verified before the first bad one
  std::string head_hash;        // hash of the last verified line (64 zeros when there is none)
  uint64_t valid_bytes = 0;     // bytes taken by the verified lines
  int64_t anchor_seq = -1;      // seq recorded in audit.head; -1 when there is no anchor
  int64_t first_bad_line = -1;  // 1-based line that breaks the chain; 0 when audit.head is bad
  std::string problem;          // what is wrong with it
  bool torn_tail = false;       // the only problem is a last line without its end of line
  bool ok() const { return first_bad_line < 0; }
  // A torn last line the anchor never recorded: a write in progress, or one a crash interrupted
  // before it was acknowledged. Not tampering; AuditLog::Open cuts it off.
  bool unacknowledged_tail() const {
    return torn_tail && (anchor_seq < 0 || anchor_seq == static_cast<int64_t>(entries));
  }
};

// One verified line, as passed to ScanAuditLog's callback.
struct AuditLineView {
  uint64_t seq = 0;
  int64_t time_micros = 0;
  std::string_view time;  // the "time" field as written
  std::string_view text;  // the whole line without its end of line
};

class AuditLog {
 public:
  // Opens <dir>/audit.log for appending (creating dir with mode 0700 and the file with mode 0600),
  // verifying the existing lines to continue the chain. Corruption when the file does not verify
  // (naming the line and the problem); IoError when the directory or file cannot be created or
  // read; Unavailable when another process holds the log open (an exclusive flock).
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& dir, const Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one entry (personal data redacted), fsyncs it, then replaces the head anchor.
  // InvalidArgument for an entry without actor or action or a detail that is not a JSON object;
  // IoError when the write fails (the partial line is cut off again; if even that fails, every
  // later Record fails until the log is reopened).
  Status Record(const AuditEntry& entry);

  uint64_t entries() const;
  std::string head_hash() const;
  std::string path() const;

  // Test hook: the (n+1)-th and later Record calls fail with IoError before writing.
  void FailWritesAfter(int64_t records);

 private:
  class Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Verifies the log at `path` line by line (every line's hash, seq and link to the previous line),
// then the head anchor in the same directory when there is one. `on_line` (may be empty) sees
// each verified line in order. The report says where verification stopped and why; the Result is
// NotFound for a missing file and IoError for one that cannot be read.
Result<AuditVerifyReport> ScanAuditLog(const std::string& path,
                                       const std::function<void(const AuditLineView&)>& on_line);
Result<AuditVerifyReport> VerifyAuditLog(const std::string& path);

// Where a node keeps its audit log: <data-dir>/audit.
inline std::string AuditDirOf(const std::string& data_dir) { return data_dir + "/audit"; }

// An RFC 5424 syslog line carrying one audit line as its message, for SIEM forwarding:
//   "<110>1 <time> <hostname> mercato - audit - <json>"
// (facility 13 "log audit", severity 6 "informational"; "-" for an empty hostname).
std::string AuditSyslogLine(const AuditLineView& line, std::string_view hostname);

}  // namespace mercato
