#include "pipeline/erasure_service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "core/logging.h"
#include "core/time_format.h"
#include "privacy/crypto.h"

namespace mercato {
namespace json = boost::json;
namespace {

constexpr std::string_view kJobPrefix = "erasure/";
// How long a request waits for the profile consumer before deciding a subject is unknown.
constexpr int64_t kResolveWaitMs = 5000;
constexpr auto kPollInterval = std::chrono::milliseconds(20);

json::value TimeOrNull(int64_t micros) {
  return micros > 0 ? json::value(FormatTimestamp(micros)) : json::value(nullptr);
}

std::string Serialize(const ErasureJob& job) {
  json::object root;
  root["id"] = job.id;
  root["customerId"] = job.customer_id;
  root["state"] = job.state;
  root["requestedBy"] = job.requested_by;
  root["requestedAt"] = job.requested_at_us;
  root["completedAt"] = job.completed_at_us;
  json::array offsets;
  for (uint64_t offset : job.wait_offsets) offsets.emplace_back(offset);
  root["waitOffsets"] = std::move(offsets);
  root["error"] = job.error;
  json::object removed;
  removed["profiles"] = job.removed.profiles;
  removed["identities"] = job.removed.identities;
  removed["events"] = job.removed.events;
  removed["logRecords"] = job.removed.log_records;
  removed["dataKeysDestroyed"] = job.removed.keys_destroyed;
  root["removed"] = std::move(removed);
  json::array participants;
  for (const auto& [name, items] : job.participants) {
    participants.push_back(json::object{{"name", name}, {"items", items}});
  }
  root["participants"] = std::move(participants);
  return json::serialize(root);
}

Result<ErasureJob> Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return Status::Corruption("erasure job is not a JSON object");
  const json::object& root = value.get_object();
  ErasureJob job;
  auto string_field = [&](const char* name, std::string& out) {
    const json::value* field = root.if_contains(name);
    if (field == nullptr || !field->is_string()) return false;
    out = std::string(field->get_string());
    return true;
  };
  auto int_field = [&](const char* name, int64_t& out) {
    const json::value* field = root.if_contains(name);
    if (field == nullptr || !field->is_int64()) return false;
    out = field->get_int64();
    return true;
  };
  const json::value* offsets = root.if_contains("waitOffsets");
  if (!string_field("id", job.id) || !string_field("customerId", job.customer_id) ||
      !string_field("state", job.state) || !string_field("requestedBy", job.requested_by) ||
      !string_field("error", job.error) || !int_field("requestedAt", job.requested_at_us) ||
      !int_field("completedAt", job.completed_at_us) || offsets == nullptr ||
      !offsets->is_array()) {
    return Status::Corruption("erasure job record is malformed");
  }
  // Counts are reporting only: absent or odd values read as zero rather than failing the job.
  auto count = [](const json::object* object, const char* name) -> size_t {
    const json::value* field = object != nullptr ? object->if_contains(name) : nullptr;
    return field != nullptr && field->is_number() ? field->to_number<size_t>() : 0;
  };
  const json::value* removed = root.if_contains("removed");
  const json::object* removed_object = removed != nullptr ? removed->if_object() : nullptr;
  job.removed.customer_id = job.customer_id;
  job.removed.profiles = count(removed_object, "profiles");
  job.removed.identities = count(removed_object, "identities");
  job.removed.events = count(removed_object, "events");
  job.removed.log_records = count(removed_object, "logRecords");
  job.removed.keys_destroyed = count(removed_object, "dataKeysDestroyed");
  if (const json::value* participants = root.if_contains("participants");
      participants != nullptr && participants->is_array()) {
    for (const json::value& entry : participants->get_array()) {
      const json::object* object = entry.if_object();
      const json::value* name = object != nullptr ? object->if_contains("name") : nullptr;
      if (name == nullptr || !name->is_string()) continue;
      job.participants.emplace_back(std::string(name->get_string()), count(object, "items"));
    }
  }
  for (const json::value& offset : offsets->get_array()) {
    if (!offset.is_int64() && !offset.is_uint64()) {
      return Status::Corruption("erasure job offsets are malformed");
    }
    job.wait_offsets.push_back(offset.to_number<uint64_t>());
  }
  return job;
}

}  // namespace

