// The bad-input table: every malformed request gets its documented 4xx with a reason, the server
// stays up, and nothing of a rejected request is stored.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/gzip.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

struct BadRequest {
  std::string name;
  std::string path;
  std::string body;
  std::string authorization;
  std::string content_encoding;
  int expected_status;
  std::string expected_error;  // substring of the JSON "error" or of an "errors" message
};

std::string Nested(int depth) {
  std::string body = R"({"userId":"u","event":"e","properties":{"x":)";
  for (int k = 0; k < depth; ++k) body += "[";
  for (int k = 0; k < depth; ++k) body += "]";
  return body + "}}";
}

constexpr char kNulBody[] = "{\"userId\":\"a\0b\",\"event\":\"e\"}";

std::vector<BadRequest> Cases() {
  const std::string auth = BasicAuth(kWriteKey);
  std::string huge_batch = R"({"batch":[)";
  for (int k = 0; k < 73; ++k) {  // ~515 KB: over 500 KB, under the 512 KiB HTTP limit
    huge_batch += (k ? "," : "") +
                  std::string(R"({"type":"track","userId":"u","event":"e","properties":{"p":")") +
                  std::string(7000, 'z') + "\"}}";
  }
  huge_batch += "]}";
  std::string amplified = R"({"context":{"blob":")" + std::string(20000, 'c') + R"("},"batch":[)";
  for (int k = 0; k < 30000; ++k) amplified += (k ? "," : "") + std::string("{}");
  amplified += "]}";
  std::string truncated_gzip = *Gzip(R"({"userId":"u","event":"e"})");
  truncated_gzip.resize(truncated_gzip.size() / 2);
  return {
      {"malformed json", "/v1/track", R"({"userId": "u", "event": )", auth, "", 400,
       "malformed JSON"},
      {"trailing garbage", "/v1/track", R"({"userId":"u","event":"e"} xx)", auth, "", 400,
       "malformed JSON"},
      {"empty body", "/v1/track", "", auth, "", 400, "empty body"},
      {"array body", "/v1/identify", "[]", auth, "", 400, "JSON object"},
      {"string body", "/v1/identify", "\"u\"", auth, "", 400, "JSON object"},
      {"null body", "/v1/page", "null", auth, "", 400, "JSON object"},
      {"no identity", "/v1/track", R"({"event":"e"})", auth, "", 400, "userId"},
      {"empty identity", "/v1/track", R"({"userId":"","event":"e"})", auth, "", 400, "userId"},
      {"userId array", "/v1/track", R"({"userId":["u"],"event":"e"})", auth, "", 400, "userId"},
      {"userId bool", "/v1/identify", R"({"userId":true})", auth, "", 400, "userId"},
      {"event missing", "/v1/track", R"({"userId":"u"})", auth, "", 400, "event"},
      {"event number", "/v1/track", R"({"userId":"u","event":42})", auth, "", 400, "event"},
      {"properties string", "/v1/track", R"({"userId":"u","event":"e","properties":"x"})", auth, "",
       400, "properties"},
      {"traits array", "/v1/identify", R"({"userId":"u","traits":[1]})", auth, "", 400, "traits"},
      {"context number", "/v1/page", R"({"userId":"u","context":5})", auth, "", 400, "context"},
      {"timestamp number", "/v1/track", R"({"userId":"u","event":"e","timestamp":12})", auth, "",
       400, "timestamp"},
      {"timestamp garbage", "/v1/track",
       R"({"userId":"u","event":"e","timestamp":"2024-02-30T00:00:00Z"})", auth, "", 400,
       "timestamp"},
      {"sentAt garbage", "/v1/track", R"({"userId":"u","event":"e","sentAt":"soon"})", auth, "",
       400, "sentAt"},
      {"type conflict", "/v1/track", R"({"type":"identify","userId":"u","event":"e"})", auth, "",
       400, "route"},
      {"alias without previousId", "/v1/alias", R"({"userId":"u"})", auth, "", 400, "previousId"},
      {"group without groupId", "/v1/group", R"({"userId":"u"})", auth, "", 400, "groupId"},
      {"huge userId", "/v1/track", R"({"userId":")" + std::string(5000, 'u') + R"(","event":"e"})",
       auth, "", 400, "longer than"},
      {"huge event name", "/v1/track",
       R"({"userId":"u","event":")" + std::string(5000, 'e') + R"("})", auth, "", 400,
       "longer than"},
      {"event over 32 KB", "/v1/track",
       R"({"userId":"u","event":"e","properties":{"p":")" + std::string(40000, 'p') + R"("}})",
       auth, "", 413, "limit"},
      {"batch over 500 KB", "/v1/batch", huge_batch, auth, "", 413, ""},
      {"body over the HTTP limit", "/v1/batch", std::string(600 * 1024, ' '), auth, "", 413,
       "exceeds"},
      {"deep nesting", "/v1/track", Nested(200), auth, "", 400, "nesting"},
      {"invalid utf8", "/v1/track", "{\"userId\":\"\xc3\x28\",\"event\":\"e\"}", auth, "", 400,
       "malformed JSON"},
      {"raw NUL byte", "/v1/track", std::string(kNulBody, sizeof(kNulBody) - 1), auth, "", 400,
       "malformed JSON"},
      {"batch not array", "/v1/batch", R"({"batch":{}})", auth, "", 400, "batch"},
      {"batch empty", "/v1/batch", R"({"batch":[]})", auth, "", 400, "empty"},
      {"batch item not object", "/v1/batch", R"({"batch":[1]})", auth, "", 400, "JSON object"},
      {"batch item without type", "/v1/batch", R"({"batch":[{"userId":"u"}]})", auth, "", 400,
       "type"},
      {"batch unknown type", "/v1/batch", R"({"batch":[{"type":"purchase","userId":"u"}]})", auth,
       "", 400, "unknown type"},
      {"batch one bad of two", "/v1/batch",
       R"({"batch":[{"type":"track","userId":"u","event":"ok"},{"type":"track","userId":"u"}]})",
       auth, "", 400, "event"},
      {"number beyond double", "/v1/track",
       R"({"userId":"u","event":"e","properties":{"x":-1e999}})", auth, "", 400, "too large"},
      {"timestamp beyond year 9999 after skew", "/v1/track",
       R"({"userId":"u","event":"e","timestamp":"0001-01-01T00:00:00Z","sentAt":"9999-12-31T00:00:00Z"})",
       auth, "", 400, "0000-9999"},
      {"shared context multiplied", "/v1/batch", amplified, auth, "", 413, "shared context"},
      {"unsupported encoding", "/v1/track", R"({"userId":"u","event":"e"})", auth, "br", 400,
       "Content-Encoding"},
      {"truncated gzip", "/v1/track", truncated_gzip, auth, "gzip", 400, "gzip"},
      {"no auth", "/v1/track", R"({"userId":"u","event":"e"})", "", "", 401, "credentials"},
      {"unknown key", "/v1/track", R"({"userId":"u","event":"e"})", BasicAuth("who"), "", 401,
       "unknown"},
      {"read key writes", "/v1/track", R"({"userId":"u","event":"e"})", BasicAuth(kReadKey), "",
       403, "scope"},
  };
}

