#pragma once
// Schema: the fields a segment rule may name besides `traits.<name>` — computed features,
// predictions and RFM scores — with their types and what changes them (for dependency analysis).
// Schema::Default() is the list documented in docs/segments.md; callers may build their own.
//
// Thread safety: a plain value; concurrent reads are safe. Default() is immutable.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::analytics::rules {

// The static type of an operand. kDynamic: known only at evaluation (traits, event properties).
enum class FieldType : uint8_t { kBool, kNumber, kString, kTime, kDynamic };

// "a boolean", "a number", "a string", "a time", "a trait or property".
std::string_view FieldTypeDescription(FieldType type);

// What can change a field's value.
enum class FieldSource : uint8_t {
  kAnyEvent,     // every event may (events, first_seen, last_seen, preferred_country, ...)
  kNamedEvents,  // only the track events listed in FieldSpec::events
  kModel,        // a model run (predictions, RFM, clusters), not events directly
};

struct FieldSpec {
  std::string name;  // the canonical name: what RuleContext::Feature receives
  FieldType type = FieldType::kNumber;
  bool nullable = false;
  FieldSource source = FieldSource::kAnyEvent;
  std::vector<std::string> events;  // kNamedEvents: the track event names
  // Non-empty: the field is not asked for; its value is the number of days (fractional) from the
  // time feature named here to the evaluation instant, or null when that feature is null.
  std::string days_since;
  std::string description;  // one line, for docs and the API
};

class Schema {
 public:
  // The fields of docs/segments.md (ProfileStore's features, predictions, RFM, clusters).
  static const Schema& Default();

  // InvalidArgument when the name (or alias) is empty, already taken, "traits" or starts with
  // "traits.", or when a days_since field is unknown or not a time.
  Status AddField(FieldSpec spec);
  Status AddAlias(std::string alias, std::string_view canonical);

  // The field `name` denotes (a canonical name or an alias); null when none.
  const FieldSpec* Find(std::string_view name) const;
  // Every name a rule may use (canonical names and aliases), sorted.
  std::vector<std::string> Names() const;
  // The known name closest to `unknown` by edit distance (ignoring case) when it is close enough
  // to be a typo; otherwise nullopt.
  std::optional<std::string> Suggest(std::string_view unknown) const;

 private:
  static Status CheckNewName(const Schema& schema, std::string_view name);

  std::map<std::string, FieldSpec, std::less<>> fields_;
  std::map<std::string, std::string, std::less<>> aliases_;  // alias -> canonical name
};

}  // namespace mercato::analytics::rules
