// ParseJourney: strict reading of a journey definition, collecting every error with its path.

#include <boost/json/parse.hpp>
#include <functional>
#include <set>

#include "analytics/rules/rule.h"
#include "journey/definition.h"
#include "journey/definition_graph.h"
#include "journey/definition_text.h"

namespace mercato::journey {
namespace {

namespace json = boost::json;
using namespace internal;  // NOLINT(google-build-using-namespace): the text forms

constexpr size_t kMaxErrors = 50;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxEventBytes = 200;
constexpr int64_t kHourUs = 3'600 * kSecondUs;

bool HasControl(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

class Reader {
 public:
  explicit Reader(std::vector<DefinitionError>* errors) : errors_(errors) {}

  void Error(const std::string& path, std::string message) {
    if (errors_->size() < kMaxErrors) errors_->push_back({path, std::move(message)});
  }

  // The object at `path`, or null (with an error) when `value` is not one. Unknown keys are
  // errors: a misspelt "tempalte" must not be ignored.
  const json::object* Object(const json::value& value, const std::string& path,
                             std::initializer_list<std::string_view> known) {
    const json::object* object = value.if_object();
    if (object == nullptr) {
      Error(path, "must be an object");
      return nullptr;
    }
    for (const auto& [key, unused] : *object) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == key;
      if (!ok) Error(Join(path, key), "unknown field");
    }
    return object;
  }

  // A string field; `required` reports a missing one.
  std::optional<std::string> String(const json::object& object, std::string_view key,
                                    const std::string& path, bool required, size_t max_bytes) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) {
      if (required) Error(Join(path, key), "is required");
      return std::nullopt;
    }
    const json::string* text = value->if_string();
    if (text == nullptr) {
      Error(Join(path, key), "must be a string");
      return std::nullopt;
    }
    if (text->empty() || text->size() > max_bytes || HasControl(*text)) {
      Error(Join(path, key),
            "must be 1-" + std::to_string(max_bytes) + " bytes without control characters");
      return std::nullopt;
    }
    return std::string(*text);
  }

  std::optional<std::string> Id(const json::object& object, std::string_view key,
                                const std::string& path, bool required) {
    auto id = String(object, key, path, required, 64);
    if (id && !IsValidId(*id)) {
      Error(Join(path, key), "'" + *id + "' is not an id (1-64 of a-z, 0-9, '_', '-')");
      return std::nullopt;
    }
    return id;
  }

  std::optional<int64_t> Duration(const json::object& object, std::string_view key,
                                  const std::string& path, bool required, int64_t min_us) {
    auto text = String(object, key, path, required, 16);
    if (!text) return std::nullopt;
    auto micros = ParseDuration(*text);
    if (!micros || *micros < min_us) {
      Error(Join(path, key), "'" + *text + "' is not a duration from " + FormatDuration(min_us) +
                                 " to 365d (e.g. 30m, 2h, 7d)");
      return std::nullopt;
    }
    return micros;
  }

  std::optional<int> TimeOfDay(const json::object& object, std::string_view key,
                               const std::string& path) {
    auto text = String(object, key, path, true, 16);
    if (!text) return std::nullopt;
    auto minutes = ParseTimeOfDay(*text);
    if (!minutes) Error(Join(path, key), "'" + *text + "' is not a time of day HH:MM");
    return minutes;
  }

