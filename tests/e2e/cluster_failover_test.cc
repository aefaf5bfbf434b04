// Three real mercato processes in cluster mode on a mock Kafka cluster (tests/tools/kafka_mock):
// the group shares the partitions, one node is SIGKILLed, its partitions move to the others, and
// every acknowledged event is in exactly the count it was sent once the survivors catch up.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "core/hash.h"
#include "support/http_client.h"
#include "support/kafka_mock_process.h"
#include "support/receiver_process.h"
#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

constexpr char kAdminKey[] = "cluster-test-admin-key";
constexpr char kWriteKey[] = "cluster-test-write-key";
constexpr uint32_t kPartitions = 6;
constexpr int kCustomers = 40;

class ClusterFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(kafka_.Start(3,
                             {"mercato.events:" + std::to_string(kPartitions),
                              "mercato.events.members:1", "mercato.events.definitions:1"},
                             error))
        << error;
  }

  void StartNodes(const std::vector<std::string>& extra = {}) {
    extra_args_ = extra;
    std::string error;
    for (int i = 0; i < 3; ++i) {
      nodes_.push_back(std::make_unique<ServerProcess>());
      ASSERT_TRUE(StartNode(i, error)) << error;
    }
  }

  bool StartNode(int i, std::string& error) {
    auto& node = nodes_[static_cast<size_t>(i)];
    node = std::make_unique<ServerProcess>();
    node->stderr_path = (dir_.path() / ("node" + std::to_string(i) + ".log")).string();
    std::vector<std::string> args = {
        "--data-dir",       (dir_.path() / ("node" + std::to_string(i))).string(),
        "--kafka-brokers",  kafka_.bootstrap(),
        "--admin-key",      kAdminKey,
        "--write-key",      kWriteKey,
        "--threads",        "2",
        "--privacy-policy", (SourceDir() / "deploy/cluster/privacy-policy.json").string()};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    return node->Start(args, error);
  }

  ClientResponse Admin(int i, const std::string& method, const std::string& target,
                       const std::string& body = {}) {
    HttpClient http(nodes_[static_cast<size_t>(i)]->port());
    return http.Request(
        method, target, body,
        {{"Authorization", BasicAuth(kAdminKey)}, {"Content-Type", "application/json"}});
  }

  // The node with the most partitions.
  int Busiest(const std::vector<int>& live) {
    int busiest = live.front();
    for (int i : live) {
      if (Owned(i).size() > Owned(busiest).size()) busiest = i;
    }
    return busiest;
  }

  // The partitions node i says it owns (empty when it does not answer).
  std::set<uint32_t> Owned(int i) {
    HttpClient http(nodes_[static_cast<size_t>(i)]->port());
    ClientResponse response = http.Get("/v1/admin/cluster", BasicAuth(kAdminKey));
    std::set<uint32_t> owned;
    if (response.status != 200) return owned;
    boost::json::value body = boost::json::parse(response.body);
    if (!body.at("ready").as_bool()) return {};
    for (const auto& entry : body.at("assigned").as_array()) {
      owned.insert(static_cast<uint32_t>(entry.at("partition").to_number<int64_t>()));
    }
    return owned;
  }

  // True when the live nodes are all ready and own every partition between them, once each.
  bool Settled(const std::vector<int>& live) {
    size_t total = 0;
    std::set<uint32_t> all;
    for (int i : live) {
      std::set<uint32_t> owned = Owned(i);
      total += owned.size();
      all.insert(owned.begin(), owned.end());
    }
    return total == kPartitions && all.size() == kPartitions;
  }

  // How many orders node i's profile of `user` counts (-1: no such profile there).
  int64_t Orders(int i, const std::string& user) {
    HttpClient http(nodes_[static_cast<size_t>(i)]->port());
    ClientResponse response = http.Get("/v1/profiles/" + user, BasicAuth(kAdminKey));
    if (response.status != 200) return -1;
    boost::json::value body = boost::json::parse(response.body);
    const auto* events = body.at("features").as_object().if_contains("events");
    if (events == nullptr) return 0;
    const auto* orders = events->as_object().if_contains("Order Completed");
    return orders == nullptr ? 0 : orders->to_number<int64_t>();
  }

  // Sends `count` orders spread over the customers to the live nodes; returns how many each
  // customer got acknowledged.
  void SendOrders(const std::vector<int>& live, int count, std::mt19937& rng) {
    std::uniform_int_distribution<int> customer(0, kCustomers - 1);
    for (int k = 0; k < count; ++k) {
      const int c = customer(rng);
      const int node = live[static_cast<size_t>(k) % live.size()];
      HttpClient http(nodes_[static_cast<size_t>(node)]->port());
      const std::string user = "user-" + std::to_string(c);
      const std::string body = R"({"userId":")" + user +
                               R"(","event":"Order Completed","messageId":"order-)" +
                               std::to_string(sent_total_) + R"(","properties":{"revenue":10}})";
      ClientResponse response = http.Post("/v1/track", body, BasicAuth(kWriteKey));
      ++sent_total_;
      if (response.status == 200) ++acknowledged_[user];
    }
  }

  // Every customer's orders counted exactly once by the node that owns its partition.
  bool AllCounted(const std::vector<int>& live, std::string& detail) {
    std::map<uint32_t, int> owner;
    for (int i : live) {
      for (uint32_t p : Owned(i)) owner[p] = i;
    }
    for (const auto& [user, expected] : acknowledged_) {
      const uint32_t partition = KafkaPartition(user, kPartitions);
      if (!owner.count(partition)) {
        detail = "no owner for partition " + std::to_string(partition);
        return false;
      }
      const int64_t counted = Orders(owner[partition], user);
      if (counted != expected) {
        detail = user + " on node " + std::to_string(owner[partition]) + ": " +
                 std::to_string(counted) + " orders, " + std::to_string(expected) + " sent";
        return false;
      }
    }
    return true;
  }

  // Every live node answers every customer's profile with the owner's counts: a node that does
  // not own the customer forwards the read (X-Mercato-Forwarded-To says where).
  bool ReadableEverywhere(const std::vector<int>& live, std::string& detail) {
    for (const auto& [user, expected] : acknowledged_) {
      for (int i : live) {
        const int64_t counted = Orders(i, user);
        if (counted != expected) {
          detail = user + " read on node " + std::to_string(i) + ": " + std::to_string(counted) +
                   " orders, " + std::to_string(expected) + " sent";
          return false;
        }
      }
    }
    return true;
  }

  // Anonymous visitors whose partition is not their user's: they browse, identify and browse on,
  // and their users' profiles must end up with every acknowledged page exactly once.
  void ChooseVisitors(int count) {
    for (int k = 0; visitors_.size() < static_cast<size_t>(count) && k < 1000; ++k) {
      const std::string user = "member-" + std::to_string(k);
      const std::string visitor = "visitor-" + std::to_string(k);
      if (KafkaPartition(user, kPartitions) == KafkaPartition(visitor, kPartitions)) continue;
      visitors_.emplace_back(user, visitor);
    }
  }

  void BrowseAnonymously(const std::vector<int>& live) {
    for (const auto& [user, visitor] : visitors_) {
      const int node = live[static_cast<size_t>(sent_total_) % live.size()];
      HttpClient http(nodes_[static_cast<size_t>(node)]->port());
      const std::string body = R"({"anonymousId":")" + visitor + R"(","name":"Catalogue",)" +
                               R"("messageId":"page-)" + std::to_string(sent_total_) + R"("})";
      ++sent_total_;
      if (http.Post("/v1/page", body, BasicAuth(kWriteKey)).status == 200) ++pages_[user];
    }
  }

  void IdentifyVisitors(const std::vector<int>& live) {
    for (const auto& [user, visitor] : visitors_) {
      const int node = live[static_cast<size_t>(sent_total_) % live.size()];
      HttpClient http(nodes_[static_cast<size_t>(node)]->port());
      const std::string body = R"({"userId":")" + user + R"(","anonymousId":")" + visitor +
                               R"(","messageId":"identify-)" + std::to_string(sent_total_) +
                               R"("})";
      ++sent_total_;
      ASSERT_EQ(http.Post("/v1/identify", body, BasicAuth(kWriteKey)).status, 200);
    }
  }

  // Every live node answers each user's profile with all of its visitor's pages, once.
  bool VisitorsMerged(const std::vector<int>& live, std::string& detail) {
    for (const auto& [user, visitor] : visitors_) {
      for (int i : live) {
        HttpClient http(nodes_[static_cast<size_t>(i)]->port());
        ClientResponse response = http.Get("/v1/profiles/" + user, BasicAuth(kAdminKey));
        int64_t pages = -1;
        if (response.status == 200) {
          const boost::json::value body = boost::json::parse(response.body);
          const auto* counts = body.at("features").as_object().if_contains("event_counts");
          const auto* page = counts != nullptr ? counts->as_object().if_contains("page") : nullptr;
          pages = page != nullptr ? page->to_number<int64_t>() : 0;
        }
        if (pages != pages_[user]) {
          detail = user + " (visitor " + visitor + ") read on node " + std::to_string(i) + ": " +
                   std::to_string(pages) + " pages, " + std::to_string(pages_[user]) + " sent";
          return false;
        }
      }
    }
    return true;
  }

  TempDir dir_;
  KafkaMockProcess kafka_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
  std::map<std::string, int64_t> acknowledged_;
  int sent_total_ = 0;
  std::vector<std::string> extra_args_;
  std::vector<std::pair<std::string, std::string>> visitors_;  // (userId, anonymousId)
  std::map<std::string, int64_t> pages_;                       // acknowledged pages per user
};

