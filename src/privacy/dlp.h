#pragma once
// Data-loss prevention on ingest: a DlpPolicy says what happens to personal data in an event
// before it is stored, and ApplyDlp rewrites the event accordingly. docs/privacy.md ("DLP policy")
// documents the JSON form of the policy and every default.
//
// Two kinds of rules:
//  - Field rules, by dotted path of object keys ("traits.email", "properties.note"; arrays are
//    transparent, so "properties.products.sku" names the field in every product). A last segment
//    "*" matches any key under the parent ("context.traits.*"); an exact rule wins over a wildcard.
//    A field rule applies to the whole value and replaces detection inside it. "context.ip" is
//    governed by the policy's IP mode, never by field rules.
//  - Detection in free text: every string under properties, traits, context.traits, context.page
//    and the top-level name is scanned (DetectPii); each kind found has an action.
// The identity and bookkeeping fields at the top level (type, userId, anonymousId, previousId,
// groupId, messageId, event, timestamp, originalTimestamp, sentAt, receivedAt) are never touched.
//
// Thread safety: DlpPolicy is immutable once built and safe to share; ApplyDlp is safe from any
// thread for distinct events (the encryptor it calls must be thread-safe).

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/status.h"
#include "privacy/pii_detectors.h"

namespace mercato {

enum class DlpAction { kKeep, kEncrypt, kMask, kHash, kDrop };
inline constexpr size_t kDlpActionCount = 5;

// "keep", "encrypt", "mask", "hash", "drop", and the inverse (nullopt for an unknown name).
std::string_view DlpActionName(DlpAction action);
std::optional<DlpAction> DlpActionFromName(std::string_view name);

// What happens to "context.ip".
enum class IpMode { kKeep, kTruncate, kEncrypt, kDrop };
std::string_view IpModeName(IpMode mode);  // "keep", "truncate", "encrypt", "drop"
std::optional<IpMode> IpModeFromName(std::string_view name);

class DlpPolicy {
 public:
  // The defaults: detection email, phone, pesel -> hash; card, iban, ip -> mask; field rules
  // traits.X and context.traits.X -> encrypt for X in email, phone, name, firstName, lastName,
  // address, birthday, username; IP mode encrypt.
  DlpPolicy();

  // Parses the JSON form (docs/privacy.md):
  //   {"detect": {"<kind>": "<action>", ...}, "fields": {"<path>": "<action>", ...},
  //    "ip": "keep|truncate|encrypt|drop", "defaults": true|false}
  // Every member is optional; what is not given keeps its default, and "defaults": false starts
  // from no field rules. InvalidArgument naming the bad entry (e.g. `detect.phone`,
  // `fields["traits..x"]`) for malformed JSON, unknown members, kinds or actions, empty path
  // segments, a '*' that is not the whole last segment, a protected identity field or
  // "context.ip" as a field path.
  static Result<DlpPolicy> FromJson(std::string_view json);

  DlpAction DetectAction(PiiKind kind) const { return detect_[static_cast<size_t>(kind)]; }
  void SetDetectAction(PiiKind kind, DlpAction action) {
    detect_[static_cast<size_t>(kind)] = action;
  }

  // Adds or replaces a field rule. InvalidArgument for a path FromJson would reject.
  Status SetFieldRule(std::string_view path, DlpAction action);
  void ClearFieldRules();
  // The rule for a field path: exact, else "<parent>.*"; nullopt when none applies.
  std::optional<DlpAction> FieldAction(std::string_view path) const;
  // True when some field rule names `path` or a field below it (so ApplyDlp must descend).
  bool HasRulesBelow(std::string_view path) const;
  const std::map<std::string, DlpAction, std::less<>>& field_rules() const { return fields_; }

  IpMode ip_mode() const { return ip_mode_; }
  void set_ip_mode(IpMode mode) { ip_mode_ = mode; }

  // Whether any rule, detection action or the IP mode can need `action` (ApplyDlp checks its
  // context against this before touching the event).
  bool Uses(DlpAction action) const;

 private:
  std::array<DlpAction, kPiiKindCount> detect_;
  std::map<std::string, DlpAction, std::less<>> fields_;
  std::set<std::string, std::less<>> parents_;  // every proper prefix of a rule's path
  IpMode ip_mode_ = IpMode::kEncrypt;
};

// Checks a field rule path; InvalidArgument saying what is wrong.
Status ValidateDlpPath(std::string_view path);
// True for the top-level members ApplyDlp never touches (identity and bookkeeping fields).
bool IsProtectedDlpField(std::string_view top_level_key);

struct DlpContext {
  // Key of the hash tokens (crypto::kKeyBytes bytes), e.g. derived from the node's master key.
  std::string hmac_key;
  // Replaces a value by its encrypted form (the field cipher). Must be set when the policy uses
  // encrypt; its errors are returned by ApplyDlp as they are.
  std::function<Result<boost::json::value>(const boost::json::value&)> encrypt;
};

struct DlpStats {
  std::array<uint64_t, kPiiKindCount> detected{};  // matches in free text, per PiiKind
  uint64_t fields_encrypted = 0;  // values replaced by the encryptor (rules and detection)
  uint64_t fields_dropped = 0;    // fields or array elements removed
  uint64_t spans_masked = 0;      // matched spans (or rule-covered strings) masked
  uint64_t spans_hashed = 0;      // matched spans (or rule-covered strings) replaced by tokens

  uint64_t Detected(PiiKind kind) const { return detected[static_cast<size_t>(kind)]; }
  void Add(const DlpStats& other);
};

// Rewrites `event` (a Segment message) in place according to `policy`:
//  1. context.ip: the IP mode (truncate drops a value that is not an IP address).
//  2. Field rules: keep leaves the value as it is (no scanning), drop removes the key, encrypt
//     replaces the value by ctx.encrypt(value), mask and hash apply to every string and number
//     inside the value: a value that is exactly one detected item gets that kind's mask or token,
//     any other string becomes "***" (mask) or "[hash:<16 hex>]" (hash).
//  3. Free text in scope, string by string: if any match's action is drop the string's field (or
//     array element) is removed; else if any is encrypt the whole string is encrypted; else each
//     matched span is masked or replaced by its token "[<kind>:<16 hex>]", the first 8 bytes of
//     HMAC-SHA256(ctx.hmac_key, NormalisePii(kind, span)) in hex.
// Masks: e-mail "j***@example.com"; card digits starred but the last 4, separators kept; phone
// digits starred but the last 2; IBAN starred but the country code and the last 4 characters;
// PESEL all 11 digits starred; IP truncated (TruncateIp).
// `stats` (may be null) is incremented, not reset.
//
// Returns OK, or: InvalidArgument when the policy uses hash and ctx.hmac_key is not 32 bytes, when
// it uses encrypt and ctx.encrypt is empty (both checked before the event is touched), or when the
// event nests deeper than IngestLimits::max_depth; the encryptor's error when it fails. On an
// error the event may be partly rewritten and must be discarded. Never throws.
Status ApplyDlp(boost::json::object& event, const DlpPolicy& policy, const DlpContext& ctx,
                DlpStats* stats);

// The masked form of a value detected as `kind` (the masks listed above).
std::string MaskPii(PiiKind kind, std::string_view value);
// "[<kind>:<16 hex>]" for a value detected as `kind`.
std::string PiiToken(PiiKind kind, std::string_view value, std::string_view hmac_key);

}  // namespace mercato
