// Fuzzes the segment rule language (src/analytics/rules/): parsing, printing, checking,
// evaluation and re-check times. Invariants:
//   - any input parses or fails with InvalidArgument whose RuleError points inside the input
//     (offset <= size, line and column >= 1) and whose message is RuleError::ToString();
//   - parse(print(parse(x))) == parse(x), and printing that again gives the same text;
//   - the printed rule checks exactly when the original does, to the same canonical text;
//   - a checked rule evaluates against a fixed customer without failing, and its value is
//     constant from `now` up to NextRecheckTime (checked at a few instants), or at several later
//     instants when there is none; rules that do not depend on time never need a re-check.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/checker.h"
#include "analytics/rules/dependencies.h"
#include "analytics/rules/evaluator.h"
#include "analytics/rules/parser.h"
#include "analytics/rules/printer.h"
#include "analytics/rules/recheck.h"
#include "fuzz_check.h"

namespace mercato::analytics::rules {
namespace {

constexpr int64_t kDay = 86'400'000'000;
constexpr int64_t kNow = 1'748'779'200'000'000;  // 2025-06-01T12:00:00Z

struct StoredEvent {
  std::string name;
  int64_t time_us;
  boost::json::object properties;
};

// One customer with a bit of everything: features of each type (and some missing), traits of
// each JSON type, events inside and outside windows, one in the future.
class FixedContext final : public RuleContext {
 public:
  FixedContext() {
    traits_ = boost::json::parse(
                  R"({"plan": "pro", "age": "42", "vip": true, "score": 7.5, "tags": ["a", 3],
                      "signup": "2025-05-20T00:00:00Z", "address": {"city": "Kraków"},
                      "nothing": null})")
                  .as_object();
    events_ = {
        {"Product Viewed", kNow - 1 * kDay, {{"category", "shoes"}, {"price", 99}}},
        {"Product Viewed", kNow - 6 * kDay, {{"category", "shoes"}, {"price", "12.5"}}},
        {"Product Viewed", kNow - 40 * kDay, {{"category", "bags"}}},
        {"Order Completed", kNow - 10 * kDay, {{"revenue", 120}, {"coupon", "X"}}},
        {"Order Completed", kNow - 100 * kDay, {{"revenue", 80}}},
        {"A", kNow + 2 * kDay, {{"a", 1}}},
        {"A", kNow - 3 * 3'600'000'000, {{"a", "1"}, {"b", true}}},
    };
    for (const StoredEvent& e : events_) records_.push_back({e.name, e.time_us, &e.properties});
  }

  std::optional<Value> Feature(std::string_view name) const override {
    if (name == "orders") return Value::Number(2);
    if (name == "revenue") return Value::Number(200);
    if (name == "last_order_at") return Value::Time(kNow - 10 * kDay);
    if (name == "first_seen") return Value::Time(kNow - 100 * kDay);
    if (name == "last_seen") return Value::Time(kNow - 1 * kDay);
    if (name == "events") return Value::Number(7);
    if (name == "preferred_country") return Value::String("PL");
    if (name == "churn_probability") return Value::Number(0.7);
    if (name == "rfm_segment") return Value::String("Champions");
    return std::nullopt;
  }
  std::optional<Value> Trait(std::span<const std::string> path) const override {
    return LookupJsonPath(&traits_, path);
  }
  Result<std::optional<double>> Aggregate(const EventQuery& query,
                                          std::optional<int64_t> after_us) const override {
    return AggregateEvents(query, after_us, records_);
  }
  Result<std::optional<int64_t>> OldestEventTime(const EventQuery& query,
                                                 std::optional<int64_t> after_us) const override {
    return OldestMatchingEvent(query, after_us, records_);
  }

 private:
  boost::json::object traits_;
  std::vector<StoredEvent> events_;
  std::vector<EventRecord> records_;
};

Truth MustEvaluate(const Node& root, const RuleContext& context, int64_t now) {
  const Result<Truth> value = Evaluate(root, context, now);
  FUZZ_CHECK(value.ok());
  return *value;
}

void CheckEvaluation(const Node& root) {
  static const FixedContext* const kContext = new FixedContext();
  const Truth now_value = MustEvaluate(root, *kContext, kNow);
  const Result<std::optional<int64_t>> next = NextRecheckTime(root, *kContext, kNow);
  FUZZ_CHECK(next.ok());
  if (*next) {
    const int64_t at = **next;
    FUZZ_CHECK(at > kNow);
    FUZZ_CHECK(MustEvaluate(root, *kContext, at - 1) == now_value);
    FUZZ_CHECK(MustEvaluate(root, *kContext, kNow + (at - kNow) / 2) == now_value);
  } else {
    for (int64_t later : {int64_t{1}, 3'600'000'000 + 1, 30 * kDay, 400 * kDay}) {
      FUZZ_CHECK(MustEvaluate(root, *kContext, kNow + later) == now_value);
    }
  }
  if (!AnalyzeDependencies(root, Schema::Default()).time_dependent) FUZZ_CHECK(!*next);
}

void CheckError(std::string_view text, const Status& status, const RuleError& error) {
  FUZZ_CHECK(status.code() == StatusCode::kInvalidArgument);
  FUZZ_CHECK(error.offset <= text.size());
  FUZZ_CHECK(error.line >= 1 && error.column >= 1);
  FUZZ_CHECK(!error.expected.empty() && !error.found.empty());
  FUZZ_CHECK(status.message() == error.ToString());
}

}  // namespace
}  // namespace mercato::analytics::rules

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mercato::analytics::rules;
  const std::string_view text = mercato::fuzz::AsText(data, size);
  mercato::fuzz::current_input = text;

  RuleError error;
  mercato::Result<Node> parsed = ParseRule(text, {}, &error);
  if (!parsed.ok()) {
    CheckError(text, parsed.status(), error);
    return 0;
  }
  // Printing can lengthen numbers (1e21 -> 1e+21), so the reparse has no length limit; it never
  // adds nesting, lists or aggregates.
  ParseLimits unlimited_length;
  unlimited_length.max_rule_bytes = SIZE_MAX;
  const std::string printed = PrintRule(*parsed);
  mercato::Result<Node> reparsed = ParseRule(printed, unlimited_length);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(*reparsed == *parsed);
  FUZZ_CHECK(PrintRule(*reparsed) == printed);

  Node checked = *parsed;
  RuleError check_error;
  const mercato::Status status = CheckRule(text, checked, Schema::Default(), &check_error);
  const mercato::Status reprinted_status = CheckRule(printed, *reparsed, Schema::Default());
  FUZZ_CHECK(status.ok() == reprinted_status.ok());
  if (!status.ok()) {
    CheckError(text, status, check_error);
    return 0;
  }
  FUZZ_CHECK(PrintRule(checked) == printed);
  CheckEvaluation(checked);
  return 0;
}
