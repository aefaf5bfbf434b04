// The definition's text forms and its canonical JSON.

#include "journey/definition.h"

#include <array>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "core/id.h"
#include "journey/definition_text.h"

namespace mercato::journey {
namespace internal {
namespace {

struct Unit {
  char suffix;
  int64_t micros;
};
constexpr std::array<Unit, 5> kUnits = {{{'w', int64_t{7} * 86'400 * kSecondUs},
                                         {'d', 86'400 * kSecondUs},
                                         {'h', 3'600 * kSecondUs},
                                         {'m', 60 * kSecondUs},
                                         {'s', kSecondUs}}};

constexpr std::array<std::string_view, 9> kOps = {"=",  "!=", "<",        ">=",    ">",
                                                  "<=", "in", "contains", "exists"};
constexpr std::array<PropertyFilter::Op, 9> kOpValues = {
    PropertyFilter::Op::kEq, PropertyFilter::Op::kNe,       PropertyFilter::Op::kLt,
    PropertyFilter::Op::kGe, PropertyFilter::Op::kGt,       PropertyFilter::Op::kLe,
    PropertyFilter::Op::kIn, PropertyFilter::Op::kContains, PropertyFilter::Op::kExists};

constexpr std::array<std::string_view, 6> kChannels = {"email", "push",         "webhook",
                                                       "chat",  "audience_add", "audience_remove"};

}  // namespace

std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const char suffix = text.back();
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.size() > 9 || digits.front() == '0') return std::nullopt;
  int64_t amount = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
  if (ec != std::errc() || end != digits.data() + digits.size() || amount <= 0) {
    return std::nullopt;
  }
  for (const Unit& unit : kUnits) {
    if (unit.suffix != suffix) continue;
    if (amount > kMaxWaitUs / unit.micros) return std::nullopt;
    return amount * unit.micros;
  }
  return std::nullopt;
}

std::string FormatDuration(int64_t micros) {
  for (const Unit& unit : kUnits) {
    if (micros % unit.micros == 0) return std::to_string(micros / unit.micros) + unit.suffix;
  }
  return std::to_string(micros / kSecondUs) + "s";
}

std::optional<int> ParseTimeOfDay(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  const int h1 = digit(0), h2 = digit(1), m1 = digit(3), m2 = digit(4);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  const int hours = h1 * 10 + h2;
  const int minutes = m1 * 10 + m2;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

std::string FormatTimeOfDay(int minutes) {
  char text[6] = {
      static_cast<char>('0' + minutes / 600),     static_cast<char>('0' + minutes / 60 % 10), ':',
      static_cast<char>('0' + minutes % 60 / 10), static_cast<char>('0' + minutes % 10),      0};
  return text;
}

std::string_view FilterOpText(PropertyFilter::Op op) {
  for (size_t i = 0; i < kOpValues.size(); ++i) {
    if (kOpValues[i] == op) return kOps[i];
  }
  return "=";
}

std::optional<PropertyFilter::Op> ParseFilterOp(std::string_view text) {
  for (size_t i = 0; i < kOps.size(); ++i) {
    if (kOps[i] == text) return kOpValues[i];
  }
  return std::nullopt;
}

std::optional<Channel> ParseChannel(std::string_view text) {
  for (size_t i = 0; i < kChannels.size(); ++i) {
    if (kChannels[i] == text) return static_cast<Channel>(i);
  }
  return std::nullopt;
}

bool IsValidId(std::string_view id) { return IsSlugId(id); }

}  // namespace internal

std::string_view ChannelName(Channel channel) {
  return internal::kChannels[static_cast<size_t>(channel)];
}

namespace {

namespace json = boost::json;
using internal::FormatDuration;

json::object MatcherJson(const EventMatcher& matcher) {
  json::object out{{"event", matcher.event}};
  if (!matcher.where.empty()) {
    json::array where;
    for (const PropertyFilter& filter : matcher.where) {
      where.push_back(json::object{{"property", filter.property},
                                   {"op", internal::FilterOpText(filter.op)},
                                   {"value", filter.value}});
    }
    out["where"] = std::move(where);
  }
  return out;
}

json::object TriggerJson(const Trigger& trigger) {
  switch (trigger.kind) {
    case Trigger::Kind::kEvent:
      return MatcherJson(trigger.event);
    case Trigger::Kind::kSegmentEntered:
      return {{"segmentEntered", trigger.segment}};
    case Trigger::Kind::kSegmentExited:
      return {{"segmentExited", trigger.segment}};
    case Trigger::Kind::kSchedule: {
      json::object schedule{{"every", FormatDuration(trigger.every_us)}};
      if (trigger.at_minute >= 0) schedule["at"] = internal::FormatTimeOfDay(trigger.at_minute);
      if (!trigger.segment.empty()) schedule["segment"] = trigger.segment;
      return {{"schedule", std::move(schedule)}};
    }
  }
  return {};
}

json::object StepJson(const Step& step) {
  json::object out{{"id", step.id}};
  switch (step.kind) {
    case Step::Kind::kWait:
      out["wait"] = FormatDuration(step.wait_us);
      break;
    case Step::Kind::kWaitUntil:
      out["waitUntil"] =
          step.at_minute == kBestTime ? "best" : internal::FormatTimeOfDay(step.at_minute);
      break;
    case Step::Kind::kWaitForEvent:
      out["waitFor"] = MatcherJson(step.wait_for);
      out["timeout"] = FormatDuration(step.timeout_us);
      if (!step.on_timeout.empty()) out["onTimeout"] = step.on_timeout;
      break;
    case Step::Kind::kBranch:
      out["branch"] = step.rule;
      if (!step.then_step.empty()) out["then"] = step.then_step;
      if (!step.else_step.empty()) out["else"] = step.else_step;
      break;
    case Step::Kind::kSplit: {
      json::array variants;
      for (const Variant& variant : step.variants) {
        variants.push_back(json::object{
            {"name", variant.name}, {"weight", variant.weight}, {"next", variant.next}});
      }
      json::object split{{"variants", std::move(variants)}, {"control", step.control_percent}};
      if (step.by_conversions) split["choose"] = "conversions";
      if (step.by_clicks) split["choose"] = "clicks";
      out["split"] = std::move(split);
      break;
    }
    case Step::Kind::kSend: {
      json::object send{{"channel", ChannelName(step.send.channel)}};
      if (!step.send.tmpl.empty()) send["template"] = step.send.tmpl;
      if (!step.send.endpoint.empty()) send["endpoint"] = step.send.endpoint;
      if (!step.send.audience.empty()) send["audience"] = step.send.audience;
      out["send"] = std::move(send);
      break;
    }
    case Step::Kind::kSetTrait:
      out["setTrait"] = json::object{{"name", step.trait}, {"value", step.trait_value}};
      break;
    case Step::Kind::kExit:
      out["exit"] = true;
      break;
  }
  if (!step.next.empty()) out["next"] = step.next;
  return out;
}

}  // namespace

std::string JourneyDefinition::ToJson() const {
  json::object out{{"id", id}, {"name", name}, {"trigger", TriggerJson(trigger)}};
  switch (reentry) {
    case Reentry::kNever:
      out["reentry"] = "never";
      break;
    case Reentry::kAfterExit:
      out["reentry"] = "afterExit";
      break;
    case Reentry::kAfterCooldown:
      out["reentry"] = json::object{{"after", FormatDuration(reentry_after_us)}};
      break;
  }
  if (has_goal) {
    json::object goal_json = MatcherJson(goal);
    goal_json["within"] = FormatDuration(goal_within_us);
    out["goal"] = std::move(goal_json);
  }
  json::array steps_json;
  for (const Step& step : steps) steps_json.push_back(StepJson(step));
  out["steps"] = std::move(steps_json);
  return json::serialize(out);
}

int JourneyDefinition::StepIndex(std::string_view step_id) const {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == step_id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace mercato::journey
