#pragma once
// JourneyStore: journey definitions and their versions in the journeys column family.
//
// Keys (docs/formats/keys.md):
//   "d/" + id                      -> the record (JourneyRecord::Serialize)
//   "v/" + id + "/" + be64(version) -> the canonical definition of that version (never changed)
//
// Life cycle: Create stores version 1 as a draft; Update stores a new version when the canonical
// definition changes (an identical one changes nothing); Activate and Pause switch the status;
// Delete removes a journey that was never activated (one that ran is paused instead, so the
// versions its customers entered with stay readable). Customers in a journey stay on the version
// they entered with; new entries use the current version.
//
// Thread safety: safe from any thread; writes are serialised by one mutex so that read-modify-
// write of a record is atomic with respect to this object. Each write is one synced WriteBatch.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "journey/definition.h"
#include "storage/store.h"

namespace mercato::journey {

enum class JourneyStatus { kDraft, kActive, kPaused };
// "draft", "active", "paused".
std::string_view JourneyStatusName(JourneyStatus status);

struct JourneyRecord {
  std::string id;
  std::string name;
  JourneyStatus status = JourneyStatus::kDraft;
  uint64_t version = 1;  // the current version
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
  int64_t activated_at_us = 0;  // the first activation; 0 = never

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 record.
  static Result<JourneyRecord> Parse(std::string_view stored);
};

// The whole of a journey as the nodes of a cluster share it (compaction keeps only the last record
// of a key, so every version travels with the record): the record and the canonical definition of
// every version, `versions[i]` being version i + 1.
struct JourneyReplica {
  JourneyRecord record;
  std::vector<std::string> versions;

  std::string Serialize() const;
  // InvalidArgument when `text` is not a replica: malformed, a record that does not parse, a
  // version count other than record.version, or a version that does not parse or names another id.
  static Result<JourneyReplica> Parse(std::string_view text);
};

struct StoredJourney {
  JourneyRecord record;
  JourneyDefinition definition;  // of the version asked for
  uint64_t definition_version = 0;
};

class JourneyStore {
 public:
  // Checks made at activation that need other modules (segments, templates, endpoints exist);
  // an error status refuses the activation with that status.
  using ReferenceCheck = std::function<Status(const JourneyDefinition&)>;

  JourneyStore(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // AlreadyExists when the id is taken.
  Result<JourneyRecord> Create(const JourneyDefinition& definition);
  // NotFound for an unknown id. The definition's id must equal `id` (InvalidArgument). Returns
  // the record, whose version grew by one unless the canonical definition is unchanged.
  Result<JourneyRecord> Update(std::string_view id, const JourneyDefinition& definition);
  // `version` 0 = the current one. NotFound for an unknown id or version.
  Result<StoredJourney> Get(std::string_view id, uint64_t version = 0) const;
  // Every record in id order.
  Result<std::vector<JourneyRecord>> List() const;
  // Runs `check` on the current definition first (when given); activating an active journey
  // changes nothing.
  Result<JourneyRecord> Activate(std::string_view id, const ReferenceCheck& check = {});
  // FailedPrecondition unless active.
  Result<JourneyRecord> Pause(std::string_view id);
  // FailedPrecondition once it has been activated; NotFound when absent.
  Status Delete(std::string_view id);
  // The journey as a replica (every version). NotFound for an unknown id.
  Result<JourneyReplica> Export(std::string_view id) const;
  // Makes the journey exactly `replica` (a replica from another node, or one exported before a
  // change being undone): its record, its versions 1..n, and no version above n. A stored journey
  // equal to it is left alone (the generation does not move). InvalidArgument as
  // JourneyReplica::Parse when the replica is inconsistent.
  Status Import(const JourneyReplica& replica);
  // Removes a journey whatever its status (a deletion shared by another node, or undoing a
  // creation). Removing an absent journey changes nothing.
  Status Remove(std::string_view id);

  // Grows after every successful write: the engine reloads definitions when it changes.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  Result<JourneyRecord> ReadRecord(std::string_view id) const;
  Status WriteRecord(const JourneyRecord& record, const std::string* definition_json);
  // Deletes the record and every version; write_mu_ held.
  Status EraseLocked(const JourneyRecord& record);

  Store& store_;
  const Clock& clock_;
  std::mutex write_mu_;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace mercato::journey
