// Journey scenarios: each file in tests/journey/scenarios/ gives segments, templates, journeys,
// delivery settings, and a timeline of events, clock moves and expectations (docs/journeys.md,
// "Scenario files"). The runner drives the real profile consumer, segment engine, journey engine
// and delivery worker over a real store with a fake clock; messages leave through a recording
// transport, so what was sent, to whom and when can be compared exactly.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "analytics/rules/rule.h"
#include "channel/mail_feedback.h"
#include "content/template_store.h"
#include "core/time_format.h"
#include "event/parser.h"
#include "journey/definition.h"
#include "journey/definition_text.h"
#include "journey/engine.h"
#include "journey/journey_store.h"
#include "pipeline/delivery.h"
#include "pipeline/email_feedback.h"
#include "pipeline/journey_participant.h"
#include "pipeline/journey_support.h"
#include "privacy/key_vault.h"
#include "privacy/privacy_filter.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "segment/segment_engine.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {
namespace json = boost::json;

// Sends nothing: records each message, and fails the recipients a scenario names.
class RecordingTransport final : public DeliveryTransport {
 public:
  struct Sent {
    std::string channel;  // "email" or "http"
    std::string to;       // the address, or the URL
    std::string subject;
    std::string body;  // e-mail text, or the JSON body
    int64_t at_us = 0;
    std::string message_id;  // e-mail
  };

  explicit RecordingTransport(const Clock& clock) : clock_(clock) {}

  channel::SendResult SendEmail(const channel::EmailMessage& message,
                                const std::function<Status()>& at_commit) override {
    channel::SendResult result;
    ++attempts[message.to.address];
    if (auto failure = failures.find(message.to.address); failure != failures.end()) {
      const bool permanent = failure->second == "permanent";
      result.outcome = permanent ? channel::SendResult::Outcome::kPermanent
                                 : channel::SendResult::Outcome::kTransient;
      result.smtp_code = permanent ? 550 : 451;
      result.detail = permanent ? "mailbox unavailable" : "try again later";
      return result;
    }
    if (at_commit) {
      if (Status committed = at_commit(); !committed.ok()) {
        result.detail = committed.ToString();
        return result;
      }
    }
    result.outcome = channel::SendResult::Outcome::kDelivered;
    result.smtp_code = 250;
    sent.push_back(Sent{"email", message.to.address, message.subject, message.text,
                        clock_.NowMicros(), message.message_id});
    return result;
  }

  channel::HttpResult PostJson(const std::string& url, const std::string& body,
                               const Headers& /*headers*/) override {
    channel::HttpResult result;
    result.outcome = channel::SendResult::Outcome::kDelivered;
    result.status = 200;
    sent.push_back(Sent{"http", url, "", body, clock_.NowMicros()});
    return result;
  }

  std::vector<Sent> sent;
  std::map<std::string, std::string> failures;  // address -> "transient" | "permanent"
  std::map<std::string, int> attempts;

 private:
  const Clock& clock_;
};

