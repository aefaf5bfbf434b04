// Runs every declarative scenario in tests/segment/scenarios/*.json (docs/segments.md,
// "Scenario files"): events in, then exact expected memberships and enter/exit events out.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "segment/segment_harness.h"

namespace mercato::segment {
namespace {

namespace json = boost::json;
using testing::SegmentEvent;
using testing::SegmentNode;

std::filesystem::path ScenarioDir() {
  const char* root = std::getenv("MERCATO_SOURCE_DIR");
  return std::filesystem::path(root != nullptr ? root : ".") / "tests/segment/scenarios";
}

int64_t DurationMicros(std::string_view text) {
  EXPECT_GE(text.size(), 2u) << text;
  const int64_t amount = std::stoll(std::string(text.substr(0, text.size() - 1)));
  switch (text.back()) {
    case 's':
      return amount * 1'000'000;
    case 'm':
      return amount * 60'000'000;
    case 'h':
      return amount * 3'600'000'000;
    case 'd':
      return amount * 86'400'000'000;
    default:
      ADD_FAILURE() << "bad duration " << text;
      return 0;
  }
}

SegmentSpec SpecOf(const json::object& object) {
  SegmentSpec spec;
  auto text = [&](std::string_view key) -> std::optional<std::string> {
    const json::value* v = object.if_contains(key);
    if (v == nullptr) return std::nullopt;
    return std::string(v->as_string());
  };
  spec.id = text("id");
  spec.name = text("name");
  spec.description = text("description");
  spec.rule = text("rule");
  return spec;
}

std::vector<std::string> Sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return items;
}

class ScenarioRunner {
 public:
  ScenarioRunner(const std::filesystem::path& path, const json::object& scenario)
      : name_(path.filename().string()),
        node_(ParseTimestamp(scenario.at("start").as_string()).value()) {}

  void Run(const json::object& scenario) {
    if (const json::value* segments = scenario.if_contains("segments")) Create(*segments);
    int index = 0;
    for (const json::value& step : scenario.at("steps").as_array()) {
      SCOPED_TRACE(name_ + " step " + std::to_string(index++) + ": " +
                   std::string(step.as_object().contains("note")
                                   ? step.at("note").as_string().c_str()
                                   : ""));
      RunStep(step.as_object());
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

 private:
  void Create(const json::value& segments) {
    for (const json::value& segment : segments.as_array()) {
      auto created = node_.engine().Create(SpecOf(segment.as_object()));
      ASSERT_TRUE(created.ok()) << created.status().ToString();
    }
  }

  // A customer named in expectations: a userId or anonymousId, resolved now.
  std::string Resolve(const json::value& name) { return node_.Customer(name.as_string()); }

  std::vector<std::string> Expected(const json::object& expect, std::string_view key) {
    std::vector<std::string> out;
    if (const json::value* list = expect.if_contains(key)) {
      for (const json::value& pair : list->as_array()) {
        const json::array& p = pair.as_array();
        out.push_back(std::string(p.at(0).as_string()) + ":" + Resolve(p.at(1)));
      }
    }
    return Sorted(out);
  }

  void RunStep(const json::object& step) {
    if (const json::value* advance = step.if_contains("advance")) {
      node_.clock().Advance(DurationMicros(advance->as_string()));
    }
    if (const json::value* segments = step.if_contains("create")) Create(*segments);
    if (const json::value* updates = step.if_contains("update")) {
      for (const json::value& update : updates->as_array()) {
        const json::object& object = update.as_object();
        auto updated = node_.engine().Update(object.at("id").as_string(), SpecOf(object));
        ASSERT_TRUE(updated.ok()) << updated.status().ToString();
      }
    }
    if (const json::value* events = step.if_contains("events")) {
      for (const json::value& event : events->as_array()) node_.Send(event.as_object());
    }
    node_.Drain();
    const json::object& expect = step.at("expect").as_object();
    std::vector<SegmentEvent> events = node_.SegmentEventsSince(log_position_);
    std::vector<std::string> entered;
    std::vector<std::string> exited;
    for (const SegmentEvent& event : events) {
      (event.entered ? entered : exited).push_back(event.segment + ":" + event.customer);
      if (const json::value* reason = expect.if_contains("reason")) {
        EXPECT_EQ(event.reason, reason->as_string()) << event.segment << " " << event.customer;
      }
    }
    EXPECT_EQ(Sorted(entered), Expected(expect, "entered")) << "entered";
    EXPECT_EQ(Sorted(exited), Expected(expect, "exited")) << "exited";
    if (const json::value* members = expect.if_contains("members")) {
      for (const auto& [segment, names] : members->as_object()) {
        std::vector<std::string> want;
        for (const json::value& name : names.as_array()) want.push_back(Resolve(name));
        EXPECT_EQ(Sorted(node_.MemberIds(segment)), Sorted(want)) << "members of " << segment;
        auto view = node_.engine().Get(segment);
        ASSERT_TRUE(view.ok());
        EXPECT_EQ(view->size, want.size()) << "size of " << segment;
      }
    }
  }

  std::string name_;
  SegmentNode node_;
  std::vector<uint64_t> log_position_;
};

TEST(SegmentScenarios, EveryScenarioFileHolds) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(ScenarioDir())) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 5u) << "scenario files in " << ScenarioDir();
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    json::object scenario = json::parse(text.str()).as_object();
    ScenarioRunner runner(path, scenario);
    runner.Run(scenario);
  }
}

}  // namespace
}  // namespace mercato::segment
