// docs/access.md is the access matrix: its table must equal the router's route table, and every
// route must answer as the table says to no key, an unknown key and a key of each scope.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

using RouteKey = std::tuple<std::string, std::string, Access, AdmissionClass>;

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '`')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '`')) text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string> Cells(std::string_view line) {
  std::vector<std::string> cells;
  line.remove_prefix(1);  // the leading '|'
  while (!line.empty()) {
    size_t bar = line.find('|');
    if (bar == std::string_view::npos) break;
    cells.push_back(Trim(line.substr(0, bar)));
    line.remove_prefix(bar + 1);
  }
  return cells;
}

// The rows of the table headed "| method | path | scope | admission |". Rows end at the first line
// that does not start with '|'; adding a route is adding a row.
Result<std::vector<RouteInfo>> ParseAccessTable(const std::string& markdown) {
  std::istringstream in(markdown);
  std::vector<RouteInfo> routes;
  bool in_table = false;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (!in_table) {
      in_table = line.starts_with("|") &&
                 Cells(line) == std::vector<std::string>{"method", "path", "scope", "admission"};
      if (in_table && (!std::getline(in, line) || !line.starts_with("|---"))) {
        return Status::InvalidArgument("the table header is not followed by |---|");
      }
      if (in_table) ++line_number;
      continue;
    }
    if (!line.starts_with("|")) break;
    std::vector<std::string> cells = Cells(line);
    auto where = [&](const std::string& what) {
      return Status::InvalidArgument("docs/access.md line " + std::to_string(line_number) + ": " +
                                     what);
    };
    if (cells.size() != 4) return where("a row needs 4 cells");
    auto access = ParseAccess(cells[2]);
    if (!access.ok()) return where(access.status().message());
    auto admission = ParseAdmissionClass(cells[3]);
    if (!admission.ok()) return where(admission.status().message());
    if (cells[1].empty() || cells[1].front() != '/') return where("the path must start with /");
    RouteInfo route;
    route.method = cells[0];
    route.path = cells[1];
    route.access = *access;
    route.admission = *admission;
    routes.push_back(std::move(route));
  }
  if (!in_table) return Status::NotFound("no | method | path | scope | admission | table");
  return routes;
}

std::set<RouteKey> Keys(const std::vector<RouteInfo>& routes) {
  std::set<RouteKey> keys;
  for (const RouteInfo& route : routes) {
    keys.emplace(route.method, route.path, route.access, route.admission);
  }
  return keys;
}

std::string Describe(const RouteKey& key) {
  return std::get<0>(key) + " " + std::get<1>(key) + " (" +
         std::string(AccessName(std::get<2>(key))) + ", " +
         std::string(AdmissionClassName(std::get<3>(key))) + ")";
}

// A concrete path for a pattern: every {parameter} becomes an identifier nothing has.
std::string Concrete(const std::string& pattern) {
  std::string path;
  size_t at = 0;
  while (at < pattern.size()) {
    size_t open = pattern.find('{', at);
    if (open == std::string::npos) {
      path += pattern.substr(at);
      break;
    }
    path += pattern.substr(at, open - at) + "no-such-thing";
    at = pattern.find('}', open) + 1;
  }
  return path;
}

std::string ReadDoc() {
  std::ifstream file(SourceDir() / "docs" / "access.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(AccessMatrixTest, TheParserReadsRowsAndRejectsBadOnes) {
  const std::string header = "| method | path | scope | admission |\n|---|---|---|---|\n";
  auto parsed = ParseAccessTable("intro\n\n" + header + "| GET | `/a/{id}` | read | query |\n\nx");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].path, "/a/{id}");
  EXPECT_EQ((*parsed)[0].access, Access::kRead);
  EXPECT_FALSE(ParseAccessTable(header + "| GET | /a | reader | query |\n").ok());
  EXPECT_FALSE(ParseAccessTable(header + "| GET | /a | read | fast |\n").ok());
  EXPECT_FALSE(ParseAccessTable(header + "| GET | /a | read |\n").ok());
  EXPECT_FALSE(ParseAccessTable("no table here").ok());
}

