#include "analytics/rules/dependencies.h"

namespace mercato::analytics::rules {
namespace {

void AddFeature(const FieldSpec& spec, RuleDependencies& deps) {
  deps.features.insert(spec.name);
  switch (spec.source) {
    case FieldSource::kAnyEvent:
      deps.any_event = true;
      break;
    case FieldSource::kNamedEvents:
      deps.event_names.insert(spec.events.begin(), spec.events.end());
      break;
    case FieldSource::kModel:
      deps.model_features.insert(spec.name);
      break;
  }
}

void Walk(const Node& node, const Schema& schema, RuleDependencies& deps) {
  switch (node.kind) {
    case NodeKind::kField:
      if (node.scope == FieldScope::kFeature || node.scope == FieldScope::kDaysSince) {
        if (const FieldSpec* spec = schema.Find(node.canonical)) AddFeature(*spec, deps);
        if (node.scope == FieldScope::kDaysSince) deps.time_dependent = true;
      } else if (node.scope == FieldScope::kTrait && node.path.size() >= 2) {
        deps.traits.insert(node.path[1]);
      }
      return;
    case NodeKind::kNow:
      deps.time_dependent = true;
      deps.now_offsets_us.insert(node.NowOffsetMicros());
      return;
    case NodeKind::kAggregate:
      deps.event_names.insert(node.event);
      if (node.duration) {
        deps.time_dependent = true;
        deps.windows_us.insert(node.duration->Micros());
      }
      return;  // the `where` clause reads event properties only
    default:
      for (const Node& child : node.children) Walk(child, schema, deps);
  }
}

}  // namespace

bool RuleDependencies::AffectedByEvent(std::string_view track_event_name,
                                       std::span<const std::string> trait_names) const {
  if (any_event) return true;
  if (!track_event_name.empty() && event_names.contains(track_event_name)) return true;
  for (const std::string& trait : trait_names) {
    if (traits.contains(trait)) return true;
  }
  return false;
}

RuleDependencies AnalyzeDependencies(const Node& root, const Schema& schema) {
  RuleDependencies deps;
  Walk(root, schema, deps);
  return deps;
}

}  // namespace mercato::analytics::rules
