#include "journey/definition.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mercato::journey {
namespace {

constexpr const char* kAbandonedCart = R"({
  "id": "abandoned-cart", "name": "Abandoned cart",
  "trigger": {"event": "Product Added",
              "where": [{"property": "price", "op": ">=", "value": 20},
                        {"property": "category", "op": "in", "value": ["shoes", "bags"]}]},
  "reentry": {"after": "168h"},
  "goal": {"event": "Order Completed", "within": "3d"},
  "steps": [
    {"id": "wait", "wait": "60m"},
    {"id": "bought", "branch": "orders>=1", "then": "done"},
    {"id": "ab", "split": {"variants": [{"name": "plain", "weight": 1, "next": "remind"},
                                         {"name": "discount", "weight": 1, "next": "remind-10"}],
                            "control": 10}},
    {"id": "remind", "send": {"channel": "email", "template": "cart-reminder"}, "next": "morning"},
    {"id": "remind-10", "send": {"channel": "email", "template": "cart-reminder-10"}},
    {"id": "morning", "waitUntil": "09:30"},
    {"id": "open", "waitFor": {"event": "Email Opened"}, "timeout": "2d", "onTimeout": "push"},
    {"id": "tag", "setTrait": {"name": "cart_reminded", "value": true}, "next": "done"},
    {"id": "push", "send": {"channel": "push", "template": "cart-push"}},
    {"id": "done", "exit": true}
  ]})";