std::string ErasureJob::ToApiJson() const {
  json::object root;
  root["id"] = id;
  root["customerId"] = customer_id;
  root["state"] = state;
  root["requestedAt"] = TimeOrNull(requested_at_us);
  root["completedAt"] = TimeOrNull(completed_at_us);
  if (state == "done") {
    json::object counts;
    counts["profiles"] = removed.profiles;
    counts["identities"] = removed.identities;
    counts["events"] = removed.events;
    counts["logRecords"] = removed.log_records;
    counts["dataKeysDestroyed"] = removed.keys_destroyed;
    for (const auto& [name, items] : participants) counts[name] = items;
    root["removed"] = std::move(counts);
  }
  root["error"] = error.empty() ? json::value(nullptr) : json::value(error);
  return json::serialize(root);
}

ErasureService::ErasureService(Store& store, const EventLog& log, ProfileBuilder& builder,
                               const ProfileStore& profiles, AuditLog* audit, const Clock& clock,
                               MetricsRegistry* metrics)
    : store_(store),
      log_(log),
      builder_(builder),
      profiles_(profiles),
      audit_(audit),
      clock_(clock) {
  if (metrics != nullptr) {
    completed_ = &metrics->GetCounter("mercato_erasures_total", "Erasure requests by outcome",
                                      {{"outcome", "done"}});
    failed_ = &metrics->GetCounter("mercato_erasures_total", "Erasure requests by outcome",
                                   {{"outcome", "failed"}});
  }
}

ErasureService::~ErasureService() { Stop(); }

void ErasureService::AddParticipant(ErasureParticipant* participant) {
  participants_.push_back(participant);
}

Status ErasureService::Start() {
  auto it = store_.NewIterator(Cf::kMeta);
  std::vector<std::string> unfinished;
  for (it->Seek(rocksdb::Slice(kJobPrefix.data(), kJobPrefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(kJobPrefix.data(), kJobPrefix.size()));
       it->Next()) {
    ASSIGN_OR_RETURN(ErasureJob job,
                     Parse(std::string_view(it->value().data(), it->value().size())));
    if (job.state != "done") unfinished.push_back(job.id);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "loading erasure jobs"));
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    queue_.insert(queue_.end(), unfinished.begin(), unfinished.end());
  }
  if (!unfinished.empty()) {
    LOG(INFO) << "resuming " << unfinished.size() << " erasure job(s)";
  }
  worker_ = std::thread([this] { WorkerLoop(); });
  return Status::Ok();
}

void ErasureService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool ErasureService::CaughtUp(const std::vector<uint64_t>& offsets) const {
  std::vector<uint64_t> cursors = builder_.Cursors();
  for (size_t partition = 0; partition < offsets.size() && partition < cursors.size();
       ++partition) {
    if (cursors[partition] < offsets[partition]) return false;
  }
  return true;
}

Result<ErasureJob> ErasureService::Request(std::string_view subject, const std::string& actor) {
  std::vector<uint64_t> offsets(log_.partitions());
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
    offsets[partition] = log_.EndOffset(partition);
  }
  auto customer = profiles_.Resolve(subject);
  if (!customer.ok() && customer.status().code() == StatusCode::kNotFound) {
    // The subject's first events may still be on their way through the consumer.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kResolveWaitMs);
    while (!CaughtUp(offsets) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kPollInterval);
    }
    customer = profiles_.Resolve(subject);
  }
  if (!customer.ok()) {
    if (customer.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no customer is known by that identity");
    }
    return customer.status();
  }
  ErasureJob job;
  ASSIGN_OR_RETURN(std::string random, crypto::RandomBytes(8));
  job.id = "er_" + crypto::HexEncode(random);
  job.customer_id = std::move(customer).value();
  job.state = "pending";
  job.requested_by = actor;
  job.requested_at_us = clock_.NowMicros();
  job.wait_offsets = std::move(offsets);
  RETURN_IF_ERROR(Save(job));
  Audit(actor, "privacy.erasure.requested", job);
  {
    std::lock_guard lock(mu_);
    queue_.push_back(job.id);
  }
  cv_.notify_all();
  return job;
}

Result<ErasureJob> ErasureService::Get(std::string_view job_id) const {
  if (job_id.size() > 64) return Status::NotFound("no erasure request with that id");
  auto stored = store_.Get(Cf::kMeta, std::string(kJobPrefix) + std::string(job_id));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no erasure request with that id");
    }
    return stored.status();
  }
  return Parse(*stored);
}

