// Segments over HTTP: CRUD with validation, members and history, preview, erasure of memberships,
// and the engine's entry events in a customer's history.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class SegmentApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start_status().ok()); }

  ClientResponse Send(const std::string& method, const std::string& target, const std::string& body,
                      const char* key = kAdminKey) {
    return http_.Request(method, target, body, {{"Authorization", BasicAuth(key)}});
  }
  void Order(const std::string& user, double revenue) {
    auto sent = http_.Post("/v1/track",
                           "{\"userId\":\"" + user +
                               "\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":" +
                               std::to_string(revenue) + "}}",
                           BasicAuth(kWriteKey));
    ASSERT_EQ(sent.status, 200) << sent.body;
  }

  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(SegmentApiTest, BadDefinitionsAreClear400sAndStoreNothing) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {R"({"name":"x","rule":"orders >= and"})", "at 1:11"},
      {R"({"name":"x","rule":"order >= 1"})", "did you mean 'orders'"},
      {R"({"name":"x","rule":"orders >= \"three\""})", "expected a number"},
      {R"({"name":"x"})", "'rule' is required"},
      {R"({"rule":"orders >= 1"})", "'name' is required"},
      {R"({"name":"x","rule":"orders >= 1","id":"No Spaces"})", "segment id"},
      {R"({"name":"x","rule":"orders >= 1","size":3})", "unknown field 'size'"},
      {R"({"name":7,"rule":"orders >= 1"})", "'name' must be a string"},
      {R"(["name"])", "JSON object"},
      {"{not json", "malformed JSON"},
  };
  for (const Case& c : cases) {
    auto response = Send("POST", "/v1/segments", c.body);
    EXPECT_EQ(response.status, 400) << c.body << " -> " << response.body;
    EXPECT_NE(response.body.find(c.message), std::string::npos)
        << c.body << " -> " << response.body;
  }
  auto list = json::parse(Send("GET", "/v1/segments", "", kReadKey).body);
  EXPECT_TRUE(list.at("segments").as_array().empty());

  ASSERT_EQ(Send("POST", "/v1/segments", R"({"id":"a","name":"A","rule":"orders >= 1"})").status,
            201);
  EXPECT_EQ(Send("POST", "/v1/segments", R"({"id":"a","name":"A","rule":"orders >= 2"})").status,
            409);
  auto bad_edit = Send("PATCH", "/v1/segments/a", R"({"rule":"orders >"})");
  EXPECT_EQ(bad_edit.status, 400) << bad_edit.body;
  EXPECT_EQ(Send("PATCH", "/v1/segments/a", R"({"id":"b"})").status, 400);
  EXPECT_EQ(Send("PATCH", "/v1/segments/nope", R"({"name":"n"})").status, 404);
  EXPECT_EQ(Send("GET", "/v1/segments/a/members?limit=0", "", kReadKey).status, 400);
  EXPECT_EQ(Send("GET", "/v1/segments/a/members?cursor=zz", "", kReadKey).status, 400);
  EXPECT_EQ(Send("POST", "/v1/segments/preview", R"({"rule":"revenue >"})", kReadKey).status, 400);
  EXPECT_EQ(Send("POST", "/v1/segments/preview", R"({"rule":"revenue > 1","sample":500})", kReadKey)
                .status,
            400);
  auto kept = json::parse(Send("GET", "/v1/segments/a", "", kReadKey).body);
  EXPECT_EQ(kept.at("rule").as_string(), "orders >= 1");
  EXPECT_EQ(kept.at("version").as_int64(), 1);
}