  EventMatcher Matcher(const json::object& object, const std::string& path) {
    EventMatcher matcher;
    matcher.event = String(object, "event", path, true, kMaxEventBytes).value_or("");
    const json::value* where = object.if_contains("where");
    if (where == nullptr) return matcher;
    const json::array* filters = where->if_array();
    if (filters == nullptr || filters->size() > kMaxFilters) {
      Error(Join(path, "where"),
            "must be an array of at most " + std::to_string(kMaxFilters) + " conditions");
      return matcher;
    }
    for (size_t i = 0; i < filters->size(); ++i) {
      const std::string at = Join(path, "where") + "[" + std::to_string(i) + "]";
      if (auto filter = Filter((*filters)[i], at)) matcher.where.push_back(std::move(*filter));
    }
    return matcher;
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

 private:
  std::optional<PropertyFilter> Filter(const json::value& value, const std::string& path) {
    const json::object* object = Object(value, path, {"property", "op", "value"});
    if (object == nullptr) return std::nullopt;
    PropertyFilter filter;
    auto property = String(*object, "property", path, true, kMaxEventBytes);
    auto op_text = String(*object, "op", path, true, 16);
    if (op_text) {
      auto op = ParseFilterOp(*op_text);
      if (!op) {
        Error(Join(path, "op"),
              "'" + *op_text + "' is not one of = != < <= > >= in contains exists");
      } else {
        filter.op = *op;
      }
    }
    const json::value* operand = object->if_contains("value");
    if (operand == nullptr) {
      Error(Join(path, "value"), "is required");
      return std::nullopt;
    }
    if (!property || !op_text || !ParseFilterOp(*op_text)) return std::nullopt;
    filter.property = *property;
    filter.value = *operand;
    auto scalar = [](const json::value& v) { return v.is_string() || v.is_number(); };
    bool ok = true;
    switch (filter.op) {
      case PropertyFilter::Op::kEq:
      case PropertyFilter::Op::kNe:
        ok = scalar(*operand) || operand->is_bool();
        if (!ok) Error(Join(path, "value"), "must be a string, number or boolean");
        break;
      case PropertyFilter::Op::kLt:
      case PropertyFilter::Op::kLe:
      case PropertyFilter::Op::kGt:
      case PropertyFilter::Op::kGe:
        ok = scalar(*operand);
        if (!ok) Error(Join(path, "value"), "must be a string or a number");
        break;
      case PropertyFilter::Op::kIn: {
        const json::array* list = operand->if_array();
        ok = list != nullptr && !list->empty() && list->size() <= 100;
        for (size_t i = 0; ok && i < list->size(); ++i) ok = scalar((*list)[i]);
        if (!ok) Error(Join(path, "value"), "must be an array of 1-100 strings or numbers");
        break;
      }
      case PropertyFilter::Op::kContains:
        ok = operand->is_string() && !operand->get_string().empty();
        if (!ok) Error(Join(path, "value"), "must be a non-empty string");
        break;
      case PropertyFilter::Op::kExists:
        ok = operand->is_bool();
        if (!ok) Error(Join(path, "value"), "must be true or false");
        break;
    }
    if (ok && operand->is_double() && !std::isfinite(operand->get_double())) ok = false;
    return ok ? std::optional<PropertyFilter>(std::move(filter)) : std::nullopt;
  }

  std::vector<DefinitionError>* errors_;
};

void ReadTrigger(Reader& r, const json::value& value, Trigger* trigger) {
  const json::object* object =
      r.Object(value, "trigger", {"event", "where", "segmentEntered", "segmentExited", "schedule"});
  if (object == nullptr) return;
  const int kinds = static_cast<int>(object->contains("event")) +
                    static_cast<int>(object->contains("segmentEntered")) +
                    static_cast<int>(object->contains("segmentExited")) +
                    static_cast<int>(object->contains("schedule"));
  if (kinds != 1) {
    r.Error("trigger", "needs exactly one of event, segmentEntered, segmentExited, schedule");
    return;
  }
  if (object->contains("event")) {
    trigger->kind = Trigger::Kind::kEvent;
    trigger->event = r.Matcher(*object, "trigger");
    return;
  }
  if (object->contains("where")) r.Error("trigger.where", "applies only to an event trigger");
  if (object->contains("schedule")) {
    trigger->kind = Trigger::Kind::kSchedule;
    const json::object* schedule =
        r.Object(*object->if_contains("schedule"), "trigger.schedule", {"every", "at", "segment"});
    if (schedule == nullptr) return;
    trigger->every_us =
        r.Duration(*schedule, "every", "trigger.schedule", true, kHourUs).value_or(0);
    if (schedule->contains("at")) {
      trigger->at_minute = r.TimeOfDay(*schedule, "at", "trigger.schedule").value_or(-1);
    }
    trigger->segment = r.Id(*schedule, "segment", "trigger.schedule", true).value_or("");
    return;
  }
  const bool entered = object->contains("segmentEntered");
  trigger->kind = entered ? Trigger::Kind::kSegmentEntered : Trigger::Kind::kSegmentExited;
  trigger->segment =
      r.Id(*object, entered ? "segmentEntered" : "segmentExited", "trigger", true).value_or("");
}

void ReadSend(Reader& r, const json::value& value, const std::string& path, Send* send) {
  const json::object* object =
      r.Object(value, path, {"channel", "template", "endpoint", "audience"});
  if (object == nullptr) return;
  auto channel_text = r.String(*object, "channel", path, true, 32);
  if (!channel_text) return;
  auto channel = ParseChannel(*channel_text);
  if (!channel) {
    r.Error(Reader::Join(path, "channel"),
            "'" + *channel_text +
                "' is not one of email, push, webhook, chat, audience_add, audience_remove");
    return;
  }
  send->channel = *channel;
  const bool audience = *channel == Channel::kAudienceAdd || *channel == Channel::kAudienceRemove;
  const bool endpoint = *channel == Channel::kWebhook || *channel == Channel::kChat;
  send->tmpl = r.Id(*object, "template", path, !audience).value_or("");
  send->endpoint = r.Id(*object, "endpoint", path, endpoint).value_or("");
  send->audience = r.Id(*object, "audience", path, audience).value_or("");
  if (audience && object->contains("template")) {
    r.Error(Reader::Join(path, "template"), "an audience update sends no message");
  }
  if (!endpoint && object->contains("endpoint")) {
    r.Error(Reader::Join(path, "endpoint"), "only webhook and chat sends have an endpoint");
  }
  if (!audience && object->contains("audience")) {
    r.Error(Reader::Join(path, "audience"), "only audience_add and audience_remove have one");
  }
}

void ReadSplit(Reader& r, const json::value& value, const std::string& path, Step* step) {
  const json::object* object = r.Object(value, path, {"variants", "control", "choose"});
  if (object == nullptr) return;
  const json::value* variants = object->if_contains("variants");
  const json::array* list = variants != nullptr ? variants->if_array() : nullptr;
  if (list == nullptr || list->size() < 1 || list->size() > kMaxVariants) {
    r.Error(Reader::Join(path, "variants"),
            "must be an array of 1-" + std::to_string(kMaxVariants) + " variants");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = Reader::Join(path, "variants") + "[" + std::to_string(i) + "]";
    const json::object* item = r.Object((*list)[i], at, {"name", "weight", "next"});
    if (item == nullptr) continue;
    Variant variant;
    variant.name = r.Id(*item, "name", at, true).value_or("");
    if (!variant.name.empty() && !names.insert(variant.name).second) {
      r.Error(Reader::Join(at, "name"), "'" + variant.name + "' is used twice");
    }
    variant.next = r.Id(*item, "next", at, true).value_or("");
    if (const json::value* weight = item->if_contains("weight")) {
      if (!weight->is_int64() || weight->get_int64() < 1 || weight->get_int64() > 1000) {
        r.Error(Reader::Join(at, "weight"), "must be a whole number from 1 to 1000");
      } else {
        variant.weight = static_cast<uint32_t>(weight->get_int64());
      }
    }
    step->variants.push_back(std::move(variant));
  }
  if (const json::value* control = object->if_contains("control")) {
    if (!control->is_int64() || control->get_int64() < 0 || control->get_int64() > 50) {
      r.Error(Reader::Join(path, "control"), "must be a whole percentage from 0 to 50");
    } else {
      step->control_percent = static_cast<uint32_t>(control->get_int64());
    }
  }
  if (const json::value* choose = object->if_contains("choose")) {
    if (!choose->is_string() ||
        (choose->get_string() != "weights" && choose->get_string() != "conversions" &&
         choose->get_string() != "clicks")) {
      r.Error(Reader::Join(path, "choose"), "must be \"weights\", \"conversions\" or \"clicks\"");
    } else {
      step->by_conversions = choose->get_string() == "conversions";
      step->by_clicks = choose->get_string() == "clicks";
    }
  }
}

void ReadStep(Reader& r, const json::value& value, const std::string& path, Step* step) {
  static constexpr std::array<std::string_view, 8> kKinds = {
      "wait", "waitUntil", "waitFor", "branch", "split", "send", "setTrait", "exit"};
  const json::object* object =
      r.Object(value, path,
               {"id", "wait", "waitUntil", "waitFor", "timeout", "onTimeout", "branch", "then",
                "else", "split", "send", "setTrait", "exit", "next"});
  if (object == nullptr) return;
  step->id = r.Id(*object, "id", path, true).value_or("");
  int found = -1;
  int count = 0;
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (object->contains(kKinds[i])) {
      found = static_cast<int>(i);
      ++count;
    }
  }
  if (count != 1) {
    r.Error(path,
            "needs exactly one of wait, waitUntil, waitFor, branch, split, send, setTrait, "
            "exit");
    return;
  }
  step->kind = static_cast<Step::Kind>(found);
  const bool waits_for = step->kind == Step::Kind::kWaitForEvent;
  const bool branches = step->kind == Step::Kind::kBranch;
  for (std::string_view key : {"timeout", "onTimeout"}) {
    if (!waits_for && object->contains(key)) r.Error(Reader::Join(path, key), "only for waitFor");
  }
  for (std::string_view key : {"then", "else"}) {
    if (!branches && object->contains(key)) r.Error(Reader::Join(path, key), "only for branch");
  }
  const bool routes_itself =
      branches || step->kind == Step::Kind::kSplit || step->kind == Step::Kind::kExit;
  if (routes_itself && object->contains("next")) {
    r.Error(Reader::Join(path, "next"),
            "'" + std::string(kKinds[found]) + "' steps name their successors themselves");
  } else if (object->contains("next")) {
    step->next = r.Id(*object, "next", path, true).value_or("");
  }
  switch (step->kind) {
    case Step::Kind::kWait:
      step->wait_us = r.Duration(*object, "wait", path, true, kSecondUs).value_or(0);
      break;
    case Step::Kind::kWaitUntil: {
      const json::value* until = object->if_contains("waitUntil");
      if (until != nullptr && until->is_string() && until->get_string() == "best") {
        step->at_minute = kBestTime;
      } else {
        step->at_minute = r.TimeOfDay(*object, "waitUntil", path).value_or(0);
      }
      break;
    }
    case Step::Kind::kWaitForEvent: {
      const std::string at = Reader::Join(path, "waitFor");
      if (const json::object* matcher =
              r.Object(*object->if_contains("waitFor"), at, {"event", "where"})) {
        step->wait_for = r.Matcher(*matcher, at);
      }
      step->timeout_us = r.Duration(*object, "timeout", path, true, kSecondUs).value_or(0);
      step->on_timeout = r.Id(*object, "onTimeout", path, false).value_or("");
      break;
    }
    case Step::Kind::kBranch: {
      auto text = r.String(*object, "branch", path, true, 4096);
      if (text) {
        auto rule = analytics::rules::Rule::Compile(*text);
        if (rule.ok()) {
          step->rule = rule->canonical_text();
        } else {
          r.Error(Reader::Join(path, "branch"), rule.status().message());
        }
      }
      step->then_step = r.Id(*object, "then", path, false).value_or("");
      step->else_step = r.Id(*object, "else", path, false).value_or("");
      break;
    }
    case Step::Kind::kSplit:
      ReadSplit(r, *object->if_contains("split"), Reader::Join(path, "split"), step);
      break;
    case Step::Kind::kSend:
      ReadSend(r, *object->if_contains("send"), Reader::Join(path, "send"), &step->send);
      break;
    case Step::Kind::kSetTrait: {
      const std::string at = Reader::Join(path, "setTrait");
      const json::object* trait = r.Object(*object->if_contains("setTrait"), at, {"name", "value"});
      if (trait == nullptr) break;
      step->trait = r.String(*trait, "name", at, true, kMaxNameBytes).value_or("");
      const json::value* assigned = trait->if_contains("value");
      if (assigned == nullptr) {
        r.Error(Reader::Join(at, "value"), "is required (null removes the trait)");
      } else if (assigned->is_structured() ||
                 (assigned->is_double() && !std::isfinite(assigned->get_double()))) {
        r.Error(Reader::Join(at, "value"), "must be a string, number, boolean or null");
      } else {
        step->trait_value = *assigned;
      }
      break;
    }
    case Step::Kind::kExit: {
      const json::value& exit = *object->if_contains("exit");
      if (!exit.is_bool() || !exit.get_bool()) r.Error(Reader::Join(path, "exit"), "must be true");
      break;
    }
  }
}

