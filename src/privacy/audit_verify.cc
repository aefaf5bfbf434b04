// Verification and export of the audit log (audit_log.h, docs/formats/audit.md).

#include <array>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include "core/time_format.h"
#include "privacy/audit_format.h"
#include "privacy/audit_log.h"
#include "privacy/crypto.h"

namespace mercato {
namespace audit {

namespace json = boost::json;

std::string AnchorPath(const std::string& log_path) {
  std::filesystem::path path(log_path);
  return (path.parent_path() / std::string(kAnchorFile)).string();
}

std::string AnchorText(uint64_t seq, std::string_view hash) {
  return "{\"seq\":" + std::to_string(seq) + ",\"hash\":\"" + std::string(hash) + "\"}\n";
}

std::string LineHash(std::string_view body) { return crypto::HexEncode(crypto::Sha256(body)); }

namespace {

bool IsHash(std::string_view text) {
  return text.size() == kHashHexBytes && text.find_first_not_of("0123456789abcdef") == text.npos;
}

bool ReadFile(const std::string& path, std::string& out, int& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = errno;
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  error = in.bad() ? EIO : 0;
  return !in.bad();
}

std::optional<uint64_t> PositiveInteger(const json::value& value) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<uint64_t>(value.get_int64());
  return std::nullopt;
}

}  // namespace

Result<Anchor> ReadAnchor(const std::string& log_path) {
  Anchor anchor;
  std::string path = AnchorPath(log_path);
  std::error_code exists_error;
  if (!std::filesystem::exists(path, exists_error)) {
    if (exists_error) return Status::IoError(path + ": " + exists_error.message());
    return anchor;
  }
  std::string text;
  int error = 0;
  if (!ReadFile(path, text, error)) {
    return Status::IoError(path + ": " + std::strerror(error));
  }
  std::error_code ec;
  json::value value = json::parse(text, ec);
  const json::object* object = ec ? nullptr : value.if_object();
  const json::value* seq = object != nullptr ? object->if_contains("seq") : nullptr;
  const json::value* hash = object != nullptr ? object->if_contains("hash") : nullptr;
  std::optional<uint64_t> seq_value = seq != nullptr ? PositiveInteger(*seq) : std::nullopt;
  if (!seq_value || hash == nullptr || !hash->is_string() || !IsHash(hash->get_string()) ||
      object->size() != 2) {
    return Status::Corruption(path + ": not a head anchor {\"seq\":n,\"hash\":\"<64 hex>\"}");
  }
  anchor.present = true;
  anchor.seq = *seq_value;
  anchor.hash = std::string(hash->get_string());
  return anchor;
}

// What is wrong with `line` as line `expected_seq` following `prev_hash`; empty when it is fine.
// Fills `view` and `hash` for a good line.
std::string CheckLine(std::string_view line, uint64_t expected_seq, const std::string& prev_hash,
                      AuditLineView& view, std::string& hash) {
  if (line.empty()) return "empty line";
  if (line.size() <= kHashSuffixBytes ||
      line.substr(line.size() - kHashSuffixBytes, kHashPrefix.size()) != kHashPrefix ||
      line.substr(line.size() - 2) != "\"}" ||
      !IsHash(line.substr(line.size() - kHashSuffixBytes + kHashPrefix.size(), kHashHexBytes))) {
    return "the line does not end with its \"hash\"";
  }
  std::error_code ec;
  json::value value = json::parse(line, ec);
  if (ec || !value.is_object()) return "not a JSON object";
  const json::object& object = value.get_object();
  static constexpr std::array<std::string_view, 8> kFields = {
      "seq", "time", "actor", "action", "customer", "detail", "prev", "hash"};
  bool fields_ok = object.size() == kFields.size();
  size_t index = 0;
  for (auto it = object.begin(); fields_ok && it != object.end(); ++it, ++index) {
    fields_ok = it->key() == kFields[index];
  }
  if (!fields_ok)
    return "the fields are not seq, time, actor, action, customer, detail, prev, hash";
  std::optional<uint64_t> seq = PositiveInteger(object.at("seq"));
  if (!seq) return "seq is not a number";
  const json::value& time = object.at("time");
  if (!time.is_string()) return "time is not an ISO-8601 timestamp";
  Result<int64_t> micros = ParseTimestamp(time.get_string());
  if (!micros.ok()) return "time is not an ISO-8601 timestamp";
  for (std::string_view field : {"actor", "action"}) {
    const json::value& text = object.at(field);
    if (!text.is_string() || text.get_string().empty()) {
      return std::string(field) + " is not a non-empty string";
    }
  }
  if (!object.at("customer").is_string() && !object.at("customer").is_null()) {
    return "customer is neither a string nor null";
  }
  if (!object.at("detail").is_object()) return "detail is not an object";
  const json::value& prev = object.at("prev");
  if (!prev.is_string() || !IsHash(prev.get_string())) return "prev is not a hash";
  std::string_view stored_hash = object.at("hash").get_string();
  std::string computed = LineHash(line.substr(0, line.size() - kHashSuffixBytes));
  if (computed != stored_hash) return "hash does not match the line's content";
  if (*seq != expected_seq) {
    return "seq is " + std::to_string(*seq) + ", expected " + std::to_string(expected_seq) +
           " (a line was removed, inserted or moved)";
  }
  if (prev.get_string() != prev_hash) return "prev does not match the previous line's hash";
  view.seq = *seq;
  view.time_micros = *micros;
  view.time = line.substr(line.find("\"time\":\"") + 8, time.get_string().size());
  view.text = line;
  hash = computed;
  return {};
}

}  // namespace audit

