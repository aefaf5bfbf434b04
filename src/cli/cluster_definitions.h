#pragma once
// Definitions shared between the nodes of a cluster (stream::DefinitionLog): how a segment is
// written to the definitions topic and applied from it.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "content/template_store.h"
#include "segment/segment_engine.h"

namespace mercato::cli {

// "segment/<id>".
std::string SegmentDefinitionKey(std::string_view id);
// {"name", "description", "rule"} of a shared segment.
std::string SegmentDefinitionValue(const segment::SegmentSpec& definition);

// "template/<id>".
std::string TemplateDefinitionKey(std::string_view id);

// What the definitions of a node are applied to (null: that kind is not shared).
struct SharedDefinitionTargets {
  segment::SegmentEngine* segments = nullptr;
  content::TemplateStore* templates = nullptr;
};

// Applies one record of the definitions topic: a segment's definition is created or, when the id
// exists, edited into it (an equal rule keeps the version and memberships); a template (its API
// fields) is stored unless the stored one is the same already (so applying a node's own change
// does not bump the version again); an empty value deletes either. Records of unknown kinds,
// malformed ones and refused changes are logged and skipped: the topic is the same for every
// node, so skipping keeps the nodes alike.
void ApplySharedDefinition(const SharedDefinitionTargets& targets, std::string_view key,
                           std::string_view value);

}  // namespace mercato::cli
