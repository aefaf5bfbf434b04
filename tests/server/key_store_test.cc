// KeyStore: validation, persistence, rotation with grace, revocation, the first admin key.

#include "server/key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "privacy/crypto.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

constexpr int64_t kNow = 1'700'000'000 * kMicrosPerSecond;

KeySpec WriteSpec() {
  KeySpec spec;
  spec.name = "web shop";
  spec.scopes = static_cast<uint8_t>(Scope::kWrite);
  spec.source = "web";
  spec.allowed_origins = {"https://Shop.Example", "https://shop.example", "*"};
  return spec;
}

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    keys_.reset();
    store_.reset();
    StoreOptions options;
    options.path = dir_.str();
    options.clock = &clock_;
    store_ = std::move(Store::Open(options)).value();
    keys_ = std::move(KeyStore::Open(*store_, clock_, &ring_, nullptr)).value();
  }

  FakeClock clock_{kNow};
  TempDir dir_;
  KeyRing ring_{clock_};
  std::unique_ptr<Store> store_;
  std::unique_ptr<KeyStore> keys_;
};

TEST_F(KeyStoreTest, InvalidSpecsNameTheirField) {
  struct Case {
    std::function<void(KeySpec&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](KeySpec& s) { s.name.clear(); }, "'name'"},
      {[](KeySpec& s) { s.name = std::string(300, 'n'); }, "'name'"},
      {[](KeySpec& s) { s.name = "a\nb"; }, "'name'"},
      {[](KeySpec& s) { s.scopes = 0; }, "'scopes'"},
      {[](KeySpec& s) { s.source.clear(); }, "'source'"},
      {[](KeySpec& s) { s.source = std::string(200, 's'); }, "'source'"},
      {[](KeySpec& s) { s.allowed_origins = {"shop.example"}; }, "'allowedOrigins'"},
      {[](KeySpec& s) { s.allowed_origins = {"https://shop.example/"}; }, "'allowedOrigins'"},
      {[](KeySpec& s) { s.allowed_origins = {"https://shop.example/path"}; }, "'allowedOrigins'"},
      {[](KeySpec& s) { s.allowed_origins = {"ftp://shop.example"}; }, "'allowedOrigins'"},
      {[](KeySpec& s) { s.allowed_origins = {"https://"}; }, "'allowedOrigins'"},
      {[](KeySpec& s) { s.expires_at_us = kNow; }, "'expiresAt'"},
  };
  for (const Case& c : cases) {
    KeySpec spec = WriteSpec();
    c.change(spec);
    auto created = keys_->Create(spec, "test");
    ASSERT_EQ(created.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(created.status().message().find(c.field), std::string::npos)
        << created.status().message();
  }
  EXPECT_EQ(keys_->size(), 0u);
  // An admin key needs no source.
  KeySpec admin;
  admin.name = "ops";
  admin.scopes = static_cast<uint8_t>(Scope::kAdmin);
  EXPECT_TRUE(keys_->Create(admin, "test").ok());
}

TEST_F(KeyStoreTest, CreatedKeysPersistHashedAndAuthenticate) {
  auto issued = keys_->Create(WriteSpec(), "test");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->record.allowed_origins,
            (std::vector<std::string>{"https://shop.example", "*"}));
  EXPECT_EQ(issued->record.secret_sha256, crypto::Sha256(issued->secret));
  auto key = ring_.Authenticate("Bearer " + issued->secret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->principal.key_id, issued->record.id);
  EXPECT_EQ(key->principal.source, "web");

  Reopen();
  ring_.SetStoredKeys({});
  Reopen();  // loading publishes to the ring again
  ASSERT_EQ(keys_->size(), 1u);
  ApiKeyRecord loaded = keys_->List()[0];
  EXPECT_EQ(loaded.id, issued->record.id);
  EXPECT_EQ(loaded.name, "web shop");
  EXPECT_EQ(loaded.source, "web");
  EXPECT_EQ(loaded.created_at_us, kNow);
  EXPECT_TRUE(ring_.Authenticate("Bearer " + issued->secret).ok());

  auto view = KeyView(loaded, kNow);
  EXPECT_EQ(view.at("status").as_string(), "active");
  EXPECT_EQ(view.at("scopes").as_array().size(), 1u);
  EXPECT_FALSE(view.contains("secretSha256"));
}

