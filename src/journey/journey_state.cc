#include "journey/journey_state.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mercato::journey {
namespace {

namespace json = boost::json;

std::string_view WaitName(JourneyState::Wait wait) {
  switch (wait) {
    case JourneyState::Wait::kTimer:
      return "timer";
    case JourneyState::Wait::kEvent:
      return "event";
    case JourneyState::Wait::kNone:
      break;
  }
  return "none";
}

bool Int(const json::object& object, std::string_view key, int64_t& out) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_int64()) return false;
  out = value->get_int64();
  return true;
}

bool Str(const json::object& object, std::string_view key, std::string& out) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return false;
  out = value->get_string();
  return true;
}

}  // namespace

std::string JourneyState::Serialize() const {
  json::object out;
  out["v"] = 1;
  out["version"] = static_cast<int64_t>(version);
  out["entry"] = static_cast<int64_t>(entry);
  out["status"] = active ? "active" : "exited";
  out["step"] = step;
  out["wait"] = WaitName(wait);
  out["due"] = due_us;
  out["enteredAt"] = entered_at_us;
  out["exitedAt"] = exited_at_us;
  out["exitReason"] = exit_reason;
  out["variant"] = variant;
  out["lastSend"] = last_send;
  out["lastSendAt"] = last_send_at_us;
  out["converted"] = converted;
  out["clicked"] = clicked;
  return json::serialize(out);
}

Result<JourneyState> JourneyState::Parse(std::string_view stored) {
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const Status corrupt = Status::Corruption("a journey state is malformed");
  if (ec || !root.is_object()) return corrupt;
  const json::object& object = root.get_object();
  JourneyState state;
  int64_t v = 0;
  int64_t version = 0;
  int64_t entry = 0;
  int64_t step = 0;
  std::string status;
  std::string wait;
  const json::value* converted = object.if_contains("converted");
  if (!Int(object, "v", v) || v != 1 || !Int(object, "version", version) || version < 1 ||
      !Int(object, "entry", entry) || entry < 1 || entry > UINT32_MAX ||
      !Int(object, "step", step) || step < 0 || step > INT32_MAX ||
      !Str(object, "status", status) || !Str(object, "wait", wait) ||
      !Int(object, "due", state.due_us) || !Int(object, "enteredAt", state.entered_at_us) ||
      !Int(object, "exitedAt", state.exited_at_us) ||
      !Str(object, "exitReason", state.exit_reason) || !Str(object, "variant", state.variant) ||
      !Str(object, "lastSend", state.last_send) ||
      !Int(object, "lastSendAt", state.last_send_at_us) || converted == nullptr ||
      !converted->is_bool()) {
    return corrupt;
  }
  if (status != "active" && status != "exited") return corrupt;
  if (wait == "none") {
    state.wait = Wait::kNone;
  } else if (wait == "timer") {
    state.wait = Wait::kTimer;
  } else if (wait == "event") {
    state.wait = Wait::kEvent;
  } else {
    return corrupt;
  }
  state.version = static_cast<uint64_t>(version);
  state.entry = static_cast<uint32_t>(entry);
  state.step = static_cast<int>(step);
  state.active = status == "active";
  state.converted = converted->get_bool();
  if (const json::value* clicked = object.if_contains("clicked")) {
    if (!clicked->is_bool()) return Status::Corruption("a journey state is malformed");
    state.clicked = clicked->get_bool();
  }
  return state;
}

}  // namespace mercato::journey
