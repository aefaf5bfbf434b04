#include "analytics/rules/value.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace mercato::analytics::rules {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "boolean";
    case ValueType::kNumber:
      return "number";
    case ValueType::kString:
      return "string";
    case ValueType::kTime:
      return "time";
    case ValueType::kList:
      return "list";
    case ValueType::kObject:
      return "object";
  }
  return "?";
}

Value Value::Bool(bool b) {
  Value v;
  v.type_ = ValueType::kBool;
  v.boolean_ = b;
  return v;
}

Value Value::Number(double n) {
  Value v;
  v.type_ = ValueType::kNumber;
  v.number_ = n;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type_ = ValueType::kString;
  v.string_ = std::move(s);
  return v;
}

Value Value::Time(int64_t micros) {
  Value v;
  v.type_ = ValueType::kTime;
  v.time_ = micros;
  return v;
}

Value Value::List(std::vector<Value> items) {
  Value v;
  v.type_ = ValueType::kList;
  v.list_ = std::move(items);
  return v;
}

Value Value::Object() {
  Value v;
  v.type_ = ValueType::kObject;
  return v;
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case ValueType::kNull:
    case ValueType::kObject:
      return true;
    case ValueType::kBool:
      return boolean_ == other.boolean_;
    case ValueType::kNumber:
      return number_ == other.number_;
    case ValueType::kString:
      return string_ == other.string_;
    case ValueType::kTime:
      return time_ == other.time_;
    case ValueType::kList:
      return list_ == other.list_;
  }
  return false;
}

Value ValueFromJson(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null:
      return Value();
    case boost::json::kind::bool_:
      return Value::Bool(json.get_bool());
    case boost::json::kind::int64:
      return Value::Number(static_cast<double>(json.get_int64()));
    case boost::json::kind::uint64:
      return Value::Number(static_cast<double>(json.get_uint64()));
    case boost::json::kind::double_:
      return Value::Number(json.get_double());
    case boost::json::kind::string:
      return Value::String(std::string(json.get_string()));
    case boost::json::kind::array: {
      std::vector<Value> items;
      items.reserve(json.get_array().size());
      for (const auto& item : json.get_array()) items.push_back(ValueFromJson(item));
      return Value::List(std::move(items));
    }
    case boost::json::kind::object:
      return Value::Object();
  }
  return Value();
}

std::optional<Value> LookupJsonPath(const boost::json::object* object,
                                    std::span<const std::string> path) {
  if (object == nullptr || path.empty()) return std::nullopt;
  const boost::json::value* current = object->if_contains(path[0]);
  for (size_t k = 1; current != nullptr && k < path.size(); ++k) {
    if (!current->is_object()) return std::nullopt;
    current = current->get_object().if_contains(path[k]);
  }
  if (current == nullptr) return std::nullopt;
  return ValueFromJson(*current);
}

std::optional<double> ParseDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double out = 0.0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end || !std::isfinite(out)) return std::nullopt;
  return out;
}

}  // namespace mercato::analytics::rules
