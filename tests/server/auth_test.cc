#include "server/auth.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "privacy/crypto.h"
#include "support/http_client.h"
#include "support/test_support.h"

namespace mercato {
namespace {

constexpr int64_t kNow = 1'700'000'000 * kMicrosPerSecond;

ApiKeyRecord StoredKey(const std::string& id, const std::string& secret, uint8_t scopes) {
  ApiKeyRecord record;
  record.id = id;
  record.name = id;
  record.scopes = scopes;
  record.created_at_us = kNow;
  record.secret_sha256 = crypto::Sha256(secret);
  return record;
}

TEST(AuthTest, BootstrapKeysScopesAndSchemes) {
  FakeClock clock(kNow);
  KeyRing keys(clock);
  ASSERT_TRUE(keys.AddBootstrapKey("wk", Scope::kWrite).ok());
  ASSERT_TRUE(keys.AddBootstrapKey("wk2", Scope::kWrite).ok());
  ASSERT_TRUE(keys.AddBootstrapKey("rk", Scope::kRead).ok());
  ASSERT_TRUE(keys.AddBootstrapKey("ak", Scope::kAdmin).ok());

  auto write = keys.Authenticate(testing::BasicAuth("wk"));
  ASSERT_TRUE(write.ok()) << write.status().ToString();
  EXPECT_EQ(write->principal.key_id, "flag-write-1");
  EXPECT_EQ(write->principal.source, "flag-write-1");
  EXPECT_EQ(keys.Authenticate(testing::BasicAuth("wk2"))->principal.key_id, "flag-write-2");
  EXPECT_TRUE(HasScope(write->principal.scopes, Scope::kWrite));
  EXPECT_FALSE(HasScope(write->principal.scopes, Scope::kRead));
  EXPECT_TRUE(keys.Authenticate("bearer wk").ok());   // the scheme is case-insensitive
  EXPECT_TRUE(keys.Authenticate("Basic d2s=").ok());  // "wk" without ':'

  auto admin = keys.Authenticate("Bearer ak");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->principal.key_id, "flag-admin-1");
  EXPECT_TRUE(admin->principal.source.empty());
  for (Scope scope : {Scope::kWrite, Scope::kRead, Scope::kAdmin}) {
    EXPECT_TRUE(HasScope(admin->principal.scopes, scope));  // admin implies every scope
  }
  EXPECT_FALSE(HasScope(keys.Authenticate("Bearer rk")->principal.scopes, Scope::kWrite));

