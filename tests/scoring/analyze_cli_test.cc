// `mercato analyze` as users run it: the real binary on a data directory made by
// `mercato generate`.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

std::string Quote(const std::string& text) { return "'" + text + "'"; }

class AnalyzeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 2026-01-01 + 120 days: the shop's data end on 2026-05-01.
    auto generated = RunCommand(Quote(MercatoBinary()) + " generate --data-dir " +
                                Quote(dir_.str()) + " --customers 300 --days 120 --seed 7 2>&1");
    ASSERT_TRUE(generated.has_value()) << "mercato generate failed";
  }
  // Runs `mercato analyze <args>`; returns stdout + stderr followed by "exit=<code>".
  std::string Analyze(const std::string& args) {
    auto output = RunCommand(Quote(MercatoBinary()) + " analyze " + args + " --data-dir " +
                             Quote(dir_.str()) + " 2>&1; echo exit=$?");
    return output.value_or("exit=?");
  }
  TempDir dir_;
};

TEST_F(AnalyzeCliTest, RfmJsonGroupsSumToTheScoredCustomers) {
  auto output = RunCommand(Quote(MercatoBinary()) + " analyze rfm --json --as-of 2026-05-01 " +
                           "--data-dir " + Quote(dir_.str()));
  ASSERT_TRUE(output.has_value());
  boost::system::error_code ec;
  json::value run = json::parse(*output, ec);
  ASSERT_FALSE(ec) << *output;
  EXPECT_EQ(run.at("status").as_string(), "done");
  const json::object& result = run.at("result").as_object();
  int64_t grouped = 0;
  for (const json::value& segment : result.at("segments").as_array()) {
    grouped += segment.at("customers").to_number<int64_t>();
  }
  const int64_t scored = result.at("customers_scored").to_number<int64_t>();
  EXPECT_GT(scored, 50);
  EXPECT_EQ(grouped, scored);
  EXPECT_EQ(scored + result.at("customers_without_purchase").to_number<int64_t>(),
            result.at("customers_with_consent").to_number<int64_t>());
  EXPECT_EQ(result.at("predictions_written").to_number<int64_t>(), scored);
}

TEST_F(AnalyzeCliTest, TablesFilesAndErrors) {
  const std::string table = Analyze("rfm --as-of 2026-05-01");
  EXPECT_NE(table.find("Champions"), std::string::npos) << table;
  EXPECT_NE(table.find("exit=0"), std::string::npos) << table;

  const std::string csv = (dir_.path() / "cohorts.csv").string();
  const std::string svg = (dir_.path() / "cohorts.svg").string();
  const std::string cohorts =
      Analyze("cohorts --as-of 2026-05-01 --csv " + Quote(csv) + " --svg " + Quote(svg));
  EXPECT_NE(cohorts.find("exit=0"), std::string::npos) << cohorts;
  EXPECT_NE(cohorts.find("2026-01"), std::string::npos) << cohorts;
  std::ifstream svg_file(svg);
  std::string svg_text((std::istreambuf_iterator<char>(svg_file)), {});
  EXPECT_NE(svg_text.find("<svg"), std::string::npos);
  EXPECT_TRUE(std::filesystem::file_size(csv) > 0);

  const std::string clusters = Analyze("cluster --param k=3 --as-of 2026-05-01");
  EXPECT_NE(clusters.find("exit=0"), std::string::npos) << clusters;
  EXPECT_NE(clusters.find("recency_days"), std::string::npos) << clusters;

  const std::string bad = Analyze("cluster --param k=1");
  EXPECT_NE(bad.find("InvalidArgument"), std::string::npos) << bad;
  EXPECT_NE(bad.find("'k'"), std::string::npos) << bad;
  EXPECT_NE(bad.find("exit=1"), std::string::npos) << bad;
}

TEST_F(AnalyzeCliTest, RefusesWhileAServerHoldsTheDataDirectory) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--data-dir", dir_.str()}, error)) << error;
  const std::string refused = Analyze("rfm");
  EXPECT_NE(refused.find("exit=1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("no server may run"), std::string::npos) << refused;
  server.Terminate();
}

}  // namespace
}  // namespace mercato::testing
