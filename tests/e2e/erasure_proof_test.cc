// The erasure proof, on the real binary: a customer with a distinctive e-mail, phone and name is
// ingested over HTTP, becomes visible through the API, is erased through the asynchronous erasure
// API, and afterwards not one file under the data directory or of the server's output contains any
// of those strings; its segment membership and entry event are gone, and so are its sessions in
// the recommendation training data; the audit log records the erasure and still verifies.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/http_client.h"
#include "support/receiver_process.h"
#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

constexpr char kWrite[] = "proof-write-key";
constexpr char kAdmin[] = "proof-admin-key";
constexpr char kUserId[] = "proof-user-5c1e0b";
constexpr char kAnonymousId[] = "proof-anon-77d2e9";
constexpr char kEmail[] = "ottilie.vandersnoot@example.net";
constexpr char kPhone[] = "+48 512 903 771";
constexpr char kName[] = "Ottilie Vandersnoot";
constexpr char kStreet[] = "Ulica Zapomniana 17";
constexpr char kEndpointSecret[] = "proof-endpoint-secret";
// SHA-256 of the normalised e-mail and phone (E.164), computed with sha256sum.
constexpr char kEmailSha256[] = "926325e67963e578f8fc5f75c6f0bfadda933536eda7e1afeff4b1694a82710c";
constexpr char kPhoneSha256[] = "2c5167092cc8671d39dd3d35fb64d940b05eb1a44356be732a4bd71c1f4d461a";

std::vector<std::string> FilesContaining(const std::filesystem::path& dir,
                                         const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().find(needle) != std::string::npos) hits.push_back(entry.path().string());
  }
  return hits;
}

std::string Batch() {
  return std::string(R"({"batch":[
    {"type":"page","anonymousId":")") +
         kAnonymousId + R"(","name":"Home",
     "context":{"ip":"198.51.100.23"}},
    {"type":"identify","userId":")" +
         kUserId + R"(","anonymousId":")" + kAnonymousId + R"(",
     "traits":{"email":")" +
         kEmail + R"(","phone":")" + kPhone + R"(","name":")" + kName + R"(",
               "address":{"street":")" +
         kStreet + R"(","city":"Gdynia","country":"PL"}},
     "context":{"consent":{"categoryPreferences":{"email_marketing":true,"advertising":true}}}},
    {"type":"track","userId":")" +
         kUserId + R"(","event":"Order Completed",
     "properties":{"revenue":99.5,"note":"please call )" +
         kPhone + " or write to " + kEmail +
         R"("}},
    {"type":"identify","userId":"proof-other-customer","traits":{"email":"other@example.com"}}]})";
}

// Two product views in one session of the customer and of the other customer: training data for
// recommendations.
std::string Views() {
  std::string batch = R"({"batch":[)";
  for (const char* user : {kUserId, "proof-other-customer"}) {
    for (const char* item : {"proof-sku-1", "proof-sku-2"}) {
      batch += std::string(R"({"type":"track","userId":")") + user +
               R"(","event":"Product Viewed","properties":{"product_id":")" + item + R"("}},)";
    }
  }
  batch.back() = ']';
  return batch + "}";
}

// Trains recommendations over HTTP and returns the state document once training has ended.
std::string TrainRecommendations(HttpClient& http) {
  auto started = http.Post("/v1/models/recommendations", "{}", BasicAuth(kAdmin));
  EXPECT_EQ(started.status, 202) << started.body;
  ClientResponse state;
  EXPECT_TRUE(WaitFor([&] {
    state = http.Get("/v1/models/recommendations", BasicAuth(kAdmin));
    return state.status == 200 && state.body.find("\"running\"") == std::string::npos;
  }));
  return state.body;
}

