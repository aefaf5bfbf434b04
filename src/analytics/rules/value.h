#pragma once
// Value: what a segment rule compares — a field's, trait's or event property's value at
// evaluation time, or a literal of the rule. One of null, boolean, number (double), string, time
// (microseconds since the Unix epoch, UTC), list (a JSON array's elements) or object (a JSON
// object; only its presence is observable: `exists`).
//
// Thread safety: a plain value; concurrent reads are safe.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mercato::analytics::rules {

enum class ValueType : uint8_t { kNull, kBool, kNumber, kString, kTime, kList, kObject };

// "null", "boolean", "number", "string", "time", "list", "object".
std::string_view ValueTypeName(ValueType type);

class Value {
 public:
  Value() = default;  // null
  static Value Bool(bool b);
  static Value Number(double n);
  static Value String(std::string s);
  static Value Time(int64_t micros);
  static Value List(std::vector<Value> items);
  static Value Object();

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  // Accessors of the matching type; the others return a default (false, 0, empty).
  bool boolean() const { return type_ == ValueType::kBool && boolean_; }
  double number() const { return type_ == ValueType::kNumber ? number_ : 0.0; }
  int64_t time() const { return type_ == ValueType::kTime ? time_ : 0; }
  const std::string& string() const { return string_; }
  const std::vector<Value>& list() const { return list_; }

  // Same type and value: numbers by `==` (so 0 equals -0), lists element by element, objects are
  // all equal to each other.
  bool operator==(const Value& other) const;

 private:
  ValueType type_ = ValueType::kNull;
  bool boolean_ = false;
  double number_ = 0.0;
  int64_t time_ = 0;
  std::string string_;
  std::vector<Value> list_;
};

// JSON null, bool, number (int64, uint64, double), string, array (elements converted the same
// way), object.
Value ValueFromJson(const boost::json::value& json);

// The value at `path` inside `object`: path[0] is a member of `object`, each further segment a
// member of the object before it. nullopt when a segment is missing or a non-object is in the way.
std::optional<Value> LookupJsonPath(const boost::json::object* object,
                                    std::span<const std::string> path);

// A string that is a whole decimal number ("12", "-3.5", "1e3"; no spaces) as a finite double.
std::optional<double> ParseDecimal(std::string_view text);

}  // namespace mercato::analytics::rules
