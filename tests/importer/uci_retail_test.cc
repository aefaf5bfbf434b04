// The Online Retail reader on small inline files: quoting, invoices, refunds, bad rows.

#include <gmock/gmock.h>

#include "core/time_format.h"
#include "importer/import_test_fixture.h"

namespace mercato {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kHeader =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

// Line numbers in comments; the file mixes good invoices with every kind of bad row.
const std::string kFile =
    std::string(kHeader) +  // 1
    "910365,40123A,\"PAPER LANTERN, STAR SHAPED\",6,2010-12-01 "
    "08:26:00,2.55,27850.0,United Kingdom\n"  // 2
    "910365,41053,\"PHOTO FRAME 5\"\" DOUBLE SIZE \",2,2010-12-01 08:26:00,3.39,27850.0,United "
    "Kingdom\n"                                                                       // 3
    "910366,42633,WOOL MITTENS STRIPED,6,2010-12-01 08:28:00,1.85,,United Kingdom\n"  // 4: guest
    "C910379,D,Discount,-1,2010-12-01 09:41:00,27.50,24527.0,United Kingdom\n"        // 5: refund
    "910380,42961,BAKING SET FLORAL,24,2010-12-01 09:41:00,1.45,27809.0,United Kingdom\n"  // 6
    "910380,42139,SPOTTY CUP SET,abc,2010-12-01 09:41:00,4.95,27809.0,United Kingdom\n"    // 7:
                                                                                           // bad
    "910380,44854,GARDEN TOOL SET,5,2010-12-01 09:41:00,4.95,27809.0,United Kingdom\n"     // 8
    "910381,42567,\"TRAIN STATION,TIN SIGN\",2,2010-12-01 09:41:00,2.1,15311.0,United Kingdom\n"  // 9
    "910382,10002,INFLATABLE GLOBE,12,2010-13-01 09:45:00,0.85,15311.0,United Kingdom\n"  // 10:
                                                                                          // date
    "910383,22914,BLUE COAT RACK,1,2010-12-01 09:49:00,9.95,15311.x,United Kingdom\n"     // 11: id
    "910384,22915,TOO,FEW\n"                                                              // 12
    "910385,22916,BLACK RECORD,1,2010-12-01 09:50:00,1.00,15311.0,United Kingdom\n"       // 13
    "910386,22917,OTHER,1,2010-12-01 09:51:00,2.00,15312.0,United Kingdom\n"              // 14
    "910385,22918,BLACK RECORD 2,3,2010-12-01 09:52:00,2.50,15311.0,United Kingdom\n"     // 15
    "\"910387\",22919,\"MULTI\n"                                                          // 16
    "LINE DESCRIPTION\",2,2010-12-01 09:53:00,1.25,15313.0,France\n"                      // 17
    "910388,22920,PRICEY,1,2010-12-01 09:54:00,x.5,15314.0,France\n"                      // 18
    "910389,22921,\"BAD\"QUOTE,1,2010-12-01 09:55:00,1.00,15314.0,France\n"               // 19
    "910389,22922,FINE,1,2010-12-01 09:55:00,1.00,15314.0,France\n";                      // 20

class OnlineRetailTest : public ImportTest {};

TEST_F(OnlineRetailTest, StoresOneEventPerGoodInvoiceAndReportsEveryRowOfABadOne) {
  auto report = Import(ImportFormat::kOnlineRetail, WriteFile("retail.csv", kFile));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_read, 18u);       // 19 data lines, one record spans two
  EXPECT_EQ(report->events_appended, 7u);  // 910365/6/81/85/86/87 and C910379
  EXPECT_EQ(report->duplicates, 0u);
  EXPECT_EQ(report->bad_rows, 9u);
  EXPECT_THAT(Describe(report->bad_row_samples),
              ElementsAre("6: invoice 910380 has a bad row at line 7",
                          "7: Quantity 'abc' is not an integer",
                          "8: invoice 910380 has a bad row at line 7",
                          HasSubstr("10: InvoiceDate: invalid timestamp '2010-13-01 09:45:00'"),
                          "11: CustomerID '15311.x' is not a whole number",
                          "12: expected 8 columns, got 4", "18: UnitPrice 'x.5' is not a number",
                          "19: unexpected text after the closing quote of field 3",
                          "20: invoice 910389 has a bad row at line 19"));

  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 7u);
  for (const char* rejected : {"910380", "910382", "910383", "910384", "910388", "910389"}) {
    EXPECT_TRUE(ByOrderId(stored, rejected).empty()) << rejected;
  }

  const json::object order = ByOrderId(stored, "910365");
  ASSERT_FALSE(order.empty());
  EXPECT_EQ(order.at("type").as_string(), "track");
  EXPECT_EQ(order.at("event").as_string(), "Order Completed");
  EXPECT_EQ(order.at("userId").as_string(), "27850");
  EXPECT_FALSE(order.contains("anonymousId"));
  EXPECT_EQ(order.at("messageId").as_string(), "online-retail-910365-2");
  EXPECT_EQ(order.at("timestamp").as_string(), "2010-12-01T08:26:00.000Z");
  EXPECT_EQ(order.at("receivedAt").as_string(), FormatTimestamp(kImportTime));
  EXPECT_EQ(order.at("context").at("location").at("country").as_string(), "United Kingdom");
  const json::object& properties = order.at("properties").as_object();
  EXPECT_EQ(properties.at("currency").as_string(), "GBP");
  EXPECT_DOUBLE_EQ(properties.at("revenue").as_double(), 22.08);  // 6 x 2.55 + 2 x 3.39
  const json::array& products = properties.at("products").as_array();
  ASSERT_EQ(products.size(), 2u);
  EXPECT_EQ(products[0].at("product_id").as_string(), "40123A");
  EXPECT_EQ(products[0].at("name").as_string(), "PAPER LANTERN, STAR SHAPED");
  EXPECT_EQ(products[0].at("quantity").as_int64(), 6);
  EXPECT_DOUBLE_EQ(products[0].at("price").as_double(), 2.55);
  EXPECT_EQ(products[1].at("name").as_string(), "PHOTO FRAME 5\" DOUBLE SIZE ");

  const json::object guest = ByOrderId(stored, "910366");
  EXPECT_EQ(guest.at("anonymousId").as_string(), "guest-910366");
  EXPECT_FALSE(guest.contains("userId"));

  const json::object refund = ByOrderId(stored, "C910379");
  EXPECT_EQ(refund.at("event").as_string(), "Order Refunded");
  EXPECT_EQ(refund.at("userId").as_string(), "24527");
  EXPECT_DOUBLE_EQ(refund.at("properties").at("revenue").as_double(), 27.5);
  EXPECT_EQ(refund.at("properties").at("products").at(0).at("quantity").as_int64(), 1);

  const json::object multiline = ByOrderId(stored, "910387");
  EXPECT_EQ(multiline.at("properties").at("products").at(0).at("name").as_string(),
            "MULTI\nLINE DESCRIPTION");
  EXPECT_EQ(multiline.at("messageId").as_string(), "online-retail-910387-16");
}

