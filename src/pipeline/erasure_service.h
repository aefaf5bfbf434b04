#pragma once
// ErasureService: asynchronous erasure requests (POST /v1/privacy/erasure) carried out end to end.
//
// A request names a customer by any identity (userId, anonymousId, e-mail or customer id); it is
// resolved to the customer id at once (waiting briefly for the profile consumer to catch up, so an
// identity sent a moment ago is found) and persisted as a job holding only that id — never the
// identity it was asked by. The worker then
//   1. waits until the profile consumer has processed every log record that existed at request
//      time (so nothing of the customer acknowledged before the request is left behind),
//   2. runs the registered participants (segments, journeys, queued messages, audiences, ... —
//      each module that keeps per-customer state registers one), then ProfileBuilder::Erase, which
//      destroys the customer's data keys and deletes its profile, identities, history and log
//      records,
//   3. compacts the store so that deleted records leave the files,
// recording each step in the job and in the audit log. Jobs survive restarts: unfinished ones are
// resumed at Start. Job states: pending -> erasing -> compacting -> done, or failed (with the
// error; a failed job is retried at the next start).
//
// Thread safety: all public methods are safe from any thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "privacy/audit_log.h"
#include "profile/customer_erasure.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato {

// A module holding per-customer state outside the profile module's column families.
class ErasureParticipant {
 public:
  virtual ~ErasureParticipant() = default;
  virtual std::string_view name() const = 0;
  // Removes everything the module holds about `customer_id`; returns how many items went.
  virtual Result<size_t> EraseCustomer(std::string_view customer_id) = 0;
};

struct ErasureJob {
  std::string id;  // "er_" + 16 hex digits
  std::string customer_id;
  std::string state;  // pending, erasing, compacting, done, failed
  std::string requested_by;
  int64_t requested_at_us = 0;
  int64_t completed_at_us = 0;         // 0 until done
  std::vector<uint64_t> wait_offsets;  // the log's end offsets at request time
  CustomerErasure removed;
  std::vector<std::pair<std::string, size_t>> participants;  // name -> items removed
  std::string error;

  // The status document of GET /v1/privacy/erasure/{id} (docs/privacy.md).
  std::string ToApiJson() const;
};

class ErasureService {
 public:
  // `audit` and `metrics` may be null. All references must outlive the service.
  ErasureService(Store& store, const EventLog& log, ProfileBuilder& builder,
                 const ProfileStore& profiles, AuditLog* audit, const Clock& clock,
                 MetricsRegistry* metrics);
  ~ErasureService();

  // Before Start.
  void AddParticipant(ErasureParticipant* participant);
  // Loads unfinished jobs and starts the worker.
  Status Start();
  void Stop();

  // Accepts an erasure of the customer `subject` resolves to. NotFound when no customer is known
  // by it; IoError when the job cannot be persisted.
  Result<ErasureJob> Request(std::string_view subject, const std::string& actor);
  // NotFound for an unknown job id.
  Result<ErasureJob> Get(std::string_view job_id) const;
  // Up to `limit` jobs, the most recently requested first (equal times by id). Reads every stored
  // job (one per request ever made, a few hundred bytes each; ids are random, so there is no
  // order to seek by). IoError or Corruption when a job cannot be read.
  Result<std::vector<ErasureJob>> List(size_t limit) const;
  // Blocks until the job is done or failed, or `timeout_ms` passes (then Unavailable).
  Result<ErasureJob> Wait(std::string_view job_id, int64_t timeout_ms) const;

 private:
  void WorkerLoop();
  Status Run(ErasureJob& job);
  Status Save(const ErasureJob& job);
  bool CaughtUp(const std::vector<uint64_t>& offsets) const;
  void Audit(const std::string& actor, const std::string& action, const ErasureJob& job);

  Store& store_;
  const EventLog& log_;
  ProfileBuilder& builder_;
  const ProfileStore& profiles_;
  AuditLog* const audit_;
  const Clock& clock_;
  Counter* completed_ = nullptr;
  Counter* failed_ = nullptr;
  std::vector<ErasureParticipant*> participants_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<std::string> queue_;  // job ids to run
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mercato
