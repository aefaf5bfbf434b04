// ImportFile on small inline files: JSONL, RetailRocket, CDNOW, options and file errors, progress.

#include <gmock/gmock.h>

#include <set>

#include "core/time_format.h"
#include "importer/import_test_fixture.h"

namespace mercato {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ImportFormatTest, ParsesTheFourNamesAndRejectsOthers) {
  EXPECT_EQ(*ParseImportFormat("jsonl"), ImportFormat::kSegmentJsonl);
  EXPECT_EQ(*ParseImportFormat("online-retail"), ImportFormat::kOnlineRetail);
  EXPECT_EQ(*ParseImportFormat("retailrocket"), ImportFormat::kRetailRocket);
  EXPECT_EQ(*ParseImportFormat("cdnow"), ImportFormat::kCdnow);
  for (ImportFormat format : {ImportFormat::kSegmentJsonl, ImportFormat::kOnlineRetail,
                              ImportFormat::kRetailRocket, ImportFormat::kCdnow}) {
    EXPECT_EQ(*ParseImportFormat(ImportFormatName(format)), format);
  }
  auto bad = ParseImportFormat("csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("online-retail"));
  EXPECT_FALSE(ParseImportFormat("JSONL").ok());
}

class JsonlImportTest : public ImportTest {};

const std::string kJsonl =
    R"({"type":"track","userId":"u1","event":"Signed Up","messageId":"m-1","timestamp":"2024-01-01T00:00:00Z"})"
    "\n"  // 1
    "\n"  // 2
    R"({"type":"identify","anonymousId":"a1","traits":{"email":"x@y.z"}})"
    "\r\n"  // 3
    R"({"userId":"u2","event":"No type"})"
    "\n"            // 4
    "{not json}\n"  // 5
    "[1,2]\n"       // 6
    R"({"type":"track","userId":"u3"})"
    "\n"                                                               // 7
    "   \n"                                                            // 8
    R"({"type":"page","userId":17850,"name":"Home","messageId":""})";  // 9, no \n

TEST_F(JsonlImportTest, ImportsValidLinesAndReportsBadOnesWithTheParsersReason) {
  auto report = Import(ImportFormat::kSegmentJsonl, WriteFile("events.jsonl", kJsonl));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 7u);  // blank lines are not rows
  EXPECT_EQ(report->events_appended, 3u);
  EXPECT_EQ(report->bad_rows, 4u);
  EXPECT_THAT(
      Describe(report->bad_row_samples),
      ElementsAre("4: missing 'type'", StartsWith("5: malformed JSON: "),
                  "6: line must be a JSON object", "7: track requires a non-empty string 'event'"));
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 3u);
  std::map<std::string, json::object> by_type;
  for (const auto& event : stored) by_type[std::string(event.at("type").as_string())] = event;
  EXPECT_EQ(by_type["track"].at("messageId").as_string(), "m-1");  // the client's id is kept
  EXPECT_EQ(by_type["track"].at("timestamp").as_string(), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(by_type["track"].at("receivedAt").as_string(), FormatTimestamp(kImportTime));
  EXPECT_THAT(std::string(by_type["identify"].at("messageId").as_string()), StartsWith("jsonl-3-"));
  // Without a timestamp the event happened when it was received (the import).
  EXPECT_EQ(by_type["identify"].at("timestamp").as_string(), FormatTimestamp(kImportTime));
  EXPECT_EQ(by_type["page"].at("userId").as_string(), "17850");
  EXPECT_THAT(std::string(by_type["page"].at("messageId").as_string()), StartsWith("jsonl-9-"));
}

TEST_F(JsonlImportTest, ReimportingStoresNothingTwice) {
  const std::string path = WriteFile("events.jsonl", kJsonl);
  ASSERT_EQ(Import(ImportFormat::kSegmentJsonl, path)->events_appended, 3u);
  clock_.Advance(kMicrosPerSecond);
  auto again = Import(ImportFormat::kSegmentJsonl, path, /*batch_size=*/1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events_appended, 0u);
  EXPECT_EQ(again->duplicates, 3u);
  EXPECT_EQ(Stored().size(), 3u);
}

