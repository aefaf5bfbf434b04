// JourneyDefinition: what a journey does, as the API and the CLI accept it (JSON; the schema
// and examples are in docs/journeys.md). ParseJourney validates everything it can without the
// store: field types and ranges, step references, reachability, loops that never wait, branch
// rules (the segment rule language) and property filters. Whether the segments and templates a
// journey names exist is checked when it is activated.
//
//   {"id": "abandoned-cart", "name": "Abandoned cart",
//    "trigger": {"event": "Product Added", "where": [{"property": "price", "op": ">=", "value":
//    20}]}, "reentry": {"after": "7d"}, "goal": {"event": "Order Completed", "within": "3d"},
//    "steps": [
//      {"id": "wait", "wait": "1h"},
//      {"id": "bought", "branch": "orders >= 1", "then": "done"},
//      {"id": "remind", "send": {"channel": "email", "template": "cart-reminder"}},
//      {"id": "done", "exit": true}]}
//
// Steps run in array order unless one names its successor ("next", "then"/"else", the split's
// variants, "onTimeout"); a step that names none, at the end of the array, exits.
//
// Thread safety: plain values; ParseJourney is a pure function.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::journey {

inline constexpr size_t kMaxSteps = 100;
inline constexpr size_t kMaxFilters = 20;
inline constexpr size_t kMaxVariants = 10;
inline constexpr size_t kMaxDefinitionBytes = 256 * 1024;

// One condition on an event property ("properties.<property>" of the event; dotted paths reach
// into objects). Numbers compare as numbers, strings as strings; a missing property fails every
// condition except "!=" and "exists": false.
struct PropertyFilter {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kContains, kExists };
  std::string property;
  Op op = Op::kEq;
  boost::json::value value;  // kIn: an array of strings or numbers; kExists: a boolean
  bool operator==(const PropertyFilter&) const = default;
};

// A track event, by name, with conditions on its properties (all must hold).
struct EventMatcher {
  std::string event;
  std::vector<PropertyFilter> where;
  bool operator==(const EventMatcher&) const = default;
};

struct Trigger {
  enum class Kind { kEvent, kSegmentEntered, kSegmentExited, kSchedule };
  Kind kind = Kind::kEvent;
  EventMatcher event;    // kEvent
  std::string segment;   // kSegmentEntered/-Exited; kSchedule: the audience (empty: nobody)
  int64_t every_us = 0;  // kSchedule: the period, >= 1 hour
  int at_minute = -1;    // kSchedule: minutes after midnight UTC of the first run, -1 = any
  bool operator==(const Trigger&) const = default;
};

enum class Channel { kEmail, kPush, kWebhook, kChat, kAudienceAdd, kAudienceRemove };

struct Send {
  Channel channel = Channel::kEmail;
  std::string tmpl;      // email, push, chat, webhook (the body): a template id
  std::string endpoint;  // webhook, chat: a configured endpoint name
  std::string audience;  // audience add/remove: the audience id
  bool operator==(const Send&) const = default;
};

struct Variant {
  std::string name;
  uint32_t weight = 1;  // relative, 1-1000
  std::string next;     // the step this variant continues with
  bool operator==(const Variant&) const = default;
};

// Step::at_minute of `"waitUntil": "best"` (send-time optimisation).
inline constexpr int kBestTime = -1;

struct Step {
  enum class Kind { kWait, kWaitUntil, kWaitForEvent, kBranch, kSplit, kSend, kSetTrait, kExit };
  std::string id;
  Kind kind = Kind::kExit;
  std::string next;  // empty: the following step; after the last step, exit

  int64_t wait_us = 0;     // kWait: 1 s to 365 days
  int at_minute = 0;       // kWaitUntil: minutes after local midnight (the customer's time zone),
                           // or kBestTime: the customer's most active hour in the next 24 hours
  EventMatcher wait_for;   // kWaitForEvent: continues with `next` when it arrives ...
  int64_t timeout_us = 0;  // ... or with `on_timeout` after this long (1 s to 365 days)
  std::string on_timeout;  // empty: exit on timeout
  std::string rule;        // kBranch: canonical rule text (analytics/rules/printer.h)
  std::string then_step;   // kBranch: when the rule holds (empty: the following step)
  std::string else_step;   // kBranch: otherwise (empty: the following step)
  std::vector<Variant> variants;   // kSplit
  uint32_t control_percent = 0;    // kSplit: held out (they exit), 0-50
  bool by_conversions = false;     // kSplit: Thompson sampling on conversions instead of weights
  bool by_clicks = false;          // kSplit: Thompson sampling on e-mail clicks instead of weights
  Send send;                       // kSend
  std::string trait;               // kSetTrait: the trait's name
  boost::json::value trait_value;  // kSetTrait: any JSON scalar, null removes the trait
  bool operator==(const Step&) const = default;
};

enum class Reentry { kNever, kAfterExit, kAfterCooldown };

struct JourneyDefinition {
  std::string id;    // 1-64 chars of [a-z0-9_-], starting with a letter or digit
  std::string name;  // 1-200 bytes
  Trigger trigger;
  Reentry reentry = Reentry::kNever;
  int64_t reentry_after_us = 0;  // kAfterCooldown
  bool has_goal = false;
  EventMatcher goal;           // ends the journey; attributed to the last message and variant
  int64_t goal_within_us = 0;  // after the last message; 1 hour to 90 days
  std::vector<Step> steps;
  bool operator==(const JourneyDefinition&) const = default;

  // The canonical JSON (the form ParseJourney accepts; parses back to an equal definition).
  std::string ToJson() const;
  // The index of the step with this id, or -1.
  int StepIndex(std::string_view id) const;
};

// One problem, located by a JSON path ("steps[2].send.template").
struct DefinitionError {
  std::string path;
  std::string message;
  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
};

// The definition in `json`, or InvalidArgument whose message is the first error's ToString()
// (plus " (and N more)"); `*errors` receives every error found, in document order (at most 50).
Result<JourneyDefinition> ParseJourney(std::string_view json,
                                       std::vector<DefinitionError>* errors = nullptr);

// "email", "push", "webhook", "chat", "audience_add", "audience_remove".
std::string_view ChannelName(Channel channel);

}  // namespace mercato::journey
