// Log lines: the text and JSON formats, request ids carried by the serving thread, escaping, and
// structured records.

#include "core/logging.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <thread>
#include <vector>

namespace mercato {
namespace {

namespace json = boost::json;

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTesting([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    });
  }
  void TearDown() override {
    SetLogSinkForTesting({});
    SetLogFormat(LogFormat::kText);
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

  std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST_F(LoggingTest, TextLinesCarryTheRequestIdOfTheServingThread) {
  LOG(INFO) << "before";
  {
    ScopedRequestId outer("req-1");
    LOG(WARNING) << "inside " << 42;
    {
      ScopedRequestId inner("req-2");
      EXPECT_EQ(CurrentRequestId(), "req-2");
    }
    EXPECT_EQ(CurrentRequestId(), "req-1");
    std::thread other([] { LOG(INFO) << "other thread"; });
    other.join();
  }
  EXPECT_EQ(CurrentRequestId(), "");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find(" INFO logging_test.cc:"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("request_id"), std::string::npos);
  EXPECT_NE(lines[1].find(" WARN "), std::string::npos);
  EXPECT_NE(lines[1].find("] inside 42 [request_id=req-1]\n"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2].find("request_id"), std::string::npos) << lines[2];  // not its request
}

TEST_F(LoggingTest, JsonLinesParseWhateverTheMessageHolds) {
  SetLogFormat(LogFormat::kJson);
  {
    ScopedRequestId id("abc");
    LOG(ERROR) << "quote \" backslash \\ newline \n tab \t bell \x07 é";
  }
  LogFields(LogLevel::kInfo, "request", {{"route", "/v1/track"}, {"client", "::1"}},
            {{"status", 200}, {"ms", 1.25}});
  SetMinLogLevel(LogLevel::kWarning);
  LogFields(LogLevel::kInfo, "hidden", {});
  LOG(INFO) << "hidden";
  SetMinLogLevel(LogLevel::kInfo);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  const json::object first = json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("level").as_string(), "ERROR");
  EXPECT_EQ(first.at("msg").as_string(), "quote \" backslash \\ newline \n tab \t bell \x07 é");
  EXPECT_EQ(first.at("requestId").as_string(), "abc");
  EXPECT_TRUE(std::string(first.at("at").as_string()).starts_with("logging_test.cc:"));
  EXPECT_TRUE(first.at("time").is_string());
  const json::object second = json::parse(lines[1]).as_object();
  EXPECT_EQ(second.at("msg").as_string(), "request");
  EXPECT_EQ(second.at("route").as_string(), "/v1/track");
  EXPECT_EQ(second.at("status").to_number<int>(), 200);
  EXPECT_DOUBLE_EQ(second.at("ms").to_number<double>(), 1.25);
}

TEST_F(LoggingTest, JsonLinesStayJsonWhateverBytesTheyCarry) {
  SetLogFormat(LogFormat::kJson);
  // Valid two-, three- and four-byte sequences pass; a stray continuation byte, a truncated
  // sequence, an overlong '/' and a UTF-16 surrogate become U+FFFD each.
  LOG(INFO)
      << "ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 bad \x80 \xE2\x82 \xC0\xAF \xED\xA0\x80 end";
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  const json::value parsed = json::parse(lines[0]);
  EXPECT_EQ(parsed.at("msg").as_string(),
            "ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 bad \uFFFD \uFFFD\uFFFD \uFFFD\uFFFD "
            "\uFFFD\uFFFD\uFFFD end");
  EXPECT_EQ(JsonEscape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
}

TEST_F(LoggingTest, TextRecordsAreKeyValuePairs) {
  LogFields(LogLevel::kInfo, "request", {{"method", "GET"}}, {{"status", 404}});
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" INFO request method=GET status=404\n"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace mercato