TEST_F(JsonlImportTest, OversizedLinesAreBadRowsNotErrors) {
  ImportOptions options = Options(ImportFormat::kSegmentJsonl, "");
  options.limits.max_event_bytes = 200;
  const std::string big = R"({"type":"track","userId":"u","event":"e","properties":{"x":")" +
                          std::string(300, 'a') + "\"}}\n";
  const std::string huge = R"({"type":"track","userId":"u","event":"e","properties":{"x":")" +
                           std::string(3 << 20, 'a') + "\"}}\n";
  options.path = WriteFile("big.jsonl", big + huge +
                                            R"({"type":"track","userId":"u","event":"ok"})"
                                            "\n");
  auto report = ImportFile(options, *log_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->events_appended, 1u);
  EXPECT_THAT(Describe(report->bad_row_samples),
              ElementsAre(HasSubstr("1: line is 363 bytes; the limit for one event is 200"),
                          "2: line is too long"));
}

class RetailRocketImportTest : public ImportTest {};

TEST_F(RetailRocketImportTest, EventsCsvMapsViewsCartsAndTransactions) {
  const std::string file =
      "timestamp,visitorid,event,itemid,transactionid\n"  // 1
      "1433221332117,257597,view,355908,\n"               // 2
      "1433224214164,992329,addtocart,248676,\n"          // 3
      "1433221999827,111016,transaction,5411,17549\n"     // 4
      "1433221999828,111016,transaction,5412,\n"          // 5: no transaction id
      "1433221999829,111016,purchase,5413,\n"             // 6: unknown event
      "abc,1,view,2,\n"                                   // 7: bad timestamp
      "1433221999830,1,view\n";                           // 8: too few columns
  auto report = Import(ImportFormat::kRetailRocket, WriteFile("events.csv", file));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 7u);
  EXPECT_EQ(report->events_appended, 3u);
  EXPECT_THAT(Describe(report->bad_row_samples),
              ElementsAre("5: empty transactionid",
                          "6: unknown event 'purchase' (expected view, addtocart or transaction)",
                          "7: timestamp 'abc' is not a number of milliseconds",
                          "8: expected 5 columns, got 3"));
  std::map<std::string, json::object> by_name;
  for (const auto& event : Stored()) by_name[std::string(event.at("event").as_string())] = event;
  const json::object& view = by_name["Product Viewed"];
  EXPECT_EQ(view.at("userId").as_string(), "257597");
  EXPECT_EQ(view.at("properties").at("product_id").as_string(), "355908");
  EXPECT_EQ(view.at("timestamp").as_string(), "2015-06-02T05:02:12.117Z");
  EXPECT_EQ(by_name["Product Added"].at("properties").at("product_id").as_string(), "248676");
  const json::object& order = by_name["Order Completed"];
  EXPECT_EQ(order.at("properties").at("order_id").as_string(), "17549");
  EXPECT_EQ(order.at("properties").at("products").at(0).at("product_id").as_string(), "5411");
}

TEST_F(RetailRocketImportTest, TabSeparatedSessionSampleBecomesViewsWithSessionIds) {
  const std::string file =
      "timestamp\tuser_id\titem_id\tsession_id\n"
      "1442004589\t0\t285930\t0\n"
      "1442004759\t0\t357564\t0\n"
      "1438969904\t2\t325215\t2\n"
      "1438969905\t2\t\t2\n";
  auto report = Import(ImportFormat::kRetailRocket, WriteFile("sample.csv", file));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->events_appended, 3u);
  EXPECT_THAT(Describe(report->bad_row_samples), ElementsAre("5: empty item_id"));
  std::set<std::string> sessions;
  for (const auto& event : Stored()) {
    EXPECT_EQ(event.at("event").as_string(), "Product Viewed");
    sessions.insert(std::string(event.at("context").at("sessionId").as_string()));
    if (event.at("properties").at("product_id").as_string() == "285930") {
      EXPECT_EQ(event.at("timestamp").as_string(), "2015-09-11T20:49:49.000Z");
      EXPECT_EQ(event.at("userId").as_string(), "0");
    }
  }
  EXPECT_EQ(sessions, (std::set<std::string>{"0", "2"}));
}

TEST_F(RetailRocketImportTest, AnUnknownHeaderIsAnError) {
  auto report = Import(ImportFormat::kRetailRocket, WriteFile("x.csv", "time,user,item\n1,2,3\n"));
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("not a RetailRocket file"));
}

class CdnowImportTest : public ImportTest {};

const std::string kCdnow =
    " customer_id  date number_of_cds  dollar_value\r\n"  // 1: header
    " 00001 19970103 1   13.45\r\n"                       // 2
    " 00002 19970115 1   9.80\r\n"                        // 3
    " 00002 19970115 1   9.80\r\n"                        // 4: same purchase again that day
    " 00003 19970231 1 5.00\r\n"                          // 5: no such date
    " 00004 19970101 x 5.00\r\n"                          // 6
    " 00005 19970101 1\r\n"                               // 7
    "\r\n"                                                // 8: blank
    " 10000 19980630 3 40.3\r\n";                         // 9