Result<std::vector<ErasureJob>> ErasureService::List(size_t limit) const {
  const auto newer = [](const ErasureJob& a, const ErasureJob& b) {
    return a.requested_at_us != b.requested_at_us ? a.requested_at_us > b.requested_at_us
                                                  : a.id < b.id;
  };
  // A heap of the `limit` newest seen so far, the oldest of them on top.
  std::vector<ErasureJob> newest;
  if (limit == 0) return newest;
  const rocksdb::Slice prefix(kJobPrefix.data(), kJobPrefix.size());
  auto it = store_.NewIterator(Cf::kMeta);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ASSIGN_OR_RETURN(ErasureJob job, Parse(it->value().ToStringView()));
    if (newest.size() == limit) {
      if (!newer(job, newest.front())) continue;
      std::pop_heap(newest.begin(), newest.end(), newer);
      newest.back() = std::move(job);
    } else {
      newest.push_back(std::move(job));
    }
    std::push_heap(newest.begin(), newest.end(), newer);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing erasure jobs"));
  std::sort_heap(newest.begin(), newest.end(), newer);
  return newest;
}

Result<ErasureJob> ErasureService::Wait(std::string_view job_id, int64_t timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    ASSIGN_OR_RETURN(ErasureJob job, Get(job_id));
    if (job.state == "done" || job.state == "failed") return job;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("erasure " + std::string(job_id) + " is still " + job.state);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPollInterval);
  }
}

Status ErasureService::Save(const ErasureJob& job) {
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kMeta), std::string(kJobPrefix) + job.id, Serialize(job));
  return store_.Write(batch, /*sync=*/true);
}

void ErasureService::Audit(const std::string& actor, const std::string& action,
                           const ErasureJob& job) {
  if (audit_ == nullptr) return;
  json::object detail;
  detail["erasure"] = job.id;
  detail["state"] = job.state;
  if (!job.error.empty()) detail["error"] = job.error;
  if (job.state == "done") {
    detail["profiles"] = job.removed.profiles;
    detail["identities"] = job.removed.identities;
    detail["events"] = job.removed.events;
    detail["logRecords"] = job.removed.log_records;
    detail["dataKeysDestroyed"] = job.removed.keys_destroyed;
  }
  Status status =
      audit_->Record(AuditEntry{actor, action, job.customer_id, json::serialize(detail)});
  if (!status.ok()) {
    LOG(ERROR) << "audit record failed: " << status.ToString();
  }
}

Status ErasureService::Run(ErasureJob& job) {
  // 1. Everything acknowledged before the request has reached the profiles.
  while (!CaughtUp(job.wait_offsets)) {
    std::unique_lock lock(mu_);
    if (stopping_) return Status::Unavailable("stopping");
    cv_.wait_for(lock, kPollInterval);
  }
  job.state = "erasing";
  RETURN_IF_ERROR(Save(job));
  // 2. Participants first (they may still need the profile), then the profile module.
  job.participants.clear();
  for (ErasureParticipant* participant : participants_) {
    ASSIGN_OR_RETURN(size_t items, participant->EraseCustomer(job.customer_id));
    job.participants.emplace_back(std::string(participant->name()), items);
  }
  auto removed = builder_.Erase(job.customer_id);
  if (removed.ok()) {
    job.removed = std::move(removed).value();
  } else if (removed.status().code() != StatusCode::kNotFound) {
    return removed.status();
  }  // NotFound: erased by an earlier run of this job (resumed after a crash)
  job.state = "compacting";
  RETURN_IF_ERROR(Save(job));
  // 3. Deleted records leave the files.
  RETURN_IF_ERROR(store_.CompactAll());
  job.state = "done";
  job.completed_at_us = clock_.NowMicros();
  return Save(job);
}

void ErasureService::WorkerLoop() {
  while (true) {
    std::string id;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
    }
    auto job = Get(id);
    if (!job.ok()) {
      LOG(ERROR) << "erasure " << id << ": " << job.status().ToString();
      continue;
    }
    Status status = Run(*job);
    if (status.code() == StatusCode::kUnavailable) return;  // stopping; resumed at next start
    if (!status.ok()) {
      job->state = "failed";
      job->error = status.ToString();
      if (failed_ != nullptr) failed_->Inc();
      LOG(ERROR) << "erasure " << id << " failed: " << status.ToString();
      if (Status saved = Save(*job); !saved.ok()) {
        LOG(ERROR) << saved.ToString();
      }
    } else if (completed_ != nullptr) {
      completed_->Inc();
    }
    Audit("system", job->state == "done" ? "privacy.erasure.done" : "privacy.erasure.failed", *job);
    cv_.notify_all();
  }
}

}  // namespace mercato
