// `mercato recommend eval` as users run it: the real binary on the data sets in their original
// formats.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <sstream>

#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

std::string Quote(const std::string& text) { return "'" + text + "'"; }

// Runs `mercato recommend eval <args>`; stdout + stderr followed by "exit=<code>".
std::string Eval(const std::string& args) {
  auto output = RunCommand(Quote(MercatoBinary()) + " recommend eval --no-progress " + args +
                           " 2>&1; echo exit=$?");
  return output.value_or("exit=?");
}

// The "mean" rows of --json output, by model.
std::map<std::string, json::object> Means(const std::string& output) {
  std::map<std::string, json::object> means;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    json::object row = json::parse(line).as_object();
    if (row.at("fold").as_string() == "mean") means[std::string(row.at("model").as_string())] = row;
  }
  return means;
}

double At(const json::object& row, std::size_t k, const char* metric) {
  for (const auto& entry : row.at("at").as_array()) {
    if (entry.at("k").to_number<std::size_t>() == k) return entry.at(metric).to_number<double>();
  }
  return -1;
}

TEST(RecommendCli, DigineticaSampleSessionKnnBeatsPopularity) {
  REQUIRE_DATA_FILE(file, "diginetica_sample/sample_train-item-views.csv");
  const std::string output = Eval("--dataset diginetica --path " + Quote(file.string()) +
                                  " --models pop,sr,vstan --blend vstan:1,sr:0.5 --json");
  ASSERT_NE(output.find("exit=0"), std::string::npos) << output;
  const auto means = Means(output);
  ASSERT_EQ(means.size(), 4U) << output;
  const json::object& pop = means.at("pop");
  const json::object& vstan = means.at("vstan");
  EXPECT_GT(pop.at("events").to_number<std::uint64_t>(), 50U);
  EXPECT_EQ(pop.at("events"), vstan.at("events"));  // the same test clicks for every model
  EXPECT_GT(At(vstan, 20, "hit_rate"), At(pop, 20, "hit_rate") + 0.3);
  EXPECT_GT(At(vstan, 20, "mrr"), At(pop, 20, "mrr"));
  for (const auto& [model, row] : means) {
    for (std::size_t k : {1U, 5U, 10U, 20U}) {
      EXPECT_GE(At(row, k, "hit_rate"), At(row, k, "mrr")) << model << " @" << k;
      EXPECT_LE(At(row, k, "hit_rate"), 1.0) << model;
    }
    EXPECT_LE(At(row, 1, "hit_rate"), At(row, 20, "hit_rate")) << model;
  }
}

TEST(RecommendCli, SlicedWindowsAreAveraged) {
  REQUIRE_DATA_FILE(file, "retailrocket_sample/sample_retailrocket.csv");
  const std::string output =
      Eval("--dataset retailrocket-sample --path " + Quote(file.string()) +
           " --slices 5 --train-days 25 --test-days 2 --models sknn --cutoffs 20 --json");
  ASSERT_NE(output.find("exit=0"), std::string::npos) << output;
  std::size_t folds = 0;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"fold\":\"slice ") != std::string::npos) ++folds;
  }
  EXPECT_GE(folds, 2U) << output;
  EXPECT_EQ(Means(output).size(), 1U);
}

TEST(RecommendCli, ValidationSplitsReplaceTheTestData) {
  REQUIRE_DATA_FILE(file, "diginetica_sample/sample_train-item-views.csv");
  const std::string args =
      "--dataset diginetica --path " + Quote(file.string()) + " --models pop --cutoffs 20 --json";
  const std::string test = Eval(args);
  const std::string validation = Eval(args + " --on-validation");
  ASSERT_NE(validation.find("exit=0"), std::string::npos) << validation;
  EXPECT_NE(validation.find("(validation)"), std::string::npos) << validation;
  EXPECT_EQ(test.find("(validation)"), std::string::npos) << test;
  // The newest tenth of the training sessions is not the test data.
  EXPECT_NE(Means(validation).at("pop").at("events"), Means(test).at("pop").at("events"));
}

TEST(RecommendCli, Gru4RecTrainsThroughTheTorchPlugin) {
  REQUIRE_DATA_FILE(file, "diginetica_sample/sample_train-item-views.csv");
  const std::string output = Eval("--dataset diginetica --path " + Quote(file.string()) +
                                  " --models gru4rec --gru-epochs 2 --cutoffs 20 --json"
                                  // One torch thread: LeakSanitizer's exit-time scan crashes on
                                  // the idle threads of a larger OpenMP pool (ASan build).
                                  " --threads 1");
  ASSERT_NE(output.find("exit=0"), std::string::npos) << output;
  const auto means = Means(output);
  ASSERT_EQ(means.count("gru4rec"), 1U) << output;
  EXPECT_GT(means.at("gru4rec").at("events").to_number<std::uint64_t>(), 50U);
  EXPECT_GT(At(means.at("gru4rec"), 20, "hit_rate"), 0.0);
}

TEST(RecommendCli, BadInputIsNamed) {
  EXPECT_NE(Eval("--dataset nosuch").find("exit=1"), std::string::npos);  // not a data set
  std::string output = Eval("--dataset diginetica --path /nonexistent/views.csv");
  EXPECT_NE(output.find("cannot open /nonexistent/views.csv"), std::string::npos) << output;
  EXPECT_NE(output.find("exit=1"), std::string::npos);
  output = Eval("--dataset diginetica --path /dev/null --models vstan,gbdt");
  EXPECT_NE(output.find("unknown model \"gbdt\""), std::string::npos) << output;
  output = Eval("--dataset diginetica --path /dev/null --blend vstan:x");
  EXPECT_NE(output.find("--blend wants MODEL:WEIGHT"), std::string::npos) << output;
  output = Eval("--dataset diginetica --path /dev/null --cutoffs 0");
  EXPECT_NE(output.find("--cutoffs wants numbers"), std::string::npos) << output;
  TempDir dir;
  const std::string bad = (dir.path() / "views.csv").string();
  ASSERT_TRUE(RunCommand(
      "printf 'session_id;user_id;item_id;timeframe;eventdate\\n1;NA;7;x;2016-05-09\\n' > " +
      Quote(bad)));
  output = Eval("--dataset diginetica --path " + Quote(bad));
  EXPECT_NE(output.find("line 2"), std::string::npos) << output;
  EXPECT_NE(output.find("exit=1"), std::string::npos);
}

}  // namespace
}  // namespace mercato::testing