TEST_F(CdnowImportTest, ImportsPurchasesAndKeepsSameDayRepeats) {
  auto report = Import(ImportFormat::kCdnow, WriteFile("cdnow.txt", kCdnow));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 7u);
  EXPECT_EQ(report->events_appended, 4u);
  EXPECT_THAT(
      Describe(report->bad_row_samples),
      ElementsAre(HasSubstr("5: date '19970231': invalid timestamp"),
                  "6: number_of_cds 'x' is not a count",
                  "7: expected 4 columns (customer_id date number_of_cds dollar_value), got 3"));
  std::map<std::string, int> per_user;
  for (const auto& event : Stored()) {
    ++per_user[std::string(event.at("userId").as_string())];
    EXPECT_EQ(event.at("event").as_string(), "Order Completed");
    EXPECT_EQ(event.at("properties").at("currency").as_string(), "USD");
    if (event.at("userId").as_string() == "10000") {
      EXPECT_EQ(event.at("timestamp").as_string(), "1998-06-30T00:00:00.000Z");
      EXPECT_DOUBLE_EQ(event.at("properties").at("revenue").as_double(), 40.3);
      EXPECT_EQ(event.at("properties").at("quantity").as_int64(), 3);
    }
  }
  EXPECT_EQ(per_user, (std::map<std::string, int>{{"1", 1}, {"2", 2}, {"10000", 1}}));
}

TEST_F(CdnowImportTest, WorksWithoutHeaderAndReimportStoresNothingTwice) {
  const std::string path = WriteFile("cdnow.txt", kCdnow.substr(kCdnow.find('\n') + 1));
  auto first = Import(ImportFormat::kCdnow, path);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->events_appended, 4u);
  EXPECT_EQ(first->bad_row_samples.front().line, 4u);  // lines shift by one without the header
  auto again = Import(ImportFormat::kCdnow, path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events_appended, 0u);
  EXPECT_EQ(again->duplicates, 4u);
}

class ImportFileErrorTest : public ImportTest {};

TEST_F(ImportFileErrorTest, UnreadableFilesAreErrors) {
  auto missing = Import(ImportFormat::kSegmentJsonl, dir_.str() + "/nope.jsonl");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.jsonl"));
  auto directory = Import(ImportFormat::kCdnow, dir_.str());
  EXPECT_EQ(directory.status().code(), StatusCode::kIoError);
  EXPECT_EQ(log_->TotalRecords(), 0u);
}

TEST_F(ImportFileErrorTest, OptionsOutOfRangeAreRejected) {
  const std::string path = WriteFile("cdnow.txt", kCdnow);
  EXPECT_EQ(Import(ImportFormat::kCdnow, path, /*batch_size=*/0).status().code(),
            StatusCode::kInvalidArgument);
  ImportOptions options = Options(ImportFormat::kCdnow, path);
  options.clock = nullptr;
  EXPECT_EQ(ImportFile(options, *log_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ImportFileErrorTest, AStoppedLogFailsTheImport) {
  log_->Stop();
  auto report = Import(ImportFormat::kCdnow, WriteFile("cdnow.txt", kCdnow));
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
}

TEST_F(ImportFileErrorTest, OnlyTheFirstHundredBadRowsAreKeptButAllAreCounted) {
  std::string file;
  for (int line = 1; line <= 250; ++line) file += "garbage " + std::to_string(line) + "\n";
  auto report = Import(ImportFormat::kCdnow, WriteFile("cdnow.txt", file));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->bad_rows, 250u);
  ASSERT_EQ(report->bad_row_samples.size(), kMaxBadRowSamples);
  EXPECT_EQ(report->bad_row_samples.front().line, 1u);
  EXPECT_EQ(report->bad_row_samples.back().line, 100u);
}

TEST_F(ImportTest, ProgressEndsAtTheFileSize) {
  std::string file;
  for (int row = 0; row < 5000; ++row) {
    file += " 0000" + std::to_string(row % 9 + 1) + " 19970101 1 " + std::to_string(row) + ".5\n";
  }
  ImportOptions options = Options(ImportFormat::kCdnow, WriteFile("cdnow.txt", file));
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  options.on_progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  auto report = ImportFile(options, *log_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->events_appended, 5000u);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back().first, file.size());
  EXPECT_EQ(calls.back().second, file.size());
  for (size_t k = 1; k < calls.size(); ++k) EXPECT_LE(calls[k - 1].first, calls[k].first);
}

}  // namespace
}  // namespace mercato
