#include "server/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/http_client.h"
#include "support/test_support.h"

namespace mercato {
namespace {

TEST(AuthTest, ScopesAndSchemes) {
  KeyRing keys;
  ASSERT_TRUE(keys.Add({"wk", "w", static_cast<uint8_t>(Scope::kWrite)}).ok());
  ASSERT_TRUE(keys.Add({"rk", "r", static_cast<uint8_t>(Scope::kRead)}).ok());
  ASSERT_TRUE(keys.Add({"ak", "a", static_cast<uint8_t>(Scope::kAdmin)}).ok());
  EXPECT_TRUE(keys.Authorize(testing::BasicAuth("wk"), Scope::kWrite).ok());
  EXPECT_TRUE(keys.Authorize("bearer wk", Scope::kWrite).ok());  // scheme is case-insensitive
  EXPECT_TRUE(keys.Authorize("Basic " + std::string("d2s="), Scope::kWrite).ok());  // "wk", no ':'
  EXPECT_EQ(keys.Authorize(testing::BasicAuth("wk"), Scope::kRead).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(keys.Authorize(testing::BasicAuth("rk"), Scope::kWrite).code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(keys.Authorize(testing::BasicAuth("ak"), Scope::kRead).ok());
  EXPECT_TRUE(keys.Authorize(testing::BasicAuth("ak"), Scope::kWrite).ok());
  EXPECT_EQ(keys.Authorize("", Scope::kRead).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Authorize("Basic !!!", Scope::kRead).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Authorize("Token ak", Scope::kRead).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Authorize(testing::BasicAuth("zz"), Scope::kRead).code(),
            StatusCode::kUnauthenticated);
}

TEST(AuthTest, BadKeysAreRefused) {
  KeyRing keys;
  EXPECT_EQ(keys.Add({"", "n", 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.Add({"a:b", "n", 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.Add({"a b", "n", 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.Add({"k", "n", 0}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(keys.Add({"k", "n", 1}).ok());
  EXPECT_EQ(keys.Add({"k", "again", 2}).code(), StatusCode::kAlreadyExists);
}

TEST(AuthTest, KeysFileRoundTripsWithPrivateMode) {
  testing::TempDir dir;
  std::string path = (dir.path() / "keys.json").string();
  KeyRing keys;
  std::string generated = GenerateApiKey();
  EXPECT_EQ(generated.size(), 32u);
  ASSERT_TRUE(keys.Add({generated, "web", static_cast<uint8_t>(Scope::kWrite)}).ok());
  ASSERT_TRUE(keys.Add({"r2", "reporting", static_cast<uint8_t>(Scope::kRead)}).ok());
  ASSERT_TRUE(keys.SaveFile(path).ok());
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  KeyRing loaded;
  ASSERT_TRUE(loaded.LoadFile(path).ok());
  EXPECT_EQ(loaded.size(), 2u);
  EXPECT_TRUE(loaded.Authorize("Bearer " + generated, Scope::kWrite).ok());
  EXPECT_EQ(loaded.Authorize("Bearer r2", Scope::kWrite).code(), StatusCode::kPermissionDenied);

  std::ofstream(path) << R"({"keys":[{"key":"x","scopes":["superuser"]}]})";
  KeyRing bad;
  EXPECT_EQ(bad.LoadFile(path).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.LoadFile((dir.path() / "missing.json").string()).code(), StatusCode::kIoError);
}

TEST(AuthTest, Base64) {
  std::string out;
  EXPECT_TRUE(Base64Decode("YWJjOg==", out));
  EXPECT_EQ(out, "abc:");
  EXPECT_FALSE(Base64Decode("YW*j", out));
}

}  // namespace
}  // namespace mercato