// A scenario's list entry, or the JSON of the file it names ({"file": "reference/..."},
// relative to the project's root).
json::value Load(const json::value& item) {
  const json::object* object = item.if_object();
  if (object == nullptr || object->size() != 1 || !object->contains("file")) return item;
  std::ifstream in(std::filesystem::path(MERCATO_SOURCE_ROOT) /
                   std::string(object->at("file").as_string()));
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string Text(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

class Scenario {
 public:
  Scenario(const std::filesystem::path& file, const std::string& dir) : file_(file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    root_ = json::parse(text.str()).as_object();
    const Result<int64_t> start = ParseTimestamp(Text(root_, "start"));
    clock_.Set(start.ok() ? *start : 1'767'225'600'000'000);

    StoreOptions options;
    options.path = dir;
    options.clock = &clock_;
    store_ = std::move(Store::Open(options)).value();
    EventLogOptions log_options;
    log_options.partitions = 4;
    log_ = std::move(EventLog::Open(*store_, log_options, clock_, nullptr)).value();
    log_->Start();
    vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'm'))).value();
    filter_ = std::make_unique<PrivacyFilter>(*vault_, DlpPolicy(), nullptr);
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, nullptr);
    // Cluster mode's identity routing (profile/batch_overlay.h), over the local log.
    if (const json::value* routed = root_.if_contains("routedIdentities");
        routed != nullptr && routed->as_bool()) {
      builder_->EnableIdentityRouting(*log_);
    }
    profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
    segments_ =
        std::move(segment::SegmentEngine::Open(*store_, *log_, *vault_, clock_, nullptr)).value();
    journeys_ = std::make_unique<journey::JourneyStore>(*store_, clock_);
    templates_ = std::make_unique<content::TemplateStore>(*store_, clock_);
    journey::JourneyEngineOptions engine_options;
    engine_options.evaluate_rule = MakeRuleEvaluator(*store_, *vault_);
    engine_options.segment_members = MakeSegmentMembers(*segments_);
    engine_options.next_local_time = MakeLocalTime(*store_);
    engine_ = std::move(journey::JourneyEngine::Open(*store_, *log_, *journeys_, *vault_, clock_,
                                                     nullptr, std::move(engine_options)))
                  .value();
    transport_ = std::make_unique<RecordingTransport>(clock_);
    delivery_ =
        std::make_unique<DeliveryWorker>(*store_, log_.get(), *profiles_, *templates_, *transport_,
                                         clock_, nullptr, DeliveryOptions_(dir));
  }

  ~Scenario() {
    delivery_.reset();
    engine_.reset();
    segments_.reset();
    builder_.reset();
    if (log_) log_->Stop();
  }

  void Run() {
    Setup();
    const json::array& steps = root_.at("steps").as_array();
    for (size_t i = 0; i < steps.size(); ++i) {
      SCOPED_TRACE(file_.filename().string() + " steps[" + std::to_string(i) + "]");
      const json::object& step = steps[i].as_object();
      if (step.contains("events")) {
        Send(step.at("events").as_array());
      } else if (step.contains("advance")) {
        Advance(Text(step, "advance"));
      } else if (step.contains("expect")) {
        Expect(step.at("expect").as_array());
      } else if (step.contains("expectState")) {
        ExpectState(step.at("expectState").as_object());
      } else if (step.contains("pause")) {
        auto paused = journeys_->Pause(Text(step, "pause"));
        ASSERT_TRUE(paused.ok()) << paused.status().ToString();
        Pump();
      } else if (step.contains("activate")) {
        auto active = journeys_->Activate(Text(step, "activate"));
        ASSERT_TRUE(active.ok()) << active.status().ToString();
        Pump();
      } else if (step.contains("erase")) {
        // The journey side of an erasure (pipeline/journey_participant.h).
        JourneyErasureParticipant participant(*engine_, *delivery_);
        auto erased = participant.EraseCustomer(CustomerOf(Text(step, "erase")));
        ASSERT_TRUE(erased.ok()) << erased.status().ToString();
        Pump();
      } else if (step.contains("expectTrait")) {
        ExpectTrait(step.at("expectTrait").as_object());
      } else if (step.contains("expectStats")) {
        ExpectStats(step.at("expectStats").as_object());
      } else if (step.contains("feedback")) {
        Feedback(step.at("feedback").as_object());
      } else {
        FAIL() << "unknown step " << json::serialize(step);
      }
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Whatever was sent after the last expectation must have been expected too.
    EXPECT_EQ(transport_->sent.size(), checked_) << "messages sent after the last expectation";
  }

 private:
  DeliveryOptions DeliveryOptions_(const std::string& dir) {
    DeliveryOptions options;
    options.commit_journal_path = dir + "/delivery-commits";  // beside the store, as in serve
    options.from = {"shop@example.com", "Shop"};
    options.endpoints["crm"] = WebhookEndpoint{"http://127.0.0.1:9/crm", "secret"};
    options.endpoints["chat"] = WebhookEndpoint{"http://127.0.0.1:9/chat", "secret"};
    options.audiences = WebhookEndpoint{"http://127.0.0.1:9/audiences", "secret"};
    options.push_url = "http://127.0.0.1:9/push";
    options.backoff_base_us = 60 * kMicrosPerSecond;
    options.max_attempts = 3;
    options.next_local_time = MakeLocalTime(*store_);
    if (const json::value* delivery = root_.if_contains("delivery")) {
      const json::object& settings = delivery->as_object();
      if (const json::value* caps = settings.if_contains("caps")) {
        for (const auto& [channel, cap] : caps->as_object()) {
          FrequencyCap parsed;
          parsed.max_messages = static_cast<uint32_t>(cap.at("max").as_int64());
          parsed.window_us = *journey::internal::ParseDuration(cap.at("window").as_string());
          options.caps[std::string(channel)] = parsed;
        }
      }
      if (const json::value* rate = settings.if_contains("sendsPerSecond")) {
        options.journey_sends_per_second = static_cast<uint32_t>(rate->as_int64());
      }
      if (const json::value* quiet = settings.if_contains("quietHours")) {
        options.quiet_start_minute =
            *journey::internal::ParseTimeOfDay(quiet->as_array().at(0).as_string());
        options.quiet_end_minute =
            *journey::internal::ParseTimeOfDay(quiet->as_array().at(1).as_string());
      }
    }
    return options;
  }

  void Setup() {
    if (const json::value* delivery = root_.if_contains("delivery")) {
      if (const json::value* failures = delivery->as_object().if_contains("failures")) {
        for (const auto& [address, kind] : failures->as_object()) {
          transport_->failures[std::string(address)] = std::string(kind.as_string());
        }
      }
    }
    if (const json::value* segments = root_.if_contains("segments")) {
      for (const json::value& entry : segments->as_array()) {
        const json::value item = Load(entry);
        segment::SegmentSpec spec;
        spec.id = Text(item.as_object(), "id");
        spec.name = Text(item.as_object(), "name");
        spec.rule = Text(item.as_object(), "rule");
        auto created = segments_->Create(spec);
        ASSERT_TRUE(created.ok()) << created.status().ToString();
      }
    }
    if (const json::value* templates = root_.if_contains("templates")) {
      for (const json::value& entry : templates->as_array()) {
        const json::value item = Load(entry);
        json::object fields = item.as_object();
        fields.erase("id");
        auto parsed = content::ParseMessageTemplate(Text(item.as_object(), "id"), fields);
        ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
        ASSERT_TRUE(templates_->Put(*parsed).ok());
      }
    }
    for (const json::value& entry : root_.at("journeys").as_array()) {
      auto definition = journey::ParseJourney(json::serialize(Load(entry)));
      ASSERT_TRUE(definition.ok()) << definition.status().ToString();
      ASSERT_TRUE(journeys_->Create(*definition).ok());
      ASSERT_TRUE(journeys_->Activate(definition->id).ok());
    }
    Pump();
  }

  void Send(const json::array& events) {
    json::object body{{"batch", events}};
    std::vector<EventError> errors;
    auto batch = ParseBatch(json::serialize(body), clock_.NowMicros(), IngestLimits{}, errors,
                            filter_->AsTransform());
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE(errors.empty()) << errors.front().message;
    std::vector<AppendItem> items;
    for (Event& event : *batch) {
      items.push_back(AppendItem{std::string(event.RoutingKey()), event.message_id,
                                 event.received_at_us, std::move(event.payload)});
    }
    ASSERT_TRUE(log_->Append(std::move(items)).ok());
    Pump();
  }

  // Moves the clock in steps of at most a minute, running everything that falls due.
  void Advance(const std::string& text) {
    std::optional<int64_t> duration = journey::internal::ParseDuration(text);
    ASSERT_TRUE(duration.has_value()) << text;
    const int64_t until = clock_.NowMicros() + *duration;
    while (clock_.NowMicros() < until) {
      clock_.Set(std::min(until, clock_.NowMicros() + 60 * kMicrosPerSecond));
      Pump();
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  // Runs every consumer until none has work (bounded).
  void Pump() {
    for (int round = 0; round < 10'000; ++round) {
      size_t done = 0;
      for (auto step : {+[](Scenario& s) { return s.builder_->ProcessBatch(); },
                        +[](Scenario& s) { return s.segments_->Step(); },
                        +[](Scenario& s) { return s.engine_->Step(); },
                        +[](Scenario& s) { return s.delivery_->Step(); }}) {
        Result<size_t> result = step(*this);
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        done += *result;
      }
      if (done == 0) return;
    }
    FAIL() << "the consumers did not settle";
  }

  std::string CustomerOf(const std::string& user) {
    Result<std::string> customer = profiles_->Resolve(user);
    EXPECT_TRUE(customer.ok()) << user << ": " << customer.status().ToString();
    return customer.ok() ? *customer : "";
  }

  // The messages sent since the previous expectation, exactly, in any order.
  void Expect(const json::array& expected) {
    std::vector<RecordingTransport::Sent> fresh(
        transport_->sent.begin() + static_cast<std::ptrdiff_t>(checked_), transport_->sent.end());
    checked_ = transport_->sent.size();
    ASSERT_EQ(fresh.size(), expected.size()) << [&] {
      std::string got;
      for (const auto& s : fresh) got += "\n  " + s.channel + " " + s.to + " " + s.subject;
      return "sent:" + got;
    }();
    std::vector<bool> used(fresh.size(), false);
    for (const json::value& item : expected) {
      const json::object& want = item.as_object();
      bool found = false;
      for (size_t i = 0; i < fresh.size() && !found; ++i) {
        const auto& sent = fresh[i];
        if (used[i] || sent.channel != Text(want, "channel") || sent.to != Text(want, "to")) {
          continue;
        }
        if (want.contains("subject") && sent.subject != Text(want, "subject")) continue;
        // "bodyContains": one string, or a list that must all occur.
        if (const json::value* needles = want.if_contains("bodyContains")) {
          const json::array list =
              needles->is_array() ? needles->get_array() : json::array{*needles};
          bool all = true;
          for (const json::value& needle : list) {
            all = all && sent.body.find(std::string(needle.as_string())) != std::string::npos;
          }
          if (!all) continue;
        }
        used[i] = true;
        found = true;
      }
      EXPECT_TRUE(found) << "expected and not sent: " << json::serialize(want) << [&] {
        std::string got;
        for (const auto& s : fresh) got += "\n  sent: " + s.to + " " + s.subject + " " + s.body;
        return got;
      }();
    }
  }

  // {"to": address, "report": "bounce" | "delay" | "complaint"}: the mail server's report (a DSN,
  // or an ARF abuse report) about the last e-mail sent to `to`, read and applied as the
  // /v1/email/feedback route does.
  void Feedback(const json::object& feedback) {
    const std::string to = Text(feedback, "to");
    const std::string report = Text(feedback, "report");
    std::string message_id;
    for (const auto& sent : transport_->sent) {
      if (sent.channel == "email" && sent.to == to) message_id = sent.message_id;
    }
    ASSERT_FALSE(message_id.empty()) << "no e-mail was sent to " << to;
    const std::string original =
        "Content-Type: text/rfc822-headers\n\nTo: <" + to + ">\nMessage-ID: <" + message_id + ">\n";
    std::string text;
    if (report == "complaint") {
      text =
          "From: fbl@isp.example\nContent-Type: multipart/report; report-type=feedback-report; "
          "boundary=b\n\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
          "Version: 1\n\n--b\n" +
          original + "\n--b--\n";
    } else {
      const bool delay = report == "delay";
      text =
          "From: mailer-daemon@mx.example\nContent-Type: multipart/report; "
          "report-type=delivery-status; boundary=b\n\n--b\nContent-Type: "
          "message/delivery-status\n\nReporting-MTA: dns; mx.example\n\nFinal-Recipient: "
          "rfc822; " +
          to + "\nAction: " + (delay ? "delayed" : "failed") +
          "\nStatus: " + (delay ? "4.4.7" : "5.1.1") + "\n\n--b\n" + original + "\n--b--\n";
    }
    auto parsed = channel::ParseFeedbackMessage(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto applied =
        ApplyEmailFeedback(*store_, *log_, *profiles_, *delivery_, *parsed, clock_.NowMicros());
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_EQ(applied->matched, 1u) << text;
    Pump();
  }

  void ExpectState(const json::object& want) {
    const std::string customer = CustomerOf(Text(want, "user"));
    auto state = engine_->State(Text(want, "journey"), customer);
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    if (Text(want, "status") == "none") {
      EXPECT_FALSE(state->has_value());
      return;
    }
    ASSERT_TRUE(state->has_value()) << json::serialize(want);
    const journey::JourneyState& s = **state;
    EXPECT_EQ(s.active ? "active" : "exited", Text(want, "status")) << json::serialize(want);
    if (want.contains("exitReason")) {
      EXPECT_EQ(s.exit_reason, Text(want, "exitReason"));
    }
    if (want.contains("variant")) {
      EXPECT_EQ(s.variant, Text(want, "variant"));
    }
    if (want.contains("entry")) {
      EXPECT_EQ(s.entry, want.at("entry").as_int64());
    }
    if (want.contains("converted")) {
      EXPECT_EQ(s.converted, want.at("converted").as_bool());
    }
  }

  void ExpectTrait(const json::object& want) {
    auto profile = profiles_->ProfileJson(CustomerOf(Text(want, "user")));
    ASSERT_TRUE(profile.ok()) << profile.status().ToString();
    const json::value root = json::parse(*profile);
    const json::value* value = root.at("traits").as_object().if_contains(Text(want, "trait"));
    ASSERT_NE(value, nullptr) << *profile;
    EXPECT_EQ(*value, want.at("value")) << *profile;
  }

  // {"journey", "step" ("" for journey-wide), "variant"?, "counters": {"name": n}}
  void ExpectStats(const json::object& want) {
    auto stats = engine_->Stats(Text(want, "journey"));
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    std::map<std::string, uint64_t> merged;
    for (const journey::StepCounters& entry : *stats) {
      if (entry.step != Text(want, "step") || entry.variant != Text(want, "variant")) continue;
      for (const auto& [name, value] : entry.counters) merged[name] += value;
    }
    for (const auto& [name, value] : want.at("counters").as_object()) {
      EXPECT_EQ(merged[std::string(name)], static_cast<uint64_t>(value.as_int64()))
          << "counter " << name << " of " << json::serialize(want);
    }
  }

  std::filesystem::path file_;
  json::object root_;
  FakeClock clock_{0};
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<PrivacyFilter> filter_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<segment::SegmentEngine> segments_;
  std::unique_ptr<journey::JourneyStore> journeys_;
  std::unique_ptr<content::TemplateStore> templates_;
  std::unique_ptr<journey::JourneyEngine> engine_;
  std::unique_ptr<RecordingTransport> transport_;
  std::unique_ptr<DeliveryWorker> delivery_;
  size_t checked_ = 0;
};

std::vector<std::filesystem::path> ScenarioFiles() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir =
      std::filesystem::path(MERCATO_SOURCE_ROOT) / "tests" / "journey" / "scenarios";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ScenarioTest : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(ScenarioTest, Runs) {
  testing::TempDir dir;
  Scenario scenario(GetParam(), dir.str());
  scenario.Run();
}

INSTANTIATE_TEST_SUITE_P(Files, ScenarioTest, ::testing::ValuesIn(ScenarioFiles()),
                         [](const auto& info) {
                           std::string name = info.param.stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(ScenarioFilesTest, ThereAreScenarios) { EXPECT_GE(ScenarioFiles().size(), 5u); }

// The shipped reference journeys (reference/): every file is valid, and everything a journey
// names (templates, the trigger's segment) is shipped too.
TEST(ReferenceJourneysTest, AreValidAndComplete) {
  const std::filesystem::path root = std::filesystem::path(MERCATO_SOURCE_ROOT) / "reference";
  auto files = [&](const char* kind) {
    std::vector<json::value> out;
    for (const auto& entry : std::filesystem::directory_iterator(root / kind)) {
      out.push_back(Load(json::object{
          {"file", "reference/" + std::string(kind) + "/" + entry.path().filename().string()}}));
    }
    return out;
  };
  std::set<std::string> templates;
  for (const json::value& item : files("templates")) {
    json::object fields = item.as_object();
    const std::string id = Text(fields, "id");
    fields.erase("id");
    auto parsed = content::ParseMessageTemplate(id, fields);
    EXPECT_TRUE(parsed.ok()) << id << ": " << parsed.status().ToString();
    templates.insert(id);
  }
  std::set<std::string> segments;
  for (const json::value& item : files("segments")) {
    auto rule = analytics::rules::Rule::Compile(Text(item.as_object(), "rule"));
    EXPECT_TRUE(rule.ok()) << rule.status().ToString();
    segments.insert(Text(item.as_object(), "id"));
  }
  std::set<std::string> journeys;
  for (const json::value& item : files("journeys")) {
    auto definition = journey::ParseJourney(json::serialize(item));
    ASSERT_TRUE(definition.ok()) << json::serialize(item) << ": " << definition.status().ToString();
    journeys.insert(definition->id);
    for (const journey::Step& step : definition->steps) {
      if (step.kind == journey::Step::Kind::kSend && !step.send.tmpl.empty()) {
        EXPECT_TRUE(templates.contains(step.send.tmpl)) << definition->id << ": " << step.send.tmpl;
      }
    }
    if (!definition->trigger.segment.empty()) {
      EXPECT_TRUE(segments.contains(definition->trigger.segment)) << definition->id;
    }
  }
  EXPECT_EQ(journeys, (std::set<std::string>{"welcome", "abandoned-cart", "browse-abandonment",
                                             "win-back", "post-purchase"}));
}

}  // namespace
}  // namespace mercato
