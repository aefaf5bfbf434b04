// The building blocks of the importer: line reader, CSV records, numeric fields, progress bar.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "importer/csv_reader.h"
#include "importer/field_parse.h"
#include "importer/line_reader.h"
#include "importer/progress_bar.h"
#include "support/test_support.h"

namespace mercato::importer {
namespace {

using ::testing::ElementsAre;

std::string Write(const testing::TempDir& dir, const std::string& content) {
  std::string path = dir.str() + "/input";
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::vector<std::string> AllLines(LineReader& reader) {
  std::vector<std::string> out;
  std::string_view line;
  LineReader::Outcome outcome;
  while ((outcome = reader.Next(line)) != LineReader::Outcome::kEnd) {
    EXPECT_NE(outcome, LineReader::Outcome::kError);
    if (outcome == LineReader::Outcome::kError) break;
    out.push_back((outcome == LineReader::Outcome::kTooLong ? "TOO LONG " : "") +
                  std::to_string(reader.line_number()) + ":" + std::string(line));
  }
  return out;
}

TEST(LineReaderTest, SplitsLinesStripsCrAndBomAndCountsBytes) {
  testing::TempDir dir;
  const std::string content =
      "\xEF\xBB\xBF"
      "a,b\r\n\nlast";
  auto reader = LineReader::Open(Write(dir, content));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->file_size(), content.size());
  EXPECT_THAT(AllLines(**reader), ElementsAre("1:a,b", "2:", "3:last"));
  EXPECT_EQ((*reader)->bytes_consumed(), content.size());
  ASSERT_TRUE((*reader)->Rewind().ok());
  EXPECT_THAT(AllLines(**reader), ElementsAre("1:a,b", "2:", "3:last"));
}

TEST(LineReaderTest, LinesLongerThanTheLimitAreSkippedNotBuffered) {
  testing::TempDir dir;
  // Longer than the 1 MiB read chunk, so the skip has to cross buffer refills.
  const std::string content =
      "short\n" + std::string(3 << 20, 'x') + "\nafter\n" + std::string(100, 'y');
  auto reader = LineReader::Open(Write(dir, content), /*max_line_bytes=*/64);
  ASSERT_TRUE(reader.ok());
  auto lines = AllLines(**reader);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "1:short");
  EXPECT_EQ(lines[1].substr(0, 14), "TOO LONG 2:xxx");
  EXPECT_EQ(lines[2], "3:after");
  EXPECT_EQ(lines[3].substr(0, 12), "TOO LONG 4:y");
  EXPECT_EQ((*reader)->bytes_consumed(), content.size());
}

TEST(LineReaderTest, LinesAcrossBufferRefillsComeOutWhole) {
  testing::TempDir dir;
  std::string content;
  for (int line = 0; line < 20000; ++line)
    content += std::string(line % 300, static_cast<char>('a' + line % 26)) + "\n";
  auto reader = LineReader::Open(Write(dir, content));
  ASSERT_TRUE(reader.ok());
  std::string_view line;
  for (int expected = 0; expected < 20000; ++expected) {
    ASSERT_EQ((*reader)->Next(line), LineReader::Outcome::kLine);
    ASSERT_EQ(line, std::string(expected % 300, static_cast<char>('a' + expected % 26)));
  }
  EXPECT_EQ((*reader)->Next(line), LineReader::Outcome::kEnd);
}

TEST(LineReaderTest, MissingFileIsNotFound) {
  auto reader = LineReader::Open("/nonexistent/file");
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
}

std::vector<std::string> Records(const std::string& content, char delimiter = ',') {
  testing::TempDir dir;
  auto lines = LineReader::Open(Write(dir, content));
  EXPECT_TRUE(lines.ok());
  CsvReader csv(**lines, delimiter);
  std::vector<std::string> out, fields;
  std::string error;
  while (true) {
    auto outcome = csv.Next(fields, error);
    if (outcome == CsvReader::Outcome::kEnd || outcome == CsvReader::Outcome::kError) break;
    std::string text = std::to_string(csv.line()) +
                       (outcome == CsvReader::Outcome::kBadRecord ? " BAD " + error + ":" : ":");
    for (const std::string& field : fields) text += "[" + field + "]";
    out.push_back(text);
  }
  return out;
}

TEST(CsvReaderTest, FollowsRfc4180Quoting) {
  EXPECT_THAT(Records("a,\"b,c\",\"say \"\"hi\"\"\",,\"\"\n"
                      "\"multi\nline\",x\n"
                      "\n"
                      "7\" frame,y\n"
                      "end"),
              ElementsAre("1:[a][b,c][say \"hi\"][][]", "2:[multi\nline][x]", "5:[7\" frame][y]",
                          "6:[end]"));
}

TEST(CsvReaderTest, BadQuotingSpoilsOnlyItsRecord) {
  EXPECT_THAT(
      Records("1,\"ab\"c,d\n2,ok\n3,\"never closed\n4,x\n"),
      ElementsAre(
          "1 BAD unexpected text after the closing quote of field 2:[1][ab]", "2:[2][ok]",
          "3 BAD quoted field not closed before the end of the file:[3][never closed\n4,x\n]"));
}

TEST(CsvReaderTest, OtherDelimiters) {
  EXPECT_THAT(Records("a\tb c\t\"d\te\"\n", '\t'), ElementsAre("1:[a][b c][d\te]"));
  std::vector<std::string> fields;
  std::string error;
  EXPECT_TRUE(SplitCsvLine("x;\"y;z\"", ';', fields, error));
  EXPECT_THAT(fields, ElementsAre("x", "y;z"));
  EXPECT_FALSE(SplitCsvLine("x,\"open", ',', fields, error));
  EXPECT_EQ(error, "quoted field not closed at the end of the line");
}

TEST(FieldParseTest, IntegersAreWholeStrings) {
  EXPECT_EQ(ParseInt64("42"), 42);
  EXPECT_EQ(ParseInt64(" -7 "), -7);
  EXPECT_EQ(ParseInt64("+3"), 3);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", " ", "4.0", "12abc", "abc", "9223372036854775808", "--1", "+-1"}) {
    EXPECT_FALSE(ParseInt64(bad).has_value()) << bad;
  }
}