TEST_F(OnlineRetailTest, AnInvoiceSplitByAnotherIsStillOneEvent) {
  auto report = Import(ImportFormat::kOnlineRetail, WriteFile("retail.csv", kFile));
  ASSERT_TRUE(report.ok());
  const auto stored = Stored();
  const json::object split = ByOrderId(stored, "910385");
  ASSERT_FALSE(split.empty());
  EXPECT_EQ(split.at("messageId").as_string(), "online-retail-910385-13");
  EXPECT_EQ(split.at("timestamp").as_string(), "2010-12-01T09:50:00.000Z");
  EXPECT_EQ(split.at("properties").at("products").as_array().size(), 2u);
  EXPECT_DOUBLE_EQ(split.at("properties").at("revenue").as_double(), 8.5);  // 1 x 1.00 + 3 x 2.50
  EXPECT_FALSE(ByOrderId(stored, "910386").empty());
}

TEST_F(OnlineRetailTest, ABadRowLaterInASplitInvoiceVetoesItsEarlierRows) {
  const std::string file = std::string(kHeader) +
                           "1,A,first,1,2010-12-01 08:00:00,1.00,1.0,UK\n"       // 2
                           "2,B,other,1,2010-12-01 08:00:00,1.00,2.0,UK\n"       // 3
                           "1,C,late bad,one,2010-12-01 08:00:00,1.00,1.0,UK\n"  // 4
                           "3,D,fine,2,2010-12-01 08:00:00,1.00,3.0,UK\n";       // 5
  auto report = Import(ImportFormat::kOnlineRetail, WriteFile("retail.csv", file));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->events_appended, 2u);
  EXPECT_THAT(
      Describe(report->bad_row_samples),
      ElementsAre("2: invoice 1 has a bad row at line 4", "4: Quantity 'one' is not an integer"));
  EXPECT_TRUE(ByOrderId(Stored(), "1").empty());
}

