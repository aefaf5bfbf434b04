#pragma once
// Definitions shared between the nodes of a cluster (stream::DefinitionLog): how a segment is
// written to the definitions topic and applied from it.

#include <string>
#include <string_view>

#include "segment/segment_engine.h"

namespace mercato::cli {

// "segment/<id>".
std::string SegmentDefinitionKey(std::string_view id);
// {"name", "description", "rule"} of a shared segment.
std::string SegmentDefinitionValue(const segment::SegmentSpec& definition);

// Applies one record of the definitions topic to `segments`: a segment's definition is created
// or, when the id exists, edited into it (an equal rule keeps the version and memberships); an
// empty value deletes it. Records of other kinds, malformed ones and refused changes are logged
// and skipped: the topic is the same for every node, so skipping keeps the nodes alike.
void ApplySharedDefinition(segment::SegmentEngine& segments, std::string_view key,
                           std::string_view value);

}  // namespace mercato::cli