TEST(FieldParseTest, DecimalsAreExactMillionths) {
  EXPECT_EQ(ParseDecimalMicros("2.55"), 2'550'000);
  EXPECT_EQ(ParseDecimalMicros("-11062.06"), -11'062'060'000);
  EXPECT_EQ(ParseDecimalMicros("17850.0"), 17'850'000'000);
  EXPECT_EQ(ParseDecimalMicros(".5"), 500'000);
  EXPECT_EQ(ParseDecimalMicros("7."), 7'000'000);
  EXPECT_EQ(ParseDecimalMicros("0.0000015"), 2);  // rounded half away from zero
  EXPECT_EQ(ParseDecimalMicros("0.0000014"), 1);
  EXPECT_EQ(ParseDecimalMicros("000000000000001"), 1'000'000);  // leading zeros do not count
  for (const char* bad : {"", ".", "-", "1e5", "1.2.3", "x.5", "15311.x", "1 2", "1000000000000"}) {
    EXPECT_FALSE(ParseDecimalMicros(bad).has_value()) << bad;
  }
  EXPECT_EQ(MicrosToDouble(2'550'000), 2.55);
}

TEST(ProgressBarTest, RendersFractionSizesAndRate) {
  EXPECT_EQ(RenderProgress(0, 48'000'000, 0, 10), "[>         ]   0% 0.0/48.0 MB");
  EXPECT_EQ(RenderProgress(21'600'000, 48'000'000, 2, 10),
            "[====>     ]  45% 21.6/48.0 MB  10.8 MB/s  ETA 3s");
  EXPECT_EQ(RenderProgress(48'000'000, 48'000'000, 4, 10),
            "[==========] 100% 48.0/48.0 MB  12.0 MB/s");
  EXPECT_EQ(RenderProgress(0, 0, 0, 4), "[====] 100% 0.0/0.0 MB");
}

TEST(ProgressBarTest, DrawsOnlyWhenEnabled) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/out";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    {
      ProgressBar silent(file);  // a regular file is not a terminal
      EXPECT_FALSE(silent.enabled());
      silent.Update(1, 2);
      ProgressBar forced(file, true);
      forced.Update(1, 2);
      forced.Update(2, 2);
    }
    std::fclose(file);
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 2);
  EXPECT_NE(text.find("100%"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace mercato::importer
