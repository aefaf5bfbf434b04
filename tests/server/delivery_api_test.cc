// Delivery reports over HTTP: a journey whose e-mail cannot be delivered (its template does not
// exist, a permanent failure) fills the dead-letter list, which pages in key order; the summary
// adds up every journey's delivery counters.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class DeliveryApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start_status().ok()) << server_.start_status().ToString();
  }
  ClientResponse Admin(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    return http_.Request(method, path, body, {{"Authorization", BasicAuth(kAdminKey)}});
  }
  json::value GetJson(const std::string& path, const char* key = kAdminKey) {
    auto response = http_.Get(path, BasicAuth(key));
    EXPECT_EQ(response.status, 200) << path << ": " << response.body;
    return response.status == 200 ? json::parse(response.body) : json::value();
  }

  // Three customers who may be e-mailed and one who never agreed, all signing up for a journey
  // whose e-mail names a template that does not exist; the messages are then delivered once.
  void RunTheJourney() {
    auto created = Admin("POST", "/v1/journeys", R"({"id": "welcome", "name": "Welcome",
        "trigger": {"event": "Signed Up"},
        "steps": [{"id": "hello", "send": {"channel": "email", "template": "missing"}}]})");
    ASSERT_EQ(created.status, 201) << created.body;
    ASSERT_EQ(Admin("POST", "/v1/journeys/welcome/activate").status, 200);
    std::string batch = R"({"batch": [)";
    for (const char* user : {"dora", "emil", "fern"}) {
      batch += std::string(R"({"type": "identify", "userId": ")") + user +
               R"(", "traits": {"email": ")" + user + R"(@example.test"},
               "context": {"consent": {"categoryPreferences": {"email": true}}}},)";
    }
    batch += R"({"type": "identify", "userId": "nico", "traits": {"email": "nico@example.test"}})";
    for (const char* user : {"dora", "emil", "fern", "nico"}) {
      batch +=
          std::string(R"(, {"type": "track", "event": "Signed Up", "userId": ")") + user + R"("})";
    }
    ASSERT_EQ(http_.Post("/v1/batch", batch + "]}", BasicAuth(kWriteKey)).status, 200);
    ASSERT_TRUE(WaitFor([&] {
      Result<uint64_t> pending = server_.delivery().Pending();
      return pending.ok() && *pending == 4;
    }));
    auto done = server_.delivery().Step();
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    ASSERT_EQ(*done, 4u);
  }

  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(DeliveryApiTest, NothingToReportAtFirst) {
  EXPECT_EQ(GetJson("/v1/deliveries/dead-letters"),
            json::parse(R"({"deadLetters": [], "nextCursor": null})"));
  EXPECT_EQ(GetJson("/v1/deliveries/summary", kReadKey), json::parse(R"({
      "outcomes": {"delivered": 0, "retried": 0, "dead": 0, "skipped": 0, "inDoubt": 0,
                   "alreadyFinished": 0},
      "skippedBy": {}, "deadLetters": 0, "queued": 0})"));
}

TEST_F(DeliveryApiTest, UndeliverableEmailsAreDeadLetteredAndCounted) {
  ASSERT_NO_FATAL_FAILURE(RunTheJourney());

  EXPECT_EQ(GetJson("/v1/deliveries/summary", kReadKey), json::parse(R"({
      "outcomes": {"delivered": 0, "retried": 0, "dead": 3, "skipped": 1, "inDoubt": 0,
                   "alreadyFinished": 0},
      "skippedBy": {"consent": 1}, "deadLetters": 3, "queued": 0})"));

  // All of them on one page, in key order, with what was tried and why it failed.
  const json::value all = GetJson("/v1/deliveries/dead-letters");
  ASSERT_TRUE(all.is_object());
  EXPECT_TRUE(all.at("nextCursor").is_null());
  const json::array& letters = all.at("deadLetters").as_array();
  ASSERT_EQ(letters.size(), 3u) << all;
  std::set<std::string> customers;
  std::string previous_key;
  for (const json::value& letter : letters) {
    const std::string key(letter.at("key").as_string());
    EXPECT_LT(previous_key, key);
    previous_key = key;
    EXPECT_EQ(letter.at("journey"), "welcome");
    EXPECT_EQ(letter.at("version"), 1);
    EXPECT_EQ(letter.at("step"), "hello");
    EXPECT_TRUE(letter.at("variant").is_null());
    EXPECT_EQ(letter.at("channel"), "email");
    EXPECT_EQ(letter.at("template"), "missing");
    EXPECT_EQ(letter.at("attempts"), 1);
    EXPECT_TRUE(letter.at("reason").as_string().starts_with("refused: template 'missing'"))
        << letter;
    EXPECT_EQ(letter.at("lastError"), letter.at("reason").as_string().subview(9)) << letter;
    EXPECT_TRUE(letter.at("at").is_string());
    EXPECT_TRUE(letter.at("createdAt").is_string());
    const std::string customer(letter.at("customerId").as_string());
    EXPECT_TRUE(key.starts_with("welcome/" + customer + "/")) << key;
    customers.insert(customer);
  }
  std::set<std::string> expected;
  for (const char* user : {"dora", "emil", "fern"}) {
    auto customer = server_.profiles().Resolve(user);
    ASSERT_TRUE(customer.ok());
    expected.insert(*customer);
  }
  EXPECT_EQ(customers, expected);

  // Two pages of two and one; the cursor continues after the last key shown.
  const json::value first = GetJson("/v1/deliveries/dead-letters?limit=2");
  ASSERT_EQ(first.at("deadLetters").as_array().size(), 2u);
  ASSERT_TRUE(first.at("nextCursor").is_string());
  EXPECT_EQ(first.at("deadLetters").at(0), letters[0]);
  EXPECT_EQ(first.at("deadLetters").at(1), letters[1]);
  const json::value second = GetJson("/v1/deliveries/dead-letters?limit=2&cursor=" +
                                     std::string(first.at("nextCursor").as_string()));
  ASSERT_EQ(second.at("deadLetters").as_array().size(), 1u);
  EXPECT_EQ(second.at("deadLetters").at(0), letters[2]);
  EXPECT_TRUE(second.at("nextCursor").is_null());
}

TEST_F(DeliveryApiTest, BadParametersAndScopes) {
  for (const char* bad : {"limit=0", "limit=1001", "limit=x", "limit=-1"}) {
    auto refused = Admin("GET", std::string("/v1/deliveries/dead-letters?") + bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_NE(refused.body.find("'limit' must be an integer from 1 to 1000"), std::string::npos)
        << refused.body;
  }
  for (const char* bad : {"cursor=zz", "cursor=abc", "cursor=%2Fq"}) {
    auto refused = Admin("GET", std::string("/v1/deliveries/dead-letters?") + bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_NE(refused.body.find("'cursor'"), std::string::npos) << refused.body;
  }
  // Dead letters name customers and what they were sent: admin only. Totals are for readers.
  EXPECT_EQ(http_.Get("/v1/deliveries/dead-letters", BasicAuth(kReadKey)).status, 403);
  EXPECT_EQ(http_.Get("/v1/deliveries/summary", BasicAuth(kReadKey)).status, 200);
  EXPECT_EQ(http_.Get("/v1/deliveries/summary", BasicAuth(kWriteKey)).status, 403);
}

}  // namespace
}  // namespace mercato::testing
