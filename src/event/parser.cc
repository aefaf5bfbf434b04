#include "event/parser.h"

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/id.h"
#include "core/time_format.h"
#include "event/json_writer.h"

namespace mercato {
namespace json = boost::json;
namespace {

constexpr size_t kMaxErrorsReported = 50;

// Parses text into a JSON value with the limits applied; Boost.JSON rejects invalid UTF-8.
// `storage` (a per-request monotonic arena) must outlive the returned value and everything moved
// out of it.
Result<json::value> ParseJson(std::string_view text, const IngestLimits& limits,
                              json::storage_ptr storage) {
  if (text.empty()) return Status::InvalidArgument("empty body: expected a JSON object");
  json::parse_options options;
  options.max_depth = limits.max_depth;
  options.allow_invalid_utf8 = false;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  boost::system::error_code ec;
  json::value value =
      json::parse(json::string_view(text.data(), text.size()), ec, std::move(storage), options);
  if (ec) {
    if (ec == json::error::too_deep) {
      return Status::InvalidArgument("malformed JSON: nesting deeper than " +
                                     std::to_string(limits.max_depth) + " levels");
    }
    return Status::InvalidArgument("malformed JSON: " + ec.message());
  }
  return value;
}

// Reads an identifier field that Segment allows as string (numbers are converted).
// Returns the value, empty when absent/null; error when of another type or too long.
Status ReadId(json::object& object, std::string_view key, const IngestLimits& limits,
              std::string& out) {
  out.clear();
  auto* field = object.if_contains(key);
  if (field == nullptr || field->is_null()) return Status::Ok();
  if (field->is_string()) {
    out.assign(field->get_string().data(), field->get_string().size());
  } else if (field->is_int64() || field->is_uint64()) {
    out = json::serialize(*field);
    *field = json::string(out);
  } else {
    return Status::InvalidArgument("'" + std::string(key) + "' must be a string");
  }
  if (out.size() > limits.max_id_bytes) {
    return Status::InvalidArgument("'" + std::string(key) + "' is longer than " +
                                   std::to_string(limits.max_id_bytes) + " bytes");
  }
  return Status::Ok();
}

Status RequireObjectOrAbsent(const json::object& object, std::string_view key) {
  auto* field = object.if_contains(key);
  if (field == nullptr || field->is_null() || field->is_object()) return Status::Ok();
  return Status::InvalidArgument("'" + std::string(key) + "' must be an object");
}

Status RequireStringOrAbsent(const json::object& object, std::string_view key, size_t max_bytes) {
  auto* field = object.if_contains(key);
  if (field == nullptr || field->is_null()) return Status::Ok();
  if (!field->is_string())
    return Status::InvalidArgument("'" + std::string(key) + "' must be a string");
  if (field->get_string().size() > max_bytes) {
    return Status::InvalidArgument("'" + std::string(key) + "' is longer than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  return Status::Ok();
}

// Returns the parsed time of an optional timestamp field, 0 with has=false when absent.
Status ReadTime(const json::object& object, std::string_view key, bool& has, int64_t& micros) {
  has = false;
  auto* field = object.if_contains(key);
  if (field == nullptr || field->is_null()) return Status::Ok();
  if (!field->is_string()) {
    return Status::InvalidArgument("'" + std::string(key) + "' must be an ISO-8601 string");
  }
  auto parsed = ParseTimestamp(std::string_view(field->get_string()));
  if (!parsed.ok()) {
    return Status::InvalidArgument("'" + std::string(key) + "': " + parsed.status().message());
  }
  has = true;
  micros = *parsed;
  return Status::Ok();
}

size_t AddedBytes(std::string_view key, std::string_view value) {
  return key.size() + value.size() + 6;  // quotes, colon and comma
}

// NormalizeEvent with receivedAt already formatted (a batch formats it once).
Result<Event> Normalize(json::object object, std::optional<EventType> route_type,
                        int64_t received_at_us, std::string_view received_text,
                        const IngestLimits& limits, std::string_view default_sent_at,
                        const PayloadTransform& transform) {
  Event event;
  size_t added = 0;
  if (const json::value* source = object.if_contains("source");
      source != nullptr && source->is_string() && IsSystemSource(source->get_string())) {
    return Status::InvalidArgument("'source' values starting with '" +
                                   std::string(kSystemSourcePrefix) +
                                   "' are reserved for the engine's own events");
  }
  if (object.contains(kForwardedMember)) {
    return Status::InvalidArgument("'" + std::string(kForwardedMember) +
                                   "' is reserved for the engine's own copies of events");
  }
  // type
  auto* type_field = object.if_contains("type");
  if (type_field != nullptr && !type_field->is_null()) {
    if (!type_field->is_string()) return Status::InvalidArgument("'type' must be a string");
    auto parsed = EventTypeFromName(std::string_view(type_field->get_string()));
    if (!parsed) {
      return Status::InvalidArgument("unknown type '" +
                                     std::string(type_field->get_string().subview(0, 64)) + "'");
    }
    if (route_type && *parsed != *route_type) {
      return Status::InvalidArgument("'type' is '" + std::string(EventTypeName(*parsed)) +
                                     "' but the route is /v1/" +
                                     std::string(EventTypeName(*route_type)));
    }
    event.type = *parsed;
  } else if (route_type) {
    event.type = *route_type;
    object["type"] = EventTypeName(event.type);
    added += AddedBytes("type", EventTypeName(event.type));
  } else {
    return Status::InvalidArgument("missing 'type'");
  }

  RETURN_IF_ERROR(ReadId(object, "userId", limits, event.user_id));
  RETURN_IF_ERROR(ReadId(object, "anonymousId", limits, event.anonymous_id));
  if (event.user_id.empty() && event.anonymous_id.empty()) {
    return Status::InvalidArgument("either 'userId' or 'anonymousId' is required");
  }
  RETURN_IF_ERROR(ReadId(object, "messageId", limits, event.message_id));
  for (const char* key : {"context", "integrations", "properties", "traits"}) {
    RETURN_IF_ERROR(RequireObjectOrAbsent(object, key));
  }

  std::string scratch;
  switch (event.type) {
    case EventType::kTrack: {
      auto* name = object.if_contains("event");
      if (name == nullptr || !name->is_string() || name->get_string().empty()) {
        return Status::InvalidArgument("track requires a non-empty string 'event'");
      }
      RETURN_IF_ERROR(RequireStringOrAbsent(object, "event", limits.max_name_bytes));
      break;
    }
    case EventType::kPage:
    case EventType::kScreen:
      RETURN_IF_ERROR(RequireStringOrAbsent(object, "name", limits.max_name_bytes));
      RETURN_IF_ERROR(RequireStringOrAbsent(object, "category", limits.max_name_bytes));
      break;
    case EventType::kGroup:
      RETURN_IF_ERROR(ReadId(object, "groupId", limits, scratch));
      if (scratch.empty()) return Status::InvalidArgument("group requires 'groupId'");
      break;
    case EventType::kAlias:
      RETURN_IF_ERROR(ReadId(object, "previousId", limits, scratch));
      if (scratch.empty()) return Status::InvalidArgument("alias requires 'previousId'");
      if (event.user_id.empty()) return Status::InvalidArgument("alias requires 'userId'");
      break;
    case EventType::kIdentify:
      break;
  }

  bool has_timestamp = false, has_original = false, has_sent = false;
  int64_t timestamp = 0, original = 0, sent = 0;
  RETURN_IF_ERROR(ReadTime(object, "timestamp", has_timestamp, timestamp));
  RETURN_IF_ERROR(ReadTime(object, "originalTimestamp", has_original, original));
  RETURN_IF_ERROR(ReadTime(object, "sentAt", has_sent, sent));
  if (!has_sent && !default_sent_at.empty()) {
    auto parsed = ParseTimestamp(default_sent_at);
    if (!parsed.ok())
      return Status::InvalidArgument("batch 'sentAt': " + parsed.status().message());
    has_sent = true;
    sent = *parsed;
  }
  // The client's notion of when it happened: originalTimestamp if given, else timestamp.
  bool has_client_time = has_original || has_timestamp;
  int64_t client_time = has_original ? original : timestamp;
  if (has_client_time && has_sent) {
    event.timestamp_us = received_at_us - (sent - client_time);
  } else if (has_client_time) {
    event.timestamp_us = client_time;
  } else {
    event.timestamp_us = received_at_us;
  }
  event.received_at_us = received_at_us;
  // Skew correction can move a time outside what ISO-8601 years 0000-9999 express.
  static const int64_t kMinTimestamp = DaysFromCivil(0, 1, 1) * kMicrosPerDay;
  static const int64_t kMaxTimestamp = DaysFromCivil(10000, 1, 1) * kMicrosPerDay - 1;
  if (event.timestamp_us < kMinTimestamp || event.timestamp_us > kMaxTimestamp) {
    return Status::InvalidArgument(
        "'timestamp' is outside years 0000-9999 after clock-skew correction from 'sentAt'");
  }

  if (event.message_id.empty()) {
    event.message_id = NewUuid();
    object["messageId"] = event.message_id;
    added += AddedBytes("messageId", event.message_id);
  }
  std::string ts_text = FormatTimestamp(event.timestamp_us);
  if (has_client_time && !has_original) {
    object["originalTimestamp"] = object["timestamp"];
    added += AddedBytes("originalTimestamp", ts_text);
  }
  if (!has_timestamp) added += AddedBytes("timestamp", ts_text);
  object["timestamp"] = ts_text;
  object["receivedAt"] = json::string_view(received_text.data(), received_text.size());
  added += AddedBytes("receivedAt", received_text);

  event.payload.reserve(512);
  if (!AppendJson(event.payload, object)) {
    return Status::InvalidArgument("a number is too large to be represented (e.g. 1e400)");
  }
  size_t client_bytes = event.payload.size() > added ? event.payload.size() - added : 0;
  if (client_bytes > limits.max_event_bytes) {
    return Status::PayloadTooLarge("event is " + std::to_string(client_bytes) +
                                   " bytes; the limit is " +
                                   std::to_string(limits.max_event_bytes));
  }
  if (transform) {
    RETURN_IF_ERROR(transform(event, object));
    event.payload.clear();
    if (!AppendJson(event.payload, object)) {
      return Status::InvalidArgument("a number is too large to be represented (e.g. 1e400)");
    }
  }
  return event;
}

}  // namespace

Result<Event> NormalizeEvent(json::object object, std::optional<EventType> route_type,
                             int64_t received_at_us, const IngestLimits& limits,
                             std::string_view default_sent_at, const PayloadTransform& transform) {
  return Normalize(std::move(object), route_type, received_at_us, FormatTimestamp(received_at_us),
                   limits, default_sent_at, transform);
}

Result<Event> ParseSingleEvent(std::string_view body, EventType route_type, int64_t received_at_us,
                               const IngestLimits& limits, std::vector<EventError>& errors,
                               const PayloadTransform& transform) {
  if (body.size() > limits.max_event_bytes) {
    Status status = Status::PayloadTooLarge("body is " + std::to_string(body.size()) +
                                            " bytes; the limit for one event is " +
                                            std::to_string(limits.max_event_bytes));
    errors.push_back({-1, status.message()});
    return status;
  }
  json::monotonic_resource arena;
  auto value = ParseJson(body, limits, &arena);
  if (!value.ok()) {
    errors.push_back({-1, value.status().message()});
    return value.status();
  }
  if (!value->is_object()) {
    errors.push_back({-1, "body must be a JSON object"});
    return Status::InvalidArgument("body must be a JSON object");
  }
  auto event = NormalizeEvent(std::move(value->get_object()), route_type, received_at_us, limits,
                              {}, transform);
  if (!event.ok()) errors.push_back({-1, event.status().message()});
  return event;
}

Result<std::vector<Event>> ParseBatch(std::string_view body, int64_t received_at_us,
                                      const IngestLimits& limits, std::vector<EventError>& errors,
                                      const PayloadTransform& transform) {
  if (body.size() > limits.max_batch_bytes) {
    Status status = Status::PayloadTooLarge("body is " + std::to_string(body.size()) +
                                            " bytes; the batch limit is " +
                                            std::to_string(limits.max_batch_bytes));
    errors.push_back({-1, status.message()});
    return status;
  }
  // One arena for the whole body: the DOM is freed at once when the batch is done.
  json::monotonic_resource arena;
  auto value = ParseJson(body, limits, &arena);
  if (!value.ok()) {
    errors.push_back({-1, value.status().message()});
    return value.status();
  }
  auto fail_body = [&](std::string message) {
    errors.push_back({-1, message});
    return Status::InvalidArgument(std::move(message));
  };
  if (!value->is_object()) return fail_body("body must be a JSON object");
  json::object& root = value->get_object();
  auto* batch = root.if_contains("batch");
  if (batch == nullptr || !batch->is_array()) return fail_body("'batch' must be an array");
  if (batch->get_array().empty()) return fail_body("'batch' is empty");
  if (RequireObjectOrAbsent(root, "context").ok() == false)
    return fail_body("'context' must be an object");
  if (RequireObjectOrAbsent(root, "integrations").ok() == false) {
    return fail_body("'integrations' must be an object");
  }
  std::string default_sent_at;
  if (auto* sent = root.if_contains("sentAt"); sent != nullptr && !sent->is_null()) {
    if (!sent->is_string()) return fail_body("'sentAt' must be an ISO-8601 string");
    default_sent_at = std::string(sent->get_string());
    auto parsed = ParseTimestamp(default_sent_at);
    if (!parsed.ok()) return fail_body("'sentAt': " + parsed.status().message());
  }
  const json::value* shared_context = root.if_contains("context");
  const json::value* shared_integrations = root.if_contains("integrations");

  // Batch-level context and integrations are copied into every message lacking its own. Bound
  // the expansion: a large shared context times many tiny messages must not multiply memory.
  size_t shared_bytes = 0;
  for (const json::value* shared : {shared_context, shared_integrations}) {
    if (shared != nullptr && shared->is_object()) shared_bytes += SerializeJson(*shared).size();
  }
  if (shared_bytes > limits.max_event_bytes) {
    Status status = Status::PayloadTooLarge(
        "the batch's shared context and integrations are " + std::to_string(shared_bytes) +
        " bytes; the limit for one event is " + std::to_string(limits.max_event_bytes));
    errors.push_back({-1, status.message()});
    return status;
  }
  const size_t max_expanded_bytes = 2 * limits.max_batch_bytes;
  size_t expanded_bytes = 0;

  const std::string received_text = FormatTimestamp(received_at_us);
  std::vector<Event> events;
  json::array& items = batch->get_array();
  events.reserve(items.size());
  bool too_large = false;
  size_t bad = 0;
  int index = 0;
  for (json::value& item : items) {
    if (!item.is_object()) {
      ++bad;
      if (errors.size() < kMaxErrorsReported)
        errors.push_back({index, "event must be a JSON object"});
      ++index;
      continue;
    }
    json::object& object = item.get_object();
    if (shared_bytes > 0) {
      expanded_bytes += shared_bytes;
      if (expanded_bytes > max_expanded_bytes) {
        Status status = Status::PayloadTooLarge(
            "the batch's shared context copied into its " + std::to_string(items.size()) +
            " messages exceeds " + std::to_string(max_expanded_bytes) + " bytes");
        errors.clear();
        errors.push_back({-1, status.message()});
        return status;
      }
    }
    if (shared_context && shared_context->is_object() && !object.contains("context")) {
      object["context"] = *shared_context;
    }
    if (shared_integrations && shared_integrations->is_object() &&
        !object.contains("integrations")) {
      object["integrations"] = *shared_integrations;
    }
    auto event = Normalize(std::move(object), std::nullopt, received_at_us, received_text, limits,
                           default_sent_at, transform);
    if (event.ok()) {
      events.push_back(std::move(event).value());
    } else if (event.status().code() != StatusCode::kInvalidArgument &&
               event.status().code() != StatusCode::kPayloadTooLarge) {
      // Not the client's fault (e.g. the transform could not reach the key vault): the batch
      // fails as a whole with that status.
      errors.clear();
      errors.push_back({index, event.status().message()});
      return event.status();
    } else {
      ++bad;
      too_large |= event.status().code() == StatusCode::kPayloadTooLarge;
      if (errors.size() < kMaxErrorsReported) errors.push_back({index, event.status().message()});
    }
    ++index;
  }
  if (bad > 0) {
    std::string message = std::to_string(bad) + " of " + std::to_string(items.size()) +
                          " events are invalid; none was stored";
    return too_large ? Status::PayloadTooLarge(message) : Status::InvalidArgument(message);
  }
  return events;
}

}  // namespace mercato
