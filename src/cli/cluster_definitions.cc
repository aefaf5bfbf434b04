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

// What every shared record goes through: parsed, checked to name its key's id, applied. A bad
// record is logged and skipped, never fatal: the other definitions must still arrive.
template <typename Parsed, typename IdOf, typename Apply>
void ApplyParsed(std::string_view kind, const std::string& id, Result<Parsed> parsed, IdOf id_of,
                 Apply apply) {
  if (parsed.ok() && id_of(*parsed) != id) {
    parsed = Status::InvalidArgument("it names the " + std::string(kind) + " '" +
                                     std::string(id_of(*parsed)) + "'");
  }
  if (!parsed.ok()) {
    LOG(WARNING) << "cluster: ignoring the shared " << kind << " '" << id
                 << "': " << parsed.status().ToString();
    return;
  }
  if (Status applied = apply(*parsed); !applied.ok()) {
    LOG(WARNING) << "cluster: applying shared " << kind << " '" << id
                 << "': " << applied.ToString();
  }
}

void LogRemoval(std::string_view kind, const std::string& id, const Status& removed) {
  if (!removed.ok()) {
    LOG(WARNING) << "cluster: deleting shared " << kind << " '" << id
                 << "': " << removed.ToString();
  }
}

void ApplyCatalogItem(catalog::CatalogStore& catalog, const std::string& id,
                      std::string_view value) {
  constexpr std::string_view kKind = "catalog item";
  if (value.empty()) return LogRemoval(kKind, id, catalog.Remove(id));
  ApplyParsed(
      kKind, id, catalog::CatalogItem::Parse(value),
      [](const catalog::CatalogItem& item) { return item.id; },
      [&](const catalog::CatalogItem& item) { return catalog.Apply(item); });
}

void ApplyJourney(journey::JourneyStore& journeys, const std::string& id, std::string_view value) {
  constexpr std::string_view kKind = "journey";
  if (value.empty()) return LogRemoval(kKind, id, journeys.Remove(id));
  ApplyParsed(
      kKind, id, journey::JourneyReplica::Parse(value),
      [](const journey::JourneyReplica& replica) { return replica.record.id; },
      [&](const journey::JourneyReplica& replica) { return journeys.Import(replica); });
}

void ApplyKey(KeyStore& keys, const std::string& id, std::string_view value) {
  ApplyParsed(
      "API key", id,
      value.empty()
          ? Result<ApiKeyRecord>(Status::InvalidArgument("API keys are revoked, not deleted"))
          : DecodeKeyRecord(value),
      [](const ApiKeyRecord& record) { return record.id; },
      [&](const ApiKeyRecord& record) { return keys.Apply(record); });
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
