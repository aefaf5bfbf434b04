// Fuzzes the Segment body parser (src/event/parser.h). Each input is offered to ParseBatch and to
// ParseSingleEvent for every route, once with the default limits and once with tight ones, and
// every event accepted must satisfy the normalised-event contract (docs/formats/event.md).

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "event/parser.h"
#include "fuzz_check.h"

namespace mercato {
namespace {
namespace json = boost::json;

constexpr int64_t kReceivedAt = 1'700'000'000'123'000;  // 2023-11-14T22:13:20.123Z

// More than what the server adds to an event: "type", "messageId", "originalTimestamp",
// "timestamp" and "receivedAt" with their values, quotes, colons and commas.
constexpr size_t kMaxAddedBytes = 256;

constexpr EventType kRoutes[] = {EventType::kTrack,  EventType::kIdentify, EventType::kPage,
                                 EventType::kScreen, EventType::kGroup,    EventType::kAlias};

// Small enough that inputs of a few hundred bytes reach every limit.
constexpr IngestLimits kTightLimits{.max_event_bytes = 1024,
                                    .max_batch_bytes = 4096,
                                    .max_id_bytes = 48,  // a generated UUID (36) still fits
                                    .max_name_bytes = 16,
                                    .max_depth = 6};

int64_t FloorToMillis(int64_t micros) {
  int64_t rest = micros % 1000;
  if (rest < 0) rest += 1000;
  return micros - rest;
}

std::string_view StringField(const json::object& object, std::string_view key) {
  const json::value* field = object.if_contains(key);
  FUZZ_CHECK(field != nullptr && field->is_string());
  return field->get_string();
}

// Structural equality, keys in order. Doubles compare within 1e-15 relative: Boost.JSON 1.81 reads
// numbers with at least 15 significant digits (its documented default; 1.83 adds a precise mode),
// so the shortest round-trip form of a double can come back a few ULPs off.
bool SameJson(const json::value& a, const json::value& b, bool& has_double) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::double_: {
      has_double = true;
      const double x = a.get_double(), y = b.get_double();
      return x == y || std::fabs(x - y) <= 1e-15 * std::max(std::fabs(x), std::fabs(y));
    }
    case json::kind::array: {
      const json::array &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) return false;
      for (size_t k = 0; k < x.size(); ++k) {
        if (!SameJson(x[k], y[k], has_double)) return false;
      }
      return true;
    }
    case json::kind::object: {
      const json::object &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
        if (i->key() != j->key() || !SameJson(i->value(), j->value(), has_double)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

void CheckEvent(const Event& event, const IngestLimits& limits,
                std::optional<EventType> route_type) {
  FUZZ_CHECK(!event.RoutingKey().empty());
  FUZZ_CHECK(event.user_id.size() <= limits.max_id_bytes);
  FUZZ_CHECK(event.anonymous_id.size() <= limits.max_id_bytes);
  FUZZ_CHECK(!event.message_id.empty());
  FUZZ_CHECK(event.message_id.size() <= limits.max_id_bytes);
  FUZZ_CHECK(event.received_at_us == kReceivedAt);
  if (route_type) FUZZ_CHECK(event.type == *route_type);
  FUZZ_CHECK(event.payload.size() <= limits.max_event_bytes + kMaxAddedBytes);

  // The payload is a JSON object within the depth limit, written in canonical form: writing it
  // again reproduces it (up to how precisely Boost.JSON reads doubles, see SameJson).
  json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  const json::value parsed = json::parse(event.payload, ec, {}, options);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(parsed.is_object());
  const std::string rewritten = SerializeJson(parsed);
  const json::value reread = json::parse(rewritten, ec, {}, options);
  FUZZ_CHECK(!ec);
  bool has_double = false;
  FUZZ_CHECK(SameJson(parsed, reread, has_double));
  if (!has_double) FUZZ_CHECK(rewritten == event.payload);

  // The fields the server fills in agree with the Event.
  const json::object& object = parsed.get_object();
  FUZZ_CHECK(StringField(object, "type") == EventTypeName(event.type));
  FUZZ_CHECK(StringField(object, "messageId") == event.message_id);
  FUZZ_CHECK(StringField(object, "receivedAt") == FormatTimestamp(kReceivedAt));
  const std::string_view timestamp = StringField(object, "timestamp");
  FUZZ_CHECK(timestamp == FormatTimestamp(event.timestamp_us));
  const auto reparsed = ParseTimestamp(timestamp);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(*reparsed == FloorToMillis(event.timestamp_us));
  if (!event.user_id.empty()) FUZZ_CHECK(StringField(object, "userId") == event.user_id);
  if (!event.anonymous_id.empty()) {
    FUZZ_CHECK(StringField(object, "anonymousId") == event.anonymous_id);
  }
}

bool IsClientError(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ||
         status.code() == StatusCode::kPayloadTooLarge;
}

// The number of messages in a body ParseBatch accepted.
size_t BatchSize(std::string_view body) {
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec);
  FUZZ_CHECK(!ec && root.is_object());
  const json::value* batch = root.get_object().if_contains("batch");
  FUZZ_CHECK(batch != nullptr && batch->is_array());
  return batch->get_array().size();
}

void Run(std::string_view body, const IngestLimits& limits) {
  std::vector<EventError> errors;
  auto batch = ParseBatch(body, kReceivedAt, limits, errors);
  if (batch.ok()) {
    FUZZ_CHECK(errors.empty());
    FUZZ_CHECK(body.size() <= limits.max_batch_bytes);
    FUZZ_CHECK(!batch->empty());
    FUZZ_CHECK(batch->size() == BatchSize(body));  // accepted whole
    for (const Event& event : *batch) CheckEvent(event, limits, std::nullopt);
  } else {
    FUZZ_CHECK(IsClientError(batch.status()));
    FUZZ_CHECK(!errors.empty());
    FUZZ_CHECK(errors.size() <= 50);
  }

  for (EventType route : kRoutes) {
    errors.clear();
    auto event = ParseSingleEvent(body, route, kReceivedAt, limits, errors);
    if (event.ok()) {
      FUZZ_CHECK(errors.empty());
      FUZZ_CHECK(body.size() <= limits.max_event_bytes);
      CheckEvent(*event, limits, route);
    } else {
      FUZZ_CHECK(IsClientError(event.status()));
      FUZZ_CHECK(errors.size() == 1 && errors[0].index == -1);
    }
  }
}

}  // namespace
}  // namespace mercato

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = mercato::fuzz::AsText(data, size);
  mercato::fuzz::current_input = body;
  mercato::Run(body, mercato::IngestLimits{});
  mercato::Run(body, mercato::kTightLimits);
  return 0;
}
