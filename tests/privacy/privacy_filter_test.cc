// The privacy filter on the ingest path: personal values never reach the log in clear.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "event/parser.h"
#include "privacy/field_cipher.h"
#include "privacy/key_vault.h"
#include "privacy/privacy_filter.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {
namespace json = boost::json;

class PrivacyFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.path = dir_.str();
    store_ = std::move(Store::Open(options)).value();
    vault_ = std::move(KeyVault::Open(*store_, std::string(32, 'm'))).value();
    filter_ = std::make_unique<PrivacyFilter>(*vault_, DlpPolicy(), &metrics_);
  }

  Result<Event> Ingest(std::string_view body, EventType type = EventType::kIdentify) {
    std::vector<EventError> errors;
    return ParseSingleEvent(body, type, 1'700'000'000'000'000, IngestLimits{}, errors,
                            filter_->AsTransform());
  }

  testing::TempDir dir_;
  MetricsRegistry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<PrivacyFilter> filter_;
};

TEST_F(PrivacyFilterTest, PersonalTraitsAreStoredEncryptedWithTheIdentitysKey) {
  auto event = Ingest(R"({"userId":"u-77","traits":{"email":"quentin@example.org",
      "phone":"+48 601 234 567","name":"Quentin Erasmusson","plan":"gold",
      "address":{"street":"Kwiatowa 5","city":"Gdansk"}},
      "context":{"ip":"203.0.113.77"}})");
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  for (const char* secret :
       {"quentin@example.org", "601 234 567", "Erasmusson", "Kwiatowa", "203.0.113.77"}) {
    EXPECT_EQ(event->payload.find(secret), std::string::npos) << secret << " in " << event->payload;
  }
  json::value payload = json::parse(event->payload);
  const json::object& traits = payload.at("traits").as_object();
  EXPECT_TRUE(IsEncrypted(traits.at("email")));
  EXPECT_EQ(traits.at("plan").as_string(), "gold");  // not personal: stays readable
  EXPECT_EQ(payload.at("userId").as_string(), "u-77");
  // The key is the userId's, and decryption gives the original values back.
  auto key_id = vault_->KeyIdOf("u:u-77");
  ASSERT_TRUE(key_id.ok());
  ASSERT_TRUE(DecryptTree(payload, *vault_).ok());
  EXPECT_EQ(payload.at("traits").at("email").as_string(), "quentin@example.org");
  EXPECT_EQ(payload.at("traits").at("address").at("city").as_string(), "Gdansk");
  EXPECT_GT(metrics_.RenderPrometheus().find("mercato_fields_encrypted_total"), 0u);
}

TEST_F(PrivacyFilterTest, AnonymousEventsUseTheAnonymousIdsKeyAndKeysAreMadeOnlyWhenNeeded) {
  ASSERT_TRUE(Ingest(R"({"anonymousId":"anon-5","event":"Viewed","properties":{"sku":"A-1"}})",
                     EventType::kTrack)
                  .ok());
  EXPECT_EQ(vault_->KeyIdOf("a:anon-5").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(Ingest(R"({"anonymousId":"anon-5","traits":{"email":"x@example.com"}})").ok());
  EXPECT_TRUE(vault_->KeyIdOf("a:anon-5").ok());
}

TEST_F(PrivacyFilterTest, ReservedMarkerIsRejected) {
  auto event = Ingest(R"({"userId":"u1","traits":{"email":{"$enc":"forged.value"}}})");
  EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(event.status().message().find("$enc"), std::string::npos);
  std::vector<EventError> errors;
  auto batch = ParseBatch(R"({"batch":[{"type":"track","userId":"u1","event":"e"},
      {"type":"track","userId":"u1","event":"e","properties":{"x":[{"$enc":"1"}]}}]})",
                          1, IngestLimits{}, errors, filter_->AsTransform());
  EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].index, 1);
}

TEST_F(PrivacyFilterTest, VaultFailureFailsTheBatchAsAServerError) {
  store_->FailWritesAfter(0);
  std::vector<EventError> errors;
  auto batch = ParseBatch(R"({"batch":[{"type":"identify","userId":"new-user",
      "traits":{"email":"new@example.com"}}]})",
                          1, IngestLimits{}, errors, filter_->AsTransform());
  EXPECT_EQ(batch.status().code(), StatusCode::kIoError) << batch.status().ToString();
}

}  // namespace
}  // namespace mercato
