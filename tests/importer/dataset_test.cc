// The importers on the real public data sets (skipped when the data directory is missing).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "importer/import_test_fixture.h"

namespace mercato {
namespace {

namespace json = boost::json;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// tests/tools/uci_retail_reference.py, computed independently of the importer.
std::string ReferenceScript() {
  return (testing::SourceDir() / "tests" / "tools" / "uci_retail_reference.py").string();
}

class DatasetImportTest : public ImportTest {};

TEST_F(DatasetImportTest, OnlineRetailMatchesAnIndependentReference) {
  REQUIRE_DATA_FILE(path, "online_retail/online_retail_I_from_spark_guide_by_day.csv");
  auto reference_text = testing::RunCommand("python3 '" + ReferenceScript() + "' '" +
                                            path.string() + "' 2>/dev/null");
  ASSERT_TRUE(reference_text.has_value()) << "running " << ReferenceScript() << " failed";
  const json::object reference = json::parse(*reference_text).as_object();

  const auto started = std::chrono::steady_clock::now();
  auto report = Import(ImportFormat::kOnlineRetail, path.string());
  const double import_seconds = Seconds(started);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 541'909u);
  EXPECT_EQ(report->rows_read, static_cast<uint64_t>(reference.at("rows").as_int64()));
  EXPECT_EQ(report->bad_rows, 0u);
  for (const BadRow& row : report->bad_row_samples) ADD_FAILURE() << row.line << ": " << row.reason;
  EXPECT_EQ(report->events_appended, 25'900u);
  EXPECT_EQ(report->events_appended, static_cast<uint64_t>(reference.at("invoices").as_int64()));

  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 25'900u);
  std::set<std::string> users, invoices;
  double revenue_known_customers = 0;
  size_t refunds = 0, guests = 0;
  for (const json::object& event : stored) {
    const json::object& properties = event.at("properties").as_object();
    invoices.insert(std::string(properties.at("order_id").as_string()));
    const bool refund = event.at("event").as_string() == "Order Refunded";
    refunds += refund;
    if (!event.contains("userId")) {
      ++guests;
      continue;
    }
    users.insert(std::string(event.at("userId").as_string()));
    const double revenue = properties.at("revenue").to_number<double>();
    revenue_known_customers += refund ? -revenue : revenue;
  }
  EXPECT_EQ(invoices.size(), 25'900u);
  EXPECT_EQ(users.size(), 4'372u);
  EXPECT_EQ(users.size(), static_cast<size_t>(reference.at("customers").as_int64()));
  EXPECT_EQ(refunds, 3'836u);  // distinct 'C' invoices
  EXPECT_GT(guests, 0u);
  const double expected =
      std::stod(std::string(reference.at("revenue_known_customers").as_string()));
  EXPECT_NEAR(revenue_known_customers, expected, 0.005);
  std::cout << "online retail: imported " << report->rows_read << " rows into "
            << report->events_appended << " events in " << import_seconds << " s; revenue "
            << std::fixed << revenue_known_customers << " vs reference " << expected << "\n";
}

TEST_F(DatasetImportTest, CdnowMasterAndReimport) {
  REQUIRE_DATA_FILE(path, "cdnow/CDNOW_master.txt");
  const auto started = std::chrono::steady_clock::now();
  auto report = Import(ImportFormat::kCdnow, path.string());
  const double import_seconds = Seconds(started);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 69'659u);
  EXPECT_EQ(report->bad_rows, 0u);
  EXPECT_EQ(report->events_appended, 69'659u);
  std::set<std::string> users;
  for (const json::object& event : Stored())
    users.insert(std::string(event.at("userId").as_string()));
  EXPECT_EQ(users.size(), 23'570u);
  EXPECT_EQ(users.count("1"), 1u);
  EXPECT_EQ(users.count("23570"), 1u);

  clock_.Advance(60 * kMicrosPerSecond);
  const auto again_started = std::chrono::steady_clock::now();
  auto again = Import(ImportFormat::kCdnow, path.string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events_appended, 0u);
  EXPECT_EQ(again->duplicates, 69'659u);
  EXPECT_EQ(log_->TotalRecords(), 69'659u);
  std::cout << "cdnow: " << import_seconds << " s, re-import " << Seconds(again_started) << " s\n";
}

TEST_F(DatasetImportTest, RetailRocketSessionSample) {
  REQUIRE_DATA_FILE(path, "retailrocket_sample/sample_retailrocket.csv");
  const auto started = std::chrono::steady_clock::now();
  auto report = Import(ImportFormat::kRetailRocket, path.string());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 10'080u);
  EXPECT_EQ(report->bad_rows, 0u);
  EXPECT_EQ(report->events_appended, 10'080u);
  std::set<std::string> users, sessions;
  for (const json::object& event : Stored()) {
    EXPECT_EQ(event.at("event").as_string(), "Product Viewed");
    users.insert(std::string(event.at("userId").as_string()));
    sessions.insert(std::string(event.at("context").at("sessionId").as_string()));
  }
  EXPECT_EQ(users.size(), 2'496u);
  EXPECT_EQ(sessions.size(), 2'950u);
  std::cout << "retailrocket sample: " << Seconds(started) << " s\n";
}

TEST_F(DatasetImportTest, ADataSetInTheWrongFormatIsRejectedWhole) {
  REQUIRE_DATA_FILE(path, "cdnow/CDNOW_master.txt");
  for (ImportFormat format : {ImportFormat::kOnlineRetail, ImportFormat::kRetailRocket}) {
    auto report = Import(format, path.string());
    EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument) << ImportFormatName(format);
  }
  // As JSONL every line is a bad row, none is fatal.
  auto jsonl = Import(ImportFormat::kSegmentJsonl, path.string());
  ASSERT_TRUE(jsonl.ok());
  EXPECT_EQ(jsonl->bad_rows, 69'660u);
  EXPECT_EQ(jsonl->bad_row_samples.size(), kMaxBadRowSamples);
  EXPECT_EQ(log_->TotalRecords(), 0u);
}

}  // namespace
}  // namespace mercato
