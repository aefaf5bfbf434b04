// DlpPolicy: defaults, field rules and the JSON form (dlp.h, docs/privacy.md).

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <system_error>

#include "privacy/dlp.h"

namespace mercato {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 11> kProtectedFields = {
    "type",  "userId",    "anonymousId",       "previousId", "groupId",   "messageId",
    "event", "timestamp", "originalTimestamp", "sentAt",     "receivedAt"};

constexpr std::array<std::string_view, 8> kDefaultPersonalTraits = {
    "email", "phone", "name", "firstName", "lastName", "address", "birthday", "username"};

constexpr size_t kMaxPathBytes = 512;

Status PolicyError(std::string_view where, std::string_view problem) {
  return Status::InvalidArgument("dlp policy: " + std::string(where) + ": " + std::string(problem));
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

Status ParseDetect(const json::value& value, DlpPolicy& policy) {
  if (!value.is_object()) return PolicyError("detect", "must be an object");
  for (const auto& member : value.get_object()) {
    std::string where = "detect." + std::string(member.key());
    std::optional<PiiKind> kind = PiiKindFromName(member.key());
    if (!kind) return PolicyError(where, "unknown kind (email|phone|card|iban|pesel|ip)");
    if (!member.value().is_string()) return PolicyError(where, "the action must be a string");
    std::optional<DlpAction> action = DlpActionFromName(member.value().get_string());
    if (!action) {
      return PolicyError(where, "unknown action " + Quoted(member.value().get_string()) +
                                    " (keep|encrypt|mask|hash|drop)");
    }
    policy.SetDetectAction(*kind, *action);
  }
  return Status::Ok();
}

Status ParseFields(const json::value& value, DlpPolicy& policy) {
  if (!value.is_object()) return PolicyError("fields", "must be an object");
  for (const auto& member : value.get_object()) {
    std::string where = "fields[" + Quoted(member.key()) + "]";
    if (!member.value().is_string()) return PolicyError(where, "the action must be a string");
    std::optional<DlpAction> action = DlpActionFromName(member.value().get_string());
    if (!action) {
      return PolicyError(where, "unknown action " + Quoted(member.value().get_string()) +
                                    " (keep|encrypt|mask|hash|drop)");
    }
    Status status = policy.SetFieldRule(member.key(), *action);
    if (!status.ok()) return PolicyError(where, status.message());
  }
  return Status::Ok();
}

}  // namespace

std::string_view DlpActionName(DlpAction action) {
  switch (action) {
    case DlpAction::kKeep:
      return "keep";
    case DlpAction::kEncrypt:
      return "encrypt";
    case DlpAction::kMask:
      return "mask";
    case DlpAction::kHash:
      return "hash";
    case DlpAction::kDrop:
      return "drop";
  }
  return "unknown";
}

std::optional<DlpAction> DlpActionFromName(std::string_view name) {
  for (DlpAction action : {DlpAction::kKeep, DlpAction::kEncrypt, DlpAction::kMask,
                           DlpAction::kHash, DlpAction::kDrop}) {
    if (DlpActionName(action) == name) return action;
  }
  return std::nullopt;
}

std::string_view IpModeName(IpMode mode) {
  switch (mode) {
    case IpMode::kKeep:
      return "keep";
    case IpMode::kTruncate:
      return "truncate";
    case IpMode::kEncrypt:
      return "encrypt";
    case IpMode::kDrop:
      return "drop";
  }
  return "unknown";
}

std::optional<IpMode> IpModeFromName(std::string_view name) {
  for (IpMode mode : {IpMode::kKeep, IpMode::kTruncate, IpMode::kEncrypt, IpMode::kDrop}) {
    if (IpModeName(mode) == name) return mode;
  }
  return std::nullopt;
}

bool IsProtectedDlpField(std::string_view top_level_key) {
  return std::find(kProtectedFields.begin(), kProtectedFields.end(), top_level_key) !=
         kProtectedFields.end();
}

Status ValidateDlpPath(std::string_view path) {
  if (path.empty()) return Status::InvalidArgument("empty path");
  if (path.size() > kMaxPathBytes) return Status::InvalidArgument("path longer than 512 bytes");
  size_t start = 0;
  size_t segments = 0;
  std::string_view first;
  while (true) {
    size_t dot = path.find('.', start);
    bool last = dot == std::string_view::npos;
    std::string_view segment = path.substr(start, last ? std::string_view::npos : dot - start);
    if (segment.empty()) return Status::InvalidArgument("empty path segment");
    if (segment.find('*') != std::string_view::npos && (segment != "*" || !last)) {
      return Status::InvalidArgument("'*' is allowed only as the whole last segment");
    }
    if (segments == 0) first = segment;
    ++segments;
    if (last) break;
    start = dot + 1;
  }
  if (first == "*") return Status::InvalidArgument("a top-level wildcard is not allowed");
  if (IsProtectedDlpField(first)) {
    return Status::InvalidArgument(std::string(first) + " is an identity field and never changed");
  }
  if (path == "context.ip") {
    return Status::InvalidArgument("context.ip is governed by the \"ip\" mode");
  }
  return Status::Ok();
}

DlpPolicy::DlpPolicy() {
  SetDetectAction(PiiKind::kEmail, DlpAction::kHash);
  SetDetectAction(PiiKind::kPhone, DlpAction::kHash);
  SetDetectAction(PiiKind::kPaymentCard, DlpAction::kMask);
  SetDetectAction(PiiKind::kIban, DlpAction::kMask);
  SetDetectAction(PiiKind::kPesel, DlpAction::kHash);
  SetDetectAction(PiiKind::kIpAddress, DlpAction::kMask);
  for (std::string_view parent : {"traits.", "context.traits."}) {
    for (std::string_view trait : kDefaultPersonalTraits) {
      Status status = SetFieldRule(std::string(parent) + std::string(trait), DlpAction::kEncrypt);
      (void)status;  // the built-in paths are valid
    }
  }
}

Status DlpPolicy::SetFieldRule(std::string_view path, DlpAction action) {
  RETURN_IF_ERROR(ValidateDlpPath(path));
  fields_.insert_or_assign(std::string(path), action);
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    parents_.emplace(path.substr(0, dot));
  }
  return Status::Ok();
}

