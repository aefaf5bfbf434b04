// AuditLog: the writer of the hash-chained audit log (audit_log.h, docs/formats/audit.md).

#include "privacy/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <vector>

#include "core/logging.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "privacy/audit_format.h"
#include "privacy/pii_detectors.h"

namespace mercato {
namespace {

namespace json = boost::json;

std::string ErrnoText(int error) { return std::strerror(error); }

// Writes all of `data`; returns 0 or the errno of the failure.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return 0;
}

// A customer id: 16 lowercase hex digits (docs/formats/keys.md). One made of digits only can pass
// for a card number, so ids are never redacted.
bool IsCustomerId(std::string_view text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// `text` with every detected personal datum replaced by "[<kind>]"; counts the replacements.
std::string Redact(std::string_view text, size_t& redacted) {
  if (IsCustomerId(text)) return std::string(text);
  std::vector<PiiMatch> matches = DetectPii(text);
  if (matches.empty()) return std::string(text);
  std::string out;
  size_t last = 0;
  for (const PiiMatch& match : matches) {
    out.append(text.substr(last, match.begin - last));
    out.append("[").append(PiiKindName(match.kind)).append("]");
    last = match.begin + match.length;
  }
  out.append(text.substr(last));
  redacted += matches.size();
  return out;
}

// Redacts every string and member name inside `value`.
json::value RedactJson(const json::value& value, size_t& redacted) {
  if (value.is_string()) return json::string(Redact(value.get_string(), redacted));
  if (value.is_array()) {
    json::array out;
    for (const json::value& element : value.get_array()) {
      out.push_back(RedactJson(element, redacted));
    }
    return out;
  }
  if (value.is_object()) {
    json::object out;
    for (const auto& member : value.get_object()) {
      out[Redact(member.key(), redacted)] = RedactJson(member.value(), redacted);
    }
    return out;
  }
  return value;
}

void AppendString(std::string& out, std::string_view text) {
  AppendJson(out, json::value(json::string_view(text.data(), text.size())));
}

}  // namespace

class AuditLog::Impl {
 public:
  Impl(std::string dir, const Clock& clock) : dir_(std::move(dir)), clock_(clock) {
    path_ = (std::filesystem::path(dir_) / std::string(audit::kLogFile)).string();
    anchor_path_ = audit::AnchorPath(path_);
  }
  ~Impl() {
    if (fd_ >= 0) ::close(fd_);
    if (dir_fd_ >= 0) ::close(dir_fd_);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Open() {
    std::error_code ec;
    bool created = std::filesystem::create_directories(dir_, ec);
    if (ec) return Status::IoError("audit log: cannot create " + dir_ + ": " + ec.message());
    if (created) {
      std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
      if (ec) return Status::IoError("audit log: cannot restrict " + dir_ + ": " + ec.message());
    }
    struct stat info {};
    bool existed = ::stat(path_.c_str(), &info) == 0;
    if (existed && !S_ISREG(info.st_mode)) {
      return Status::IoError("audit log: " + path_ + " is not a regular file");
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
      return Status::IoError("audit log: cannot open " + path_ + ": " + ErrnoText(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status::Unavailable("audit log: " + path_ + " is in use by another process");
    }
    if (::fchmod(fd_, 0600) != 0) {
      return Status::IoError("audit log: cannot restrict " + path_ + ": " + ErrnoText(errno));
    }
    dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0)
      return Status::IoError("audit log: cannot open " + dir_ + ": " + ErrnoText(errno));
    if (!existed && ::fsync(dir_fd_) != 0) {
      return Status::IoError("audit log: cannot sync " + dir_ + ": " + ErrnoText(errno));
    }
    ASSIGN_OR_RETURN(AuditVerifyReport report, VerifyAuditLog(path_));
    if (!report.ok()) RETURN_IF_ERROR(Repair(report));
    seq_ = report.entries;
    head_ = report.head_hash;
    size_ = report.valid_bytes;
    if (report.anchor_seq != static_cast<int64_t>(seq_)) RETURN_IF_ERROR(WriteAnchor());
    return Status::Ok();
  }

  Status Record(const AuditEntry& entry) {
    if (entry.actor.empty() || entry.action.empty()) {
      return Status::InvalidArgument("audit entry: actor and action are required");
    }
    json::value detail = json::object();
    if (!entry.detail.empty()) {
      std::error_code ec;
      detail = json::parse(entry.detail, ec);
      if (ec || !detail.is_object()) {
        return Status::InvalidArgument("audit entry: detail is not a JSON object");
      }
    }
    // Personal data never reaches the log: whatever the detectors find is replaced by its kind.
    size_t redacted = 0;
    const std::string actor = Redact(entry.actor, redacted);
    const std::string action = Redact(entry.action, redacted);
    const std::string customer = Redact(entry.customer, redacted);
    detail = RedactJson(detail, redacted);
    if (redacted > 0) {
      LOG(WARNING) << "audit log: redacted " << redacted << " personal value(s) in a '" << action
                   << "' entry; entries name customers by customer id only";
    }

    std::lock_guard<std::mutex> lock(mu_);
    if (broken_) {
      return Status::IoError("audit log: an earlier write to " + path_ +
                             " could not be undone; reopen the log");
    }
    int64_t left = writes_before_failure_;
    if (left == 0) return Status::IoError("audit log: injected write failure");
    if (left > 0) writes_before_failure_ = left - 1;

    const uint64_t seq = seq_ + 1;
    std::string line = "{\"seq\":" + std::to_string(seq) + ",\"time\":";
    AppendString(line, FormatTimestamp(clock_.NowMicros()));
    line += ",\"actor\":";
    AppendString(line, actor);
    line += ",\"action\":";
    AppendString(line, action);
    line += ",\"customer\":";
    if (customer.empty()) {
      line += "null";
    } else {
      AppendString(line, customer);
    }
    line += ",\"detail\":";
    AppendJson(line, detail);
    line += ",\"prev\":\"" + head_ + "\"";
    std::string hash = audit::LineHash(line);
    line.append(audit::kHashPrefix);
    line += hash + "\"}\n";

    int error = WriteAll(fd_, line);
    if (error == 0 && ::fsync(fd_) != 0) error = errno;
    if (error != 0) {
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) broken_ = true;
      return Status::IoError("audit log: cannot write " + path_ + ": " + ErrnoText(error));
    }
    seq_ = seq;
    head_ = std::move(hash);
    size_ += line.size();
    return WriteAnchor();
  }

  uint64_t entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seq_;
  }
  std::string head_hash() const {
    std::lock_guard<std::mutex> lock(mu_);
    return head_;
  }
  const std::string& path() const { return path_; }
  void FailWritesAfter(int64_t records) {
    std::lock_guard<std::mutex> lock(mu_);
    writes_before_failure_ = records;
  }

