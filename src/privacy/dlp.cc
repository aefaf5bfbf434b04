// ApplyDlp and the masks and tokens it writes (dlp.h).

#include "privacy/dlp.h"

#include <boost/json/string.hpp>
#include <vector>

#include "event/json_writer.h"
#include "event/parser.h"
#include "privacy/crypto.h"

namespace mercato {
namespace {

namespace json = boost::json;

constexpr size_t kTokenBytes = 8;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Replaces by '*' every character for which `counted` holds, except the first `keep_first` and the
// last `keep_last` of them; other characters (separators) are kept.
template <typename Counted>
std::string StarAllBut(std::string_view value, Counted counted, size_t keep_first,
                       size_t keep_last) {
  size_t total = 0;
  for (char c : value) total += counted(c) ? 1 : 0;
  std::string out(value);
  size_t index = 0;
  for (char& c : out) {
    if (!counted(c)) continue;
    if (index >= keep_first && index + keep_last < total) c = '*';
    ++index;
  }
  return out;
}

std::string Token(std::string_view name, std::string_view key, std::string_view input) {
  std::string mac = crypto::HmacSha256(key, input);
  return "[" + std::string(name) + ":" +
         crypto::HexEncode(std::string_view(mac).substr(0, kTokenBytes)) + "]";
}

// Scope roots of free-text detection.
bool IsScanRoot(std::string_view path) {
  return path == "properties" || path == "traits" || path == "context.traits" ||
         path == "context.page" || path == "name";
}

class Applier {
 public:
  Applier(const DlpPolicy& policy, const DlpContext& ctx, DlpStats& stats)
      : policy_(policy), ctx_(ctx), stats_(stats) {}

  Status Run(json::object& event) {
    std::string path;
    std::vector<std::string> removed;
    for (auto& member : event) {
      if (IsProtectedDlpField(member.key())) continue;
      path.assign(member.key().data(), member.key().size());
      bool remove = false;
      RETURN_IF_ERROR(VisitMember(member.value(), path, false, 1, remove));
      if (remove) removed.emplace_back(member.key());
    }
    for (const std::string& key : removed) event.erase(key);
    return Status::Ok();
  }

 private:
  // A member of an object at `path`: the IP mode, a field rule, or its content.
  Status VisitMember(json::value& value, std::string& path, bool in_scope, unsigned depth,
                     bool& remove) {
    if (path == "context.ip") return ApplyIpMode(value, remove);
    if (std::optional<DlpAction> rule = policy_.FieldAction(path)) {
      return ApplyRule(value, *rule, depth, remove);
    }
    return VisitValue(value, path, in_scope || IsScanRoot(path), depth, remove);
  }

  Status VisitValue(json::value& value, std::string& path, bool in_scope, unsigned depth,
                    bool& remove) {
    if (depth > kMaxDepth) {
      return Status::InvalidArgument("dlp: " + path + " nests deeper than " +
                                     std::to_string(kMaxDepth) + " levels");
    }
    if (value.is_string()) {
      return in_scope ? ScanString(value, remove) : Status::Ok();
    }
    // Out of scope, descend only where a rule, the IP mode or a scanned scope lies below.
    if (!in_scope && path != "context" && !policy_.HasRulesBelow(path)) return Status::Ok();
    if (value.is_object()) {
      json::object& object = value.get_object();
      std::vector<std::string> removed;
      const size_t length = path.size();
      for (auto& member : object) {
        path.resize(length);
        path.push_back('.');
        path.append(member.key().data(), member.key().size());
        bool remove_member = false;
        Status status = VisitMember(member.value(), path, in_scope, depth + 1, remove_member);
        if (!status.ok()) {
          path.resize(length);
          return status;
        }
        if (remove_member) removed.emplace_back(member.key());
      }
      path.resize(length);
      for (const std::string& key : removed) object.erase(key);
    } else if (value.is_array()) {
      json::array& array = value.get_array();
      std::vector<size_t> removed;
      for (size_t i = 0; i < array.size(); ++i) {
        bool remove_element = false;
        RETURN_IF_ERROR(VisitValue(array[i], path, in_scope, depth + 1, remove_element));
        if (remove_element) removed.push_back(i);
      }
      for (size_t i = removed.size(); i-- > 0;) array.erase(array.begin() + removed[i]);
    }
    return Status::Ok();
  }

