#include "event/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mercato {
namespace {

namespace json = boost::json;

TEST(JsonWriterTest, NumbersAreWrittenAsPeopleWriteThem) {
  EXPECT_EQ(SerializeJson(json::value(182.99)), "182.99");
  EXPECT_EQ(SerializeJson(json::value(0.1)), "0.1");
  EXPECT_EQ(SerializeJson(json::value(-2.5e-7)), "-2.5e-07");
  EXPECT_EQ(SerializeJson(json::value(1e300)), "1e+300");
  EXPECT_EQ(SerializeJson(json::value(80.0)), "80.0");
  EXPECT_EQ(SerializeJson(json::value(int64_t{-42})), "-42");
  EXPECT_EQ(SerializeJson(json::value(uint64_t{18446744073709551615ull})), "18446744073709551615");
}

TEST(JsonWriterTest, StringsAreEscaped) {
  EXPECT_EQ(SerializeJson(json::value("a\"b\\c\n\t\x01 é")), "\"a\\\"b\\\\c\\n\\t\\u0001 é\"");
}

TEST(JsonWriterTest, RoundTripsThroughTheParser) {
  const char* text =
      R"({"a":[1,-2,3.25,true,false,null,{"b":"x\u0000y"}],"price":182.99,"big":12345678901234,)"
      R"("e":1e-300,"nested":{"k":[[],{}]},"unicode":"😀"})";
  json::value original = json::parse(text);
  std::string written = SerializeJson(original);
  EXPECT_EQ(json::parse(written), original) << written;
  EXPECT_NE(written.find("\"price\":182.99"), std::string::npos) << written;
}

}  // namespace
}  // namespace mercato
