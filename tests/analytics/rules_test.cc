// Tests of the segment rule language (src/analytics/rules/, docs/segments.md): parsing, errors,
// printing, type checking, evaluation, dependencies and re-check times.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/checker.h"
#include "analytics/rules/evaluator.h"
#include "analytics/rules/parser.h"
#include "analytics/rules/printer.h"
#include "analytics/rules/recheck.h"
#include "analytics/rules/rule.h"
#include "core/clock.h"
#include "core/time_format.h"

namespace mercato::analytics::rules {
namespace {

namespace json = boost::json;

constexpr int64_t kSecond = kMicrosPerSecond;
constexpr int64_t kDay = kMicrosPerDay;

int64_t At(std::string_view iso) {
  auto parsed = ParseTimestamp(iso);
  EXPECT_TRUE(parsed.ok()) << iso;
  return parsed.ok() ? *parsed : 0;
}

const int64_t kNow = At("2025-06-01T12:00:00Z");

struct StoredEvent {
  std::string name;
  int64_t time_us = 0;
  json::object properties;
};

// A customer in memory: features by canonical name, traits as JSON, tracked events.
class FakeContext final : public RuleContext {
 public:
  std::map<std::string, Value, std::less<>> features;
  json::object traits;
  std::vector<StoredEvent> events;
  bool fail_aggregates = false;
  mutable int aggregate_calls = 0;

  void AddEvent(std::string name, int64_t time_us, json::object properties = {}) {
    events.push_back({std::move(name), time_us, std::move(properties)});
  }

