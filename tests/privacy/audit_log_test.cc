#include "privacy/audit_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "privacy/crypto.h"
#include "support/test_support.h"

namespace mercato {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// The text of a JSON string, or its serialisation in angle brackets for anything else.
std::string S(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : "<" + json::serialize(value) + ">";
}

// 2024-03-01T00:00:00Z
constexpr int64_t kBase = 1709251200LL * kMicrosPerSecond;

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void WriteLines(const fs::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

AuditEntry Entry(int i) {
  AuditEntry entry;
  entry.actor = i % 2 == 0 ? "cli" : "key:k_live_abc";
  entry.action = "profile.read";
  entry.customer = "c-" + std::to_string(i);
  entry.detail = R"({"fields":["traits","events"],"n":)" + std::to_string(i) + "}";
  return entry;
}

class AuditLogTest : public ::testing::Test {
 protected:
  fs::path Dir() const { return dir_.path() / "audit"; }
  fs::path LogPath() const { return Dir() / "audit.log"; }
  fs::path AnchorPath() const { return Dir() / "audit.head"; }

  std::unique_ptr<AuditLog> OpenLog() {
    auto log = AuditLog::Open(Dir().string(), clock_);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  // A closed log with `n` entries.
  void MakeLog(int n) {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    for (int i = 1; i <= n; ++i) {
      ASSERT_TRUE(log->Record(Entry(i)).ok());
      clock_.Advance(kMicrosPerSecond);
    }
  }

  AuditVerifyReport Verify() {
    auto report = VerifyAuditLog(LogPath().string());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AuditVerifyReport{};
  }

  // Tampering must show in verification (line and problem) and make Open refuse the log.
  void ExpectBroken(int64_t line, std::string_view problem) {
    AuditVerifyReport report = Verify();
    EXPECT_EQ(report.first_bad_line, line) << report.problem;
    EXPECT_NE(report.problem.find(problem), std::string::npos) << report.problem;
    auto log = AuditLog::Open(Dir().string(), clock_);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
    EXPECT_NE(log.status().message().find("line " + std::to_string(line)), std::string::npos)
        << log.status().message();
  }

  testing::TempDir dir_;
  FakeClock clock_{kBase};
};

TEST_F(AuditLogTest, RecordsAChainOfJsonLines) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->path(), LogPath().string());
  ASSERT_TRUE(log->Record(Entry(1)).ok());
  clock_.Advance(1500);
  ASSERT_TRUE(log->Record({"system", "privacy.erasure.done", "", ""}).ok());
  EXPECT_EQ(log->entries(), 2u);

  std::vector<std::string> lines = ReadLines(LogPath());
  ASSERT_EQ(lines.size(), 2u);
  json::object first = json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("seq"), 1);
  EXPECT_EQ(S(first.at("time")), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(S(first.at("actor")), "key:k_live_abc");
  EXPECT_EQ(S(first.at("action")), "profile.read");
  EXPECT_EQ(S(first.at("customer")), "c-1");
  EXPECT_EQ(first.at("detail"), json::parse(R"({"fields":["traits","events"],"n":1})"));
  EXPECT_EQ(S(first.at("prev")), std::string(64, '0'));
  std::string body = lines[0].substr(0, lines[0].find(",\"hash\":\""));
  EXPECT_EQ(S(first.at("hash")), crypto::HexEncode(crypto::Sha256(body)));
  json::object second = json::parse(lines[1]).as_object();
  EXPECT_EQ(S(second.at("time")), "2024-03-01T00:00:00.001Z");
  EXPECT_TRUE(second.at("customer").is_null());
  EXPECT_EQ(second.at("detail"), json::object());
  EXPECT_EQ(second.at("prev"), first.at("hash"));

  AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.entries, 2u);
  EXPECT_EQ(report.head_hash, second.at("hash").as_string());
  EXPECT_EQ(report.head_hash, log->head_hash());
  EXPECT_EQ(report.anchor_seq, 2);
  EXPECT_EQ(json::parse(ReadText(AnchorPath())),
            json::parse(R"({"seq":2,"hash":")" + report.head_hash + "\"}"));

  struct stat info {};
  ASSERT_EQ(::stat(LogPath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(AnchorPath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(Dir().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(AuditLogTest, ChainContinuesAcrossReopen) {
  MakeLog(2);
  std::string head = Verify().head_hash;
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->entries(), 2u);
  EXPECT_EQ(log->head_hash(), head);
  ASSERT_TRUE(log->Record(Entry(3)).ok());
  log.reset();
  std::vector<std::string> lines = ReadLines(LogPath());
  ASSERT_EQ(lines.size(), 3u);
  json::object third = json::parse(lines[2]).as_object();
  EXPECT_EQ(third.at("seq"), 3);
  EXPECT_EQ(S(third.at("prev")), head);
  AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.entries, 3u);
}

TEST_F(AuditLogTest, DetectsAChangedByte) {
  MakeLog(5);
  std::vector<std::string> lines = ReadLines(LogPath());
  size_t at = lines[2].find("c-3");
  ASSERT_NE(at, std::string::npos);
  lines[2][at + 2] = '4';
  WriteLines(LogPath(), lines);
  ExpectBroken(3, "hash does not match");
}

TEST_F(AuditLogTest, DetectsADeletedMiddleLine) {
  MakeLog(5);
  std::vector<std::string> lines = ReadLines(LogPath());
  lines.erase(lines.begin() + 2);
  WriteLines(LogPath(), lines);
  ExpectBroken(3, "seq is 4, expected 3");
}

TEST_F(AuditLogTest, DetectsSwappedLines) {
  MakeLog(5);
  std::vector<std::string> lines = ReadLines(LogPath());
  std::swap(lines[1], lines[2]);
  WriteLines(LogPath(), lines);
  ExpectBroken(2, "seq is 3, expected 2");
}

TEST_F(AuditLogTest, DetectsAForgedLineWithItsOwnValidHash) {
  MakeLog(5);
  std::vector<std::string> lines = ReadLines(LogPath());
  std::string body = R"({"seq":3,"time":"2024-03-01T00:00:02.500Z","actor":"cli",)"
                     R"("action":"keys.create","customer":null,"detail":{},"prev":")" +
                     std::string(64, 'a') + "\"";
  lines.insert(lines.begin() + 2,
               body + ",\"hash\":\"" + crypto::HexEncode(crypto::Sha256(body)) + "\"}");
  WriteLines(LogPath(), lines);
  ExpectBroken(3, "prev does not match");
}

TEST_F(AuditLogTest, DetectsRemovedLastLinesThroughTheAnchor) {
  MakeLog(5);
  std::vector<std::string> lines = ReadLines(LogPath());
  lines.pop_back();
  WriteLines(LogPath(), lines);
  ExpectBroken(5, "removed from the end");

  // Without the anchor the shortened chain is consistent: the anchor is what detects it.
  fs::remove(AnchorPath());
  AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.anchor_seq, -1);
}