TEST_F(ClusterFailoverTest, ANodeRefusesAPolicyThatWouldEncryptFieldsOtherNodesCannotRead) {
  ServerProcess node;
  node.stderr_path = (dir_.path() / "refused.log").string();
  std::string error;
  EXPECT_FALSE(node.Start({"--data-dir", (dir_.path() / "refused").string(), "--kafka-brokers",
                           kafka_.bootstrap(), "--admin-key", kAdminKey},
                          error));
  std::ifstream log(node.stderr_path);
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("cluster mode cannot encrypt personal fields"), std::string::npos) << text;
}

TEST_F(ClusterFailoverTest, AKilledNodesPartitionsMoveAndNoAcknowledgedEventIsLost) {
  StartNodes();
  std::mt19937 rng(7);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Settled({0, 1, 2});
      },
      60'000))
      << "the three nodes never shared the partitions";
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Owned(i).empty()) << "node " << i << " owns nothing";

  SendOrders({0, 1, 2}, 300, rng);
  // Visitors browse in one partition and identify as users of another (ADR 0018).
  ChooseVisitors(10);
  BrowseAnonymously({0, 1, 2});
  BrowseAnonymously({0, 1, 2});
  IdentifyVisitors({0, 1, 2});
  std::string detail;
  ASSERT_TRUE(WaitFor([&] { return AllCounted({0, 1, 2}, detail); }, 60'000)) << detail;
  // Any node answers for any customer (reads of customers it does not own are forwarded).
  ASSERT_TRUE(WaitFor([&] { return ReadableEverywhere({0, 1, 2}, detail); }, 30'000)) << detail;
  ASSERT_TRUE(WaitFor([&] { return VisitorsMerged({0, 1, 2}, detail); }, 60'000)) << detail;
  {
    const std::string user = acknowledged_.begin()->first;
    const uint32_t partition = KafkaPartition(user, kPartitions);
    for (int i = 0; i < 3; ++i) {
      HttpClient http(nodes_[static_cast<size_t>(i)]->port());
      ClientResponse response = http.Get("/v1/profiles/" + user, BasicAuth(kAdminKey));
      EXPECT_EQ(response.status, 200);
      // Forwarded exactly when node i does not own the customer's partition.
      EXPECT_EQ(response.Header("X-Mercato-Forwarded-To").empty(), Owned(i).count(partition) == 1)
          << "node " << i;
    }
    // Segment definitions are shared: a segment created on node 0 exists on every node, each
    // evaluates it over the partitions it owns, and a customer's membership reads are forwarded
    // like the profile's.
    {
      HttpClient http(nodes_[0]->port());
      ClientResponse created =
          http.Post("/v1/segments", R"({"id":"buyers","name":"Buyers","rule":"orders >= 1"})",
                    BasicAuth(kAdminKey));
      ASSERT_EQ(created.status, 201) << created.body;
    }
    for (int i = 0; i < 3; ++i) {
      HttpClient http(nodes_[static_cast<size_t>(i)]->port());
      ClientResponse response;
      ASSERT_TRUE(WaitFor(
          [&] {
            response = http.Get("/v1/profiles/" + user + "/segments", BasicAuth(kAdminKey));
            return response.status == 200 &&
                   response.body.find("\"id\":\"buyers\"") != std::string::npos;
          },
          30'000))
          << "node " << i << ": " << response.status << " " << response.body;
      EXPECT_EQ(response.Header("X-Mercato-Forwarded-To").empty(), Owned(i).count(partition) == 1)
          << "node " << i;
    }
    // An edit on node 1 reaches every node; a deletion on node 2 too.
    {
      HttpClient http(nodes_[1]->port());
      // The reads above may have been forwarded: wait until node 1 itself has the segment.
      ASSERT_TRUE(WaitFor(
          [&] { return http.Get("/v1/segments/buyers", BasicAuth(kAdminKey)).status == 200; },
          30'000));
      ClientResponse edited = http.Request("PATCH", "/v1/segments/buyers",
                                           R"({"name":"Repeat buyers","rule":"orders >= 2"})",
                                           {{"Authorization", BasicAuth(kAdminKey)}});
      ASSERT_EQ(edited.status, 200) << edited.body;
    }
    for (int i = 0; i < 3; ++i) {
      HttpClient http(nodes_[static_cast<size_t>(i)]->port());
      ClientResponse view;
      EXPECT_TRUE(WaitFor(
          [&] {
            view = http.Get("/v1/segments/buyers", BasicAuth(kAdminKey));
            return view.status == 200 &&
                   view.body.find("\"name\":\"Repeat buyers\"") != std::string::npos &&
                   view.body.find("orders >= 2") != std::string::npos;
          },
          30'000))
          << "node " << i << ": " << view.body;
    }
    {
      HttpClient http(nodes_[2]->port());
      ClientResponse deleted = http.Request("DELETE", "/v1/segments/buyers", "",
                                            {{"Authorization", BasicAuth(kAdminKey)}});
      ASSERT_EQ(deleted.status, 204) << deleted.body;
    }
    for (int i = 0; i < 3; ++i) {
      HttpClient http(nodes_[static_cast<size_t>(i)]->port());
      EXPECT_TRUE(WaitFor(
          [&] { return http.Get("/v1/segments/buyers", BasicAuth(kAdminKey)).status == 404; },
          30'000))
          << "node " << i;
    }
    // API keys too: a key created on node 1 is accepted by every node, and its revocation
    // through node 2 reaches every node.
    {
      auto created = Admin(1, "POST", "/v1/keys", R"({"name":"reader","scopes":["read"]})");
      ASSERT_EQ(created.status, 201) << created.body;
      const boost::json::value answer = boost::json::parse(created.body);
      const std::string secret(answer.at("secret").as_string());
      const std::string id(answer.at("key").at("id").as_string());
      for (int i = 0; i < 3; ++i) {
        HttpClient http(nodes_[static_cast<size_t>(i)]->port());
        EXPECT_TRUE(WaitFor(
            [&] { return http.Get("/v1/segments", BasicAuth(secret)).status == 200; }, 30'000))
            << "node " << i << " does not accept the key created on node 1";
      }
      ASSERT_EQ(Admin(2, "DELETE", "/v1/keys/" + id).status, 200);
      for (int i = 0; i < 3; ++i) {
        HttpClient http(nodes_[static_cast<size_t>(i)]->port());
        EXPECT_TRUE(WaitFor(
            [&] { return http.Get("/v1/segments", BasicAuth(secret)).status == 401; }, 30'000))
            << "node " << i << " still accepts the key revoked on node 2";
      }
    }
    // Catalog items too: put through node 0, deleted through node 1.
    {
      auto put = Admin(0, "PUT", "/v1/catalog/items",
                       R"({"items": [{"id": "sku-1", "name": "Boots", "price": 59.9},
                                     {"id": "sku-2", "name": "Scarf"}]})");
      ASSERT_EQ(put.status, 200) << put.body;
      for (int i = 0; i < 3; ++i) {
        ClientResponse view;
        EXPECT_TRUE(WaitFor(
            [&] {
              view = Admin(i, "GET", "/v1/catalog/items/sku-1");
              return view.status == 200 && Admin(i, "GET", "/v1/catalog/items/sku-2").status == 200;
            },
            30'000))
            << "node " << i;
        EXPECT_NE(view.body.find("Boots"), std::string::npos) << view.body;
      }
      ASSERT_EQ(Admin(1, "DELETE", "/v1/catalog/items/sku-2").status, 204);
      for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(WaitFor(
            [&] { return Admin(i, "GET", "/v1/catalog/items/sku-2").status == 404; }, 30'000))
            << "node " << i;
      }
    }
    // Templates too: stored through node 2, readable on every node at the same version.
    {
      HttpClient http(nodes_[2]->port());
      ClientResponse put = http.Request("PUT", "/v1/templates/thanks",
                                        R"({"name":"Thanks","subject":"Thank you","text":"Hi"})",
                                        {{"Authorization", BasicAuth(kAdminKey)}});
      ASSERT_EQ(put.status, 201) << put.body;
    }
    for (int i = 0; i < 3; ++i) {
      HttpClient http(nodes_[static_cast<size_t>(i)]->port());
      ClientResponse view;
      EXPECT_TRUE(WaitFor(
          [&] {
            view = http.Get("/v1/templates/thanks", BasicAuth(kAdminKey));
            return view.status == 200;
          },
          30'000))
          << "node " << i;
      EXPECT_NE(view.body.find("\"subject\":\"Thank you\""), std::string::npos) << view.body;
      EXPECT_NE(view.body.find("\"version\":1"), std::string::npos)
          << "node " << i << ": " << view.body;
    }
  }

  // SIGKILL the node with the most partitions; keep sending while the group notices.
  const int victim = Busiest({0, 1, 2});
  const std::set<uint32_t> moved = Owned(victim);
  nodes_[static_cast<size_t>(victim)]->Kill();
  std::vector<int> live;
  for (int i = 0; i < 3; ++i) {
    if (i != victim) live.push_back(i);
  }
  SendOrders(live, 200, rng);
  BrowseAnonymously(live);
  ASSERT_TRUE(WaitFor([&] { return Settled(live); }, 90'000))
      << "the survivors never took over partitions of node " << victim;
  SendOrders(live, 100, rng);
  ASSERT_TRUE(WaitFor([&] { return AllCounted(live, detail); }, 90'000)) << detail;
  ASSERT_TRUE(WaitFor([&] { return ReadableEverywhere(live, detail); }, 30'000)) << detail;
  ASSERT_TRUE(WaitFor([&] { return VisitorsMerged(live, detail); }, 60'000)) << detail;
  size_t taken = 0;
  for (int i : live) {
    for (uint32_t p : Owned(i)) taken += moved.count(p);
  }
  EXPECT_EQ(taken, moved.size());

  // The killed node comes back on its own data, rejoins, and whatever it owns again is complete.
  std::string error;
  ASSERT_TRUE(StartNode(victim, error)) << error;
  ASSERT_TRUE(WaitFor([&] { return Settled({0, 1, 2}); }, 90'000)) << "no rebalance after rejoin";
  SendOrders({0, 1, 2}, 60, rng);
  BrowseAnonymously({0, 1, 2});
  ASSERT_TRUE(WaitFor([&] { return AllCounted({0, 1, 2}, detail); }, 90'000)) << detail;
  ASSERT_TRUE(WaitFor([&] { return ReadableEverywhere({0, 1, 2}, detail); }, 30'000)) << detail;
  ASSERT_TRUE(WaitFor([&] { return VisitorsMerged({0, 1, 2}, detail); }, 60'000)) << detail;
  // Totals are the cluster's from any node: each visitor is one customer with its user.
  for (int i = 0; i < 3; ++i) {
    ClientResponse stats = Admin(i, "GET", "/v1/stats");
    ASSERT_EQ(stats.status, 200) << stats.body;
    // This node and every other node that owns partitions (a rejoined node may own none).
    int answering = 1;
    for (int j = 0; j < 3; ++j) answering += j != i && !Owned(j).empty() ? 1 : 0;
    EXPECT_EQ(stats.Header("X-Mercato-Nodes"), std::to_string(answering)) << "node " << i;
    const boost::json::value body = boost::json::parse(stats.body);
    EXPECT_EQ(body.at("customers").to_number<int64_t>(),
              static_cast<int64_t>(acknowledged_.size() + visitors_.size()))
        << "node " << i << ": " << stats.body;
  }

  // An erasure asked of a node that does not own the customer is carried out by the owner, and
  // its status is readable through every node.
  const std::string erased = acknowledged_.begin()->first;
  const uint32_t erased_partition = KafkaPartition(erased, kPartitions);
  int far = -1;
  for (int i = 0; i < 3 && far < 0; ++i) {
    if (Owned(i).count(erased_partition) == 0) far = i;
  }
  ASSERT_GE(far, 0);
  auto requested = Admin(far, "POST", "/v1/privacy/erasure", R"({"subject":")" + erased + R"("})");
  ASSERT_EQ(requested.status, 202) << requested.body;
  EXPECT_FALSE(requested.Header("X-Mercato-Forwarded-To").empty());
  const std::string job(boost::json::parse(requested.body).at("id").as_string());
  for (int i = 0; i < 3; ++i) {
    ClientResponse status;
    EXPECT_TRUE(WaitFor(
        [&] {
          status = Admin(i, "GET", "/v1/privacy/erasure/" + job);
          return status.status == 200 &&
                 status.body.find("\"state\":\"done\"") != std::string::npos;
        },
        60'000))
        << "node " << i << ": " << status.status << " " << status.body;
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Admin(i, "GET", "/v1/profiles/" + erased).status, 404) << "node " << i;
  }
}

// A welcome e-mail journey on every node; customers sign up while the busiest node is SIGKILLed
// in the middle of sending. The real SMTP receiver must end up with one e-mail per customer: the
// survivors replay the dead node's partitions, and the "Journey Message Finished" events it wrote
// at each SMTP commit point keep them from sending those e-mails again. The only message allowed
// to be missing is one the engine reports "in doubt" (killed between its announcement and the end
// of the SMTP conversation), and none may arrive twice.
TEST_F(ClusterFailoverTest, NoJourneyEmailIsSentTwiceAcrossAFailover) {
  ReceiverProcess smtp("smtp_receiver.py");
  const std::filesystem::path mail = dir_.path() / "mail";
  std::string error;
  ASSERT_TRUE(smtp.Start(mail, {}, error)) << error;
  StartNodes({"--smtp-url", smtp.Url("smtp"), "--mail-from", "shop@example.test"});
  ASSERT_TRUE(WaitFor([&] { return Settled({0, 1, 2}); }, 60'000));
  // Definitions are shared: the template is stored through node 0, the journey created on node 1
  // and activated on node 2, and every node runs it for the customers it owns.
  auto put = Admin(0, "PUT", "/v1/templates/welcome",
                   R"({"name": "Welcome", "subject": "Welcome {{first_name}}", "text": "Hi."})");
  ASSERT_EQ(put.status, 201) << put.body;
  auto created = Admin(1, "POST", "/v1/journeys", R"({"id": "welcome", "name": "Welcome",
    "trigger": {"event": "Signed Up"},
    "steps": [{"id": "hello", "send": {"channel": "email", "template": "welcome"}}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_TRUE(
      WaitFor([&] { return Admin(2, "GET", "/v1/journeys/welcome").status == 200; }, 30'000));
  auto activated = Admin(2, "POST", "/v1/journeys/welcome/activate");
  ASSERT_EQ(activated.status, 200) << activated.body;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WaitFor(
        [&] {
          auto view = Admin(i, "GET", "/v1/journeys/welcome");
          return view.status == 200 &&
                 view.body.find("\"status\":\"active\"") != std::string::npos &&
                 Admin(i, "GET", "/v1/templates/welcome").status == 200;
        },
        30'000))
        << "node " << i << " has not got the active journey and its template";
    auto view = Admin(i, "GET", "/v1/journeys/welcome");
    EXPECT_NE(view.body.find("\"version\":1"), std::string::npos) << view.body;
  }
  constexpr int kSignups = 150;
  auto sign_up = [&](int from, int to, const std::vector<int>& live) {
    for (int c = from; c < to; ++c) {
      const std::string user = "signup-" + std::to_string(c);
      boost::json::array batch;
      batch.push_back(boost::json::object{
          {"type", "identify"},
          {"userId", user},
          {"messageId", "id-" + user},
          {"traits", {{"email", user + "@example.test"}, {"first_name", "N" + user}}},
          {"context", {{"consent", {{"categoryPreferences", {{"email", true}}}}}}}});
      batch.push_back(boost::json::object{{"type", "track"},
                                          {"userId", user},
                                          {"messageId", "su-" + user},
                                          {"event", "Signed Up"}});
      HttpClient http(
          nodes_[static_cast<size_t>(live[static_cast<size_t>(c) % live.size()])]->port());
      auto response =
          http.Post("/v1/batch", boost::json::serialize(boost::json::object{{"batch", batch}}),
                    BasicAuth(kWriteKey));
      ASSERT_EQ(response.status, 200) << response.body;
    }
  };
  sign_up(0, kSignups, {0, 1, 2});
  // Kill the busiest node once some e-mails are out, while the rest are being sent.
  ASSERT_TRUE(WaitFor([&] { return smtp.Messages().size() >= 20; }, 60'000));
  const int victim = Busiest({0, 1, 2});
  nodes_[static_cast<size_t>(victim)]->Kill();
  std::vector<int> live;
  for (int i = 0; i < 3; ++i) {
    if (i != victim) live.push_back(i);
  }
  ASSERT_TRUE(WaitFor([&] { return Settled(live); }, 90'000));
  sign_up(kSignups, kSignups + 30, live);
  const size_t total = kSignups + 30;
  // Messages the survivors count as delivered but in doubt: the victim announced them at the
  // SMTP commit point and died before the server's reply.
  auto in_doubt = [&] {
    int64_t sum = 0;
    for (int i : live) {
      auto stats = Admin(i, "GET", "/v1/journeys/welcome/stats");
      if (stats.status != 200) continue;
      const boost::json::value body = boost::json::parse(stats.body);
      for (const auto& entry : body.at("steps").as_array()) {
        if (const auto* doubt = entry.at("counters").as_object().if_contains("in_doubt")) {
          sum += doubt->to_number<int64_t>();
        }
      }
    }
    return sum;
  };
  EXPECT_TRUE(WaitFor(
      [&] { return smtp.Messages().size() + static_cast<size_t>(in_doubt()) >= total; }, 120'000))
      << smtp.Messages().size() << " e-mails of " << total;
  // Wait until nothing more can be sent: on every survivor each message its journey engine
  // enqueued (replays of the victim's partitions included) has an outcome — sent, skipped, dead
  // or found already finished — so a duplicate would be at the receiver by now.
  auto settled_outbox = [&] {
    for (int i : live) {
      auto stats = Admin(i, "GET", "/v1/journeys/welcome/stats");
      if (stats.status != 200) return false;
      const boost::json::value body = boost::json::parse(stats.body);
      int64_t enqueued = 0;
      int64_t finished = 0;
      for (const auto& entry : body.at("steps").as_array()) {
        for (const auto& [name, value] : entry.at("counters").as_object()) {
          const int64_t n = value.to_number<int64_t>();
          if (name == "enqueued") enqueued += n;
          if (name == "sent" || name == "dead" || name == "already_finished" ||
              name.starts_with("skipped/")) {
            finished += n;
          }
        }
      }
      if (enqueued == 0 || finished < enqueued) return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitFor(settled_outbox, 120'000)) << "a survivor still has messages to deliver";
  std::map<std::string, int> per_recipient;
  for (const boost::json::value& message : smtp.Messages()) {
    ++per_recipient[std::string(message.as_object().at("rcpt_to").as_string())];
  }
  for (const auto& [recipient, count] : per_recipient) EXPECT_EQ(count, 1) << recipient;
  EXPECT_LE(per_recipient.size(), total);
  EXPECT_GE(per_recipient.size() + static_cast<size_t>(in_doubt()), total);
}

}  // namespace
}  // namespace mercato::testing
