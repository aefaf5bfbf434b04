// CommitJournal (commit_journal.h): one line per record, written with one write(2).

#include "pipeline/commit_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mercato {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError(std::string(what) + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::vector<std::string> ParseCommitJournal(std::string_view text) {
  std::vector<std::string> committed;
  size_t start = 0;
  for (size_t end = text.find('\n'); end != std::string_view::npos;
       start = end + 1, end = text.find('\n', start)) {
    const std::string_view line = text.substr(start, end - start);
    if (line.size() < 3 || line[1] != ' ') continue;  // not a record this version writes
    const std::string key(line.substr(2));
    if (line[0] == 'C') {
      committed.push_back(key);
    } else if (line[0] == 'A') {
      // The latest commit of the key is undone (a key is committed again only after an abort).
      auto found = std::find(committed.rbegin(), committed.rend(), key);
      if (found != committed.rend()) committed.erase(std::next(found).base());
    }
  }
  // What follows the last '\n' was cut inside write(2): not a record.
  return committed;
}

Result<std::unique_ptr<CommitJournal>> CommitJournal::Open(const std::string& path) {
  std::unique_ptr<CommitJournal> journal(new CommitJournal());
  journal->path_ = path;
  if (path.empty()) return journal;
  journal->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal->fd_ < 0) return Errno("opening the commit journal", path);
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(journal->fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Errno("reading the commit journal", path);
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  // A line cut inside write(2) by a crash is not a record: drop it, so that the next record
  // starts a line of its own.
  const size_t whole = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (whole < text.size() && ::ftruncate(journal->fd_, static_cast<off_t>(whole)) != 0) {
    return Errno("repairing the commit journal", path);
  }
  text.resize(whole);
  journal->size_ = text.size();
  journal->recovered_ = ParseCommitJournal(text);
  return journal;
}

CommitJournal::~CommitJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Status CommitJournal::Commit(std::string_view key) { return Append('C', key); }

Status CommitJournal::Abort(std::string_view key) { return Append('A', key); }

Status CommitJournal::Append(char kind, std::string_view key) {
  if (key.empty() || key.find_first_of("\r\n") != std::string_view::npos) {
    return Status::InvalidArgument("a commit journal key must be one non-empty line");
  }
  std::string line;
  line.reserve(key.size() + 3);
  line.push_back(kind);
  line.push_back(' ');
  line.append(key);
  line.push_back('\n');
  if (fd_ >= 0) {
    // One call: O_APPEND places it whole at the end; a short write means the disk is full.
    ssize_t written = 0;
    do {
      written = ::write(fd_, line.data(), line.size());
    } while (written < 0 && errno == EINTR);
    if (written < 0) return Errno("writing the commit journal", path_);
    if (static_cast<size_t>(written) != line.size()) {
      // Cut the partial line off so that the next record starts a line of its own.
      (void)::ftruncate(fd_, static_cast<off_t>(size_));
      return Status::IoError("the commit journal " + path_ + " is full");
    }
  }
  size_ += line.size();
  return Status::Ok();
}

Status CommitJournal::Clear() {
  if (size_ == 0) return Status::Ok();
  if (fd_ >= 0 && ::ftruncate(fd_, 0) != 0) return Errno("clearing the commit journal", path_);
  size_ = 0;
  recovered_.clear();
  return Status::Ok();
}

}  // namespace mercato