TEST_F(AuditLogTest, DetectsACutLastLineThatWasAcknowledged) {
  MakeLog(5);
  std::string text = ReadText(LogPath());
  WriteText(LogPath(), text.substr(0, text.size() - 20));
  EXPECT_TRUE(Verify().torn_tail);
  EXPECT_FALSE(Verify().unacknowledged_tail());  // the anchor records entry 5
  ExpectBroken(5, "incomplete");
}

TEST_F(AuditLogTest, DetectsATamperedAnchor) {
  MakeLog(3);
  WriteText(AnchorPath(), R"({"seq":3,"hash":")" + std::string(64, 'b') + "\"}\n");
  ExpectBroken(3, "head anchor");

  WriteText(AnchorPath(), "{\"seq\":\"three\"}\n");
  AuditVerifyReport report = Verify();
  EXPECT_EQ(report.first_bad_line, 0);
  EXPECT_NE(report.problem.find("audit.head"), std::string::npos) << report.problem;
  EXPECT_FALSE(AuditLog::Open(Dir().string(), clock_).ok());
}

TEST_F(AuditLogTest, DeletedLogIsDetectedThroughTheAnchor) {
  MakeLog(3);
  fs::remove(LogPath());
  WriteText(LogPath(), "");
  ExpectBroken(1, "removed from the end");
}

// A crash between writing a line and replacing the anchor leaves at most a torn, unacknowledged
// last line: Open cuts it off and continues the chain.
TEST_F(AuditLogTest, RecoversFromATornUnacknowledgedLine) {
  MakeLog(4);
  std::string anchor = ReadText(AnchorPath());
  std::string complete = ReadText(LogPath());
  MakeLog(1);  // entry 5
  std::string text = ReadText(LogPath());
  WriteText(AnchorPath(), anchor);
  WriteText(LogPath(), text.substr(0, complete.size() + 30));
  AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.torn_tail);
  EXPECT_TRUE(report.unacknowledged_tail());
  EXPECT_EQ(report.first_bad_line, 5);

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->entries(), 4u);
  EXPECT_EQ(ReadText(LogPath()), complete);
  ASSERT_TRUE(log->Record(Entry(5)).ok());
  log.reset();
  report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.entries, 5u);
}

TEST_F(AuditLogTest, AnchorOneBehindIsACrashAndIsRepaired) {
  MakeLog(2);
  std::string anchor = ReadText(AnchorPath());
  MakeLog(1);
  WriteText(AnchorPath(), anchor);  // the line was written, the anchor not yet replaced
  EXPECT_TRUE(Verify().ok());
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->entries(), 3u);
  EXPECT_EQ(Verify().anchor_seq, 3);
}

