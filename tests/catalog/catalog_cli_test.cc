// `mercato catalog import|get` as users run them: the real binary on a fresh data directory.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

std::string Quote(const std::string& text) { return "'" + text + "'"; }

class CatalogCliTest : public ::testing::Test {
 protected:
  // Runs `mercato catalog <args> --data-dir D`; returns stdout + stderr and "exit=<code>".
  std::string Catalog(const std::string& args) {
    auto output = RunCommand(Quote(MercatoBinary()) + " catalog " + args + " --data-dir " +
                             Quote((dir_.path() / "data").string()) + " 2>&1; echo exit=$?");
    return output.value_or("exit=?");
  }
  std::string WriteCsv(const std::string& name, const std::string& text) {
    const std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  TempDir dir_;
};

TEST_F(CatalogCliTest, ImportsEveryRowAndPrintsAnItem) {
  const std::string csv = WriteCsv("items.csv",
                                   "name,id,price,currency,available,tags\n"
                                   "\"Umbrella, large\",sku-1,19.99,EUR,true,rain;Autumn\n"
                                   "Hat,sku-2,,,,\n");
  const std::string imported = Catalog("import --file " + Quote(csv));
  EXPECT_NE(imported.find("imported 2 items"), std::string::npos) << imported;
  EXPECT_NE(imported.find("exit=0"), std::string::npos) << imported;

  auto output = RunCommand(Quote(MercatoBinary()) + " catalog get sku-1 --data-dir " +
                           Quote((dir_.path() / "data").string()));
  ASSERT_TRUE(output.has_value());
  boost::system::error_code ec;
  json::value item = json::parse(*output, ec);
  ASSERT_FALSE(ec) << *output;
  EXPECT_EQ(item.at("name").as_string(), "Umbrella, large");
  EXPECT_DOUBLE_EQ(item.at("price").as_double(), 19.99);
  EXPECT_EQ(json::serialize(item.at("tags")), R"(["rain","autumn"])");
  EXPECT_EQ(item.at("source").as_string(), "csv");
  const std::string hat = Catalog("get sku-2");  // unknown values print as null
  json::value hat_item = json::parse(hat.substr(0, hat.find("exit=")), ec);
  ASSERT_FALSE(ec) << hat;
  EXPECT_TRUE(hat_item.at("price").is_null());
  EXPECT_TRUE(hat_item.at("available").is_null());
}

TEST_F(CatalogCliTest, ABadRowStoresNothingAndNamesItsLine) {
  const std::string csv = WriteCsv("bad.csv",
                                   "id,price\n"
                                   "new-1,5\n"
                                   "new-2,cheap\n");
  const std::string refused = Catalog("import --file " + Quote(csv));
  EXPECT_NE(refused.find("exit=1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("line 3"), std::string::npos) << refused;
  EXPECT_NE(refused.find("'price'"), std::string::npos) << refused;

  const std::string good = WriteCsv("good.csv", "id\nother\n");
  ASSERT_NE(Catalog("import --file " + Quote(good)).find("exit=0"), std::string::npos);
  const std::string missing = Catalog("get new-1");
  EXPECT_NE(missing.find("NotFound"), std::string::npos) << missing;
  EXPECT_NE(missing.find("exit=1"), std::string::npos) << missing;

  const std::string unknown_column =
      Catalog("import --file " + Quote(WriteCsv("c.csv", "id,colour\nx,red\n")));
  EXPECT_NE(unknown_column.find("unknown column 'colour'"), std::string::npos) << unknown_column;
  const std::string no_file =
      Catalog("import --file " + Quote((dir_.path() / "none.csv").string()));
  EXPECT_NE(no_file.find("exit=1"), std::string::npos) << no_file;
}

}  // namespace
}  // namespace mercato::testing