  for (const char* bad : {"", "Basic !!!", "Token ak", "Bearer ", "Basic Og=="}) {
    EXPECT_EQ(keys.Authenticate(bad).status().code(), StatusCode::kUnauthenticated) << bad;
  }
  EXPECT_EQ(keys.Authenticate(testing::BasicAuth("zz")).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys.bootstrap_count(), 4u);
}

TEST(AuthTest, BadBootstrapKeysAreRefused) {
  FakeClock clock(kNow);
  KeyRing keys(clock);
  EXPECT_EQ(keys.AddBootstrapKey("", Scope::kWrite).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.AddBootstrapKey("a:b", Scope::kWrite).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.AddBootstrapKey("a b", Scope::kWrite).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.AddBootstrapKey("a\tb", Scope::kWrite).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(keys.AddBootstrapKey("k", Scope::kWrite).ok());
  EXPECT_EQ(keys.AddBootstrapKey("k", Scope::kRead).code(), StatusCode::kAlreadyExists);
}

TEST(AuthTest, StoredKeysRevocationExpiryAndGrace) {
  FakeClock clock(kNow);
  KeyRing keys(clock);
  ApiKeyRecord rotated = StoredKey("key_rotated", "new-secret", static_cast<uint8_t>(Scope::kRead));
  rotated.retired_secrets.push_back({crypto::Sha256("old-secret"), kNow + 10 * kMicrosPerSecond});
  ApiKeyRecord revoked = StoredKey("key_revoked", "revoked-secret", 2);
  revoked.revoked_at_us = kNow - 1;
  ApiKeyRecord expiring = StoredKey("key_expiring", "expiring-secret", 2);
  expiring.expires_at_us = kNow + 5 * kMicrosPerSecond;
  keys.SetStoredKeys({rotated, revoked, expiring});

  EXPECT_EQ(keys.Authenticate("Bearer new-secret")->principal.key_id, "key_rotated");
  EXPECT_EQ(keys.Authenticate("Bearer old-secret")->principal.key_id, "key_rotated");
  EXPECT_TRUE(keys.Authenticate("Bearer expiring-secret").ok());
  auto denied = keys.Authenticate("Bearer revoked-secret");
  EXPECT_EQ(denied.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(denied.status().message().find("revoked"), std::string::npos);

  clock.Advance(5 * kMicrosPerSecond);
  EXPECT_NE(keys.Authenticate("Bearer expiring-secret").status().message().find("expired"),
            std::string::npos);
  EXPECT_TRUE(keys.Authenticate("Bearer old-secret").ok());
  clock.Advance(5 * kMicrosPerSecond);
  EXPECT_EQ(keys.Authenticate("Bearer old-secret").status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(keys.Authenticate("Bearer new-secret").ok());

  // Replacing the stored keys drops the old ones at once.
  keys.SetStoredKeys({});
  EXPECT_EQ(keys.Authenticate("Bearer new-secret").status().code(), StatusCode::kUnauthenticated);
}

TEST(AuthTest, OriginsAndPreflight) {
  FakeClock clock(kNow);
  KeyRing keys(clock);
  ApiKeyRecord browser = StoredKey("key_browser", "b", static_cast<uint8_t>(Scope::kWrite));
  browser.allowed_origins = {"https://shop.example"};
  ApiKeyRecord reader = StoredKey("key_reader", "r", static_cast<uint8_t>(Scope::kRead));
  reader.allowed_origins = {"https://reports.example"};
  ApiKeyRecord revoked = StoredKey("key_gone", "g", static_cast<uint8_t>(Scope::kWrite));
  revoked.allowed_origins = {"https://old.example"};
  revoked.revoked_at_us = kNow;
  keys.SetStoredKeys({browser, reader, revoked});

  EXPECT_TRUE(browser.AllowsOrigin("https://shop.example"));
  EXPECT_TRUE(browser.AllowsOrigin("HTTPS://SHOP.example"));
  EXPECT_FALSE(browser.AllowsOrigin("https://evil.example"));
  EXPECT_FALSE(browser.AllowsOrigin(""));
  ApiKeyRecord any = browser;
  any.allowed_origins = {"*"};
  EXPECT_TRUE(any.AllowsOrigin("https://anything.example"));

  EXPECT_TRUE(keys.PreflightAllows("https://shop.example"));
  EXPECT_FALSE(keys.PreflightAllows("https://reports.example"));  // not a write key
  EXPECT_FALSE(keys.PreflightAllows("https://old.example"));      // revoked
  EXPECT_FALSE(keys.PreflightAllows(""));
}

TEST(AuthTest, KeysListingHidesHashes) {
  FakeClock clock(kNow);
  KeyRing keys(clock);
  ASSERT_TRUE(keys.AddBootstrapKey("wk", Scope::kWrite).ok());
  keys.SetStoredKeys({StoredKey("key_a", "a", 2)});
  std::vector<ApiKeyRecord> listed = keys.Keys();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_TRUE(listed[0].bootstrap);
  EXPECT_EQ(listed[1].id, "key_a");
  for (const ApiKeyRecord& key : listed) EXPECT_TRUE(key.secret_sha256.empty());
}

TEST(AuthTest, AuthenticationIsStableWhileKeysChange) {
  FakeClock clock(kNow);
  KeyRing keys(clock);
  ASSERT_TRUE(keys.AddBootstrapKey("stable", Scope::kWrite).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, checks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!keys.Authenticate("Bearer stable").ok()) failures.fetch_add(1);
        checks.fetch_add(1);
      }
    });
  }
  // The readers are running before the keys start changing.
  EXPECT_TRUE(testing::WaitFor([&] { return checks.load() >= 100; }));
  for (int k = 0; k < 500; ++k) {
    const std::string secret = "secret-" + std::to_string(k);
    keys.SetStoredKeys({StoredKey("key_" + std::to_string(k), secret, 2)});
    const bool current = keys.Authenticate("Bearer " + secret).ok();
    const bool previous = keys.Authenticate("Bearer secret-" + std::to_string(k - 1)).ok();
    EXPECT_TRUE(current) << k;
    EXPECT_FALSE(previous) << k;
    if (!current || previous) break;  // the readers are joined in every case
  }
  stop.store(true);
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(checks.load(), 0);
}

TEST(AuthTest, GeneratedSecretsAndIds) {
  auto secret = GenerateSecret();
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->substr(0, 3), "mk_");
  EXPECT_EQ(secret->size(), 35u);
  EXPECT_EQ(secret->find(':'), std::string::npos);
  EXPECT_NE(*secret, *GenerateSecret());
  auto id = GenerateKeyId();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), 20u);
  EXPECT_EQ(id->substr(0, 4), "key_");
}

TEST(AuthTest, Base64) {
  std::string out;
  EXPECT_TRUE(Base64Decode("YWJjOg==", out));
  EXPECT_EQ(out, "abc:");
  EXPECT_FALSE(Base64Decode("YW*j", out));
}

}  // namespace
}  // namespace mercato
