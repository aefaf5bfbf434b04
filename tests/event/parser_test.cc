#include "event/parser.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time_format.h"

namespace mercato {
namespace {

namespace json = boost::json;
constexpr int64_t kNow = 1700000000LL * 1000000;  // 2023-11-14T22:13:20Z

json::object PayloadOf(const Event& event) { return json::parse(event.payload).as_object(); }

TEST(ParserTest, TrackIsNormalisedAndKeepsUnknownFields) {
  std::vector<EventError> errors;
  auto event = ParseSingleEvent(
      R"({"userId":"u1","event":"Order Completed","properties":{"revenue":12.5},"custom":{"x":1}})",
      EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->type, EventType::kTrack);
  EXPECT_EQ(event->user_id, "u1");
  EXPECT_EQ(event->timestamp_us, kNow);
  EXPECT_FALSE(event->message_id.empty());
  json::object payload = PayloadOf(*event);
  EXPECT_EQ(payload.at("type").as_string(), "track");
  EXPECT_EQ(payload.at("custom").at("x").as_int64(), 1);
  EXPECT_EQ(payload.at("messageId").as_string(), event->message_id);
  EXPECT_EQ(payload.at("receivedAt").as_string(), FormatTimestamp(kNow));
}

TEST(ParserTest, TheEnginesSourcePrefixIsReserved) {
  std::vector<EventError> errors;
  auto spoofed = ParseSingleEvent(R"({"userId":"u1","event":"Segment Entered",
                                      "source":"mercato/segments"})",
                                  EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(spoofed.ok());
  EXPECT_EQ(spoofed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spoofed.status().message().find("reserved"), std::string::npos);
  auto ordinary = ParseSingleEvent(R"({"userId":"u1","event":"x","source":"shop-web"})",
                                   EventType::kTrack, kNow, IngestLimits{}, errors);
  EXPECT_TRUE(ordinary.ok()) << ordinary.status().ToString();
}

TEST(ParserTest, TheEnginesCopyMarkerIsReserved) {
  // A client could otherwise add its events to another customer's history.
  std::vector<EventError> errors;
  auto spoofed = ParseSingleEvent(R"({"anonymousId":"a1","event":"x",
      "mercatoForwarded":{"to":"u:victim","origin":[0,1],"kind":"live"}})",
                                  EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(spoofed.ok());
  EXPECT_EQ(spoofed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spoofed.status().message().find("mercatoForwarded"), std::string::npos);
}

TEST(ParserTest, ClockSkewIsCorrectedFromSentAt) {
  // The client's clock is 1 hour fast: it says the event happened 10 s before it was sent.
  std::vector<EventError> errors;
  auto event = ParseSingleEvent(
      R"({"anonymousId":"a1","event":"x","timestamp":"2023-11-14T23:13:10Z","sentAt":"2023-11-14T23:13:20Z"})",
      EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->timestamp_us, kNow - 10 * 1000000);
  json::object payload = PayloadOf(*event);
  EXPECT_EQ(payload.at("originalTimestamp").as_string(), "2023-11-14T23:13:10Z");
}

TEST(ParserTest, NumericUserIdBecomesString) {
  std::vector<EventError> errors;
  auto event = ParseSingleEvent(R"({"userId":17850,"traits":{"email":"a@b.c"}})",
                                EventType::kIdentify, kNow, IngestLimits{}, errors);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->user_id, "17850");
  EXPECT_EQ(PayloadOf(*event).at("userId").as_string(), "17850");
}

struct BadCase {
  const char* name;
  const char* body;
  EventType type;
  StatusCode code;
  const char* message_part;
};

