// The static dashboard at /ui: index and assets with their types and headers, nothing outside the
// directory (traversal, hidden files, links), and a clear answer when the dashboard is not built.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kCsp[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'";

void WriteFile(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

TestServerOptions WithUi(const fs::path& dir) {
  TestServerOptions options;
  options.ui_dir = dir.string();
  return options;
}

class UiRoutesTest : public ::testing::Test {
 protected:
  UiRoutesTest() {
    dist_ = root_.path() / "dist";
    WriteFile(dist_ / "index.html", "<!doctype html><title>mercato</title>");
    WriteFile(dist_ / "favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    WriteFile(dist_ / "assets" / "index-3f9c0a1b.js", "console.log('dashboard');");
    WriteFile(dist_ / "assets" / "index-77aa01bc.css", "body{margin:0}");
    WriteFile(dist_ / ".env", "SECRET=in-a-hidden-file");
    WriteFile(root_.path() / "secret.txt", "SECRET=outside-the-dashboard");
    fs::create_symlink(root_.path() / "secret.txt", dist_ / "linked.txt");
    fs::create_symlink(root_.path() / "secret.txt", dist_ / "assets" / "linked.js");
  }

  TempDir root_;
  fs::path dist_;
};

TEST_F(UiRoutesTest, ServesTheIndexAndAssetsWithTheirTypesAndHeaders) {
  TestServer server(WithUi(dist_));
  ASSERT_TRUE(server.start_status().ok()) << server.start_status().ToString();
  HttpClient http(server.port());

  auto bare = http.Get("/ui");
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(bare.Header("Location"), "/ui/");

  auto index = http.Get("/ui/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.body, "<!doctype html><title>mercato</title>");
  EXPECT_EQ(index.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(index.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index.Header("Content-Security-Policy"), kCsp);
  EXPECT_EQ(index.Header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(http.Get("/ui/index.html").body, index.body);

  auto icon = http.Get("/ui/favicon.svg");
  ASSERT_EQ(icon.status, 200) << icon.body;
  EXPECT_EQ(icon.Header("Content-Type"), "image/svg+xml");
  EXPECT_EQ(icon.Header("Cache-Control"), "no-cache");

  auto script = http.Get("/ui/assets/index-3f9c0a1b.js");
  ASSERT_EQ(script.status, 200) << script.body;
  EXPECT_EQ(script.body, "console.log('dashboard');");
  EXPECT_EQ(script.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(script.Header("Content-Security-Policy"), kCsp);

  auto style = http.Get("/ui/assets/index-77aa01bc.css");
  ASSERT_EQ(style.status, 200) << style.body;
  EXPECT_EQ(style.Header("Content-Type"), "text/css; charset=utf-8");

  // No key is needed, and a wrong one does not matter: the page holds no data.
  EXPECT_EQ(http.Get("/ui/", "Bearer not-a-key").status, 200);
}

TEST_F(UiRoutesTest, NothingOutsideTheDirectoryNorHiddenIsServed) {
  TestServer server(WithUi(dist_));
  ASSERT_TRUE(server.start_status().ok()) << server.start_status().ToString();
  HttpClient http(server.port());
  for (const char* target : {
           "/ui/..%2Fsecret.txt",
           "/ui/%2e%2e%2fsecret.txt",
           "/ui/assets/..%2F..%2Fsecret.txt",
           "/ui/assets/%2e%2e",
           "/ui/..",
           "/ui/../secret.txt",
           "/ui/assets/../../secret.txt",
           "/ui/..%5csecret.txt",
           "/ui/index.html%00.png",
           "/ui/.env",
           "/ui/%2eenv",
           "/ui/linked.txt",
           "/ui/assets/linked.js",
           "/ui/assets",
           "/ui/no-such-file.js",
           "/ui/assets/no-such-file.js",
           "/ui/%2Fetc%2Fpasswd",
       }) {
    auto response = http.Get(target);
    EXPECT_EQ(response.status, 404) << target << ": " << response.body;
    EXPECT_EQ(response.body.find("SECRET"), std::string::npos) << target;
    EXPECT_EQ(response.body.find("root:"), std::string::npos) << target;
  }
}

TEST_F(UiRoutesTest, AMissingDashboardSaysHowToBuildIt) {
  for (const fs::path& dir : {root_.path() / "not-built", root_.path() / "empty", fs::path()}) {
    fs::create_directories(root_.path() / "empty");
    TestServer server(WithUi(dir));
    ASSERT_TRUE(server.start_status().ok()) << server.start_status().ToString();
    HttpClient http(server.port());
    auto index = http.Get("/ui/");
    EXPECT_EQ(index.status, 404) << dir;
    EXPECT_EQ(index.Header("Content-Type"), "application/json") << dir;
    EXPECT_NE(index.body.find("the dashboard is not built"), std::string::npos) << index.body;
    EXPECT_NE(index.body.find("make web"), std::string::npos) << index.body;
    // An empty --ui-dir never means the root directory.
    EXPECT_EQ(http.Get("/ui/etc").status, 404);
  }
}

}  // namespace
}  // namespace mercato::testing
