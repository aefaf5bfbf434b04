// Crypto primitives, the master key, the key vault and field encryption.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>

#include "privacy/crypto.h"
#include "privacy/field_cipher.h"
#include "privacy/key_vault.h"
#include "privacy/master_key.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {
namespace json = boost::json;

const std::string kMaster(32, 'm');

TEST(CryptoTest, SealOpenRoundTripAndTamperDetection) {
  const std::string key(32, 'k');
  auto sealed = crypto::Seal(key, "hello personal data", "aad-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 19 + crypto::kSealOverhead);
  EXPECT_EQ(sealed->find("hello"), std::string::npos);
  auto opened = crypto::Open(key, *sealed, "aad-1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "hello personal data");
  // Fresh nonces: sealing twice gives different bytes.
  EXPECT_NE(*crypto::Seal(key, "hello personal data", "aad-1"), *sealed);
  EXPECT_EQ(crypto::Open(key, *sealed, "aad-2").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(crypto::Open(std::string(32, 'x'), *sealed, "aad-1").status().code(),
            StatusCode::kCorruption);
  for (size_t i = 0; i < sealed->size(); i += 7) {
    std::string altered = *sealed;
    altered[i] ^= 1;
    EXPECT_EQ(crypto::Open(key, altered, "aad-1").status().code(), StatusCode::kCorruption) << i;
  }
  EXPECT_EQ(crypto::Open(key, "short", "").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(crypto::Seal("short key", "x", "").status().code(), StatusCode::kInvalidArgument);
}

TEST(CryptoTest, KnownAnswers) {
  // FIPS 180-2 and RFC 4231 test case 2.
  EXPECT_EQ(crypto::HexEncode(crypto::Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::HexEncode(crypto::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(crypto::Base64UrlEncode("\xfb\xff"), "-_8");
  std::string decoded;
  EXPECT_TRUE(crypto::Base64UrlDecode("-_8", decoded));
  EXPECT_EQ(decoded, "\xfb\xff");
  EXPECT_FALSE(crypto::Base64UrlDecode("-_9", decoded));  // non-zero padding bits
  EXPECT_FALSE(crypto::Base64UrlDecode("a", decoded));
  EXPECT_FALSE(crypto::Base64UrlDecode("ab+c", decoded));
  EXPECT_TRUE(crypto::ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("abc", "abcd"));
}

TEST(MasterKeyTest, ParsesHexAndBase64UrlAndRejectsOthers) {
  auto hex = ParseMasterKey(std::string(64, 'a') + "\n");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(*hex, std::string(32, '\xaa'));
  auto b64 = ParseMasterKey(crypto::Base64UrlEncode(std::string(32, 'z')));
  ASSERT_TRUE(b64.ok());
  EXPECT_EQ(*b64, std::string(32, 'z'));
  EXPECT_EQ(ParseMasterKey("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMasterKey(std::string(63, 'a') + "g").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MasterKeyTest, FileIsCreatedPrivateAndRefusedWhenShared) {
  testing::TempDir dir;
  unsetenv(kMasterKeyEnv);
  auto created = ResolveMasterKey("", dir.str());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->origin.ends_with("(created)"));
  const std::string path = dir.str() + "/master.key";
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = ResolveMasterKey("", dir.str());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key, created->key);
  EXPECT_EQ(again->origin, path);
  chmod(path.c_str(), 0644);
  EXPECT_EQ(ResolveMasterKey("", dir.str()).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ResolveMasterKey(dir.str() + "/missing.key", dir.str()).status().code(),
            StatusCode::kNotFound);
  // The environment wins over files.
  setenv(kMasterKeyEnv, std::string(64, 'b').c_str(), 1);
  auto from_env = ResolveMasterKey("", dir.str());
  unsetenv(kMasterKeyEnv);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->key, std::string(32, '\xbb'));
  EXPECT_EQ(from_env->origin, "environment");
}

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(kMaster); }
  void Open(const std::string& master) {
    vault_.reset();
    store_.reset();
    StoreOptions options;
    options.path = dir_.str();
    store_ = std::move(Store::Open(options)).value();
    auto vault = KeyVault::Open(*store_, master);
    open_status_ = vault.status();
    if (vault.ok()) vault_ = std::move(vault).value();
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<KeyVault> vault_;
  Status open_status_;
};

TEST_F(VaultTest, OneKeyPerIdentityStableAcrossReopen) {
  ASSERT_TRUE(open_status_.ok());
  auto a = vault_->KeyFor("u:ann");
  auto b = vault_->KeyFor("u:bob");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->key.size(), 32u);
  EXPECT_NE(a->key, b->key);
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(vault_->KeyFor("u:ann")->key, a->key);
  const std::string pseudonym_key = vault_->pseudonym_key();
  Open(kMaster);
  ASSERT_TRUE(open_status_.ok());
  EXPECT_EQ(vault_->KeyFor("u:ann")->key, a->key);
  EXPECT_EQ(*vault_->KeyById(a->id), a->key);
  EXPECT_EQ(vault_->pseudonym_key(), pseudonym_key);
}

TEST_F(VaultTest, WrongMasterKeyIsRefused) {
  ASSERT_TRUE(vault_->KeyFor("u:ann").ok());
  Open(std::string(32, 'w'));
  EXPECT_EQ(open_status_.code(), StatusCode::kFailedPrecondition) << open_status_.ToString();
}

TEST_F(VaultTest, DestroyMakesKeysUnrecoverableAndNextUseCreatesANewOne) {
  auto a = vault_->KeyFor("u:ann");
  auto anon = vault_->KeyFor("a:device-1");
  auto bob = vault_->KeyFor("u:bob");
  ASSERT_TRUE(a.ok() && anon.ok() && bob.ok());
  auto destroyed = vault_->Destroy({"u:ann", "a:device-1", "u:never-seen"});
  ASSERT_TRUE(destroyed.ok());
  EXPECT_EQ(*destroyed, 2u);
  EXPECT_EQ(vault_->KeyById(a->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault_->KeyById(anon->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*vault_->KeyById(bob->id), bob->key);
  // Also after a reopen (nothing survived in a cache or in the store).
  Open(kMaster);
  EXPECT_EQ(vault_->KeyById(a->id).status().code(), StatusCode::kNotFound);
  auto fresh = vault_->KeyFor("u:ann");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->key, a->key);
  EXPECT_NE(fresh->id, a->id);
}

TEST_F(VaultTest, StoreFailureIsAnError) {
  store_->FailWritesAfter(0);
  EXPECT_EQ(vault_->KeyFor("u:new").status().code(), StatusCode::kIoError);
}

TEST_F(VaultTest, FieldCipherRoundTripsAnyValueAndErasesWithTheKey) {
  auto key = vault_->KeyFor("u:ann");
  ASSERT_TRUE(key.ok());
  json::value original = json::parse(R"({"street":"Main St 1","zip":"00-950","n":[1,2.5,null]})");
  auto encrypted = EncryptValue(original, *key);
  ASSERT_TRUE(encrypted.ok());
  EXPECT_TRUE(IsEncrypted(*encrypted));
  EXPECT_EQ(json::serialize(*encrypted).find("Main St"), std::string::npos);
  auto decrypted = DecryptValue(*encrypted, *vault_);
  ASSERT_TRUE(decrypted.ok());
  EXPECT_EQ(*decrypted, original);

  json::value tree =
      json::object{{"email", *encrypted}, {"plain", "x"}, {"list", json::array{*encrypted}}};
  DecryptStats stats;
  json::value copy = tree;
  ASSERT_TRUE(DecryptTree(copy, *vault_, &stats).ok());
  EXPECT_EQ(stats.decrypted, 2u);
  EXPECT_EQ(copy.at("email"), original);

  ASSERT_TRUE(vault_->Destroy({"u:ann"}).ok());
  EXPECT_EQ(DecryptValue(*encrypted, *vault_).status().code(), StatusCode::kNotFound);
  DecryptStats erased;
  ASSERT_TRUE(DecryptTree(tree, *vault_, &erased).ok());
  EXPECT_EQ(erased.erased, 2u);
  EXPECT_TRUE(tree.at("email").is_null());
  EXPECT_EQ(tree.at("plain").as_string(), "x");
}

TEST_F(VaultTest, AlteredOrForgedCiphertextIsCorruption) {
  auto key = vault_->KeyFor("u:ann");
  auto encrypted = EncryptValue(json::value("ann@example.com"), *key);
  ASSERT_TRUE(encrypted.ok());
  std::string text(encrypted->at(kEncryptedMember).as_string());
  text[text.size() - 3] = text[text.size() - 3] == 'A' ? 'B' : 'A';
  json::value altered = json::object{{kEncryptedMember, text}};
  EXPECT_EQ(DecryptValue(altered, *vault_).status().code(), StatusCode::kCorruption);
  json::value garbage = json::object{{kEncryptedMember, "no-dot-here"}};
  EXPECT_EQ(DecryptValue(garbage, *vault_).status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(ContainsEncryptedMarker(json::parse(R"({"a":[{"b":{"$enc":"x"}}]})")));
  EXPECT_FALSE(ContainsEncryptedMarker(json::parse(R"({"a":[{"b":{"enc":"x"}}]})")));
}

}  // namespace
}  // namespace mercato
