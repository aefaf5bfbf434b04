#pragma once
// Definitions shared between the nodes of a cluster (stream::DefinitionLog): how a segment is
// written to the definitions topic and applied from it.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "catalog/catalog_store.h"
#include "content/template_store.h"
#include "journey/journey_store.h"
#include "segment/segment_engine.h"
#include "server/key_store.h"

namespace mercato::cli {

// "segment/<id>".
std::string SegmentDefinitionKey(std::string_view id);
// {"name", "description", "rule"} of a shared segment.
std::string SegmentDefinitionValue(const segment::SegmentSpec& definition);

// "template/<id>".
std::string TemplateDefinitionKey(std::string_view id);

// "journey/<id>"; the value is the journey's JourneyReplica.
std::string JourneyDefinitionKey(std::string_view id);
// "apikey/<id>"; the value is the key's record (EncodeKeyRecord: the SHA-256 of its secrets, never
// a secret). Keys are revoked, never deleted, so this kind has no deletions.
std::string KeyDefinitionKey(std::string_view id);

// "catalog/<id>"; the value is the stored item (CatalogItem::Serialize), a tombstone deletes it.
std::string CatalogDefinitionKey(std::string_view id);

// What the definitions of a node are applied to (null: that kind is not shared).
struct SharedDefinitionTargets {
  segment::SegmentEngine* segments = nullptr;
  content::TemplateStore* templates = nullptr;
  journey::JourneyStore* journeys = nullptr;
  KeyStore* keys = nullptr;
  catalog::CatalogStore* catalog = nullptr;

  bool any() const {
    return segments != nullptr || templates != nullptr || journeys != nullptr || keys != nullptr ||
           catalog != nullptr;
  }
};

// Applies one record of the definitions topic: a segment's definition is created or, when the id
// exists, edited into it (an equal rule keeps the version and memberships); a template (its API
// fields) is stored unless the stored one is the same already (so applying a node's own change
// does not bump the version again); a journey is made exactly its replica (record, versions and
// status); an API key's record and a catalog item are stored as they are; an empty value deletes
// a segment, template, journey or catalog item. Records of unknown kinds,
// malformed ones and refused changes are logged and skipped: the topic is the same for every
// node, so skipping keeps the nodes alike.
void ApplySharedDefinition(const SharedDefinitionTargets& targets, std::string_view key,
                           std::string_view value);

}  // namespace mercato::cli