  std::optional<Value> Feature(std::string_view name) const override {
    const auto it = features.find(name);
    if (it == features.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Value> Trait(std::span<const std::string> path) const override {
    return LookupJsonPath(&traits, path);
  }
  Result<std::optional<double>> Aggregate(const EventQuery& query,
                                          std::optional<int64_t> after_us) const override {
    ++aggregate_calls;
    if (fail_aggregates) return Status::IoError("history unavailable");
    return AggregateEvents(query, after_us, Records());
  }
  Result<std::optional<int64_t>> OldestEventTime(const EventQuery& query,
                                                 std::optional<int64_t> after_us) const override {
    return OldestMatchingEvent(query, after_us, Records());
  }

 private:
  std::vector<EventRecord> Records() const {
    std::vector<EventRecord> records;
    for (const StoredEvent& e : events) records.push_back({e.name, e.time_us, &e.properties});
    return records;
  }
};

Node MustParse(std::string_view text) {
  auto parsed = ParseRule(text);
  if (!parsed.ok()) {
    ADD_FAILURE() << text << ": " << parsed.status().ToString();
    return Node();
  }
  return std::move(parsed).value();
}

Rule MustCompile(std::string_view text) {
  auto rule = Rule::Compile(text);
  if (!rule.ok()) {
    ADD_FAILURE() << text << ": " << rule.status().ToString();
    return *Rule::Compile("true");
  }
  return std::move(rule).value();
}

Truth Eval(std::string_view text, const RuleContext& context, int64_t now = kNow) {
  const Rule rule = MustCompile(text);
  auto result = Evaluate(rule, context, now);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : Truth::kUnknown;
}

// The tree as nested S-expressions of its boolean structure, conditions printed canonically.
std::string Shape(const Node& node) {
  if (node.kind == NodeKind::kAnd || node.kind == NodeKind::kOr || node.kind == NodeKind::kNot) {
    std::string out = node.kind == NodeKind::kAnd  ? "(and"
                      : node.kind == NodeKind::kOr ? "(or"
                                                   : "(not";
    for (const Node& child : node.children) out += " " + Shape(child);
    return out + ")";
  }
  return PrintRule(node);
}

// The customer of the issue's first example: 4 orders, the last 10 days ago, churn 0.7.
FakeContext LoyalCustomer() {
  FakeContext c;
  c.features["orders"] = Value::Number(4);
  c.features["revenue"] = Value::Number(420.5);
  c.features["last_order_at"] = Value::Time(kNow - 10 * kDay);
  c.features["first_seen"] = Value::Time(kNow - 400 * kDay);
  c.features["last_seen"] = Value::Time(kNow - 2 * kDay);
  c.features["churn_probability"] = Value::Number(0.7);
  c.features["preferred_country"] = Value::String("PL");
  return c;
}

// ---------------------------------------------------------------------------------------------
// The issue's examples.

constexpr std::string_view kExample1 =
    "orders >= 3 and last_order_at > now - 30d and churn_probability > 0.6";
constexpr std::string_view kExample2 =
    "count(event \"Product Viewed\" where category = \"shoes\" within 7d) >= 2 and "
    "country in (\"PL\", \"DE\")";

TEST(RulesExamples, FirstExampleEvaluatesOnFixtures) {
  FakeContext customer = LoyalCustomer();
  EXPECT_EQ(Eval(kExample1, customer), Truth::kTrue);

  FakeContext few_orders = LoyalCustomer();
  few_orders.features["orders"] = Value::Number(2);
  EXPECT_EQ(Eval(kExample1, few_orders), Truth::kFalse);

  FakeContext lapsed = LoyalCustomer();
  lapsed.features["last_order_at"] = Value::Time(kNow - 31 * kDay);
  EXPECT_EQ(Eval(kExample1, lapsed), Truth::kFalse);

  FakeContext unscored = LoyalCustomer();  // no prediction yet: unknown, so not a member
  unscored.features.erase("churn_probability");
  EXPECT_EQ(Eval(kExample1, unscored), Truth::kUnknown);
  auto member = Matches(MustCompile(kExample1), unscored, kNow);
  ASSERT_TRUE(member.ok());
  EXPECT_FALSE(*member);

  // The boundary of `now - 30d` is exclusive.
  FakeContext edge = LoyalCustomer();
  edge.features["last_order_at"] = Value::Time(kNow - 30 * kDay);
  EXPECT_EQ(Eval(kExample1, edge), Truth::kFalse);
  edge.features["last_order_at"] = Value::Time(kNow - 30 * kDay + 1);
  EXPECT_EQ(Eval(kExample1, edge), Truth::kTrue);
}

TEST(RulesExamples, SecondExampleCountsMatchingEventsInTheWindow) {
  FakeContext customer = LoyalCustomer();
  customer.AddEvent("Product Viewed", kNow - 1 * kDay, {{"category", "shoes"}});
  customer.AddEvent("Product Viewed", kNow - 8 * kDay, {{"category", "shoes"}});  // too old
  customer.AddEvent("Product Viewed", kNow - 2 * kDay, {{"category", "bags"}});   // other category
  customer.AddEvent("Product Added", kNow - 1 * kDay, {{"category", "shoes"}});   // other event
  customer.AddEvent("Product Viewed", kNow - 3 * kDay, {});                       // no category
  EXPECT_EQ(Eval(kExample2, customer), Truth::kFalse);  // one matching view

  customer.AddEvent("Product Viewed", kNow - 6 * kDay, {{"category", "shoes"}});
  EXPECT_EQ(Eval(kExample2, customer), Truth::kTrue);

  customer.features["preferred_country"] = Value::String("FR");
  EXPECT_EQ(Eval(kExample2, customer), Truth::kFalse);
  customer.features.erase("preferred_country");
  EXPECT_EQ(Eval(kExample2, customer), Truth::kUnknown);
}

TEST(RulesExamples, EvaluationFollowsAFakeClock) {
  FakeClock clock(kNow);
  const Rule rule = MustCompile(kExample1);
  const FakeContext customer = LoyalCustomer();  // last order 10 days before kNow
  EXPECT_TRUE(*Matches(rule, customer, clock.NowMicros()));
  clock.Advance(20 * kDay - 1);
  EXPECT_TRUE(*Matches(rule, customer, clock.NowMicros()));
  clock.Advance(1);
  EXPECT_FALSE(*Matches(rule, customer, clock.NowMicros()));
}

// ---------------------------------------------------------------------------------------------
// Errors.

struct BadRule {
  std::string_view text;
  size_t line;
  size_t column;
  size_t offset;
  std::string_view expected;
  std::string_view found;
  std::string_view hint = {};
};

const BadRule kBadRules[] = {
    // Syntax.
    {"", 1, 1, 0, "a condition", "end of input"},
    {"   ", 1, 4, 3, "a condition", "end of input"},
    {"orders >=", 1, 10, 9, "a value", "end of input"},
    {"orders >= 3 and", 1, 16, 15, "a condition", "end of input"},
    {"orders >= 3 or or x", 1, 16, 15, "a condition", "'or'"},
    {"orders >> 3", 1, 9, 8, "a value", "'>'"},
    {"orders = 3 3", 1, 12, 11, "'and', 'or' or end of input", "'3'"},
    {"traits.vip foo", 1, 12, 11, "an operator, 'and', 'or' or end of input", "'foo'"},
    {"(orders > 1", 1, 12, 11, "'and', 'or' or ')'", "end of input"},
    {"orders > 1)", 1, 11, 10, "'and', 'or' or end of input", "')'"},
    {"country in \"PL\"", 1, 12, 11, "'('", "'\"PL\"'"},
    {"country in ()", 1, 13, 12, "a number, string or boolean", "')'"},
    {"country in (\"PL\" \"DE\")", 1, 18, 17, "',' or ')'", "'\"DE\"'"},
    {"country not like \"P\"", 1, 13, 12, "'in', 'contains' or 'starts with'", "'like'"},
    {"country starts \"P\"", 1, 16, 15, "'with'", "'\"P\"'"},
    {"country starts with 5", 1, 21, 20, "a string", "'5'"},
    {"country is nul", 1, 12, 11, "'null' or 'not null'", "'nul'"},
    {"country is not", 1, 15, 14, "'null'", "end of input"},
    {"last_order_at > now - 30", 1, 23, 22, "a duration (e.g. 30d)", "'30'"},
    {"last_order_at > now - 30x", 1, 23, 22, "a number or a duration (30s, 15m, 12h, 7d, 2w)",
     "'30x'"},
    {"last_order_at > now - 1.5d", 1, 23, 22, "a number or a duration (30s, 15m, 12h, 7d, 2w)",
     "'1.5d'"},
    {"last_order_at > now - 36501d", 1, 23, 22, "a duration of at most 36500 days", "'36501d'"},
    {"last_order_at > now - 0d", 1, 23, 22, "a duration greater than zero", "'0d'"},
    {"count event \"X\" > 1", 1, 7, 6, "'('", "'event'"},
    {"count(\"X\") > 1", 1, 7, 6, "'event'", "'\"X\"'"},
    {"count(event X) > 1", 1, 13, 12, "the event name in double quotes", "'X'"},
    {"count(event \"\") > 1", 1, 13, 12, "a non-empty event name", "'\"\"'"},
    {"count(event \"X\" within 7) > 1", 1, 24, 23, "a duration (e.g. 7d)", "'7'"},
    {"count(event \"X\" where) > 1", 1, 22, 21, "a condition", "')'"},
    {"count(event \"X\" within 7d where a = 1) > 1", 1, 27, 26, "')'", "'where'"},
    {"count(event \"X\" where a = 1 b) > 1", 1, 29, 28, "'and', 'or', 'within' or ')'", "'b'"},
    {"count(event \"X\" x) > 1", 1, 17, 16, "'where', 'within' or ')'", "'x'"},
    {"sum(event \"Order Completed\") > 100", 1, 28, 27, "',' and the property to aggregate", "')'"},
    {"sum(event \"Order Completed\", 5) > 100", 1, 30, 29, "an event property", "'5'"},
    {"count(event \"X\" where now > 1) > 1", 1, 23, 22, "an event property or a literal", "'now'"},
    {"count(event \"X\" where count(event \"Y\") > 1) > 1", 1, 23, 22,
     "an event property or a literal", "'count'"},
    {"count(event \"X\")", 1, 17, 16, "an operator", "end of input"},
    {"now - 30d", 1, 10, 9, "an operator", "end of input"},
    {"3 and traits.vip", 1, 3, 2, "an operator", "'and'"},
    {"within > 3", 1, 1, 0, "a condition", "'within'"},
    {"orders <= -x", 1, 12, 11, "a number after '-'", "'x'"},
    {"x = null", 1, 5, 4, "a value", "'null'", "test for a missing value with 'is null'"},
    {"country in (\"PL\", null)", 1, 19, 18, "a number, string or boolean", "'null'",
     "test for a missing value with 'is null'"},
    // Lexical.
    {"country = \"PL", 1, 14, 13, "'\"' closing the string", "end of input"},
    {"country = \"P\nL\"", 1, 13, 12, "'\"' closing the string", "end of line"},
    {"country = \"P\\qL\"", 1, 13, 12, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
     "'\\q'"},
    {"country = \"\\u12\"", 1, 12, 11, "\\u and four hex digits of a Unicode character", "'\\u12'"},
    {"country = \"\\uD800\"", 1, 12, 11, "a surrogate pair (\\uD800-\\uDBFF then \\uDC00-\\uDFFF)",
     "'\\uD800'"},
    {"country = \"\xff\"", 1, 12, 11, "UTF-8 text", "'\\xFF'"},
    {"orders @ 3", 1, 8, 7, "a field, value or operator", "'@'"},
    {"orders ! 3", 1, 8, 7, "'!='", "'!'"},
    {"traits. = 1", 1, 8, 7, "a name after '.'", "' '"},
    {"traits.`plan = 1", 1, 17, 16, "'`' closing the name", "end of input"},
    {"`` = 1", 1, 1, 0, "a name between backticks", "'``'"},
    {"1e999 > orders", 1, 1, 0, "a finite number", "'1e999'"},
    {"orders > 3.", 1, 12, 11, "a digit after '.'", "end of input"},
    // Positions on later lines count code points, not bytes.
    {"orders > 1\nand\n  (country = )", 3, 14, 28, "a value", "')'"},
    {"country = \"\xC5\x81\xC3\xB3\x64\xC5\xBA\" andd x", 1, 18, 20, "'and', 'or' or end of input",
     "'andd'"},
    // Fields and types.
    {"order >= 3", 1, 1, 0, "a known field", "'order'", "did you mean 'orders'?"},
    {"Orders >= 3", 1, 1, 0, "a known field", "'Orders'", "did you mean 'orders'?"},
    {"churn_probabilty > 0.5", 1, 1, 0, "a known field", "'churn_probabilty'",
     "did you mean 'churn_probability'?"},
    {"plan = \"pro\"", 1, 1, 0, "a known field", "'plan'", "did you mean 'traits.plan'?"},
    {"rfm.segmnt = \"Champions\"", 1, 1, 0, "a known field", "'rfm.segmnt'",
     "did you mean 'rfm.segment'?"},
    {"traits = 1", 1, 1, 0, "a trait name after 'traits.'", "'traits'"},
    {"last_order_at > 3", 1, 17, 16, "a time (a time field, now - 30d or an ISO-8601 string)",
     "'3' (a number)"},
    {"orders > now - 30d", 1, 10, 9, "a number", "'now - 30d' (a time)"},
    {"country = 3", 1, 11, 10, "a string", "'3' (a number)"},
    {"first_seen > \"yesterday\"", 1, 14, 13, "an ISO-8601 time such as \"2024-05-01\"",
     "'\"yesterday\"' (a string)"},
    {"orders in (1, \"2\")", 1, 15, 14, "a number", "'\"2\"' (a string)"},
    {"first_seen in (\"2024-01-01\")", 1, 1, 0,
     "a number, string, boolean, trait or property before 'in'", "'first_seen' (a time)"},
    {"orders contains 1", 1, 1, 0, "a string, trait or property before 'contains'",
     "'orders' (a number)"},
    {"country contains 1", 1, 18, 17, "a string", "'1' (a number)"},
    {"orders and traits.vip", 1, 1, 0, "a boolean or a comparison", "'orders' (a number)"},
    {"traits.vip > true", 1, 14, 13, "a number, string or time (booleans take '=' or '!=')",
     "'true' (a boolean)"},
    {"orders > 1 and (country = \"PL\" or churn > 0.5)", 1, 35, 34, "a known field", "'churn'",
     "did you mean 'traits.churn'?"},
    {"sum(event \"Order Completed\", revenue) > \"a lot\"", 1, 41, 40, "a number",
     "'\"a lot\"' (a string)"},
};

TEST(RulesErrors, BadRulesNameThePositionAndTheExpectation) {
  EXPECT_GE(std::size(kBadRules), 30u);
  for (const BadRule& bad : kBadRules) {
    SCOPED_TRACE(std::string(bad.text));
    RuleError error;
    auto rule = Rule::Compile(bad.text, Schema::Default(), {}, &error);
    ASSERT_FALSE(rule.ok());
    EXPECT_EQ(rule.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(error.line, bad.line);
    EXPECT_EQ(error.column, bad.column);
    EXPECT_EQ(error.offset, bad.offset);
    EXPECT_EQ(error.expected, bad.expected);
    EXPECT_EQ(error.found, bad.found);
    EXPECT_EQ(error.hint, bad.hint);
    EXPECT_LE(error.offset, bad.text.size());
    EXPECT_EQ(rule.status().message(), error.ToString());
  }
}

TEST(RulesErrors, MessageFormat) {
  RuleError error;
  auto parsed = ParseRule("orders >= 3 and", {}, &error);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "at 1:16 (offset 15): expected a condition, found end of input");
  auto compiled = Rule::Compile("order >= 3");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(),
            "at 1:1 (offset 0): expected a known field, found 'order'; did you mean 'orders'?");
}

TEST(RulesErrors, FoundTextIsShortAndPrintable) {
  RuleError error;
  const std::string rule = "orders > 1 " + std::string(100, 'x');
  ASSERT_FALSE(ParseRule(rule, {}, &error).ok());
  EXPECT_EQ(error.found, "'" + std::string(40, 'x') + "...'");
  ASSERT_FALSE(ParseRule(std::string("orders \x01", 8), {}, &error).ok());
  EXPECT_EQ(error.found, "'\\x01'");
}

// ---------------------------------------------------------------------------------------------
// Precedence, associativity and canonical printing.

TEST(RulesParser, PrecedenceIsNotThenAndThenOr) {
  EXPECT_EQ(Shape(MustParse("orders > 1 or refunds > 1 and revenue > 1")),
            "(or orders > 1 (and refunds > 1 revenue > 1))");
  EXPECT_EQ(Shape(MustParse("orders > 1 and refunds > 1 or revenue > 1")),
            "(or (and orders > 1 refunds > 1) revenue > 1)");
  EXPECT_EQ(Shape(MustParse("not orders > 1 and refunds > 1")),
            "(and (not orders > 1) refunds > 1)");
  EXPECT_EQ(Shape(MustParse("not (orders > 1 and refunds > 1)")),
            "(not (and orders > 1 refunds > 1))");
  EXPECT_EQ(Shape(MustParse("not not traits.vip")), "(not (not traits.vip))");
  EXPECT_EQ(Shape(MustParse("(orders > 1 or refunds > 1) and revenue > 1")),
            "(and (or orders > 1 refunds > 1) revenue > 1)");
}

TEST(RulesParser, AndAndOrAreFlatAndAssociative) {
  EXPECT_EQ(Shape(MustParse("traits.a and traits.b and traits.c")),
            "(and traits.a traits.b traits.c)");
  EXPECT_EQ(MustParse("traits.a and (traits.b and traits.c)"),
            MustParse("(traits.a and traits.b) and traits.c"));
  EXPECT_EQ(MustParse("traits.a or (traits.b or traits.c)"),
            MustParse("traits.a or traits.b or traits.c"));
  EXPECT_FALSE(MustParse("traits.a or traits.b and traits.c") ==
               MustParse("(traits.a or traits.b) and traits.c"));
}

TEST(RulesParser, KeywordsAreCaseInsensitiveAndNamesAreNot) {
  EXPECT_EQ(MustParse("NOT Orders >= 3 AnD COUNT(EVENT \"X\" WHERE a IN (1) WITHIN 7D) > 0"),
            MustParse("not Orders >= 3 and count(event \"X\" where a in (1) within 7d) > 0"));
  EXPECT_FALSE(MustParse("traits.Plan = \"a\"") == MustParse("traits.plan = \"a\""));
  // A keyword is a name in backticks, and after a dot.
  EXPECT_EQ(MustParse("`count` = 1").children[0].path, std::vector<std::string>{"count"});
  EXPECT_EQ(MustParse("traits.and = 1").children[0].path,
            (std::vector<std::string>{"traits", "and"}));
}

TEST(RulesParser, Literals) {
  const Node strings = MustParse(R"(traits.x = "a\"b\\c\/\u00e9\ud83d\ude00\n\t")");
  EXPECT_EQ(strings.children[1].value.string(), "a\"b\\c/\xC3\xA9\xF0\x9F\x98\x80\n\t");
  EXPECT_EQ(MustParse("traits.x = -2.5e1").children[1].value, Value::Number(-25));
  EXPECT_EQ(MustParse("traits.x = true").children[1].value, Value::Bool(true));
  const Node now = MustParse("last_seen > now + 2w").children[1];
  EXPECT_EQ(now.NowOffsetMicros(), 14 * kDay);
  const Node window = MustParse("count(event \"X\" within 90s) > 0").children[0];
  EXPECT_EQ(window.duration->Micros(), 90 * kSecond);
  EXPECT_EQ((Duration{15, DurationUnit::kMinutes}.Micros()), 900 * kSecond);
  EXPECT_EQ((Duration{12, DurationUnit::kHours}.Micros()), int64_t{12} * 3600 * kSecond);
}

TEST(RulesPrinter, CanonicalText) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"orders>=3 AND country IN(\"PL\",\"DE\")", "orders >= 3 and country in (\"PL\", \"DE\")"},
      {"(orders > 1 and refunds = 0) or traits.vip", "orders > 1 and refunds = 0 or traits.vip"},
      {"orders > 1 and (country = \"PL\" or country = \"DE\")",
       "orders > 1 and (country = \"PL\" or country = \"DE\")"},
      {"not (orders > 1 or refunds > 0)", "not (orders > 1 or refunds > 0)"},
      {"not (not traits.vip)", "not not traits.vip"},
      {"((((traits.vip))))", "traits.vip"},
      {"orders == 3 and refunds <> 1", "orders = 3 and refunds != 1"},
      {"traits.name STARTSWITH \"A\"", "traits.name starts with \"A\""},
      {"traits.name not starts with \"A\"", "traits.name not starts with \"A\""},
      {"traits.tags not contains \"x\"", "traits.tags not contains \"x\""},
      {"traits.email is not null and traits.phone IS NULL",
       "traits.email exists and traits.phone is null"},
      {"revenue > 1.50 and revenue < 1e3 and revenue != -0.25",
       "revenue > 1.5 and revenue < 1000 and revenue != -0.25"},
      {"revenue > 1e21", "revenue > 1e+21"},
      {"traits.`First Name` = \"Ann\" and traits.`plan` = \"pro\"",
       "traits.`First Name` = \"Ann\" and traits.plan = \"pro\""},
      {"count(event \"X\" where `count` > 1 and `First Name` = 1) > 0",
       "count(event \"X\" where `count` > 1 and `First Name` = 1) > 0"},
      {"traits.x = \"a\\\"b\\\\c\\u00e9\\n\\u0001\"",
       "traits.x = \"a\\\"b\\\\c\xC3\xA9\\n\\u0001\""},
      {"count(EVENT \"X\" WHERE a = 1 OR b = 2 WITHIN 7D) >= 1",
       "count(event \"X\" where a = 1 or b = 2 within 7d) >= 1"},
      {"sum(event \"Order Completed\",revenue within 90d)>100",
       "sum(event \"Order Completed\", revenue within 90d) > 100"},
      {"last_order_at>now-30d", "last_order_at > now - 30d"},
      {"first_seen >= \"2024-01-01\"", "first_seen >= \"2024-01-01\""},
  };
  for (const auto& [input, canonical] : cases) {
    SCOPED_TRACE(std::string(input));
    const Rule rule = MustCompile(input);
    EXPECT_EQ(rule.canonical_text(), canonical);
    EXPECT_EQ(MustParse(canonical), MustParse(input));
    EXPECT_EQ(PrintRule(MustParse(canonical)), canonical);
  }
}

