#include "segment/definition.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "analytics/rules/utf8.h"
#include "core/time_format.h"
#include "event/json_writer.h"

namespace mercato::segment {
namespace {

namespace json = boost::json;
using analytics::rules::Utf8SequenceLength;

Status CheckText(std::string_view field, std::string_view text, size_t max_bytes, bool multiline) {
  if (text.size() > max_bytes) {
    return Status::InvalidArgument("'" + std::string(field) + "' is longer than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) {
      return Status::InvalidArgument("'" + std::string(field) + "' is not valid UTF-8");
    }
    const auto c = static_cast<unsigned char>(text[pos]);
    if (length == 1 && (c < 0x20 || c == 0x7F) && !(multiline && (c == '\n' || c == '\t'))) {
      return Status::InvalidArgument("'" + std::string(field) +
                                     "' contains a control character at byte " +
                                     std::to_string(pos));
    }
    pos += length;
  }
  return Status::Ok();
}

json::value TimeOrNull(int64_t micros) {
  return micros > 0 ? json::value(FormatTimestamp(micros)) : json::value(nullptr);
}

}  // namespace

std::string SegmentDefinition::Serialize() const {
  json::object root;
  root["v"] = 1;
  root["id"] = id;
  root["name"] = name;
  root["description"] = description;
  root["rule"] = rule;
  root["version"] = version;
  root["createdAt"] = created_at_us;
  root["updatedAt"] = updated_at_us;
  if (building) {
    root["build"] = json::object{{"version", version}, {"after", build_after}};
  } else {
    root["build"] = nullptr;
  }
  root["builtVersion"] = built_version;
  root["builtAt"] = built_at_us;
  return SerializeJson(root);
}

Result<SegmentDefinition> SegmentDefinition::Parse(std::string_view stored) {
  auto corrupt = [](std::string_view what) {
    return Status::Corruption("stored segment definition: " + std::string(what));
  };
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const json::object* object = ec ? nullptr : root.if_object();
  if (object == nullptr) return corrupt("not a JSON object");
  const json::value* v = object->if_contains("v");
  if (v == nullptr || !v->is_int64() || v->get_int64() != 1) return corrupt("not version 1");
  SegmentDefinition def;
  auto text = [&](std::string_view key, std::string& out) {
    const json::value* member = object->if_contains(key);
    if (member == nullptr || !member->is_string()) return false;
    out = std::string(member->get_string());
    return true;
  };
  auto number = [&](std::string_view key, auto& out) {
    const json::value* member = object->if_contains(key);
    if (member == nullptr || !(member->is_int64() || member->is_uint64())) return false;
    out = static_cast<std::remove_reference_t<decltype(out)>>(
        member->is_int64() ? member->get_int64() : static_cast<int64_t>(member->get_uint64()));
    return true;
  };
  if (!text("id", def.id) || !text("name", def.name) || !text("description", def.description) ||
      !text("rule", def.rule) || !number("version", def.version) ||
      !number("createdAt", def.created_at_us) || !number("updatedAt", def.updated_at_us) ||
      !number("builtVersion", def.built_version) || !number("builtAt", def.built_at_us)) {
    return corrupt("a member is missing or has the wrong type");
  }
  const json::value* build = object->if_contains("build");
  if (build != nullptr && build->is_object()) {
    const json::value* after = build->get_object().if_contains("after");
    if (after == nullptr || !after->is_string()) return corrupt("build.after is not a string");
    def.building = true;
    def.build_after = std::string(after->get_string());
  }
  return def;
}

std::string SegmentDefinition::RenderApiJson(uint64_t size) const {
  json::object root;
  root["id"] = id;
  root["name"] = name;
  root["description"] = description;
  root["rule"] = rule;
  root["version"] = version;
  root["size"] = size;
  root["state"] = building ? "building" : "ready";
  root["createdAt"] = TimeOrNull(created_at_us);
  root["updatedAt"] = TimeOrNull(updated_at_us);
  root["builtAt"] = TimeOrNull(built_at_us);
  return SerializeJson(root);
}

Status ValidateSegmentId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Status::InvalidArgument("a segment id has 1 to " + std::to_string(kMaxIdBytes) +
                                   " characters");
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && (c == '-' || c == '_'))) {
      return Status::InvalidArgument(
          "a segment id is made of a-z, 0-9, '-' and '_' and starts with a letter or digit; "
          "found '" +
          std::string(1, c) + "' at position " + std::to_string(i));
    }
  }
  return Status::Ok();
}

Status ValidateSegmentName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("'name' must not be empty");
  return CheckText("name", name, kMaxNameBytes, false);
}

Status ValidateSegmentDescription(std::string_view description) {
  return CheckText("description", description, kMaxDescriptionBytes, true);
}

std::string SlugFromName(std::string_view name) {
  std::string slug;
  bool dash = false;
  for (char raw : name) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) {
      if (dash && !slug.empty()) slug.push_back('-');
      slug.push_back(c);
      dash = false;
    } else {
      dash = true;
    }
    if (slug.size() >= 48) break;
  }
  return slug.empty() ? "segment" : slug;
}

}  // namespace mercato::segment