void DlpPolicy::ClearFieldRules() {
  fields_.clear();
  parents_.clear();
}

std::optional<DlpAction> DlpPolicy::FieldAction(std::string_view path) const {
  if (fields_.empty()) return std::nullopt;
  if (auto it = fields_.find(path); it != fields_.end()) return it->second;
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string wildcard(path.substr(0, dot + 1));
  wildcard.push_back('*');
  if (auto it = fields_.find(wildcard); it != fields_.end()) return it->second;
  return std::nullopt;
}

bool DlpPolicy::HasRulesBelow(std::string_view path) const { return parents_.contains(path); }

bool DlpPolicy::Uses(DlpAction action) const {
  if (std::find(detect_.begin(), detect_.end(), action) != detect_.end()) return true;
  for (const auto& [path, rule] : fields_) {
    if (rule == action) return true;
  }
  if (action == DlpAction::kEncrypt) return ip_mode_ == IpMode::kEncrypt;
  if (action == DlpAction::kDrop) return ip_mode_ == IpMode::kDrop;
  return false;
}

Result<DlpPolicy> DlpPolicy::FromJson(std::string_view text) {
  std::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Status::InvalidArgument("dlp policy: not valid JSON: " + ec.message());
  if (!root.is_object()) return Status::InvalidArgument("dlp policy: must be a JSON object");
  const json::object& object = root.get_object();
  for (const auto& member : object) {
    std::string_view key = member.key();
    if (key != "detect" && key != "fields" && key != "ip" && key != "defaults") {
      return PolicyError(key, "unknown member (detect, fields, ip, defaults)");
    }
  }
  DlpPolicy policy;
  if (const json::value* defaults = object.if_contains("defaults")) {
    if (!defaults->is_bool()) return PolicyError("defaults", "must be true or false");
    if (!defaults->get_bool()) policy.ClearFieldRules();
  }
  if (const json::value* detect = object.if_contains("detect")) {
    RETURN_IF_ERROR(ParseDetect(*detect, policy));
  }
  if (const json::value* fields = object.if_contains("fields")) {
    RETURN_IF_ERROR(ParseFields(*fields, policy));
  }
  if (const json::value* ip = object.if_contains("ip")) {
    std::optional<IpMode> mode = ip->is_string() ? IpModeFromName(ip->get_string()) : std::nullopt;
    if (!mode) return PolicyError("ip", "must be one of keep, truncate, encrypt, drop");
    policy.set_ip_mode(*mode);
  }
  return policy;
}

void DlpStats::Add(const DlpStats& other) {
  for (size_t i = 0; i < kPiiKindCount; ++i) detected[i] += other.detected[i];
  fields_encrypted += other.fields_encrypted;
  fields_dropped += other.fields_dropped;
  spans_masked += other.spans_masked;
  spans_hashed += other.spans_hashed;
}

}  // namespace mercato