TEST(AccessMatrixTest, TheDocumentedTableIsTheRoutersTable) {
  TestServer server;
  ASSERT_TRUE(server.start_status().ok());
  auto documented = ParseAccessTable(ReadDoc());
  ASSERT_TRUE(documented.ok()) << documented.status().ToString();
  const std::set<RouteKey> in_doc = Keys(*documented);
  const std::set<RouteKey> in_router = Keys(server.router().Routes());
  EXPECT_EQ(in_doc.size(), documented->size()) << "docs/access.md lists a route twice";
  for (const RouteKey& key : in_router) {
    EXPECT_TRUE(in_doc.contains(key)) << "undocumented in docs/access.md: " << Describe(key);
  }
  for (const RouteKey& key : in_doc) {
    EXPECT_TRUE(in_router.contains(key)) << "documented but not registered: " << Describe(key);
  }
}

TEST(AccessMatrixTest, EveryRouteAnswersAsTheTableSays) {
  TestServer server;
  ASSERT_TRUE(server.start_status().ok());
  auto documented = ParseAccessTable(ReadDoc());
  ASSERT_TRUE(documented.ok()) << documented.status().ToString();
  ASSERT_FALSE(documented->empty());
  HttpClient http(server.port());
  struct Caller {
    const char* name;
    std::string authorization;
    uint8_t scopes;
  };
  const std::vector<Caller> keyed = {
      {"write key", BasicAuth(kWriteKey), static_cast<uint8_t>(Scope::kWrite)},
      {"read key", BasicAuth(kReadKey), static_cast<uint8_t>(Scope::kRead)},
      {"admin key", BasicAuth(kAdminKey), static_cast<uint8_t>(Scope::kAdmin)},
      {"feedback key", BasicAuth(kFeedbackKey), static_cast<uint8_t>(Scope::kFeedback)},
  };
  for (const RouteInfo& route : *documented) {
    const std::string target = Concrete(route.path);
    const std::string what = route.method + " " + target;
    // "{}" is a request no route acts on (every write needs fields), so walking changes nothing.
    const std::string body = route.method == "POST" ? "{}" : "";
    auto call = [&](const std::string& authorization) {
      return http.Request(route.method, target, body, {{"Authorization", authorization}});
    };
    auto anonymous = call("");
    auto unknown = call("Bearer not-a-key-of-this-server");
    if (route.access == Access::kPublic) {
      EXPECT_NE(anonymous.status, 401) << what;
      EXPECT_NE(anonymous.status, 0) << what << ": " << anonymous.error;
      EXPECT_NE(unknown.status, 401) << what;
      continue;
    }
    EXPECT_EQ(anonymous.status, 401) << what << ": " << anonymous.body;
    EXPECT_NE(anonymous.Header("WWW-Authenticate").find("Basic realm=\"mercato\""),
              std::string::npos)
        << what;
    EXPECT_EQ(unknown.status, 401) << what << ": " << unknown.body;
    // A refused Bearer token is challenged as Bearer: a Basic challenge would make a browser
    // open its own sign-in dialog over the dashboard.
    EXPECT_EQ(unknown.Header("WWW-Authenticate"),
              "Bearer realm=\"mercato\", error=\"invalid_token\"")
        << what;
    const Scope needed = route.access == Access::kWrite      ? Scope::kWrite
                         : route.access == Access::kRead     ? Scope::kRead
                         : route.access == Access::kFeedback ? Scope::kFeedback
                                                             : Scope::kAdmin;
    for (const Caller& caller : keyed) {
      auto response = call(caller.authorization);
      if (HasScope(caller.scopes, needed)) {
        EXPECT_NE(response.status, 401) << what << " with a " << caller.name;
        EXPECT_NE(response.status, 403)
            << what << " with a " << caller.name << ": " << response.body;
        EXPECT_NE(response.status, 0) << what << ": " << response.error;
      } else {
        EXPECT_EQ(response.status, 403)
            << what << " with a " << caller.name << ": " << response.body;
      }
    }
  }
  EXPECT_EQ(server.key_store().size(), 0u);  // walking the table created nothing
  EXPECT_EQ(server.log().TotalRecords(), 0u);
}

}  // namespace
}  // namespace mercato::testing
