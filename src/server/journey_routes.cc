// Journeys: /v1/journeys (docs/api.md, "Journeys"; the definition schema is docs/journeys.md).

#include <boost/json.hpp>
#include <memory>
#include <mutex>

#include "core/logging.h"
#include "core/number_parse.h"
#include "core/time_format.h"
#include "journey/engine.h"
#include "journey/journey_store.h"
#include "segment/segment_engine.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

namespace json = boost::json;
using journey::DefinitionError;
using journey::JourneyRecord;

json::value Time(int64_t micros) {
  return micros == 0 ? json::value(nullptr) : json::value(FormatTimestamp(micros));
}

json::object RecordJson(const JourneyRecord& record) {
  return {{"id", record.id},
          {"name", record.name},
          {"status", journey::JourneyStatusName(record.status)},
          {"version", record.version},
          {"createdAt", Time(record.created_at_us)},
          {"updatedAt", Time(record.updated_at_us)},
          {"activatedAt", Time(record.activated_at_us)}};
}

json::array ErrorsJson(const std::vector<DefinitionError>& errors) {
  json::array out;
  for (const DefinitionError& error : errors) {
    out.push_back(json::object{{"path", error.path}, {"message", error.message}});
  }
  return out;
}

// 400 with every error of the definition and its path.
HttpResponse InvalidDefinition(const Status& status, const std::vector<DefinitionError>& errors) {
  json::object body{{"success", false},
                    {"code", std::string(StatusCodeName(status.code()))},
                    {"error", status.message()},
                    {"errors", ErrorsJson(errors)}};
  return JsonResponse(400, json::serialize(body));
}

HttpResponse RecordResponse(int status, const JourneyRecord& record) {
  return JsonResponse(status, json::serialize(RecordJson(record)));
}

HttpResponse StoredResponse(const journey::StoredJourney& stored) {
  json::object body = RecordJson(stored.record);
  body["definitionVersion"] = stored.definition_version;
  boost::system::error_code ec;
  body["definition"] = json::parse(stored.definition.ToJson(), ec);
  return JsonResponse(200, json::serialize(body));
}

// At activation: the segment a trigger names must exist (FailedPrecondition, 409, otherwise).
journey::JourneyStore::ReferenceCheck SegmentCheck(const segment::SegmentEngine* segments) {
  if (segments == nullptr) return {};
  return [segments](const journey::JourneyDefinition& definition) {
    const std::string& id = definition.trigger.segment;
    if (id.empty()) return Status::Ok();
    auto found = segments->Get(id);
    if (found.status().code() == StatusCode::kNotFound) {
      return Status::FailedPrecondition("the trigger's segment '" + id + "' does not exist");
    }
    return found.status();
  };
}

// Makes a change to one journey and, in cluster mode, shares the journey's new state
// (JourneyShare); when sharing fails, the journey is put back as it was.
class SharedChanges {
 public:
  SharedChanges(journey::JourneyStore& journeys, JourneyShare share)
      : journeys_(journeys), share_(std::move(share)) {}

  // Runs `change` (which returns its outcome) on journey `id`. Unavailable when the change was
  // made here but could not be shared, and has been undone.
  Status Make(const std::string& id, const std::function<Status()>& change) {
    if (!share_) return change();
    // One shared change at a time, so this node publishes its changes in the order it made them.
    std::lock_guard lock(mu_);
    auto before = journeys_.Export(id);
    if (!before.ok() && before.status().code() != StatusCode::kNotFound) return before.status();
    RETURN_IF_ERROR(change());
    auto after = journeys_.Export(id);
    if (!after.ok() && after.status().code() != StatusCode::kNotFound) return after.status();
    if (before.ok() == after.ok() && (!after.ok() || before->Serialize() == after->Serialize())) {
      return Status::Ok();  // nothing changed
    }
    Status shared = share_(id, after.ok() ? &*after : nullptr);
    if (shared.ok()) return Status::Ok();
    Status undone = before.ok() ? journeys_.Import(*before) : journeys_.Remove(id);
    if (!undone.ok()) {
      LOG(ERROR) << "journeys: undoing the unshared change of '" << id
                 << "' failed: " << undone.ToString();
    }
    return Status::Unavailable(
        "the change could not be shared with the other nodes and was not made: " +
        shared.message());
  }

 private:
  journey::JourneyStore& journeys_;
  const JourneyShare share_;
  std::mutex mu_;
};

}  // namespace

