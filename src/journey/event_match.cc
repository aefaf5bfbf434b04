#include "journey/event_match.h"

#include <charconv>
#include <optional>

namespace mercato::journey {
namespace {

namespace json = boost::json;

const json::value* Lookup(const json::object* properties, std::string_view path) {
  const json::object* object = properties;
  while (object != nullptr) {
    const size_t dot = path.find('.');
    const json::value* value = object->if_contains(path.substr(0, dot));
    if (value == nullptr || dot == std::string_view::npos) return value;
    object = value->if_object();
    path.remove_prefix(dot + 1);
  }
  return nullptr;
}

std::optional<double> AsNumber(const json::value& value, bool accept_text) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  if (accept_text && value.is_string()) {
    const json::string& text = value.get_string();
    double parsed = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return parsed;
  }
  return std::nullopt;
}

// -1, 0, 1, or nullopt when the two cannot be compared.
std::optional<int> Compare(const json::value& actual, const json::value& expected) {
  if (std::optional<double> want = AsNumber(expected, false)) {
    std::optional<double> have = AsNumber(actual, true);
    if (!have) return std::nullopt;
    return *have < *want ? -1 : (*have > *want ? 1 : 0);
  }
  if (expected.is_string() && actual.is_string()) {
    const int c = std::string_view(actual.get_string()).compare(expected.get_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (expected.is_bool() && actual.is_bool()) {
    return actual.get_bool() == expected.get_bool() ? 0 : 1;
  }
  return std::nullopt;
}

}  // namespace

bool MatchesFilter(const PropertyFilter& filter, const json::object* properties) {
  const json::value* actual = Lookup(properties, filter.property);
  using Op = PropertyFilter::Op;
  if (filter.op == Op::kExists) {
    const bool present = actual != nullptr && !actual->is_null();
    return present == (filter.value.is_bool() && filter.value.get_bool());
  }
  if (actual == nullptr || actual->is_null()) return filter.op == Op::kNe;
  switch (filter.op) {
    case Op::kIn: {
      const json::array* options = filter.value.if_array();
      if (options == nullptr) return false;
      for (const json::value& option : *options) {
        if (Compare(*actual, option) == 0) return true;
      }
      return false;
    }
    case Op::kContains:
      return actual->is_string() && filter.value.is_string() &&
             std::string_view(actual->get_string()).find(filter.value.get_string()) !=
                 std::string_view::npos;
    case Op::kNe: {
      std::optional<int> c = Compare(*actual, filter.value);
      return !c || *c != 0;
    }
    default:
      break;
  }
  std::optional<int> c = Compare(*actual, filter.value);
  if (!c) return false;
  switch (filter.op) {
    case Op::kEq:
      return *c == 0;
    case Op::kLt:
      return filter.value.is_bool() ? false : *c < 0;
    case Op::kLe:
      return filter.value.is_bool() ? false : *c <= 0;
    case Op::kGt:
      return filter.value.is_bool() ? false : *c > 0;
    case Op::kGe:
      return filter.value.is_bool() ? false : *c >= 0;
    default:
      return false;
  }
}

bool MatchesEvent(const EventMatcher& matcher, std::string_view event_name,
                  const json::object* properties) {
  if (matcher.event != event_name) return false;
  for (const PropertyFilter& filter : matcher.where) {
    if (!MatchesFilter(filter, properties)) return false;
  }
  return true;
}

}  // namespace mercato::journey