TEST(ParserTest, BadSingleEventsAreRejectedWithAReason) {
  std::string deep(100, '[');
  deep = R"({"userId":"u","event":"e","properties":{"a":)" + deep;
  const BadCase cases[] = {
      {"empty", "", EventType::kTrack, StatusCode::kInvalidArgument, "empty body"},
      {"not json", "{userId:", EventType::kTrack, StatusCode::kInvalidArgument, "malformed JSON"},
      {"array", "[1]", EventType::kTrack, StatusCode::kInvalidArgument, "JSON object"},
      {"no ids", R"({"event":"e"})", EventType::kTrack, StatusCode::kInvalidArgument, "userId"},
      {"no event", R"({"userId":"u"})", EventType::kTrack, StatusCode::kInvalidArgument, "event"},
      {"event number", R"({"userId":"u","event":5})", EventType::kTrack,
       StatusCode::kInvalidArgument, "event"},
      {"userId object", R"({"userId":{"a":1},"event":"e"})", EventType::kTrack,
       StatusCode::kInvalidArgument, "userId"},
      {"properties array", R"({"userId":"u","event":"e","properties":[]})", EventType::kTrack,
       StatusCode::kInvalidArgument, "properties"},
      {"bad timestamp", R"({"userId":"u","event":"e","timestamp":"yesterday"})", EventType::kTrack,
       StatusCode::kInvalidArgument, "timestamp"},
      {"type conflict", R"({"type":"page","userId":"u","event":"e"})", EventType::kTrack,
       StatusCode::kInvalidArgument, "route"},
      {"alias without previousId", R"({"userId":"u"})", EventType::kAlias,
       StatusCode::kInvalidArgument, "previousId"},
      {"group without groupId", R"({"userId":"u"})", EventType::kGroup,
       StatusCode::kInvalidArgument, "groupId"},
      {"invalid utf8", "{\"userId\":\"\xff\xfe\",\"event\":\"e\"}", EventType::kTrack,
       StatusCode::kInvalidArgument, "malformed JSON"},
      {"deep nesting", deep.c_str(), EventType::kTrack, StatusCode::kInvalidArgument, "nesting"},
  };
  for (const BadCase& c : cases) {
    std::vector<EventError> errors;
    auto event = ParseSingleEvent(c.body, c.type, kNow, IngestLimits{}, errors);
    ASSERT_FALSE(event.ok()) << c.name;
    EXPECT_EQ(event.status().code(), c.code) << c.name << ": " << event.status().ToString();
    EXPECT_NE(event.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << event.status().message();
    ASSERT_EQ(errors.size(), 1u) << c.name;
    EXPECT_EQ(errors[0].index, -1);
  }
}

TEST(ParserTest, OversizedEventIs413) {
  std::string big =
      R"({"userId":"u","event":"e","properties":{"blob":")" + std::string(40 * 1024, 'x') + "\"}}";
  std::vector<EventError> errors;
  auto event = ParseSingleEvent(big, EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), StatusCode::kPayloadTooLarge);
}

TEST(ParserTest, BatchAppliesSharedFieldsAndReportsEveryBadIndex) {
  std::vector<EventError> errors;
  auto events = ParseBatch(
      R"({"batch":[{"type":"track","userId":"u","event":"a"},{"type":"identify","anonymousId":"x"}],
          "context":{"ip":"1.2.3.4"},"sentAt":"2023-11-14T22:13:20Z"})",
      kNow, IngestLimits{}, errors);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(PayloadOf((*events)[1]).at("context").at("ip").as_string(), "1.2.3.4");

  errors.clear();
  auto bad = ParseBatch(
      R"({"batch":[{"type":"track","userId":"u","event":"a"},{"type":"track","userId":"u"},3,
                   {"type":"bogus","userId":"u"}]})",
      kNow, IngestLimits{}, errors);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].index, 1);
  EXPECT_EQ(errors[1].index, 2);
  EXPECT_EQ(errors[2].index, 3);
}

TEST(ParserTest, BatchLimits) {
  std::vector<EventError> errors;
  std::string body = R"({"batch":[)";
  std::string one = R"({"type":"track","userId":"u","event":"e","properties":{"p":")" +
                    std::string(10000, 'y') + "\"}}";
  for (int k = 0; k < 60; ++k) body += (k ? "," : "") + one;
  body += "]}";
  auto too_big = ParseBatch(body, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kPayloadTooLarge);

  errors.clear();
  auto empty = ParseBatch(R"({"batch":[]})", kNow, IngestLimits{}, errors);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParserTest, NumbersBeyondDoubleAreRejected) {
  std::vector<EventError> errors;
  auto event = ParseSingleEvent(R"({"userId":"u","event":"e","properties":{"price":1e400}})",
                                EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(event.status().message().find("too large"), std::string::npos);
}

TEST(ParserTest, SkewCorrectionOutsideRepresentableYearsIsRejected) {
  std::vector<EventError> errors;
  auto event = ParseSingleEvent(
      R"({"userId":"u","event":"e","timestamp":"0001-01-01T00:00:00Z","sentAt":"9999-12-31T00:00:00Z"})",
      EventType::kTrack, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(event.ok());
  EXPECT_NE(event.status().message().find("0000-9999"), std::string::npos);
}

TEST(ParserTest, SharedContextCannotMultiplyABatch) {
  // 2 KB of shared context copied into 20,000 tiny messages would be 40 MB.
  std::string body = R"({"context":{"blob":")" + std::string(2000, 'c') + R"("},"batch":[)";
  for (int k = 0; k < 20000; ++k) body += (k ? "," : "") + std::string("{}");
  body += "]}";
  std::vector<EventError> errors;
  auto events = ParseBatch(body, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), StatusCode::kPayloadTooLarge);
  ASSERT_EQ(errors.size(), 1u);

  errors.clear();
  std::string huge_context = R"({"context":{"blob":")" + std::string(40000, 'c') +
                             R"("},"batch":[{"type":"track","userId":"u","event":"e"}]})";
  auto rejected = ParseBatch(huge_context, kNow, IngestLimits{}, errors);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace mercato