TEST_F(OnlineRetailTest, ReimportingStoresNothingTwice) {
  const std::string path = WriteFile("retail.csv", kFile);
  ASSERT_TRUE(Import(ImportFormat::kOnlineRetail, path).ok());
  clock_.Advance(3600 * kMicrosPerSecond);  // an hour later, well inside the dedupe window
  auto again = Import(ImportFormat::kOnlineRetail, path, /*batch_size=*/2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events_appended, 0u);
  EXPECT_EQ(again->duplicates, 7u);
  EXPECT_EQ(again->bad_rows, 9u);
  EXPECT_EQ(Stored().size(), 7u);
}

TEST_F(OnlineRetailTest, CustomerIdMustAgreeWithinAnInvoice) {
  const std::string file = std::string(kHeader) +
                           "7,A,x,1,2010-12-01 08:00:00,1.00,1.0,UK\n"
                           "7,B,y,1,2010-12-01 08:00:00,1.00,2.0,UK\n";
  auto report = Import(ImportFormat::kOnlineRetail, WriteFile("retail.csv", file));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->events_appended, 0u);
  EXPECT_THAT(Describe(report->bad_row_samples),
              ElementsAre("2: invoice 7 has a bad row at line 3",
                          "3: CustomerID '2.0' differs from the invoice's at line 2"));
}

TEST_F(OnlineRetailTest, AWrongHeaderIsAnErrorAndStoresNothing) {
  auto report = Import(ImportFormat::kOnlineRetail,
                       WriteFile("cdnow.txt", " 00001 19970103 1 13.45\n 00002 19970115 1 9.80\n"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("not an Online Retail file"));
  auto empty = Import(ImportFormat::kOnlineRetail, WriteFile("empty.csv", ""));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->TotalRecords(), 0u);
}

TEST_F(OnlineRetailTest, HeaderOnlyFileImportsNothing) {
  auto report = Import(ImportFormat::kOnlineRetail, WriteFile("retail.csv", kHeader));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->rows_read, 0u);
  EXPECT_EQ(report->events_appended, 0u);
}

TEST_F(OnlineRetailTest, CrlfLineEndingsAndAByteOrderMarkAreAccepted) {
  const std::string file =
      "\xEF\xBB\xBF"
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,"
      "UnitPrice,CustomerID,Country\r\n"
      "9,A,x,2,2010-12-01 08:00:00,1.50,5.0,UK\r\n";
  auto report = Import(ImportFormat::kOnlineRetail, WriteFile("retail.csv", file));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->events_appended, 1u);
  const auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].at("context").at("location").at("country").as_string(), "UK");
  EXPECT_DOUBLE_EQ(stored[0].at("properties").at("revenue").as_double(), 3.0);
}

}  // namespace
}  // namespace mercato