TEST(RulesPrinter, RoundTripsEveryConstruct) {
  const std::string_view rules[] = {
      kExample1,
      kExample2,
      "not (traits.a or traits.b) and (traits.c or not traits.d) or traits.e and traits.f",
      "avg(event \"Order Completed\", total where coupon exists and items.count > 2) >= 50",
      "min(event \"Order\", revenue within 52w) < max(event \"Order\", revenue)",
      "recency_days in (1, 7, 30) or rfm.segment in (\"Champions\", \"Loyal\")",
      "traits.`a.b`.`c d` contains true or traits.age > -1.5e-7",
      "last_seen <= now and first_seen > now + 1h and last_seen < now - 15m",
      "count(event \"Viewed \\\"quoted\\\" \\u2603\" where `where` = \"x\") = 0",
      "true or false",
  };
  for (std::string_view text : rules) {
    SCOPED_TRACE(std::string(text));
    const Node tree = MustParse(text);
    const std::string printed = PrintRule(tree);
    EXPECT_EQ(MustParse(printed), tree) << printed;
    EXPECT_EQ(PrintRule(MustParse(printed)), printed);
  }
}

// ---------------------------------------------------------------------------------------------
// Semantics.

TEST(RulesSemantics, MissingValuesAreUnknownAndUnknownIsNotMembership) {
  FakeContext c = LoyalCustomer();
  c.features.erase("churn_probability");
  EXPECT_EQ(Eval("churn_probability > 0.5", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability <= 0.5", c), Truth::kUnknown);
  EXPECT_EQ(Eval("not churn_probability > 0.5", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability != 0.5", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability in (0.5)", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability not in (0.5)", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability > 0.5 or orders >= 0", c), Truth::kTrue);
  EXPECT_EQ(Eval("churn_probability > 0.5 and orders < 0", c), Truth::kFalse);
  EXPECT_EQ(Eval("churn_probability > 0.5 and orders >= 0", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability > 0.5 or orders < 0", c), Truth::kUnknown);
  EXPECT_EQ(Eval("churn_probability is null", c), Truth::kTrue);
  EXPECT_EQ(Eval("churn_probability exists", c), Truth::kFalse);
  EXPECT_EQ(Eval("not churn_probability exists", c), Truth::kTrue);
  EXPECT_EQ(Eval("rfm_segment starts with \"C\"", c), Truth::kUnknown);
  EXPECT_EQ(Eval("recency_days < 30", c), Truth::kTrue);  // 10 days
  c.features.erase("last_order_at");
  EXPECT_EQ(Eval("recency_days < 30", c), Truth::kUnknown);
  EXPECT_EQ(Eval("recency_days is null", c), Truth::kTrue);
}

TEST(RulesSemantics, FeaturesAliasesAndRecency) {
  FakeContext c = LoyalCustomer();
  EXPECT_EQ(Eval("frequency = orders and monetary = 420.5 and rfm.frequency = 4", c), Truth::kTrue);
  EXPECT_EQ(Eval("country = \"PL\" and preferred_country = \"PL\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("recency_days = 10 and rfm.recency_days > 9.99", c), Truth::kTrue);
  EXPECT_EQ(Eval("recency_days = 10", c, kNow + kDay / 2), Truth::kFalse);
  EXPECT_EQ(Eval("recency_days = 10.5", c, kNow + kDay / 2), Truth::kTrue);
  EXPECT_EQ(Eval("first_seen < \"2024-06-01\" and last_seen > \"2025-05-29T00:00:00Z\"", c),
            Truth::kTrue);
  EXPECT_EQ(Eval("last_seen > now", c), Truth::kFalse);
  EXPECT_EQ(Eval("last_seen < now + 1h", c), Truth::kTrue);
}

TEST(RulesSemantics, TraitsAreComparedByTheTypeOfTheOtherSide) {
  FakeContext c;
  c.traits = json::parse(R"({"age": "42", "vip": true, "tags": ["a", "b", 3],
                             "signup": "2025-05-20T00:00:00Z", "address": {"city": "Kraków"},
                             "score": 7, "First Name": "Ann", "nothing": null})")
                 .as_object();
  EXPECT_EQ(Eval("traits.age > 40 and traits.age = \"42\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.vip", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.vip = true and not traits.vip = false", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.score", c), Truth::kUnknown);  // not a boolean
  EXPECT_EQ(Eval("traits.tags contains \"b\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.tags contains \"c\"", c), Truth::kFalse);
  EXPECT_EQ(Eval("traits.tags contains 3 and traits.tags contains \"3\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.address.city starts with \"Kra\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.address.city contains \"ków\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.signup > now - 30d and traits.signup < now", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.score = \"x\"", c), Truth::kFalse);
  EXPECT_EQ(Eval("traits.score != \"x\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.score > \"x\"", c), Truth::kUnknown);
  EXPECT_EQ(Eval("traits.score in (\"7\", 8)", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.score starts with \"7\"", c), Truth::kUnknown);
  EXPECT_EQ(Eval("traits.address exists and traits.address != \"x\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.missing is null and traits.nothing is null", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.`First Name` = \"Ann\"", c), Truth::kTrue);
  EXPECT_EQ(Eval("traits.missing = 1 or traits.missing != 1", c), Truth::kUnknown);
  EXPECT_EQ(Eval("true and not false", c), Truth::kTrue);
}

TEST(RulesSemantics, EventAggregates) {
  FakeContext c;
  c.AddEvent("Order Completed", kNow - 1 * kDay, {{"revenue", 100}, {"coupon", "X"}});
  c.AddEvent("Order Completed", kNow - 10 * kDay, {{"revenue", "50.5"}});
  c.AddEvent("Order Completed", kNow - 100 * kDay, {{"revenue", 10}});
  c.AddEvent("Order Completed", kNow - 2 * kDay, {{"revenue", "n/a"}});  // skipped by sum
  EXPECT_EQ(Eval("sum(event \"Order Completed\", revenue) = 160.5", c), Truth::kTrue);
  EXPECT_EQ(Eval("sum(event \"Order Completed\", revenue within 90d) = 150.5", c), Truth::kTrue);
  EXPECT_EQ(Eval("avg(event \"Order Completed\", revenue within 30d) = 75.25", c), Truth::kTrue);
  EXPECT_EQ(Eval("min(event \"Order Completed\", revenue) = 10", c), Truth::kTrue);
  EXPECT_EQ(Eval("max(event \"Order Completed\", revenue) = 100", c), Truth::kTrue);
  EXPECT_EQ(Eval("count(event \"Order Completed\") = 4", c), Truth::kTrue);
  EXPECT_EQ(Eval("count(event \"Order Completed\" where coupon exists) = 1", c), Truth::kTrue);
  EXPECT_EQ(Eval("count(event \"order completed\") = 0", c), Truth::kTrue);  // names are exact
  // Nothing to aggregate: count and sum are 0, avg/min/max missing.
  EXPECT_EQ(Eval("sum(event \"Refund\", amount) = 0 and count(event \"Refund\") = 0", c),
            Truth::kTrue);
  EXPECT_EQ(Eval("avg(event \"Refund\", amount) > 0", c), Truth::kUnknown);
  EXPECT_EQ(Eval("max(event \"Refund\", amount) < 0", c), Truth::kUnknown);
}

TEST(RulesSemantics, ShortCircuitAndContextFailures) {
  FakeContext c = LoyalCustomer();
  const Rule rule = MustCompile("orders > 100 and count(event \"X\") > 0");
  ASSERT_TRUE(Evaluate(rule, c, kNow).ok());
  EXPECT_EQ(c.aggregate_calls, 0);  // false already
  c.fail_aggregates = true;
  const Rule needs_history = MustCompile("orders > 1 and count(event \"X\") > 0");
  auto result = Evaluate(needs_history, c, kNow);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kIoError);
}

TEST(RulesSemantics, EventPredicatesForIncrementalCounting) {
  const Rule rule = MustCompile(kExample2);
  ASSERT_EQ(rule.event_queries().size(), 1u);
  const EventQuery& query = rule.event_queries()[0];
  EXPECT_EQ(query.event, "Product Viewed");
  EXPECT_EQ(query.window_us, 7 * kDay);
  ASSERT_NE(query.where, nullptr);

  const json::object shoes = {{"category", "shoes"}, {"price", 99}};
  const json::object bags = {{"category", "bags"}};
  EXPECT_EQ(EvaluateEventPredicate(*query.where, &shoes), Truth::kTrue);
  EXPECT_EQ(EvaluateEventPredicate(*query.where, &bags), Truth::kFalse);
  EXPECT_EQ(EvaluateEventPredicate(*query.where, nullptr), Truth::kUnknown);
  EXPECT_TRUE(EventMatches(query, {"Product Viewed", kNow, &shoes}));
  EXPECT_FALSE(EventMatches(query, {"Product Viewed", kNow, &bags}));
  EXPECT_FALSE(EventMatches(query, {"Product Added", kNow, &shoes}));
  EXPECT_FALSE(EventMatches(query, {"Product Viewed", kNow, nullptr}));

  const Rule nested = MustCompile(
      "count(event \"X\" where product.brand in (\"A\", \"B\") and not price < 10) > 0");
  const json::object match =
      json::parse(R"({"product": {"brand": "B"}, "price": "12"})").as_object();
  const json::object cheap = json::parse(R"({"product": {"brand": "B"}, "price": 5})").as_object();
  EXPECT_TRUE(EventMatches(nested.event_queries()[0], {"X", 0, &match}));
  EXPECT_FALSE(EventMatches(nested.event_queries()[0], {"X", 0, &cheap}));
}

// ---------------------------------------------------------------------------------------------
// Dependencies.

TEST(RulesDependencies, FirstExample) {
  const RuleDependencies deps = MustCompile(kExample1).dependencies();
  EXPECT_EQ(deps.features,
            (std::set<std::string, std::less<>>{"churn_probability", "last_order_at", "orders"}));
  EXPECT_TRUE(deps.traits.empty());
  EXPECT_EQ(deps.event_names, (std::set<std::string, std::less<>>{"Order Completed"}));
  EXPECT_FALSE(deps.any_event);
  EXPECT_EQ(deps.model_features, (std::set<std::string, std::less<>>{"churn_probability"}));
  EXPECT_TRUE(deps.time_dependent);
  EXPECT_TRUE(deps.windows_us.empty());
  EXPECT_EQ(deps.now_offsets_us, (std::set<int64_t>{-30 * kDay}));
  EXPECT_TRUE(deps.AffectedByEvent("Order Completed", {}));
  EXPECT_FALSE(deps.AffectedByEvent("Product Viewed", {}));
  EXPECT_FALSE(deps.AffectedByEvent("", {}));
}

TEST(RulesDependencies, SecondExample) {
  const RuleDependencies deps = MustCompile(kExample2).dependencies();
  EXPECT_EQ(deps.features, (std::set<std::string, std::less<>>{"preferred_country"}));
  EXPECT_EQ(deps.event_names, (std::set<std::string, std::less<>>{"Product Viewed"}));
  EXPECT_TRUE(deps.any_event);  // any event may carry a country
  EXPECT_TRUE(deps.time_dependent);
  EXPECT_EQ(deps.windows_us, (std::set<int64_t>{7 * kDay}));
  EXPECT_TRUE(deps.now_offsets_us.empty());
}

TEST(RulesDependencies, TraitsEventsAndTime) {
  const RuleDependencies traits =
      MustCompile("traits.plan = \"pro\" and traits.address.city = \"Kraków\"").dependencies();
  EXPECT_EQ(traits.traits, (std::set<std::string, std::less<>>{"address", "plan"}));
  EXPECT_FALSE(traits.time_dependent);
  EXPECT_FALSE(traits.any_event);
  const std::vector<std::string> sets_plan = {"email", "plan"};
  const std::vector<std::string> sets_email = {"email"};
  EXPECT_TRUE(traits.AffectedByEvent("", sets_plan));
  EXPECT_FALSE(traits.AffectedByEvent("", sets_email));
  EXPECT_FALSE(traits.AffectedByEvent("Order Completed", sets_email));

  const RuleDependencies recency = MustCompile("recency_days > 30 or refunds > 0").dependencies();
  EXPECT_EQ(recency.features, (std::set<std::string, std::less<>>{"last_order_at", "refunds"}));
  EXPECT_EQ(recency.event_names,
            (std::set<std::string, std::less<>>{"Order Completed", "Order Refunded"}));
  EXPECT_TRUE(recency.time_dependent);

  const RuleDependencies seen = MustCompile("last_seen < now - 90d").dependencies();
  EXPECT_TRUE(seen.any_event);
  EXPECT_TRUE(seen.AffectedByEvent("", {}));

  const RuleDependencies where =
      MustCompile("count(event \"A\" where plan = 1) > 0 or sum(event \"B\", x within 1h) > 0")
          .dependencies();
  EXPECT_TRUE(where.features.empty());
  EXPECT_TRUE(where.traits.empty());  // `plan` is an event property
  EXPECT_EQ(where.event_names, (std::set<std::string, std::less<>>{"A", "B"}));
  EXPECT_EQ(where.windows_us, (std::set<int64_t>{3600 * kSecond}));

  const RuleDependencies models =
      MustCompile("rfm.segment = \"Champions\" and cluster = 2 and p_alive > 0.5").dependencies();
  EXPECT_EQ(models.model_features,
            (std::set<std::string, std::less<>>{"cluster", "p_alive", "rfm_segment"}));
  EXPECT_FALSE(models.time_dependent);
  EXPECT_TRUE(models.event_names.empty());
}

// ---------------------------------------------------------------------------------------------
// Re-check times.

std::optional<int64_t> Next(const Rule& rule, const RuleContext& context, int64_t now) {
  auto next = NextRecheckTime(rule.root(), context, now);
  EXPECT_TRUE(next.ok()) << next.status().ToString();
  return next.ok() ? *next : std::nullopt;
}

Truth ValueAt(const Rule& rule, const RuleContext& context, int64_t now) {
  auto value = Evaluate(rule, context, now);
  EXPECT_TRUE(value.ok());
  return value.ok() ? *value : Truth::kUnknown;
}

TEST(RulesRecheck, NowComparisonsFlipAtTheExactMicrosecond) {
  FakeContext c = LoyalCustomer();
  const int64_t last_order = kNow - 10 * kDay;
  struct Case {
    std::string_view rule;
    int64_t expected;
  };
  const Case cases[] = {
      {"last_order_at > now - 30d", last_order + 30 * kDay},       // turns false
      {"last_order_at >= now - 30d", last_order + 30 * kDay + 1},  // turns false
      {"last_order_at < now - 30d", last_order + 30 * kDay + 1},   // turns true
      {"last_order_at <= now - 30d", last_order + 30 * kDay},      // turns true
      {"last_order_at = now - 30d", last_order + 30 * kDay},       // true for one microsecond
      {"now - 30d < last_order_at", last_order + 30 * kDay},
      {"recency_days > 30", last_order + 30 * kDay + 1},
      {"recency_days >= 30", last_order + 30 * kDay},
      {"recency_days in (12, 30)", last_order + 12 * kDay},
      {"recency_days > 30 or last_order_at > now - 15d", last_order + 15 * kDay},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(std::string(test.rule));
    const Rule rule = MustCompile(test.rule);
    const std::optional<int64_t> next = Next(rule, c, kNow);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(*next, test.expected);
    EXPECT_EQ(ValueAt(rule, c, *next - 1), ValueAt(rule, c, kNow));
    EXPECT_NE(ValueAt(rule, c, *next), ValueAt(rule, c, kNow));
  }
  // `=` is true for one microsecond, then false again.
  const Rule equal = MustCompile("last_order_at = now - 30d");
  EXPECT_EQ(Next(equal, c, last_order + 30 * kDay), last_order + 30 * kDay + 1);
}

TEST(RulesRecheck, SettledOrTimelessRulesNeedNoRecheck) {
  FakeContext c = LoyalCustomer();
  EXPECT_EQ(Next(MustCompile("orders > 3 and country = \"PL\""), c, kNow), std::nullopt);
  // Already more than 30 days: stays false.
  EXPECT_EQ(Next(MustCompile("last_order_at > now - 30d"), c, kNow + 60 * kDay), std::nullopt);
  // No last order: unknown for ever.
  c.features.erase("last_order_at");
  EXPECT_EQ(Next(MustCompile("last_order_at > now - 30d"), c, kNow), std::nullopt);
  EXPECT_EQ(Next(MustCompile("recency_days > 30"), c, kNow), std::nullopt);
  // A window with no events in it.
  EXPECT_EQ(Next(MustCompile("count(event \"X\" within 7d) > 0"), c, kNow), std::nullopt);
}

TEST(RulesRecheck, TraitTimesAndNowOffsetsForward) {
  FakeContext c;
  c.traits = json::parse(R"({"trial_ends_at": "2025-06-10T00:00:00Z"})").as_object();
  const Rule ended = MustCompile("traits.trial_ends_at < now");
  EXPECT_EQ(ValueAt(ended, c, kNow), Truth::kFalse);
  EXPECT_EQ(Next(ended, c, kNow), At("2025-06-10T00:00:00Z") + 1);
  const Rule ending_soon = MustCompile("traits.trial_ends_at < now + 3d");
  EXPECT_EQ(Next(ending_soon, c, kNow), At("2025-06-07T00:00:00Z") + 1);
}

TEST(RulesRecheck, WindowedCountsExpireEventByEvent) {
  FakeContext c;
  const int64_t t1 = kNow - 6 * kDay;
  const int64_t t2 = kNow - 5 * kDay;
  const int64_t t3 = kNow - 1 * kDay;
  c.AddEvent("Product Viewed", t2, {{"category", "shoes"}});
  c.AddEvent("Product Viewed", t1, {{"category", "shoes"}});
  c.AddEvent("Product Viewed", t3, {{"category", "shoes"}});
  c.AddEvent("Product Viewed", kNow - 2 * kDay, {{"category", "bags"}});  // never counted
  c.features["preferred_country"] = Value::String("DE");
  const Rule rule = MustCompile(kExample2);

  FakeClock clock(kNow);
  std::vector<std::pair<int64_t, Truth>> changes;
  Truth current = ValueAt(rule, c, clock.NowMicros());
  EXPECT_EQ(current, Truth::kTrue);
  for (int step = 0; step < 10; ++step) {
    const std::optional<int64_t> next = Next(rule, c, clock.NowMicros());
    if (!next) break;
    // Constant until the re-check, by samples.
    for (int64_t probe : {clock.NowMicros(), (clock.NowMicros() + *next) / 2, *next - 1}) {
      EXPECT_EQ(ValueAt(rule, c, probe), current);
    }
    clock.Set(*next);
    const Truth value = ValueAt(rule, c, clock.NowMicros());
    if (value != current) changes.emplace_back(clock.NowMicros(), value);
    current = value;
  }
  // Rechecks at t1 + 7d (count 3 -> 2, still a member), t2 + 7d (-> 1, leaves), t3 + 7d (-> 0).
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], std::make_pair(t2 + 7 * kDay, Truth::kFalse));
  EXPECT_EQ(clock.NowMicros(), t3 + 7 * kDay);
  EXPECT_EQ(Next(rule, c, clock.NowMicros()), std::nullopt);
}

TEST(RulesRecheck, TheEarliestConditionWins) {
  FakeContext c = LoyalCustomer();  // last order 10 days ago, last seen 2 days ago
  c.AddEvent("Login", kNow - 1 * kDay);
  const Rule rule = MustCompile(
      "last_order_at > now - 30d and (last_seen > now - 7d or count(event \"Login\" within 3d) > "
      "0)");
  EXPECT_EQ(Next(rule, c, kNow), kNow + 2 * kDay);              // the login leaves the 3-day window
  EXPECT_EQ(Next(rule, c, kNow + 2 * kDay), kNow + 5 * kDay);   // last_seen + 7d
  EXPECT_EQ(Next(rule, c, kNow + 5 * kDay), kNow + 20 * kDay);  // last_order_at + 30d
  EXPECT_EQ(ValueAt(rule, c, kNow + 5 * kDay), Truth::kFalse);
}

// ---------------------------------------------------------------------------------------------
// Limits.

TEST(RulesLimits, RuleLength) {
  const std::string base = "traits.a = \"";
  std::string fits = base + std::string(4096 - base.size() - 1, 'x') + "\"";
  ASSERT_EQ(fits.size(), 4096u);
  EXPECT_TRUE(ParseRule(fits).ok());
  const std::string too_long = fits + " ";
  RuleError error;
  ASSERT_FALSE(ParseRule(too_long, {}, &error).ok());
  EXPECT_EQ(error.offset, 4096u);
  EXPECT_EQ(error.expected, "a rule of at most 4096 bytes");
  EXPECT_EQ(error.found, "4097 bytes");
}

TEST(RulesLimits, NestingDepth) {
  std::string sixteen = std::string(16, '(') + "traits.vip" + std::string(16, ')');
  EXPECT_TRUE(ParseRule(sixteen).ok());
  RuleError error;
  const std::string seventeen = "(" + sixteen + ")";
  ASSERT_FALSE(ParseRule(seventeen, {}, &error).ok());
  EXPECT_EQ(error.offset, 16u);
  EXPECT_EQ(error.expected, "at most 16 levels of nesting");
  EXPECT_EQ(error.found, "'('");

  std::string nots;
  for (int k = 0; k < 17; ++k) nots += "not ";
  ASSERT_FALSE(ParseRule(nots + "traits.vip", {}, &error).ok());
  EXPECT_EQ(error.offset, 64u);
  EXPECT_EQ(error.found, "'not'");

  // A `where` clause is a level too.
  ParseLimits two;
  two.max_depth = 2;
  EXPECT_TRUE(ParseRule("not count(event \"X\" where a = 1) > 0", two).ok());
  ASSERT_FALSE(ParseRule("not count(event \"X\" where (a = 1)) > 0", two, &error).ok());
  EXPECT_EQ(error.found, "'('");
  // Long chains are flat, not deep.
  std::string chain = "traits.a";
  for (int k = 0; k < 300; ++k) chain += " and traits.a";
  EXPECT_TRUE(ParseRule(chain).ok());
}

TEST(RulesLimits, ListItemsAndAggregates) {
  std::string list = "orders in (0";
  for (int k = 1; k < 256; ++k) list += "," + std::to_string(k);
  EXPECT_TRUE(ParseRule(list + ")").ok());
  RuleError error;
  ASSERT_FALSE(ParseRule(list + ",256)", {}, &error).ok());
  EXPECT_EQ(error.expected, "at most 256 list items");
  EXPECT_EQ(error.found, "'256'");
  EXPECT_EQ(error.offset, list.size() + 1);

  std::string aggregates = "count(event \"A\") > 0";
  for (int k = 1; k < 16; ++k) aggregates += " or count(event \"A\") > 0";
  EXPECT_TRUE(ParseRule(aggregates).ok());
  ASSERT_FALSE(ParseRule(aggregates + " or count(event \"A\") > 0", {}, &error).ok());
  EXPECT_EQ(error.expected, "at most 16 event aggregates");
  EXPECT_EQ(error.offset, aggregates.size() + 4);

  ParseLimits tight;
  tight.max_list_items = 1;
  tight.max_rule_bytes = 20;
  EXPECT_TRUE(ParseRule("orders in (1)", tight).ok());
  EXPECT_FALSE(ParseRule("orders in (1, 2)", tight).ok());
  EXPECT_FALSE(ParseRule("orders >= 3 and refunds = 0", tight).ok());
}

// ---------------------------------------------------------------------------------------------
// Schemas.

TEST(RulesSchema, DefaultFieldsAndCustomSchemas) {
  const Schema& schema = Schema::Default();
  for (std::string_view name : {"orders",
                                "refunds",
                                "revenue",
                                "average_order_value",
                                "first_seen",
                                "last_seen",
                                "last_order_at",
                                "events",
                                "recency_days",
                                "frequency",
                                "monetary",
                                "country",
                                "preferred_country",
                                "device",
                                "preferred_device",
                                "churn_probability",
                                "p_alive",
                                "clv",
                                "expected_purchases_90d",
                                "rfm_score",
                                "rfm_segment",
                                "cluster",
                                "rfm.segment"}) {
    EXPECT_NE(schema.Find(name), nullptr) << name;
  }
  EXPECT_EQ(schema.Find("device")->name, "preferred_device");
  EXPECT_EQ(schema.Find("traits.plan"), nullptr);

  Schema custom;
  ASSERT_TRUE(custom.AddField({.name = "vip", .type = FieldType::kBool}).ok());
  EXPECT_FALSE(custom.AddField({.name = "vip"}).ok());
  EXPECT_FALSE(custom.AddField({.name = "traits.x"}).ok());
  EXPECT_FALSE(custom.AddAlias("v", "nope").ok());
  EXPECT_FALSE(custom.AddField({.name = "d", .days_since = "vip"}).ok());
  EXPECT_TRUE(Rule::Compile("vip and not vip = false", custom).ok());
  EXPECT_FALSE(Rule::Compile("orders > 1", custom).ok());
}

}  // namespace
}  // namespace mercato::analytics::rules
