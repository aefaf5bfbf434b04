// The whole UCI Online Retail table through the real binary: `mercato import` then `mercato serve`,
// checked against figures computed independently (tests/tools/uci_retail_reference.py, Python's
// csv and decimal modules).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

constexpr char kKey[] = "retail-admin-key";

TEST(OnlineRetailEndToEnd, ImportBuildsTheRightCustomersAndRevenue) {
  REQUIRE_DATA_FILE(csv, "online_retail/online_retail_I_from_spark_guide_by_day.csv");
  auto reference_text =
      RunCommand("python3 '" + (SourceDir() / "tests/tools/uci_retail_reference.py").string() +
                 "' '" + csv.string() + "'");
  ASSERT_TRUE(reference_text.has_value()) << "the reference script failed";
  auto reference = boost::json::parse(*reference_text).as_object();

  TempDir dir;
  auto output =
      RunCommand("'" + MercatoBinary() + "' import --no-progress --format online-retail " +
                 "--data-dir '" + dir.str() + "' '" + csv.string() + "' 2>&1");
  ASSERT_TRUE(output.has_value()) << "mercato import failed";
  EXPECT_NE(output->find("rows read: 541909,"), std::string::npos) << *output;
  EXPECT_NE(output->find("bad rows: 0"), std::string::npos) << *output;
  EXPECT_EQ(reference.at("rows").as_int64(), 541909);

  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--data-dir", dir.str(), "--admin-key", kKey}, error)) << error;
  HttpClient http(server.port());
  auto stats = http.Get("/v1/stats", BasicAuth(kKey));
  ASSERT_EQ(stats.status, 200) << stats.body;
  auto totals = boost::json::parse(stats.body).as_object();
  EXPECT_EQ(totals.at("knownCustomers").as_int64(), reference.at("customers").as_int64());
  EXPECT_EQ(totals.at("knownCustomers").as_int64(), 4372);
  EXPECT_EQ(totals.at("events").as_int64(), reference.at("invoices").as_int64());
  // Revenue of known customers: orders minus refunds. Guests (no CustomerID) are customers of
  // their own but are not part of the reference figure, so compare the known customers' sum.
  double expected = std::stod(std::string(reference.at("revenue_known_customers").as_string()));
  auto known = http.Get("/v1/stats?known=true", BasicAuth(kKey));
  ASSERT_EQ(known.status, 200);
  double revenue = boost::json::parse(known.body).at("revenue").to_number<double>();
  EXPECT_NEAR(revenue, expected, 0.005) << known.body;

  // Customer 12346 bought 74,215 items for 77,183.60 and returned them all.
  auto profile = http.Get("/v1/profiles/12346", BasicAuth(kKey));
  ASSERT_EQ(profile.status, 200) << profile.body;
  auto features = boost::json::parse(profile.body).at("features").as_object();
  EXPECT_EQ(features.at("orders").to_number<int64_t>(), 1);
  EXPECT_EQ(features.at("refunds").to_number<int64_t>(), 1);
  EXPECT_NEAR(features.at("revenue").to_number<double>(), 0.0, 1e-9);
  std::printf("online retail: %s\n", known.body.c_str());
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace mercato::testing
