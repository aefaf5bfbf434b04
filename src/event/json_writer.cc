#include "event/json_writer.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace mercato {
namespace {

void AppendString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run_start = 0;
  for (size_t k = 0; k < text.size(); ++k) {
    unsigned char c = static_cast<unsigned char>(text[k]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, k - run_start);
    run_start = k + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out.push_back('"');
}

template <typename Number>
void AppendNumber(std::string& out, Number number) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
  out.append(buffer, result.ptr);
}

}  // namespace

bool AppendJson(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return true;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return true;
    case boost::json::kind::int64:
      AppendNumber(out, value.get_int64());
      return true;
    case boost::json::kind::uint64:
      AppendNumber(out, value.get_uint64());
      return true;
    case boost::json::kind::double_: {
      double number = value.get_double();
      if (!std::isfinite(number)) {
        out += "null";
        return false;
      }
      size_t start = out.size();
      AppendNumber(out, number);
      // "1e+20" and "5" are valid JSON, but a double that prints like an integer would read back
      // as an integer; keep it a double.
      if (out.find_first_of(".eE", start) == std::string::npos) out += ".0";
      return true;
    }
    case boost::json::kind::string:
      AppendString(out, std::string_view(value.get_string()));
      return true;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      bool finite = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        finite &= AppendJson(out, item);
      }
      out.push_back(']');
      return finite;
    }
    case boost::json::kind::object:
      return AppendJson(out, value.get_object());
  }
  return true;
}

bool AppendJson(std::string& out, const boost::json::object& object) {
  out.push_back('{');
  bool first = true;
  bool finite = true;
  for (const auto& member : object) {
    if (!first) out.push_back(',');
    first = false;
    AppendString(out, std::string_view(member.key()));
    out.push_back(':');
    finite &= AppendJson(out, member.value());
  }
  out.push_back('}');
  return finite;
}

std::string SerializeJson(const boost::json::value& value) {
  std::string out;
  (void)AppendJson(out, value);  // non-finite numbers become null, as documented
  return out;
}

std::string SerializeJson(const boost::json::object& object) {
  std::string out;
  out.reserve(512);
  (void)AppendJson(out, object);
  return out;
}

}  // namespace mercato
