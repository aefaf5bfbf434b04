#include "core/time_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace mercato {
namespace {

TEST(TimeFormatTest, ParsesIsoVariants) {
  EXPECT_EQ(*ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseTimestamp("1970-01-02"), 86400LL * 1000000);
  EXPECT_EQ(*ParseTimestamp("2011-12-09 12:50:00"), 1323435000LL * 1000000);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T12:50:00.250Z"), 1323435000LL * 1000000 + 250000);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T14:50:00+02:00"), 1323435000LL * 1000000);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T07:50:00-0500"), 1323435000LL * 1000000);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T00:00:00Z"), 1709164800LL * 1000000);
}

TEST(TimeFormatTest, RejectsOutOfRangeAndGarbage) {
  for (const char* bad : {"", "2011", "2011-13-01", "2011-02-29", "2011-12-32T00:00:00Z",
                          "2011-12-09T24:00:00Z", "2011-12-09T12:50:00Q", "yesterday",
                          "2011-12-09T12:50:00.Z", "2011-12-09T12:50:00Z trailing"}) {
    auto parsed = ParseTimestamp(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

TEST(TimeFormatTest, FormatRoundTrips) {
  for (int64_t micros :
       {int64_t{0}, int64_t{1323435000250000}, int64_t{951782400000000}, int64_t{-86400000000}}) {
    std::string text = FormatTimestamp(micros);
    EXPECT_EQ(*ParseTimestamp(text), micros) << text;
  }
  EXPECT_EQ(FormatTimestamp(1323435000250000), "2011-12-09T12:50:00.250Z");
}

// fuzz/corpus/timestamp/format_near_int64_min.bin: the floor division negated `micros`, which
// overflowed (undefined behaviour) for the values within a second of INT64_MIN.
TEST(TimeFormatTest, FormatsTheWholeInt64Range) {
  EXPECT_EQ(FormatTimestamp(std::numeric_limits<int64_t>::min()), "-290308-12-21T19:59:05.224Z");
  EXPECT_EQ(FormatTimestamp(std::numeric_limits<int64_t>::min() + 36649),
            "-290308-12-21T19:59:05.260Z");
  EXPECT_EQ(FormatTimestamp(std::numeric_limits<int64_t>::max()), "294247-01-10T04:00:54.775Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(-1000000), "1969-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace mercato