std::vector<DefinitionError> Errors(const std::string& json) {
  std::vector<DefinitionError> errors;
  auto def = ParseJourney(json, &errors);
  EXPECT_FALSE(def.ok()) << json;
  if (!def.ok()) {
    EXPECT_EQ(def.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(def.status().message().rfind(errors.front().ToString(), 0), 0u);
  }
  return errors;
}

// A definition whose steps are `steps` (a JSON array body), otherwise valid.
std::string WithSteps(const std::string& steps) {
  return R"({"id": "j", "name": "J", "trigger": {"event": "Signed Up"}, "steps": [)" + steps + "]}";
}

bool HasError(const std::vector<DefinitionError>& errors, const std::string& path,
              const std::string& fragment) {
  for (const DefinitionError& error : errors) {
    if (error.path == path && error.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

std::string Dump(const std::vector<DefinitionError>& errors) {
  std::string out;
  for (const DefinitionError& error : errors) out += error.ToString() + "\n";
  return out;
}

TEST(JourneyDefinitionTest, ReadsEveryStepKindAndPrintsACanonicalForm) {
  auto def = ParseJourney(kAbandonedCart);
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->id, "abandoned-cart");
  EXPECT_EQ(def->trigger.kind, Trigger::Kind::kEvent);
  ASSERT_EQ(def->trigger.event.where.size(), 2u);
  EXPECT_EQ(def->trigger.event.where[1].op, PropertyFilter::Op::kIn);
  EXPECT_EQ(def->reentry, Reentry::kAfterCooldown);
  EXPECT_EQ(def->reentry_after_us, int64_t{7} * 86'400'000'000);
  EXPECT_EQ(def->goal_within_us, int64_t{3} * 86'400'000'000);
  ASSERT_EQ(def->steps.size(), 10u);
  EXPECT_EQ(def->steps[0].wait_us, int64_t{3'600'000'000});
  EXPECT_EQ(def->steps[1].rule, "orders >= 1");  // canonical rule text
  EXPECT_EQ(def->steps[2].control_percent, 10u);
  EXPECT_EQ(def->steps[5].at_minute, 9 * 60 + 30);
  EXPECT_EQ(def->steps[6].timeout_us, int64_t{2} * 86'400'000'000);
  EXPECT_EQ(def->steps[7].trait_value, boost::json::value(true));

  const std::string canonical = def->ToJson();
  EXPECT_NE(canonical.find(R"("wait":"1h")"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find(R"("after":"1w")"), std::string::npos) << canonical;
  auto back = ParseJourney(canonical);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *def);
  EXPECT_EQ(back->ToJson(), canonical);
}

TEST(JourneyDefinitionTest, ReadsEachTriggerAndReentryForm) {
  const std::pair<const char*, Trigger::Kind> triggers[] = {
      {R"({"segmentEntered": "vip"})", Trigger::Kind::kSegmentEntered},
      {R"({"segmentExited": "vip"})", Trigger::Kind::kSegmentExited},
      {R"({"schedule": {"every": "1d", "at": "08:00", "segment": "newsletter"}})",
       Trigger::Kind::kSchedule},
  };
  for (const auto& [trigger, kind] : triggers) {
    const std::string json = std::string(R"({"id": "j", "name": "J", "reentry": "afterExit", )") +
                             R"("trigger": )" + trigger +
                             R"(, "steps": [{"id": "x", "exit": true}]})";
    auto def = ParseJourney(json);
    ASSERT_TRUE(def.ok()) << json << " " << def.status().ToString();
    EXPECT_EQ(def->trigger.kind, kind);
    EXPECT_EQ(def->reentry, Reentry::kAfterExit);
    auto back = ParseJourney(def->ToJson());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, *def);
  }
}

TEST(JourneyDefinitionTest, NamesThePathOfEveryError) {
  auto errors =
      Errors(R"({"id": "Bad Id", "name": "", "trigger": {"event": "X", "segmentEntered": "v"},
    "reentry": "sometimes", "goal": {"event": "Order Completed", "within": "5m"}, "colour": 1,
    "steps": [
      {"id": "w", "wait": "0h"},
      {"id": "s", "send": {"channel": "fax", "template": "t"}},
      {"id": "e", "send": {"channel": "email", "tempalte": "t"}},
      {"id": "f", "waitFor": {"event": "Opened", "where": [{"property": "p", "op": "~", "value": 1}]}},
      {"id": "b", "branch": "ordres > 1"},
      {"id": "a", "send": {"channel": "audience_add", "audience": "lapsed", "template": "t"}},
      {"id": "t", "setTrait": {"name": "x", "value": [1]}},
      {"id": "x", "exit": true, "next": "w"}
    ]})");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"id", "is not an id"},
      {"name", "must be 1-200 bytes"},
      {"colour", "unknown field"},
      {"trigger", "exactly one of event"},
      {"reentry", "must be \"never\""},
      {"goal.within", "is not a duration from 1h"},
      {"steps[0].wait", "'0h' is not a duration"},
      {"steps[1].send.channel", "'fax' is not one of"},
      {"steps[2].send.tempalte", "unknown field"},
      {"steps[2].send.template", "is required"},
      {"steps[3].waitFor.where[0].op", "'~' is not one of"},
      {"steps[3].timeout", "is required"},
      {"steps[4].branch", "found 'ordres'; did you mean 'orders'?"},
      {"steps[5].send.template", "an audience update sends no message"},
      {"steps[6].setTrait.value", "must be a string, number, boolean or null"},
      {"steps[7].next", "'exit' steps name their successors themselves"},
  };
  for (const auto& [path, fragment] : expected) {
    EXPECT_TRUE(HasError(errors, path, fragment)) << path << " / " << fragment << "\n"
                                                  << Dump(errors);
  }
  EXPECT_EQ(errors.size(), expected.size()) << Dump(errors);
}

TEST(JourneyDefinitionTest, ChecksTheStepGraph) {
  auto dangling = Errors(WithSteps(R"({"id": "a", "wait": "1h", "next": "nowhere"})"));
  EXPECT_TRUE(HasError(dangling, "steps[0].next", "no step has the id 'nowhere'"))
      << Dump(dangling);

  auto duplicate = Errors(WithSteps(R"({"id": "a", "wait": "1h"}, {"id": "a", "exit": true})"));
  EXPECT_TRUE(HasError(duplicate, "steps[1].id", "also the id of steps[0]")) << Dump(duplicate);

  auto unreachable = Errors(WithSteps(R"({"id": "a", "exit": true}, {"id": "b", "wait": "1h"})"));
  EXPECT_TRUE(HasError(unreachable, "steps[1]", "never reached")) << Dump(unreachable);

  // A loop through sends and branches alone would spin; through a wait it is a reminder cycle.
  auto spin = Errors(WithSteps(
      R"({"id": "a", "send": {"channel": "push", "template": "t"}},
         {"id": "b", "branch": "orders >= 1", "then": "c", "else": "a"},
         {"id": "c", "exit": true})"));
  EXPECT_TRUE(HasError(spin, "steps[1]", "loops back to 'a' without a wait")) << Dump(spin);
  auto cycle = ParseJourney(WithSteps(
      R"({"id": "a", "send": {"channel": "push", "template": "t"}},
         {"id": "w", "wait": "1d"},
         {"id": "b", "branch": "orders >= 1", "then": "c", "else": "a"},
         {"id": "c", "exit": true})"));
  EXPECT_TRUE(cycle.ok()) << cycle.status().ToString();
}

TEST(JourneyDefinitionTest, RefusesBadDocuments) {
  EXPECT_TRUE(HasError(Errors("{"), "", "not valid JSON"));
  EXPECT_TRUE(HasError(Errors("[]"), "", "must be an object"));
  EXPECT_TRUE(HasError(Errors(WithSteps("")), "steps", "1-100 steps"));
  std::string many;
  for (int i = 0; i < 101; ++i)
    many += std::string(i ? "," : "") + R"({"id": "s)" + std::to_string(i) + R"(", "wait": "1h"})";
  EXPECT_TRUE(HasError(Errors(WithSteps(many)), "steps", "1-100 steps"));
  EXPECT_TRUE(HasError(Errors(std::string(kMaxDefinitionBytes + 1, ' ')), "", "at most"));
  // Errors are capped, so a hostile document cannot make the answer huge.
  std::string bad;
  for (int i = 0; i < 100; ++i) bad += std::string(i ? "," : "") + R"({"id": "BAD"})";
  EXPECT_EQ(Errors(WithSteps(bad)).size(), 50u);
}

}  // namespace
}  // namespace mercato::journey