TEST(ErasureProof, NothingOfAnErasedCustomerRemainsInAnyFile) {
  TempDir data;
  TempDir logs;
  TempDir mail;  // the SMTP receiver's messages: outside the searched directories
  ReceiverProcess receiver("smtp_receiver.py");
  std::string error;
  ASSERT_TRUE(receiver.Start(mail.path(), {}, error)) << error;
  // The ad platform: audience updates, signed with the endpoint secret.
  TempDir audiences;
  ReceiverProcess platform("http_receiver.py");
  ASSERT_TRUE(platform.Start(audiences.path() / "requests", {"--secret", kEndpointSecret}, error))
      << error;
  const std::filesystem::path secret_file = audiences.path() / "endpoint-secret";
  std::ofstream(secret_file) << kEndpointSecret << "\n";
  ServerProcess server;
  server.stderr_path = (logs.path() / "server.stderr").string();
  ASSERT_TRUE(server.Start(
      {"--data-dir", data.str(), "--write-key", kWrite, "--admin-key", kAdmin, "--threads", "2",
       "--smtp-url", receiver.Url("smtp"), "--audience-url", platform.Url("http") + "/audiences",
       "--endpoint-secret-file", secret_file.string()},
      error))
      << error;
  HttpClient http(server.port());
  // A journey the customer is in the middle of at erasure: a message sent (rendered with their
  // name), then a long wait with its timer, then another message.
  auto tmpl = http.Request("PUT", "/v1/templates/proof-thanks",
                           R"({"name": "Thanks", "subject": "Thanks, {{name}}", "text": "Hi."})",
                           {{"Authorization", BasicAuth(kAdmin)}});
  ASSERT_EQ(tmpl.status, 201) << tmpl.body;
  auto journey = http.Post("/v1/journeys", R"({"id": "proof-journey", "name": "Proof",
      "trigger": {"event": "Order Completed"},
      "steps": [{"id": "thanks", "send": {"channel": "email", "template": "proof-thanks"}},
                {"id": "ads", "send": {"channel": "audience_add", "audience": "proof-lookalikes"}},
                {"id": "later", "wait": "30d"},
                {"id": "again", "send": {"channel": "email", "template": "proof-thanks"}}]})",
                           BasicAuth(kAdmin));
  ASSERT_EQ(journey.status, 201) << journey.body;
  ASSERT_EQ(http.Post("/v1/journeys/proof-journey/activate", "", BasicAuth(kAdmin)).status, 200);
  // A segment the customer enters: its membership and the entry event (which names the userId)
  // must go too.
  auto segment =
      http.Post("/v1/segments", R"({"id":"proof-buyers","name":"Buyers","rule":"orders >= 1"})",
                BasicAuth(kAdmin));
  ASSERT_EQ(segment.status, 201) << segment.body;
  auto sent = http.Post("/v1/batch", Batch(), BasicAuth(kWrite));
  ASSERT_EQ(sent.status, 200) << sent.body;
  sent = http.Post("/v1/batch", Views(), BasicAuth(kWrite));
  ASSERT_EQ(sent.status, 200) << sent.body;

  // Visible through the API (decrypted) once the profile consumer has it.
  ClientResponse profile;
  ASSERT_TRUE(WaitFor([&] {
    profile = http.Get(std::string("/v1/profiles/") + kEmail, BasicAuth(kAdmin));
    return profile.status == 200 && profile.body.find(kName) != std::string::npos;
  })) << profile.status
      << " " << profile.body;
  EXPECT_NE(profile.body.find(kEmail), std::string::npos);
  ClientResponse members;
  ASSERT_TRUE(WaitFor([&] {
    members = http.Get("/v1/segments/proof-buyers/members", BasicAuth(kAdmin));
    return members.status == 200 && members.body.find("customerId") != std::string::npos;
  })) << members.body;
  // The entry event is in the customer's history before the erasure is asked for.
  ASSERT_TRUE(WaitFor([&] {
    return http.Get(std::string("/v1/profiles/") + kUserId + "/events", BasicAuth(kAdmin))
               .body.find("Segment Entered") != std::string::npos;
  }));
  // The journey ran: the first message reached the SMTP server, the customer waits at "later".
  ASSERT_TRUE(WaitFor([&] { return receiver.Messages().size() == 1; }, 20'000));
  EXPECT_EQ(receiver.Messages()[0].at("subject").as_string(), std::string("Thanks, ") + kName);
  auto stats = http.Get("/v1/journeys/proof-journey/stats", BasicAuth(kAdmin));
  ASSERT_NE(stats.body.find(R"({"step":"later","variant":"","counters":{"reached":1}})"),
            std::string::npos)
      << stats.body;
  // The customer (who consented to advertising) was added to the ad audience, by hashes only.
  ASSERT_TRUE(WaitFor([&] { return platform.Messages().size() == 1; }, 20'000));
  {
    const std::vector<boost::json::value> requests = platform.Messages();
    const auto& added = requests[0].as_object();
    const std::string body(added.at("body").as_string());
    EXPECT_NE(body.find(R"("action":"add")"), std::string::npos) << body;
    EXPECT_NE(body.find(kEmailSha256), std::string::npos) << body;
    EXPECT_NE(body.find(kPhoneSha256), std::string::npos) << body;
    EXPECT_EQ(body.find(kEmail), std::string::npos) << body;
    EXPECT_TRUE(added.at("signature_valid").as_bool());
  }
  // Recommendations trained on both customers' sessions.
  const std::string trained = TrainRecommendations(http);
  ASSERT_NE(trained.find("\"state\":\"done\""), std::string::npos) << trained;
  ASSERT_NE(trained.find("\"sessions\":2"), std::string::npos) << trained;
  auto exported = http.Get(std::string("/v1/privacy/export/") + kUserId, BasicAuth(kAdmin));
  ASSERT_EQ(exported.status, 200) << exported.body;
  for (const char* value : {kEmail, kPhone, kName, kStreet}) {
    EXPECT_NE(exported.body.find(value), std::string::npos) << value;
  }

  auto requested = http.Post("/v1/privacy/erasure", std::string(R"({"subject":")") + kEmail + "\"}",
                             BasicAuth(kAdmin));
  ASSERT_EQ(requested.status, 202) << requested.body;
  auto answer = boost::json::parse(requested.body).as_object();
  const std::string status_url(answer.at("statusUrl").as_string());
  const std::string customer_id(answer.at("customerId").as_string());
  ClientResponse status;
  ASSERT_TRUE(WaitFor(
      [&] {
        status = http.Get(status_url, BasicAuth(kAdmin));
        return status.status == 200 && (status.body.find("\"done\"") != std::string::npos ||
                                        status.body.find("\"failed\"") != std::string::npos);
      },
      60'000))
      << status.body;
  ASSERT_NE(status.body.find("\"state\":\"done\""), std::string::npos) << status.body;
  EXPECT_EQ(http.Get(std::string("/v1/profiles/") + kUserId, BasicAuth(kAdmin)).status, 404);
  EXPECT_EQ(http.Get(std::string("/v1/privacy/export/") + kEmail, BasicAuth(kAdmin)).status, 404);
  EXPECT_EQ(http.Get("/v1/profiles/other@example.com", BasicAuth(kAdmin)).status, 200);
  members = http.Get("/v1/segments/proof-buyers/members", BasicAuth(kAdmin));
  EXPECT_EQ(members.status, 200);
  EXPECT_EQ(members.body.find(customer_id), std::string::npos) << members.body;
  EXPECT_NE(status.body.find("\"segments\":1"), std::string::npos) << status.body;
  // Its journey state, timer and index went, and its audience membership became a removal that
  // reaches the ad platform with the hashes it was added with (the profile is gone by then).
  EXPECT_NE(status.body.find("\"journeys\":2"), std::string::npos) << status.body;
  ASSERT_TRUE(WaitFor([&] { return platform.Messages().size() == 2; }, 20'000));
  {
    const std::vector<boost::json::value> requests = platform.Messages();
    const auto& removed = requests[1].as_object();
    const std::string body(removed.at("body").as_string());
    EXPECT_NE(body.find(R"("action":"remove")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("audience":"proof-lookalikes")"), std::string::npos) << body;
    EXPECT_NE(body.find(kEmailSha256), std::string::npos) << body;
    EXPECT_NE(body.find(kPhoneSha256), std::string::npos) << body;
    EXPECT_TRUE(removed.at("signature_valid").as_bool());
  }
  // Its session left the recommendation data: one rewritten version with the other session only.
  EXPECT_NE(status.body.find("\"recommendations\":1"), std::string::npos) << status.body;
  auto models = http.Get("/v1/models/recommendations", BasicAuth(kAdmin));
  ASSERT_EQ(models.status, 200);
  auto state = boost::json::parse(models.body).as_object();
  EXPECT_EQ(state.at("current").at("sessions").to_number<int64_t>(), 1) << models.body;
  EXPECT_EQ(state.at("current").at("erasures").as_int64(), 1) << models.body;
  EXPECT_EQ(state.at("versions").as_array().size(), 1u) << models.body;
  EXPECT_EQ(server.Terminate(), 0);
  {
    std::ofstream out(logs.path() / "server.stdout");
    out << server.startup_output();
  }

  // The search: every file of the data directory (RocksDB files, WAL, MANIFEST, audit log, keys)
  // and of the server's output. The other customer is still there: the search can find things.
  EXPECT_FALSE(FilesContaining(data.path(), "proof-other-customer").empty());
  for (const char* value : {kEmail, kPhone, kName, kStreet, kUserId, kAnonymousId}) {
    EXPECT_EQ(FilesContaining(data.path(), value), std::vector<std::string>()) << value;
    EXPECT_EQ(FilesContaining(logs.path(), value), std::vector<std::string>()) << value;
  }

  // The audit log names the erasure (by customer id only) and its chain verifies.
  auto verify =
      RunCommand("'" + MercatoBinary() + "' audit verify --data-dir '" + data.str() + "' 2>&1");
  ASSERT_TRUE(verify.has_value()) << "mercato audit verify failed";
  const auto audit_files = FilesContaining(data.path(), "privacy.erasure.done");
  ASSERT_EQ(audit_files.size(), 1u);
  EXPECT_FALSE(FilesContaining(data.path(), customer_id).empty());
}

}  // namespace
}  // namespace mercato::testing