TEST_F(KeyStoreTest, RotationKeepsTheOldSecretForItsGraceOnly) {
  auto issued = keys_->Create(WriteSpec(), "test");
  ASSERT_TRUE(issued.ok());
  const std::string first = issued->secret;
  auto rotated = keys_->Rotate(issued->record.id, 60, "test");
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  const std::string second = rotated->secret;
  EXPECT_NE(first, second);
  EXPECT_TRUE(ring_.Authenticate("Bearer " + first).ok());
  EXPECT_TRUE(ring_.Authenticate("Bearer " + second).ok());

  // A second rotation without grace: the first secret keeps its own end, the second stops now.
  auto third = keys_->Rotate(issued->record.id, 0, "test");
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(ring_.Authenticate("Bearer " + second).ok());
  EXPECT_TRUE(ring_.Authenticate("Bearer " + first).ok());
  clock_.Advance(60 * kMicrosPerSecond);
  EXPECT_FALSE(ring_.Authenticate("Bearer " + first).ok());
  EXPECT_TRUE(ring_.Authenticate("Bearer " + third->secret).ok());

  EXPECT_EQ(keys_->Rotate("key_0000000000000000", 0, "test").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(keys_->Rotate(issued->record.id, -1, "test").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(keys_->Rotate(issued->record.id, kMaxGraceSeconds + 1, "test").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(KeyStoreTest, RevocationIsImmediateAndPersists) {
  auto issued = keys_->Create(WriteSpec(), "test");
  ASSERT_TRUE(issued.ok());
  auto rotated = keys_->Rotate(issued->record.id, 3600, "test");
  ASSERT_TRUE(rotated.ok());
  auto revoked = keys_->Revoke(issued->record.id, "test");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->revoked_at_us, kNow);
  EXPECT_FALSE(ring_.Authenticate("Bearer " + issued->secret).ok());  // grace ends with revocation
  EXPECT_FALSE(ring_.Authenticate("Bearer " + rotated->secret).ok());
  EXPECT_TRUE(keys_->Revoke(issued->record.id, "test").ok());  // idempotent
  EXPECT_EQ(keys_->Rotate(issued->record.id, 0, "test").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(keys_->Revoke("key_unknown", "test").status().code(), StatusCode::kNotFound);
  Reopen();
  EXPECT_TRUE(keys_->List()[0].revoked());
  EXPECT_EQ(KeyView(keys_->List()[0], kNow).at("status").as_string(), "revoked");
}

TEST_F(KeyStoreTest, RecordsRoundTripAndCorruptOnesAreReported) {
  ApiKeyRecord record;
  record.id = "key_0123456789abcdef";
  record.name = "n";
  record.scopes = static_cast<uint8_t>(Scope::kWrite) | static_cast<uint8_t>(Scope::kRead);
  record.source = "s";
  record.allowed_origins = {"*"};
  record.created_at_us = 1;
  record.expires_at_us = 2;
  record.secret_sha256 = crypto::Sha256("x");
  record.retired_secrets = {{crypto::Sha256("y"), 3}};
  auto decoded = DecodeKeyRecord(EncodeKeyRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->scopes, record.scopes);
  EXPECT_EQ(decoded->secret_sha256, record.secret_sha256);
  ASSERT_EQ(decoded->retired_secrets.size(), 1u);
  EXPECT_EQ(decoded->retired_secrets[0].valid_until_us, 3);
  EXPECT_EQ(DecodeKeyRecord("{}").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeKeyRecord("nope").status().code(), StatusCode::kCorruption);
}

TEST_F(KeyStoreTest, FirstAdminKeyIsCreatedOnceWithAPrivateFile) {
  const std::string path = (dir_.path() / "initial-admin-key").string();
  auto created = CreateInitialAdminKey(*keys_, ring_, path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(created->has_value());
  const std::string secret = (*created)->secret;
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, secret);
  auto admin = ring_.Authenticate("Bearer " + secret);
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(HasScope(admin->principal.scopes, Scope::kAdmin));

  auto again = CreateInitialAdminKey(*keys_, ring_, path);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(keys_->size(), 1u);
}

TEST(KeyStoreBootstrapTest, FlagKeysPreventTheFirstAdminKey) {
  FakeClock clock(kNow);
  TempDir dir;
  StoreOptions options;
  options.path = dir.str();
  auto store = std::move(Store::Open(options)).value();
  KeyRing ring(clock);
  ASSERT_TRUE(ring.AddBootstrapKey("admin", Scope::kAdmin).ok());
  auto keys = std::move(KeyStore::Open(*store, clock, &ring, nullptr)).value();
  auto created = CreateInitialAdminKey(*keys, ring, (dir.path() / "initial-admin-key").string());
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(created->has_value());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "initial-admin-key"));
}

// Cluster mode: a change is published before it is stored here, a change whose publish fails is
// not made, and a record applied from another node authenticates without being published again.
TEST_F(KeyStoreTest, PublishedChangesAndAppliedRecords) {
  std::vector<ApiKeyRecord> published;
  bool refuse = false;
  keys_->SetPublisher([&](const ApiKeyRecord& record) {
    if (refuse) return Status::Unavailable("kafka is away");
    published.push_back(record);
    return Status::Ok();
  });
  auto issued = keys_->Create(WriteSpec(), "admin");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(EncodeKeyRecord(published[0]), EncodeKeyRecord(issued->record));

  refuse = true;
  EXPECT_EQ(keys_->Create(WriteSpec(), "admin").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(keys_->Revoke(issued->record.id, "admin").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(keys_->size(), 1u);
  EXPECT_FALSE(keys_->List()[0].revoked());
  EXPECT_TRUE(ring_.Authenticate("Bearer " + issued->secret).ok());

  // Another node, which applies what this one published.
  TempDir other_dir;
  StoreOptions options;
  options.path = other_dir.str();
  auto other_store = std::move(Store::Open(options)).value();
  KeyRing other_ring{clock_};
  auto other = std::move(KeyStore::Open(*other_store, clock_, &other_ring, nullptr)).value();
  int republished = 0;
  other->SetPublisher([&](const ApiKeyRecord&) {
    ++republished;
    return Status::Ok();
  });
  EXPECT_FALSE(other_ring.Authenticate("Bearer " + issued->secret).ok());
  ASSERT_TRUE(other->Apply(published[0]).ok());
  EXPECT_TRUE(other_ring.Authenticate("Bearer " + issued->secret).ok());
  EXPECT_EQ(republished, 0);
  ApiKeyRecord revoked = published[0];
  revoked.revoked_at_us = kNow;
  ASSERT_TRUE(other->Apply(revoked).ok());
  EXPECT_FALSE(other_ring.Authenticate("Bearer " + issued->secret).ok());
  ApiKeyRecord no_hash = published[0];
  no_hash.secret_sha256.clear();
  EXPECT_EQ(other->Apply(no_hash).code(), StatusCode::kInvalidArgument);
  // It survives a restart of that node.
  other.reset();
  other = std::move(KeyStore::Open(*other_store, clock_, &other_ring, nullptr)).value();
  ASSERT_EQ(other->size(), 1u);
  EXPECT_TRUE(other->List()[0].revoked());
}

}  // namespace
}  // namespace mercato::testing