TEST(BadInputTest, EveryBadRequestGetsItsStatusAndNothingIsStored) {
  TestServer server;
  ASSERT_TRUE(server.start_status().ok());
  HttpClient http(server.port());
  for (const BadRequest& c : Cases()) {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", c.authorization}};
    if (!c.content_encoding.empty()) headers.emplace_back("Content-Encoding", c.content_encoding);
    auto response = http.Request("POST", c.path, c.body, headers);
    EXPECT_EQ(response.status, c.expected_status)
        << c.name << ": " << response.body << response.error;
    if (response.status == 0) continue;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(response.body, ec);
    ASSERT_FALSE(ec) << c.name << ": error body is not JSON: " << response.body;
    ASSERT_TRUE(parsed.is_object()) << c.name;
    EXPECT_FALSE(parsed.at("success").as_bool()) << c.name;
    if (!c.expected_error.empty()) {
      EXPECT_NE(response.body.find(c.expected_error), std::string::npos)
          << c.name << ": " << response.body;
    }
  }
  // Malformed HTTP itself, on fresh connections.
  EXPECT_NE(http.SendRaw("THIS IS NOT HTTP\r\n\r\n").find("400"), std::string::npos);
  EXPECT_NE(http.SendRaw("GET /v1/profiles/%zz HTTP/1.1\r\nHost: x\r\n\r\n").find("400"),
            std::string::npos);

  // The server is still up, and nothing of any rejected request was stored.
  EXPECT_EQ(http.Get("/healthz").status, 200);
  EXPECT_EQ(server.log().TotalRecords(), 0u);
  ASSERT_EQ(http.Post("/v1/track", R"({"userId":"u","event":"fine"})", BasicAuth(kWriteKey)).status,
            200);
  EXPECT_EQ(server.log().TotalRecords(), 1u);
}

}  // namespace
}  // namespace mercato::testing