 private:
  // A torn last line that the anchor never recorded is what a crash during Record leaves: it was
  // never acknowledged, so it is cut off. Anything else refuses to open.
  Status Repair(const AuditVerifyReport& report) {
    if (!report.unacknowledged_tail()) {
      std::string where = report.first_bad_line == 0
                              ? std::string(audit::kAnchorFile)
                              : "line " + std::to_string(report.first_bad_line);
      return Status::Corruption("audit log " + path_ + " does not verify: " + where + ": " +
                                report.problem);
    }
    if (::ftruncate(fd_, static_cast<off_t>(report.valid_bytes)) != 0 || ::fsync(fd_) != 0) {
      return Status::IoError("audit log: cannot cut the torn last line of " + path_ + ": " +
                             ErrnoText(errno));
    }
    LOG(WARNING) << "audit log " << path_ << ": cut off an incomplete last line (line "
                 << report.first_bad_line << ") left by a crash";
    return Status::Ok();
  }

  // Replaces audit.head with the current seq and hash: temporary file, fsync, rename, fsync dir.
  Status WriteAnchor() {
    std::string temporary = anchor_path_ + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int error = fd < 0 ? errno : 0;
    if (error == 0) error = WriteAll(fd, audit::AnchorText(seq_, head_));
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    if (fd >= 0 && ::close(fd) != 0 && error == 0) error = errno;
    if (error == 0 && ::rename(temporary.c_str(), anchor_path_.c_str()) != 0) error = errno;
    if (error == 0 && ::fsync(dir_fd_) != 0) error = errno;
    if (error != 0) {
      return Status::IoError("audit log: entry " + std::to_string(seq_) +
                             " is recorded but the head anchor " + anchor_path_ +
                             " could not be updated: " + ErrnoText(error));
    }
    return Status::Ok();
  }

  const std::string dir_;
  std::string path_;
  std::string anchor_path_;
  const Clock& clock_;
  int fd_ = -1;
  int dir_fd_ = -1;

  mutable std::mutex mu_;
  uint64_t seq_ = 0;                    // guarded by mu_
  std::string head_;                    // guarded by mu_
  uint64_t size_ = 0;                   // guarded by mu_: bytes of complete lines
  bool broken_ = false;                 // guarded by mu_
  int64_t writes_before_failure_ = -1;  // guarded by mu_
};

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& dir, const Clock& clock) {
  auto impl = std::make_unique<Impl>(dir, clock);
  RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
}

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::~AuditLog() = default;

Status AuditLog::Record(const AuditEntry& entry) { return impl_->Record(entry); }
uint64_t AuditLog::entries() const { return impl_->entries(); }
std::string AuditLog::head_hash() const { return impl_->head_hash(); }
std::string AuditLog::path() const { return impl_->path(); }
void AuditLog::FailWritesAfter(int64_t records) { impl_->FailWritesAfter(records); }

}  // namespace mercato
