#pragma once
// CommitJournal: the record made at the SMTP commit point (channel/smtp_session.h), kept in a
// small append-only file beside the store instead of in it.
//
// Why not the store: between the record and the send of the end mark's last CRLF, a crash loses
// the message (recorded as sent, never ended). A RocksDB write returns only after the memtable
// insert and, when another thread leads the write group, after a wake-up: from microseconds to
// milliseconds on a busy machine, all inside that window. One write(2) to this file leaves the
// return from that call and the entry into send(2) — about a microsecond.
//
// Format: one line per record, "C <key>\n" (committed) or "A <key>\n" (the server refused after
// the commit point; the message will be retried). Keys never hold '\n' or '\r' (refused). A last
// line without its '\n' was cut inside write(2) by the crash: that record was not made, and the
// send that follows it did not happen.
//
// Recovery: Open reads the file; recovered() lists the keys committed and not aborted, oldest
// first. The owner records them in the store as sent-but-unconfirmed ("in doubt": the server
// has the message unless the crash fell inside the window) and then calls Clear.
//
// Durability: like a RocksDB write without sync, it survives the death of the process, not of
// the machine.
//
// Thread safety: not thread-safe; one journal per delivery worker.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato {

class CommitJournal {
 public:
  // Opens (creating if needed) the journal at `path`. An empty path keeps it in memory: for
  // tests that never kill the process.
  static Result<std::unique_ptr<CommitJournal>> Open(const std::string& path);
  ~CommitJournal();
  CommitJournal(const CommitJournal&) = delete;
  CommitJournal& operator=(const CommitJournal&) = delete;

  // Keys committed and not aborted when the journal was opened.
  const std::vector<std::string>& recovered() const { return recovered_; }

  // Appends the record with one write(2). InvalidArgument for a key holding a line break.
  Status Commit(std::string_view key);
  Status Abort(std::string_view key);
  // Empties the journal. Call it only when the outcome of every committed key is in the store.
  Status Clear();
  bool empty() const { return size_ == 0; }

 private:
  CommitJournal() = default;
  Status Append(char kind, std::string_view key);

  int fd_ = -1;  // -1: in memory
  std::string path_;
  size_t size_ = 0;
  std::vector<std::string> recovered_;
};

// The keys committed and not aborted in journal text (Open's parser; exposed for tests).
std::vector<std::string> ParseCommitJournal(std::string_view text);

}  // namespace mercato
