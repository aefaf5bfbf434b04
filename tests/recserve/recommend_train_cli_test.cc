// `mercato recommend train` and `mercato catalog import|get` as users run them: the real binary
// on a data directory the generator filled.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

std::string Quote(const std::string& text) { return "'" + text + "'"; }

std::string Mercato(const std::string& args) {
  auto output = RunCommand(Quote(MercatoBinary()) + " " + args + " 2>&1; echo exit=$?");
  return output.value_or("exit=?");
}

TEST(RecommendTrainCli, TrainsFromGeneratedEventsAndKeepsTheCatalogsOwnItems) {
  TempDir dir;
  const std::string data = Quote(dir.str());
  std::string output =
      Mercato("generate --data-dir " + data + " --customers 300 --products 60 --days 20 --seed 7");
  ASSERT_NE(output.find("exit=0"), std::string::npos) << output;

  // The shop states one product's name and availability before training.
  const std::string csv = (dir.path() / "items.csv").string();
  {
    std::ofstream out(csv);
    out << "id,name,available,tags\r\nsku-00001,\"Umbrella, large\",false,rain;autumn\r\n";
  }
  output = Mercato("catalog import --data-dir " + data + " --file " + Quote(csv));
  ASSERT_NE(output.find("imported 1 items"), std::string::npos) << output;

  output = Mercato("recommend train --data-dir " + data + " --json");
  ASSERT_NE(output.find("exit=0"), std::string::npos) << output;
  const size_t brace = output.find("\n{");
  ASSERT_NE(brace, std::string::npos) << output;
  json::object record =
      json::parse(output.substr(brace + 1, output.find('\n', brace + 1) - brace - 1)).as_object();
  EXPECT_GT(record.at("sessions").to_number<int64_t>(), 100) << output;
  EXPECT_GT(record.at("items").to_number<int64_t>(), 10);
  const auto& strategies = record.at("validation").at("strategies").as_object();
  EXPECT_TRUE(strategies.contains(record.at("strategy").as_string()));
  // Session kNN learns this shop's browsing better than a trending list.
  EXPECT_GT(strategies.at("vstan").at("hr@20").to_number<double>(),
            strategies.at("popular").at("hr@20").to_number<double>())
      << json::serialize(strategies);

  // The imported item kept its stated fields; another item was learned from the events.
  output = Mercato("catalog get --data-dir " + data + " sku-00001");
  ASSERT_NE(output.find("exit=0"), std::string::npos) << output;
  EXPECT_NE(output.find("\"name\":\"Umbrella, large\""), std::string::npos) << output;
  EXPECT_NE(output.find("\"source\":\"csv\""), std::string::npos) << output;
  output = Mercato("catalog get --data-dir " + data + " sku-00002");
  EXPECT_NE(output.find("\"source\":\"events\""), std::string::npos) << output;
  EXPECT_NE(output.find("\"category\":"), std::string::npos) << output;
}

TEST(RecommendTrainCli, RefusesAnEmptyStoreAndABadCsvWithClearErrors) {
  TempDir dir;
  const std::string data = Quote(dir.str());
  std::string output = Mercato("recommend train --data-dir " + data);
  EXPECT_NE(output.find("no session with two viewed products"), std::string::npos) << output;
  EXPECT_NE(output.find("exit=1"), std::string::npos) << output;
  const std::string csv = (dir.path() / "bad.csv").string();
  {
    std::ofstream out(csv);
    out << "id,price\nok,1\nbad,-3\n";
  }
  output = Mercato("catalog import --data-dir " + data + " --file " + Quote(csv));
  EXPECT_NE(output.find("line 3"), std::string::npos) << output;
  EXPECT_NE(output.find("exit=1"), std::string::npos) << output;
  output = Mercato("catalog get --data-dir " + data + " ok");
  EXPECT_NE(output.find("NotFound"), std::string::npos) << output;  // nothing was stored
}

}  // namespace
}  // namespace mercato::testing