Result<AuditVerifyReport> ScanAuditLog(const std::string& path,
                                       const std::function<void(const AuditLineView&)>& on_line) {
  std::error_code exists_error;
  if (!std::filesystem::exists(path, exists_error)) {
    if (exists_error) return Status::IoError(path + ": " + exists_error.message());
    return Status::NotFound("no audit log at " + path);
  }
  AuditVerifyReport report;
  report.head_hash = audit::kZeroHash;
  Result<audit::Anchor> anchor = audit::ReadAnchor(path);
  if (!anchor.ok() && anchor.status().code() == StatusCode::kIoError) return anchor.status();

  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": " + std::strerror(errno));
  std::string line;
  std::string anchored_hash = anchor.ok() && anchor->seq == 0 ? audit::kZeroHash : "";
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (in.eof()) {
      report.first_bad_line = line_number;
      report.problem = "the last line is incomplete (no end of line)";
      report.torn_tail = true;
      break;
    }
    AuditLineView view;
    std::string hash;
    std::string problem = audit::CheckLine(line, report.entries + 1, report.head_hash, view, hash);
    if (!problem.empty()) {
      report.first_bad_line = line_number;
      report.problem = std::move(problem);
      break;
    }
    if (on_line) on_line(view);
    ++report.entries;
    report.head_hash = std::move(hash);
    report.valid_bytes += line.size() + 1;
    if (anchor.ok() && anchor->present && anchor->seq == report.entries) {
      anchored_hash = report.head_hash;
    }
  }
  if (in.bad()) return Status::IoError(path + ": read failed");
  if (!anchor.ok()) {
    if (report.ok()) {
      report.first_bad_line = 0;
      report.problem = anchor.status().message();
    }
    return report;
  }
  if (!anchor->present) return report;
  report.anchor_seq = static_cast<int64_t>(anchor->seq);
  if (!report.ok()) return report;
  if (anchor->seq > report.entries) {
    report.first_bad_line = static_cast<int64_t>(report.entries) + 1;
    report.problem = "missing: the head anchor records " + std::to_string(anchor->seq) +
                     " entries but the log ends after " + std::to_string(report.entries) +
                     " (lines were removed from the end)";
  } else if (anchored_hash != anchor->hash) {
    report.first_bad_line = static_cast<int64_t>(std::max<uint64_t>(anchor->seq, 1));
    report.problem = "hash differs from the head anchor's";
  } else if (report.entries > anchor->seq + 1) {
    report.first_bad_line = static_cast<int64_t>(anchor->seq) + 2;
    report.problem = "the head anchor is " + std::to_string(report.entries - anchor->seq) +
                     " entries behind the log";
  }
  return report;
}

Result<AuditVerifyReport> VerifyAuditLog(const std::string& path) {
  return ScanAuditLog(path, nullptr);
}

std::string AuditSyslogLine(const AuditLineView& line, std::string_view hostname) {
  std::string out = "<110>1 ";
  out.append(line.time);
  out.push_back(' ');
  if (hostname.empty()) {
    out.push_back('-');
  } else {
    // HOSTNAME is at most 255 printable US-ASCII characters without spaces.
    for (char c : hostname.substr(0, 255)) out.push_back(c > 32 && c < 127 ? c : '_');
  }
  out.append(" mercato - audit - ");
  out.append(line.text);
  return out;
}

}  // namespace mercato