TEST_F(AuditLogTest, ConcurrentRecordsFormOneChain) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status status = log->Record(Entry(t * kPerThread + i));
        EXPECT_TRUE(status.ok()) << status.ToString();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(log->entries(), static_cast<uint64_t>(kThreads * kPerThread));
  std::vector<uint64_t> seqs;
  auto report = ScanAuditLog(LogPath().string(),
                             [&](const AuditLineView& line) { seqs.push_back(line.seq); });
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problem;
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST_F(AuditLogTest, RedactsPersonalData) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Record({"cli", "profile.read", "jan@example.com", ""}).ok());
  ASSERT_TRUE(log->Record({"cli", "profile.read", "c-1",
                           R"({"note":"call +48 600 123 456 now","ips":["10.0.0.1"]})"})
                  .ok());
  ASSERT_TRUE(log->Record({"cli", "export", "", R"({"jan@example.com":1})"}).ok());
  // Customer ids are 16 hex digits; one of digits only is not taken for a card number.
  ASSERT_TRUE(
      log->Record({"cli", "merge", "4111111111111111", R"({"from":["4111111111111111"]})"}).ok());
  std::string text = ReadText(LogPath());
  EXPECT_EQ(text.find("jan@"), std::string::npos) << text;
  EXPECT_EQ(text.find("600 123"), std::string::npos) << text;
  EXPECT_EQ(text.find("10.0.0.1"), std::string::npos) << text;
  std::vector<std::string> lines = ReadLines(LogPath());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(S(json::parse(lines[0]).at("customer")), "[email]");
  EXPECT_EQ(json::parse(lines[1]).at("detail"),
            json::parse(R"({"note":"call [phone] now","ips":["[ip]"]})"));
  EXPECT_EQ(json::parse(lines[2]).at("detail"), json::parse(R"({"[email]":1})"));
  EXPECT_EQ(S(json::parse(lines[3]).at("customer")), "4111111111111111");
  EXPECT_EQ(json::parse(lines[3]).at("detail"), json::parse(R"({"from":["4111111111111111"]})"));
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditLogTest, RejectsMalformedEntries) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Record({"", "x", "", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Record({"cli", "", "", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Record({"cli", "x", "", "[1]"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Record({"cli", "x", "", "{"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->entries(), 0u);
  EXPECT_TRUE(ReadText(LogPath()).empty());
}

TEST_F(AuditLogTest, UnwritableDirectoryIsAnIoError) {
  fs::path file = dir_.path() / "plain-file";
  WriteText(file, "x");
  auto under_file = AuditLog::Open((file / "audit").string(), clock_);
  ASSERT_FALSE(under_file.ok());
  EXPECT_EQ(under_file.status().code(), StatusCode::kIoError) << under_file.status().ToString();

  fs::create_directories(Dir() / "audit.log");  // the log's name is taken by a directory
  auto taken = AuditLog::Open(Dir().string(), clock_);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), StatusCode::kIoError) << taken.status().ToString();

  if (::geteuid() != 0) {  // root writes through permission bits
    fs::path locked = dir_.path() / "locked";
    fs::create_directories(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    auto denied = AuditLog::Open(locked.string(), clock_);
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(denied.status().code(), StatusCode::kIoError) << denied.status().ToString();
    fs::permissions(locked, fs::perms::owner_all);
  }
}

TEST_F(AuditLogTest, FailedWriteLeavesAValidChain) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Record(Entry(1)).ok());
  log->FailWritesAfter(0);
  EXPECT_EQ(log->Record(Entry(2)).code(), StatusCode::kIoError);
  EXPECT_EQ(log->entries(), 1u);
  log->FailWritesAfter(-1);
  ASSERT_TRUE(log->Record(Entry(3)).ok());
  EXPECT_EQ(log->entries(), 2u);
  AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.entries, 2u);
}

TEST_F(AuditLogTest, OneWriterAtATime) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  auto second = AuditLog::Open(Dir().string(), clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

TEST_F(AuditLogTest, MissingFileIsNotFound) {
  auto report = VerifyAuditLog((dir_.path() / "none" / "audit.log").string());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kNotFound);
}

TEST_F(AuditLogTest, ScanAndSyslogExport) {
  MakeLog(3);
  std::vector<std::string> syslog;
  std::vector<int64_t> times;
  auto report = ScanAuditLog(LogPath().string(), [&](const AuditLineView& line) {
    times.push_back(line.time_micros);
    syslog.push_back(AuditSyslogLine(line, "shop-1"));
  });
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(syslog.size(), 3u);
  EXPECT_EQ(times[0], kBase);
  EXPECT_EQ(times[2], kBase + 2 * kMicrosPerSecond);
  std::vector<std::string> lines = ReadLines(LogPath());
  EXPECT_EQ(syslog[1], "<110>1 2024-03-01T00:00:01.000Z shop-1 mercato - audit - " + lines[1]);
  AuditLineView view{1, kBase, "2024-03-01T00:00:00.000Z", "{}"};
  EXPECT_EQ(AuditSyslogLine(view, ""), "<110>1 2024-03-01T00:00:00.000Z - mercato - audit - {}");
  EXPECT_EQ(AuditSyslogLine(view, "a b"),
            "<110>1 2024-03-01T00:00:00.000Z a_b mercato - audit - {}");
}

}  // namespace
}  // namespace mercato
