// `mercato journey validate|create|update|list|show|activate|pause`: journey definitions
// (docs/journeys.md). `validate` needs no data directory; the others work on a stopped node's.

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/node.h"
#include "journey/journey_store.h"
#include "segment/keys.h"

namespace mercato::cli {
namespace {

int Fail(const JourneyOptions& options, const Status& status) {
  std::fprintf(stderr, "mercato journey %s: %s\n", options.action.c_str(),
               status.ToString().c_str());
  return 1;
}

// The definition in options.file; every error goes to stderr as "file: path: message".
Result<journey::JourneyDefinition> ReadDefinition(const JourneyOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + options.file);
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<journey::DefinitionError> errors;
  auto definition = journey::ParseJourney(text.str(), &errors);
  for (const journey::DefinitionError& error : errors) {
    std::fprintf(stderr, "%s: %s\n", options.file.c_str(), error.ToString().c_str());
  }
  return definition;
}

void PrintRecord(const journey::JourneyRecord& record) {
  std::printf("%s\tv%llu\t%s\t%s\n", record.id.c_str(),
              static_cast<unsigned long long>(record.version),
              std::string(journey::JourneyStatusName(record.status)).c_str(), record.name.c_str());
}

int Read(const JourneyOptions& options, Store& store) {
  journey::JourneyStore journeys(store, SystemClock::Instance());
  if (options.action == "list") {
    auto records = journeys.List();
    if (!records.ok()) return Fail(options, records.status());
    for (const journey::JourneyRecord& record : *records) PrintRecord(record);
    return 0;
  }
  auto stored = journeys.Get(options.id, options.version);
  if (!stored.ok()) return Fail(options, stored.status());
  std::printf("%s\n", stored->definition.ToJson().c_str());
  return 0;
}

}  // namespace

int RunJourney(const JourneyOptions& options) {
  const Clock& clock = SystemClock::Instance();
  if (options.action == "validate") {
    auto definition = ReadDefinition(options);
    if (!definition.ok()) {
      std::fprintf(stderr, "mercato journey validate: %s is not valid\n", options.file.c_str());
      return 1;
    }
    std::printf("%s\n", definition->ToJson().c_str());
    return 0;
  }
  if (options.action == "list" || options.action == "show") {
    auto node = OpenReadOnlyNode(options.data_dir, options.privacy);
    if (!node.ok()) return Fail(options, node.status());
    return Read(options, *node->store);
  }
  auto node = OpenNode(options.data_dir, EventLogOptions{}, options.privacy, clock, nullptr);
  if (!node.ok()) return Fail(options, node.status());
  Store& store = *node->store;
  journey::JourneyStore journeys(store, clock);
  Result<journey::JourneyRecord> record = Status::Internal("unknown action");
  if (options.action == "create" || options.action == "update") {
    auto definition = ReadDefinition(options);
    if (!definition.ok()) return Fail(options, definition.status());
    record = options.action == "create" ? journeys.Create(*definition)
                                        : journeys.Update(definition->id, *definition);
  } else if (options.action == "activate") {
    record = journeys.Activate(options.id, [&store](const journey::JourneyDefinition& def) {
      if (def.trigger.segment.empty()) return Status::Ok();
      auto found = store.Get(Cf::kSegments, segment::DefinitionKey(def.trigger.segment));
      if (found.status().code() == StatusCode::kNotFound) {
        return Status::FailedPrecondition("the trigger's segment '" + def.trigger.segment +
                                          "' does not exist");
      }
      return found.status();
    });
  } else if (options.action == "pause") {
    record = journeys.Pause(options.id);
  }
  if (!record.ok()) return Fail(options, record.status());
  PrintRecord(*record);
  return 0;
}

}  // namespace mercato::cli
