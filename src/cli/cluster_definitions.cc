#include "cli/cluster_definitions.h"

#include <boost/json.hpp>

#include "core/logging.h"

namespace mercato::cli {
namespace {
namespace json = boost::json;

constexpr std::string_view kSegmentPrefix = "segment/";
constexpr std::string_view kTemplatePrefix = "template/";
constexpr std::string_view kJourneyPrefix = "journey/";
constexpr std::string_view kKeyPrefix = "apikey/";
constexpr std::string_view kCatalogPrefix = "catalog/";

std::optional<std::string> StringField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

}  // namespace

std::string SegmentDefinitionKey(std::string_view id) {
  return std::string(kSegmentPrefix) + std::string(id);
}

std::string SegmentDefinitionValue(const segment::SegmentSpec& definition) {
  return json::serialize(json::object{{"name", definition.name.value_or("")},
                                      {"description", definition.description.value_or("")},
                                      {"rule", definition.rule.value_or("")}});
}

std::string TemplateDefinitionKey(std::string_view id) {
  return std::string(kTemplatePrefix) + std::string(id);
}

std::string JourneyDefinitionKey(std::string_view id) {
  return std::string(kJourneyPrefix) + std::string(id);
}

std::string KeyDefinitionKey(std::string_view id) {
  return std::string(kKeyPrefix) + std::string(id);
}

std::string CatalogDefinitionKey(std::string_view id) {
  return std::string(kCatalogPrefix) + std::string(id);
}

namespace {

void ApplyCatalogItem(catalog::CatalogStore& catalog, const std::string& id,
                      std::string_view value) {
  if (value.empty()) {
    if (Status removed = catalog.Remove(id); !removed.ok()) {
      LOG(WARNING) << "cluster: deleting shared catalog item '" << id
                   << "': " << removed.ToString();
    }
    return;
  }
  auto item = catalog::CatalogItem::Parse(value);
  if (item.ok() && item->id != id) {
    item = Status::InvalidArgument("it names the item '" + item->id + "'");
  }
  if (!item.ok()) {
    LOG(WARNING) << "cluster: ignoring the shared catalog item '" << id
                 << "': " << item.status().ToString();
    return;
  }
  if (Status applied = catalog.Apply(*item); !applied.ok()) {
    LOG(WARNING) << "cluster: applying shared catalog item '" << id << "': " << applied.ToString();
  }
}

void ApplyJourney(journey::JourneyStore& journeys, const std::string& id, std::string_view value) {
  if (value.empty()) {
    if (Status removed = journeys.Remove(id); !removed.ok()) {
      LOG(WARNING) << "cluster: deleting shared journey '" << id << "': " << removed.ToString();
    }
    return;
  }
  auto replica = journey::JourneyReplica::Parse(value);
  if (replica.ok() && replica->record.id != id) {
    replica = Status::InvalidArgument("it names the journey '" + replica->record.id + "'");
  }
  if (!replica.ok()) {
    LOG(WARNING) << "cluster: ignoring the shared journey '" << id
                 << "': " << replica.status().ToString();
    return;
  }
  if (Status imported = journeys.Import(*replica); !imported.ok()) {
    LOG(WARNING) << "cluster: applying shared journey '" << id << "': " << imported.ToString();
  }
}

void ApplyKey(KeyStore& keys, const std::string& id, std::string_view value) {
  auto record =
      value.empty()
          ? Result<ApiKeyRecord>(Status::InvalidArgument("API keys are revoked, not deleted"))
          : DecodeKeyRecord(value);
  if (record.ok() && record->id != id) {
    record = Status::InvalidArgument("it names the key '" + record->id + "'");
  }
  if (!record.ok()) {
    LOG(WARNING) << "cluster: ignoring the shared API key '" << id
                 << "': " << record.status().ToString();
    return;
  }
  if (Status applied = keys.Apply(*record); !applied.ok()) {
    LOG(WARNING) << "cluster: applying shared API key '" << id << "': " << applied.ToString();
  }
}

void ApplyTemplate(content::TemplateStore& templates, const std::string& id,
                   std::string_view value) {
  if (value.empty()) {
    Status deleted = templates.Delete(id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      LOG(WARNING) << "cluster: deleting shared template '" << id << "': " << deleted.ToString();
    }
    return;
  }
  boost::system::error_code ec;
  const json::value parsed = json::parse(value, ec);
  auto tmpl = ec || !parsed.is_object()
                  ? Result<content::MessageTemplate>(Status::InvalidArgument("not a JSON object"))
                  : content::ParseMessageTemplate(id, parsed.get_object());
  if (!tmpl.ok()) {
    LOG(WARNING) << "cluster: ignoring the shared template '" << id
                 << "': " << tmpl.status().ToString();
    return;
  }
  auto stored = templates.Get(id);
  if (stored.ok() && stored->name == tmpl->name && stored->subject == tmpl->subject &&
      stored->text == tmpl->text && stored->html == tmpl->html) {
    return;  // this node's own change, or one it has applied already
  }
  if (auto put = templates.Put(std::move(*tmpl)); !put.ok()) {
    LOG(WARNING) << "cluster: applying shared template '" << id << "': " << put.status().ToString();
  }
}

void ApplySegment(segment::SegmentEngine& segments, const std::string& id, std::string_view value) {
  if (value.empty()) {
    Status deleted = segments.Delete(id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      LOG(WARNING) << "cluster: deleting shared segment '" << id << "': " << deleted.ToString();
    }
    return;
  }
  boost::system::error_code ec;
  const json::value parsed = json::parse(value, ec);
  const json::object* object = ec ? nullptr : parsed.if_object();
  segment::SegmentSpec spec;
  if (object != nullptr) {
    spec.name = StringField(*object, "name");
    spec.description = StringField(*object, "description");
    spec.rule = StringField(*object, "rule");
  }
  if (!spec.name || !spec.rule) {
    LOG(WARNING) << "cluster: ignoring the malformed shared segment '" << id << "'";
    return;
  }
  Status applied;
  if (segments.Get(id).ok()) {
    applied = segments.Update(id, spec).status();
  } else {
    spec.id = id;
    applied = segments.Create(spec).status();
  }
  if (!applied.ok()) {
    LOG(WARNING) << "cluster: applying shared segment '" << id << "': " << applied.ToString();
  }
}

}  // namespace

void ApplySharedDefinition(const SharedDefinitionTargets& targets, std::string_view key,
                           std::string_view value) {
  if (key.starts_with(kSegmentPrefix) && targets.segments != nullptr) {
    return ApplySegment(*targets.segments, std::string(key.substr(kSegmentPrefix.size())), value);
  }
  if (key.starts_with(kTemplatePrefix) && targets.templates != nullptr) {
    return ApplyTemplate(*targets.templates, std::string(key.substr(kTemplatePrefix.size())),
                         value);
  }
  if (key.starts_with(kJourneyPrefix) && targets.journeys != nullptr) {
    return ApplyJourney(*targets.journeys, std::string(key.substr(kJourneyPrefix.size())), value);
  }
  if (key.starts_with(kKeyPrefix) && targets.keys != nullptr) {
    return ApplyKey(*targets.keys, std::string(key.substr(kKeyPrefix.size())), value);
  }
  if (key.starts_with(kCatalogPrefix) && targets.catalog != nullptr) {
    return ApplyCatalogItem(*targets.catalog, std::string(key.substr(kCatalogPrefix.size())),
                            value);
  }
  LOG(WARNING) << "cluster: ignoring the shared definition '" << key << "' of an unknown kind";
}

}  // namespace mercato::cli