  Status ApplyIpMode(json::value& value, bool& remove) {
    switch (policy_.ip_mode()) {
      case IpMode::kKeep:
        return Status::Ok();
      case IpMode::kDrop:
        remove = true;
        ++stats_.fields_dropped;
        return Status::Ok();
      case IpMode::kEncrypt:
        return Encrypt(value);
      case IpMode::kTruncate: {
        std::optional<std::string> truncated;
        if (value.is_string()) truncated = TruncateIp(value.get_string());
        if (!truncated) {
          remove = true;  // not an address: nothing safe to keep
          ++stats_.fields_dropped;
          return Status::Ok();
        }
        value = json::string(*truncated);
        ++stats_.spans_masked;
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  Status ApplyRule(json::value& value, DlpAction action, unsigned depth, bool& remove) {
    switch (action) {
      case DlpAction::kKeep:
        return Status::Ok();
      case DlpAction::kDrop:
        remove = true;
        ++stats_.fields_dropped;
        return Status::Ok();
      case DlpAction::kEncrypt:
        return Encrypt(value);
      case DlpAction::kMask:
      case DlpAction::kHash:
        return RewriteLeaves(value, action, depth);
    }
    return Status::Ok();
  }

  Status Encrypt(json::value& value) {
    Result<json::value> sealed = ctx_.encrypt(value);
    if (!sealed.ok()) return sealed.status();
    value = std::move(sealed).value();
    ++stats_.fields_encrypted;
    return Status::Ok();
  }

  // Masks or hashes every string and number inside `value` as a whole.
  Status RewriteLeaves(json::value& value, DlpAction action, unsigned depth) {
    if (depth > kMaxDepth) {
      return Status::InvalidArgument("dlp: a value nests deeper than " + std::to_string(kMaxDepth) +
                                     " levels");
    }
    if (value.is_object()) {
      for (auto& member : value.get_object()) {
        RETURN_IF_ERROR(RewriteLeaves(member.value(), action, depth + 1));
      }
    } else if (value.is_array()) {
      for (json::value& element : value.get_array()) {
        RETURN_IF_ERROR(RewriteLeaves(element, action, depth + 1));
      }
    } else if (value.is_string()) {
      value = json::string(RewriteWhole(value.get_string(), action));
    } else if (value.is_number()) {
      value = json::string(RewriteWhole(SerializeJson(value), action));
    }
    return Status::Ok();
  }

  // A whole value under a mask or hash rule: the kind's mask or token when the value is exactly
  // one detected item, else "***" or "[hash:...]".
  std::string RewriteWhole(std::string_view text, DlpAction action) {
    std::vector<PiiMatch> matches = DetectPii(text);
    if (matches.size() == 1 && matches[0].begin == 0 && matches[0].length == text.size()) {
      PiiKind kind = matches[0].kind;
      ++stats_.detected[static_cast<size_t>(kind)];
      return Replace(kind, action, text);
    }
    if (action == DlpAction::kMask) {
      ++stats_.spans_masked;
      return "***";
    }
    ++stats_.spans_hashed;
    return Token("hash", ctx_.hmac_key, text);
  }

  std::string Replace(PiiKind kind, DlpAction action, std::string_view span) {
    if (action == DlpAction::kMask) {
      ++stats_.spans_masked;
      return MaskPii(kind, span);
    }
    ++stats_.spans_hashed;
    return PiiToken(kind, span, ctx_.hmac_key);
  }

  Status ScanString(json::value& value, bool& remove) {
    std::string_view text = value.get_string();
    std::vector<PiiMatch> matches = DetectPii(text);
    if (matches.empty()) return Status::Ok();
    bool drop = false;
    bool encrypt = false;
    for (const PiiMatch& match : matches) {
      ++stats_.detected[static_cast<size_t>(match.kind)];
      DlpAction action = policy_.DetectAction(match.kind);
      drop = drop || action == DlpAction::kDrop;
      encrypt = encrypt || action == DlpAction::kEncrypt;
    }
    if (drop) {
      remove = true;
      ++stats_.fields_dropped;
      return Status::Ok();
    }
    if (encrypt) return Encrypt(value);
    std::string out;
    out.reserve(text.size() + 16);
    size_t last = 0;
    for (const PiiMatch& match : matches) {
      out.append(text.substr(last, match.begin - last));
      std::string_view span = text.substr(match.begin, match.length);
      DlpAction action = policy_.DetectAction(match.kind);
      if (action == DlpAction::kKeep) {
        out.append(span);
      } else {
        out.append(Replace(match.kind, action, span));
      }
      last = match.begin + match.length;
    }
    out.append(text.substr(last));
    value = json::string(out);
    return Status::Ok();
  }

  static constexpr unsigned kMaxDepth = IngestLimits{}.max_depth;

  const DlpPolicy& policy_;
  const DlpContext& ctx_;
  DlpStats& stats_;
};

}  // namespace

std::string MaskPii(PiiKind kind, std::string_view value) {
  switch (kind) {
    case PiiKind::kEmail: {
      size_t at = value.find('@');
      if (at == std::string_view::npos) at = value.find("%40");
      if (at == std::string_view::npos || at == 0) return "***";
      return std::string(value.substr(0, 1)) + "***" + std::string(value.substr(at));
    }
    case PiiKind::kPaymentCard:
      return StarAllBut(value, IsDigit, 0, 4);
    case PiiKind::kPhone:
      return StarAllBut(value, IsDigit, 0, 2);
    case PiiKind::kIban:
      return StarAllBut(value, IsAlnum, 2, 4);
    case PiiKind::kPesel:
      return StarAllBut(value, IsDigit, 0, 0);
    case PiiKind::kIpAddress: {
      std::optional<std::string> truncated = TruncateIp(value);
      return truncated ? *truncated : "***";
    }
  }
  return "***";
}

std::string PiiToken(PiiKind kind, std::string_view value, std::string_view hmac_key) {
  return Token(PiiKindName(kind), hmac_key, NormalisePii(kind, value));
}

Status ApplyDlp(json::object& event, const DlpPolicy& policy, const DlpContext& ctx,
                DlpStats* stats) {
  if (policy.Uses(DlpAction::kHash) && ctx.hmac_key.size() != crypto::kKeyBytes) {
    return Status::InvalidArgument("dlp: the policy hashes values but the HMAC key is not " +
                                   std::to_string(crypto::kKeyBytes) + " bytes");
  }
  if (policy.Uses(DlpAction::kEncrypt) && !ctx.encrypt) {
    return Status::InvalidArgument("dlp: the policy encrypts values but no encryptor is set");
  }
  DlpStats local;
  Applier applier(policy, ctx, stats != nullptr ? *stats : local);
  return applier.Run(event);
}

}  // namespace mercato
