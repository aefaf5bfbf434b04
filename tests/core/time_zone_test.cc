// IANA time zones from the system's TZif files, and the parser's refusal of damaged ones.

#include "core/time_zone.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_support.h"

namespace mercato {
namespace {

constexpr int64_t kJanuary = 1'768'000'000'000'000;  // 2026-01-09T23:06:40Z
constexpr int64_t kJuly = 1'784'000'000'000'000;     // 2026-07-14T03:33:20Z

bool HaveZoneinfo() {
  if (std::filesystem::exists("/usr/share/zoneinfo/Europe/Warsaw")) return true;
  // Under CI the database is a dependency (scripts/install-deps.sh installs tzdata).
  EXPECT_EQ(std::getenv("CI"), nullptr) << "/usr/share/zoneinfo is missing";
  return false;
}

TEST(TimeZonesTest, OffsetsFollowDaylightSaving) {
  if (!HaveZoneinfo()) GTEST_SKIP() << "no /usr/share/zoneinfo (install tzdata)";
  const TimeZones& zones = TimeZones::System();
  EXPECT_EQ(zones.OffsetMinutes("Europe/Warsaw", kJanuary), 60);
  EXPECT_EQ(zones.OffsetMinutes("Europe/Warsaw", kJuly), 120);
  EXPECT_EQ(zones.OffsetMinutes("America/New_York", kJanuary), -300);
  EXPECT_EQ(zones.OffsetMinutes("America/New_York", kJuly), -240);
  EXPECT_EQ(zones.OffsetMinutes("Asia/Kolkata", kJuly), 330);
  EXPECT_EQ(zones.OffsetMinutes("UTC", kJuly), 0);
  // Europe/Warsaw switches to summer time at 01:00 UTC on 2026-03-29.
  const int64_t switch_us = 1'774'746'000'000'000;
  EXPECT_EQ(zones.OffsetMinutes("Europe/Warsaw", switch_us - 1'000'000), 60);
  EXPECT_EQ(zones.OffsetMinutes("Europe/Warsaw", switch_us), 120);
}

TEST(TimeZonesTest, NamesThatAreNotZonesGiveNothing) {
  if (!HaveZoneinfo()) GTEST_SKIP() << "no /usr/share/zoneinfo (install tzdata)";
  const TimeZones& zones = TimeZones::System();
  for (const char* name :
       {"", "Nowhere/City", "Europe", "../../etc/passwd", "/etc/passwd", "Europe/../Europe/Warsaw",
        "Europe/Warsaw/", "Europe//Warsaw", "Europe/Warsaw\n", "+02:00"}) {
    EXPECT_FALSE(zones.OffsetMinutes(name, kJuly).has_value()) << name;
  }
}

TEST(TzifTest, DamagedFilesAreRefusedNotTrusted) {
  if (!HaveZoneinfo()) GTEST_SKIP() << "no /usr/share/zoneinfo (install tzdata)";
  std::ifstream in("/usr/share/zoneinfo/Europe/Warsaw", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string file = bytes.str();
  auto whole = ParseTzif(file);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_GT(whole->transitions.size(), 100u);
  // Every truncation is refused (none reads past the end).
  for (size_t size = 0; size + 1 < file.size(); size += 7) {
    auto cut = ParseTzif(std::string_view(file).substr(0, size));
    if (cut.ok()) {
      // Only a cut after the whole 64-bit block can still parse (the footer is optional).
      EXPECT_GT(size, file.size() - 40) << size;
    }
  }
  std::string bad_magic = file;
  bad_magic[0] = 'X';
  EXPECT_FALSE(ParseTzif(bad_magic).ok());
  // A zone directory of damaged files: the name is not a zone.
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "Test");
  std::ofstream(dir.path() / "Test" / "Broken", std::ios::binary) << file.substr(0, 100);
  std::ofstream(dir.path() / "Test" / "Good", std::ios::binary) << file;
  TimeZones zones(dir.str());
  EXPECT_FALSE(zones.OffsetMinutes("Test/Broken", kJuly).has_value());
  EXPECT_EQ(zones.OffsetMinutes("Test/Good", kJuly), 120);
}

}  // namespace
}  // namespace mercato