TEST_F(SegmentApiTest, MembershipFollowsEventsAndEditsOverHttp) {
  for (int i = 0; i < 3; ++i) Order("h" + std::to_string(i), 40.0 * (i + 1));
  ASSERT_TRUE(server_.WaitForProfiles());
  auto created = Send("POST", "/v1/segments",
                      R"({"name":"Big buyers","description":"over 50","rule":"revenue > 50"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body).at("id").as_string(), "big-buyers");
  ASSERT_TRUE(server_.WaitForSegments());

  auto view = json::parse(Send("GET", "/v1/segments/big-buyers", "", kReadKey).body);
  EXPECT_EQ(view.at("size").as_int64(), 2);
  EXPECT_EQ(view.at("state").as_string(), "ready");

  // A new customer enters in real time.
  Order("h9", 75);
  ASSERT_TRUE(server_.WaitForSegments());
  auto page1 =
      json::parse(Send("GET", "/v1/segments/big-buyers/members?limit=2", "", kReadKey).body);
  ASSERT_EQ(page1.at("members").as_array().size(), 2u);
  ASSERT_TRUE(page1.at("nextCursor").is_string());
  auto page2 = json::parse(Send("GET",
                                "/v1/segments/big-buyers/members?limit=2&cursor=" +
                                    std::string(page1.at("nextCursor").as_string()),
                                "", kReadKey)
                               .body);
  EXPECT_EQ(page2.at("members").as_array().size(), 1u);
  EXPECT_TRUE(page2.at("nextCursor").is_null());

  // The entry is an event in the customer's history.
  auto events = Send("GET", "/v1/profiles/h9/events", "", kReadKey);
  EXPECT_NE(events.body.find("Segment Entered"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"source\":\"mercato/segments\""), std::string::npos);

  // An edit is a new version, built again.
  auto edited = Send("PATCH", "/v1/segments/big-buyers", R"({"rule":"revenue > 100"})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json::parse(edited.body).at("version").as_int64(), 2);
  ASSERT_TRUE(server_.WaitForSegments());
  view = json::parse(Send("GET", "/v1/segments/big-buyers", "", kReadKey).body);
  EXPECT_EQ(view.at("size").as_int64(), 1);
  auto history = json::parse(Send("GET", "/v1/segments/big-buyers/history", "", kReadKey).body);
  const json::array& points = history.at("history").as_array();
  ASSERT_GE(points.size(), 2u);
  EXPECT_EQ(points.back().at("size").as_int64(), 1);
  EXPECT_EQ(points.back().at("version").as_int64(), 2);

  auto preview =
      Send("POST", "/v1/segments/preview", R"({"rule":"revenue >= 80","sample":1})", kReadKey);
  ASSERT_EQ(preview.status, 200) << preview.body;
  auto p = json::parse(preview.body);
  EXPECT_EQ(p.at("size").as_int64(), 2);
  EXPECT_EQ(p.at("customers").as_int64(), 4);
  EXPECT_TRUE(p.at("complete").as_bool());
  EXPECT_EQ(p.at("sample").as_array().size(), 1u);

  // A customer's own memberships; a segment the customer is not in is not listed. After the
  // edit to "revenue > 100", h2 (120) is a big buyer, h9 (75) is in no segment, h0 (40) is small.
  ASSERT_EQ(Send("POST", "/v1/segments", R"({"name":"Small buyers","rule":"revenue < 50"})").status,
            201);
  ASSERT_TRUE(server_.WaitForSegments());
  auto of_h2 = Send("GET", "/v1/profiles/h2/segments", "", kReadKey);
  ASSERT_EQ(of_h2.status, 200) << of_h2.body;
  EXPECT_EQ(json::parse(of_h2.body).at("segments"),
            json::parse(R"([{"id":"big-buyers","name":"Big buyers"}])"))
      << of_h2.body;
  EXPECT_TRUE(json::parse(Send("GET", "/v1/profiles/h9/segments", "", kReadKey).body)
                  .at("segments")
                  .as_array()
                  .empty());
  auto of_h0 = json::parse(Send("GET", "/v1/profiles/h0/segments", "", kReadKey).body);
  EXPECT_EQ(of_h0.at("segments"), json::parse(R"([{"id":"small-buyers","name":"Small buyers"}])"));
  EXPECT_EQ(of_h0.at("customerId"),
            json::parse(Send("GET", "/v1/profiles/h0", "", kReadKey).body).at("customerId"));
  EXPECT_EQ(Send("GET", "/v1/profiles/nobody/segments", "", kReadKey).status, 404);
  EXPECT_EQ(Send("GET", "/v1/profiles/h2/segments", "", kWriteKey).status, 403);

  EXPECT_EQ(Send("DELETE", "/v1/segments/big-buyers", "").status, 204);
  EXPECT_TRUE(json::parse(Send("GET", "/v1/profiles/h2/segments", "", kReadKey).body)
                  .at("segments")
                  .as_array()
                  .empty());
  EXPECT_EQ(Send("GET", "/v1/segments/big-buyers", "", kReadKey).status, 404);
  EXPECT_EQ(Send("DELETE", "/v1/segments/big-buyers", "").status, 404);
}

TEST_F(SegmentApiTest, ErasureRemovesTheCustomersMemberships) {
  Order("gone", 10);
  Order("stays", 10);
  ASSERT_TRUE(server_.WaitForProfiles());
  ASSERT_EQ(
      Send("POST", "/v1/segments", R"({"id":"buyers","name":"B","rule":"orders >= 1"})").status,
      201);
  ASSERT_TRUE(server_.WaitForSegments());
  ASSERT_EQ(
      json::parse(Send("GET", "/v1/segments/buyers", "", kReadKey).body).at("size").as_int64(), 2);
  auto requested = Send("POST", "/v1/privacy/erasure", R"({"subject":"gone"})");
  ASSERT_EQ(requested.status, 202) << requested.body;
  const std::string status_url(json::parse(requested.body).at("statusUrl").as_string());
  ASSERT_TRUE(WaitFor(
      [&] {
        return json::parse(Send("GET", status_url, "").body).at("state").as_string() == "done";
      },
      30'000));
  auto job = json::parse(Send("GET", status_url, "").body);
  const json::value* segments = job.at("removed").as_object().if_contains("segments");
  ASSERT_NE(segments, nullptr) << job;
  EXPECT_EQ(segments->to_number<int64_t>(), 1) << job;
  auto members = json::parse(Send("GET", "/v1/segments/buyers/members", "", kReadKey).body);
  ASSERT_EQ(members.at("members").as_array().size(), 1u);
  EXPECT_EQ(
      json::parse(Send("GET", "/v1/segments/buyers", "", kReadKey).body).at("size").as_int64(), 1);
}

}  // namespace
}  // namespace mercato::testing
