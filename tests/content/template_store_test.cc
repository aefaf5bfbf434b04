#include "content/template_store.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "support/test_support.h"

namespace mercato::content {
namespace {

namespace json = boost::json;
using testing::TempDir;

MessageTemplate Make(const std::string& id, const std::string& text) {
  auto tmpl = ParseMessageTemplate(
      id, json::parse(R"({"name": "T", "text": )" + json::serialize(json::value(text)) + "}")
              .as_object());
  EXPECT_TRUE(tmpl.ok()) << tmpl.status().ToString();
  return *tmpl;
}

class TemplateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.path = dir_.str();
    store_ = std::move(Store::Open(options)).value();
    templates_ = std::make_unique<TemplateStore>(*store_, clock_);
  }
  TempDir dir_;
  FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<TemplateStore> templates_;
};

TEST_F(TemplateStoreTest, AFailedWriteKeepsThePreviousVersion) {
  ASSERT_TRUE(templates_->Put(Make("t", "one")).ok());
  store_->FailWritesAfter(0);
  EXPECT_EQ(templates_->Put(Make("t", "two")).status().code(), StatusCode::kIoError);
  EXPECT_EQ(templates_->Delete("t").code(), StatusCode::kIoError);
  store_->FailWritesAfter(-1);
  auto stored = templates_->Get("t");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->text, "one");
  EXPECT_EQ(stored->version, 1u);
}

TEST_F(TemplateStoreTest, PartialsComeFromTheStoreAndCannotRecurseForever) {
  ASSERT_TRUE(templates_->Put(Make("inner", "[{{x}}]")).ok());
  ASSERT_TRUE(templates_->Put(Make("outer", "<{{> inner}}{{> inner}}>")).ok());
  auto rendered = templates_->Render("outer", json::parse(R"({"x": 1})"));
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->text, "<[1][1]>");
  ASSERT_TRUE(templates_->Put(Make("loop", "a{{> loop}}")).ok());
  auto loop = templates_->Render("loop", json::object());
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mercato::content
