// The SMTP commit journal: what a reopened journal recovers, torn records, aborts, clearing.

#include "pipeline/commit_journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace mercato {
namespace {

using Keys = std::vector<std::string>;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CommitJournalTest, ReopenedJournalRecoversCommitsNotAborted) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "commits").string();
  {
    auto journal = CommitJournal::Open(path);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    EXPECT_TRUE((*journal)->recovered().empty());
    ASSERT_TRUE((*journal)->Commit("j/c1/1/1/one").ok());
    ASSERT_TRUE((*journal)->Commit("j/c2/1/1/one").ok());
    ASSERT_TRUE((*journal)->Abort("j/c1/1/1/one").ok());
    ASSERT_TRUE((*journal)->Commit("j/c3/1/1/one").ok());
    EXPECT_FALSE((*journal)->empty());
  }  // the process "dies" here: nothing else is written
  auto reopened = CommitJournal::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->recovered(), (Keys{"j/c2/1/1/one", "j/c3/1/1/one"}));
}

TEST(CommitJournalTest, AKeyCommittedAgainAfterAnAbortIsRecovered) {
  EXPECT_EQ(ParseCommitJournal("C k\nA k\nC k\n"), Keys{"k"});
  EXPECT_EQ(ParseCommitJournal("C k\nA k\n"), Keys{});
  EXPECT_EQ(ParseCommitJournal("A k\nC k\n"), Keys{"k"});  // an abort never undoes a later commit
}

TEST(CommitJournalTest, ALineCutByACrashIsNoRecordAndIsRemoved) {
  EXPECT_EQ(ParseCommitJournal("C a\nC b"), Keys{"a"});
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "commits";
  std::ofstream(path, std::ios::binary) << "C a\nC b";
  {
    auto journal = CommitJournal::Open(path.string());
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    EXPECT_EQ((*journal)->recovered(), Keys{"a"});
    // The next record starts its own line instead of completing the cut one.
    ASSERT_TRUE((*journal)->Commit("c").ok());
  }
  EXPECT_EQ(ReadFile(path), "C a\nC c\n");
  auto reopened = CommitJournal::Open(path.string());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->recovered(), (Keys{"a", "c"}));
}

TEST(CommitJournalTest, ClearEmptiesTheFile) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "commits";
  auto journal = CommitJournal::Open(path.string());
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE((*journal)->Commit("k").ok());
  EXPECT_GT(std::filesystem::file_size(path), 0u);
  ASSERT_TRUE((*journal)->Clear().ok());
  EXPECT_TRUE((*journal)->empty());
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  ASSERT_TRUE((*journal)->Commit("m").ok());  // appends at the new end
  EXPECT_EQ(ReadFile(path), "C m\n");
}

TEST(CommitJournalTest, RefusesKeysThatAreNotOneLine) {
  auto journal = CommitJournal::Open("");
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ((*journal)->Commit("a\nC b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*journal)->Commit("a\r").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*journal)->Commit("").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*journal)->empty());
  EXPECT_TRUE((*journal)->Commit("ok").ok());
  EXPECT_FALSE((*journal)->empty());
}

TEST(CommitJournalTest, AnUnusableDirectoryIsAnError) {
  testing::TempDir dir;
  auto journal = CommitJournal::Open((dir.path() / "missing" / "commits").string());
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace mercato