void RegisterJourneyRoutes(Router& router, journey::JourneyStore& journeys,
                           const segment::SegmentEngine* segments, const JourneyShare& share) {
  journey::JourneyStore::ReferenceCheck check = SegmentCheck(segments);
  auto changes = std::make_shared<SharedChanges>(journeys, share);
  router.Add("POST", "/v1/journeys/validate", "/v1/journeys/validate", Access::kAdmin,
             AdmissionClass::kAdmin, [](HttpRequest&& request, const Responder& respond) {
               std::vector<DefinitionError> errors;
               auto definition = journey::ParseJourney(request.body, &errors);
               json::object body{{"valid", definition.ok()}};
               if (definition.ok()) {
                 boost::system::error_code ec;
                 body["definition"] = json::parse(definition->ToJson(), ec);
               } else {
                 body["errors"] = ErrorsJson(errors);
               }
               respond(JsonResponse(200, json::serialize(body)));
             });
  router.Add("POST", "/v1/journeys", "/v1/journeys", Access::kAdmin, AdmissionClass::kAdmin,
             [&journeys, changes](HttpRequest&& request, const Responder& respond) {
               std::vector<DefinitionError> errors;
               auto definition = journey::ParseJourney(request.body, &errors);
               if (!definition.ok()) return respond(InvalidDefinition(definition.status(), errors));
               Result<JourneyRecord> record = Status::Internal("not made");
               Status made = changes->Make(definition->id, [&] {
                 record = journeys.Create(*definition);
                 return record.status();
               });
               if (!made.ok()) return respond(ErrorResponse(made));
               respond(RecordResponse(201, *record));
             });
  router.Add("GET", "/v1/journeys", "/v1/journeys", Access::kRead, AdmissionClass::kQuery,
             [&journeys](HttpRequest&&, const Responder& respond) {
               auto records = journeys.List();
               if (!records.ok()) return respond(ErrorResponse(records.status()));
               json::array list;
               for (const JourneyRecord& record : *records) list.push_back(RecordJson(record));
               respond(JsonResponse(200, json::serialize(json::object{{"journeys", list}})));
             });
  router.Add("GET", "/v1/journeys/{id}", "/v1/journeys/{id}", Access::kRead, AdmissionClass::kQuery,
             [&journeys](HttpRequest&& request, const Responder& respond) {
               uint64_t version = 0;
               if (std::string text = request.QueryParam("version"); !text.empty()) {
                 auto parsed = ParseInt64(text);
                 if (!parsed || *parsed < 1) {
                   return respond(ErrorResponse(
                       Status::InvalidArgument("'version' must be a whole number >= 1")));
                 }
                 version = static_cast<uint64_t>(*parsed);
               }
               auto stored = journeys.Get(request.PathParam("id"), version);
               if (!stored.ok()) return respond(ErrorResponse(stored.status()));
               respond(StoredResponse(*stored));
             });
  router.Add("PUT", "/v1/journeys/{id}", "/v1/journeys/{id}", Access::kAdmin,
             AdmissionClass::kAdmin,
             [&journeys, changes](HttpRequest&& request, const Responder& respond) {
               std::vector<DefinitionError> errors;
               auto definition = journey::ParseJourney(request.body, &errors);
               if (!definition.ok()) return respond(InvalidDefinition(definition.status(), errors));
               const std::string id = request.PathParam("id");
               Result<JourneyRecord> record = Status::Internal("not made");
               Status made = changes->Make(id, [&] {
                 record = journeys.Update(id, *definition);
                 return record.status();
               });
               if (!made.ok()) return respond(ErrorResponse(made));
               respond(RecordResponse(200, *record));
             });
  router.Add("POST", "/v1/journeys/{id}/activate", "/v1/journeys/{id}/activate", Access::kAdmin,
             AdmissionClass::kAdmin,
             [&journeys, check, changes](HttpRequest&& request, const Responder& respond) {
               const std::string id = request.PathParam("id");
               Result<JourneyRecord> record = Status::Internal("not made");
               Status made = changes->Make(id, [&] {
                 record = journeys.Activate(id, check);
                 return record.status();
               });
               if (!made.ok()) return respond(ErrorResponse(made));
               respond(RecordResponse(200, *record));
             });
  router.Add("POST", "/v1/journeys/{id}/pause", "/v1/journeys/{id}/pause", Access::kAdmin,
             AdmissionClass::kAdmin,
             [&journeys, changes](HttpRequest&& request, const Responder& respond) {
               const std::string id = request.PathParam("id");
               Result<JourneyRecord> record = Status::Internal("not made");
               Status made = changes->Make(id, [&] {
                 record = journeys.Pause(id);
                 return record.status();
               });
               if (!made.ok()) return respond(ErrorResponse(made));
               respond(RecordResponse(200, *record));
             });
  router.Add("DELETE", "/v1/journeys/{id}", "/v1/journeys/{id}", Access::kAdmin,
             AdmissionClass::kAdmin,
             [&journeys, changes](HttpRequest&& request, const Responder& respond) {
               const std::string id = request.PathParam("id");
               Status deleted = changes->Make(id, [&] { return journeys.Delete(id); });
               if (!deleted.ok()) return respond(ErrorResponse(deleted));
               HttpResponse response;
               response.status = 204;
               respond(std::move(response));
             });
}

void RegisterJourneyStatsRoutes(Router& router, journey::JourneyStore& journeys,
                                const journey::JourneyEngine& engine) {
  router.Add(
      "GET", "/v1/journeys/{id}/stats", "/v1/journeys/{id}/stats", Access::kRead,
      AdmissionClass::kQuery,
      [&journeys, &engine](HttpRequest&& request, const Responder& respond) {
        const std::string id = request.PathParam("id");
        auto stored = journeys.Get(id);
        if (!stored.ok()) return respond(ErrorResponse(stored.status()));
        auto stats = engine.Stats(id);
        if (!stats.ok()) return respond(ErrorResponse(stats.status()));
        json::array steps;
        for (const journey::StepCounters& entry : *stats) {
          json::object counters;
          for (const auto& [name, value] : entry.counters) counters[name] = value;
          steps.push_back(json::object{
              {"step", entry.step}, {"variant", entry.variant}, {"counters", std::move(counters)}});
        }
        json::object body{{"id", id},
                          {"status", journey::JourneyStatusName(stored->record.status)},
                          {"version", stored->record.version},
                          {"steps", std::move(steps)}};
        respond(JsonResponse(200, json::serialize(body)));
      });
}

}  // namespace mercato