void ReadReentry(Reader& r, const json::object& root, JourneyDefinition* def) {
  const json::value* value = root.if_contains("reentry");
  if (value == nullptr) return;
  if (value->is_string() && value->get_string() == "never") return;
  if (value->is_string() && value->get_string() == "afterExit") {
    def->reentry = Reentry::kAfterExit;
    return;
  }
  if (value->is_object()) {
    const json::object* object = r.Object(*value, "reentry", {"after"});
    def->reentry = Reentry::kAfterCooldown;
    def->reentry_after_us = r.Duration(*object, "after", "reentry", true, kHourUs).value_or(0);
    return;
  }
  r.Error("reentry", "must be \"never\", \"afterExit\" or {\"after\": \"<duration>\"}");
}

}  // namespace

Result<JourneyDefinition> ParseJourney(std::string_view text,
                                       std::vector<DefinitionError>* errors_out) {
  std::vector<DefinitionError> errors;
  JourneyDefinition def;
  Reader r(&errors);
  boost::system::error_code ec;
  json::value root;
  if (text.size() > kMaxDefinitionBytes) {
    r.Error("", "a definition is at most " + std::to_string(kMaxDefinitionBytes) + " bytes");
  } else {
    root = json::parse(text, ec);
    if (ec) r.Error("", "not valid JSON: " + ec.message());
  }
  const json::object* object =
      errors.empty() ? r.Object(root, "", {"id", "name", "trigger", "reentry", "goal", "steps"})
                     : nullptr;
  if (object != nullptr) {
    def.id = r.Id(*object, "id", "", true).value_or("");
    def.name = r.String(*object, "name", "", true, kMaxNameBytes).value_or("");
    if (const json::value* trigger = object->if_contains("trigger")) {
      ReadTrigger(r, *trigger, &def.trigger);
    } else {
      r.Error("trigger", "is required");
    }
    ReadReentry(r, *object, &def);
    if (const json::value* goal = object->if_contains("goal")) {
      if (const json::object* g = r.Object(*goal, "goal", {"event", "where", "within"})) {
        def.has_goal = true;
        def.goal = r.Matcher(*g, "goal");
        def.goal_within_us = g->contains("within")
                                 ? r.Duration(*g, "within", "goal", true, kHourUs).value_or(0)
                                 : int64_t{7} * 24 * kHourUs;
      }
    }
    const json::value* steps = object->if_contains("steps");
    const json::array* list = steps != nullptr ? steps->if_array() : nullptr;
    if (list == nullptr || list->empty() || list->size() > kMaxSteps) {
      r.Error("steps", "must be an array of 1-" + std::to_string(kMaxSteps) + " steps");
    } else {
      for (size_t i = 0; i < list->size(); ++i) {
        Step step;
        ReadStep(r, (*list)[i], "steps[" + std::to_string(i) + "]", &step);
        def.steps.push_back(std::move(step));
      }
      if (errors.empty())
        CheckStepGraph(def, [&](const std::string& path, std::string message) {
          r.Error(path, std::move(message));
        });
    }
  }
  if (errors.empty()) return def;
  std::string message = errors.front().ToString();
  if (errors.size() > 1) message += " (and " + std::to_string(errors.size() - 1) + " more)";
  if (errors_out != nullptr) *errors_out = std::move(errors);
  return Status::InvalidArgument(std::move(message));
}

}  // namespace mercato::journey
