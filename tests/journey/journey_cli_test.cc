// `mercato journey ...` as users run it: the real binary, a definition file, a fresh data
// directory.

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace mercato::testing {
namespace {

std::string Quote(const std::string& text) { return "'" + text + "'"; }

class JourneyCliTest : public ::testing::Test {
 protected:
  // Runs `mercato journey <args>`; returns stdout + stderr and "exit=<code>".
  std::string Journey(const std::string& args, bool with_data_dir = true) {
    std::string command = Quote(MercatoBinary()) + " journey " + args;
    if (with_data_dir) command += " --data-dir " + Quote((dir_.path() / "data").string());
    return RunCommand(command + " 2>&1; echo exit=$?").value_or("exit=?");
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  TempDir dir_;
};

TEST_F(JourneyCliTest, ValidatesCreatesActivatesAndPauses) {
  const std::string bad =
      Write("bad.json", R"({"id": "w", "name": "W", "trigger": {"event": "Signed Up"},
      "steps": [{"id": "a", "wait": "soon"}, {"id": "b", "send": {"channel": "sms", "template": "t"}}]})");
  const std::string invalid = Journey("validate " + Quote(bad), false);
  EXPECT_NE(invalid.find("steps[0].wait: 'soon' is not a duration"), std::string::npos) << invalid;
  EXPECT_NE(invalid.find("steps[1].send.channel: 'sms' is not one of"), std::string::npos)
      << invalid;
  EXPECT_NE(invalid.find("exit=1"), std::string::npos) << invalid;

  const std::string good =
      Write("good.json", R"({"id": "w", "name": "W", "trigger": {"event": "Signed Up"},
      "steps": [{"id": "a", "wait": "120m"}, {"id": "b", "send": {"channel": "email", "template": "t"}}]})");
  const std::string canonical = Journey("validate " + Quote(good), false);
  EXPECT_NE(canonical.find(R"("wait":"2h")"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("exit=0"), std::string::npos) << canonical;

  EXPECT_NE(Journey("create " + Quote(bad)).find("exit=1"), std::string::npos);
  const std::string created = Journey("create " + Quote(good));
  EXPECT_NE(created.find("w\tv1\tdraft\tW"), std::string::npos) << created;
  EXPECT_NE(Journey("activate w").find("w\tv1\tactive"), std::string::npos);
  EXPECT_NE(Journey("list").find("w\tv1\tactive\tW"), std::string::npos);
  const std::string paused = Journey("pause w");
  EXPECT_NE(paused.find("w\tv1\tpaused"), std::string::npos) << paused;
  const std::string again = Journey("pause w");
  EXPECT_NE(again.find("is paused, not active"), std::string::npos) << again;
  EXPECT_NE(again.find("exit=1"), std::string::npos) << again;
  const std::string shown = Journey("show w --version 1");
  EXPECT_NE(shown.find(R"("template":"t")"), std::string::npos) << shown;

  // A segment trigger cannot be activated before its segment exists.
  const std::string vip =
      Write("vip.json", R"({"id": "v", "name": "V", "trigger": {"segmentEntered": "vip"},
      "steps": [{"id": "b", "send": {"channel": "push", "template": "t"}}]})");
  EXPECT_NE(Journey("create " + Quote(vip)).find("exit=0"), std::string::npos);
  const std::string refused = Journey("activate v");
  EXPECT_NE(refused.find("segment 'vip' does not exist"), std::string::npos) << refused;
}

// The HTTP channels' flags of `mercato serve` are checked before the node listens: each mistake
// stops it with a message that names the flag.
TEST_F(JourneyCliTest, ServeRefusesBadChannelFlags) {
  const std::string secret = Write("secret", "s3cret\n");
  const std::string empty = Write("empty", "");
  auto serve = [&](const std::string& flags) {
    const std::string command = Quote(MercatoBinary()) + " serve --port 0 --data-dir " +
                                Quote((dir_.path() / "serve").string()) + " " + flags;
    return RunCommand(command + " 2>&1; echo exit=$?").value_or("exit=?");
  };
  const std::string no_url = serve("--webhook crm --endpoint-secret-file " + Quote(secret));
  EXPECT_NE(no_url.find("--webhook 'crm': expected NAME=URL"), std::string::npos) << no_url;
  EXPECT_NE(no_url.find("exit=1"), std::string::npos) << no_url;
  const std::string bad_name =
      serve("--webhook 'C R M=http://127.0.0.1:9/' --endpoint-secret-file " + Quote(secret));
  EXPECT_NE(bad_name.find("expected NAME=URL"), std::string::npos) << bad_name;
  const std::string unsigned_audience = serve("--audience-url http://127.0.0.1:9/audiences");
  EXPECT_NE(unsigned_audience.find("need --endpoint-secret-file"), std::string::npos)
      << unsigned_audience;
  EXPECT_NE(unsigned_audience.find("exit=1"), std::string::npos) << unsigned_audience;
  const std::string scheme =
      serve("--audience-url ftp://127.0.0.1/a --endpoint-secret-file " + Quote(secret));
  EXPECT_NE(scheme.find("--audience-url must start with http:// or https://"), std::string::npos)
      << scheme;
  const std::string blank =
      serve("--webhook crm=http://127.0.0.1:9/ --endpoint-secret-file " + Quote(empty));
  EXPECT_NE(blank.find("is empty"), std::string::npos) << blank;
  EXPECT_NE(blank.find("exit=1"), std::string::npos) << blank;
  const std::string twice = serve(
      "--webhook crm=http://127.0.0.1:9/a --webhook crm=http://127.0.0.1:9/b "
      "--endpoint-secret-file " +
      Quote(secret));
  EXPECT_NE(twice.find("'crm' is given twice"), std::string::npos) << twice;
}

}  // namespace
}  // namespace mercato::testing
