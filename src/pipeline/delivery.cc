// DeliveryWorker (delivery.h): the outbox loop, outcomes, retries and dead letters.

#include "pipeline/delivery.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/big_endian.h"
#include "core/hash.h"
#include "core/logging.h"
#include "event/event.h"
#include "journey/engine_keys.h"
#include "pipeline/delivery_guards.h"
#include "pipeline/delivery_render.h"
#include "pipeline/journey_support.h"
#include "privacy/crypto.h"

namespace mercato {
namespace {

namespace json = boost::json;
using journey::OutboxMessage;

void AddCounter(Store& store, rocksdb::WriteBatch& batch, const OutboxMessage& message,
                std::string_view counter) {
  if (message.journey.empty()) return;  // a privacy removal: no journey to count for
  const std::string key =
      journey::DeliveryCounterKey(message.journey, message.step, message.variant, counter);
  uint64_t value = 0;
  if (Result<std::string> stored = store.Get(Cf::kOutbox, key);
      stored.ok() && stored->size() == 8) {
    value = GetFixed64BE(*stored);
  }
  std::string encoded;
  PutFixed64BE(encoded, value + 1);
  batch.Put(store.cf(Cf::kOutbox), key, encoded);
}

}  // namespace

struct DeliveryWorker::Outcome {
  enum class Kind { kDelivered, kSkipped, kDeferred, kTransient, kPermanent };
  Kind kind = Kind::kTransient;
  std::string detail;           // skipped: the guard; failures: the receiver's error
  int64_t at_us = 0;            // deferred: when to try again; transient: Retry-After (0: none)
  bool hard_bounce = false;     // a permanent e-mail refusal: suppress e-mail
  std::string customer;         // the live customer id the message went to
  std::string audience_member;  // a delivered audience addition: the identifiers added
};

std::string UnsubscribeSecret(std::string_view pseudonym_key) {
  return crypto::HexEncode(crypto::HmacSha256(pseudonym_key, "mercato unsubscribe v1"));
}

std::string TrackingSecret(std::string_view pseudonym_key) {
  return crypto::HexEncode(crypto::HmacSha256(pseudonym_key, "mercato tracking v1"));
}

std::string UnsubscribeToken(std::string_view secret, std::string_view customer,
                             std::string_view channel) {
  std::string payload = std::string(customer) + "." + std::string(channel);
  return payload + "." + crypto::HexEncode(crypto::HmacSha256(secret, payload));
}

Result<std::pair<std::string, std::string>> VerifyUnsubscribeToken(std::string_view secret,
                                                                   std::string_view token) {
  const size_t first = token.find('.');
  const size_t last = token.rfind('.');
  const Status bad = Status::InvalidArgument("the unsubscribe token is not valid");
  if (first == std::string_view::npos || first == last || secret.empty()) return bad;
  const std::string_view customer = token.substr(0, first);
  const std::string_view channel = token.substr(first + 1, last - first - 1);
  if (customer.empty() || channel.empty() ||
      !crypto::ConstantTimeEquals(UnsubscribeToken(secret, customer, channel), token)) {
    return bad;
  }
  return std::make_pair(std::string(customer), std::string(channel));
}

DeliveryWorker::DeliveryWorker(Store& store, EventLog* log, const ProfileStore& profiles,
                               const content::TemplateStore& templates,
                               DeliveryTransport& transport, const Clock& clock,
                               MetricsRegistry* metrics, DeliveryOptions options)
    : store_(store),
      log_(log),
      profiles_(profiles),
      templates_(templates),
      transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      jitter_(options_.jitter_seed) {
  if (metrics != nullptr) {
    const std::string name = "mercato_delivery_messages_total";
    const std::string help = "Outbox messages by outcome";
    sent_ = &metrics->GetCounter(name, help, {{"outcome", "delivered"}});
    retried_ = &metrics->GetCounter(name, help, {{"outcome", "retried"}});
    dead_ = &metrics->GetCounter(name, help, {{"outcome", "dead"}});
    skipped_ = &metrics->GetCounter(name, help, {{"outcome", "skipped"}});
    in_doubt_ = &metrics->GetCounter(
        "mercato_delivery_in_doubt_total",
        "E-mails recorded at the SMTP commit point whose reply a crash cut off", {});
  }
}

Status DeliveryWorker::RecoverCommits(int64_t now_us) {
  ASSIGN_OR_RETURN(std::unique_ptr<CommitJournal> journal,
                   CommitJournal::Open(options_.commit_journal_path));
  rocksdb::WriteBatch batch;
  for (const std::string& key : journal->recovered()) {
    Result<std::string> done = store_.Get(Cf::kOutbox, journey::DeliveredKey(key));
    if (done.ok()) continue;  // its outcome was recorded before the crash
    if (done.status().code() != StatusCode::kNotFound) return done.status();
    json::object record{{"outcome", "unconfirmed"}, {"detail", ""}, {"at", now_us}};
    batch.Put(store_.cf(Cf::kOutbox), journey::DeliveredKey(key), json::serialize(record));
  }
  if (batch.Count() > 0) RETURN_IF_ERROR(store_.Write(batch, /*sync=*/false));
  RETURN_IF_ERROR(journal->Clear());
  journal_ = std::move(journal);
  return Status::Ok();
}

Result<size_t> DeliveryWorker::Step(size_t max_messages) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMicros();
  if (journal_ == nullptr) RETURN_IF_ERROR(RecoverCommits(now));
  struct Due {
    std::string stored_key;
    std::string value;
  };
  std::vector<Due> due;
  auto it = store_.NewIterator(Cf::kOutbox);
  for (it->Seek(journey::kOutboxPrefix);
       it->Valid() && it->key().starts_with(journey::kOutboxPrefix) && due.size() < max_messages;
       it->Next()) {
    int64_t at = 0;
    std::string_view key;
    if (!journey::ParseOutboxKey(it->key().ToStringView(), at, key)) {
      return Status::Corruption("an outbox key is malformed");
    }
    if (at > now) break;
    due.push_back(Due{it->key().ToString(), it->value().ToString()});
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the outbox"));
  for (const Due& item : due) {
    Result<OutboxMessage> message = OutboxMessage::Parse(item.value);
    if (!message.ok()) {
      // Kept aside, not retried forever: a dead letter under the stored key.
      rocksdb::WriteBatch batch;
      batch.Delete(store_.cf(Cf::kOutbox), item.stored_key);
      batch.Put(store_.cf(Cf::kOutbox),
                std::string(journey::kDeadLetterPrefix) + "malformed/" + item.stored_key,
                item.value);
      RETURN_IF_ERROR(store_.Write(batch, false));
      continue;
    }
    // 1. A key already finished is never handled again. One left "unconfirmed" was cut off by a
    // crash after the SMTP commit point: the server has the message unless the crash fell
    // between the record and the end mark's last CRLF, so it is counted as in doubt as well.
    Result<std::string> done = store_.Get(Cf::kOutbox, journey::DeliveredKey(message->key));
    if (done.ok()) {
      rocksdb::WriteBatch batch;
      batch.Delete(store_.cf(Cf::kOutbox), item.stored_key);
      boost::system::error_code ec;
      const json::value record = json::parse(*done, ec);
      const json::object* fields = ec ? nullptr : record.if_object();
      const json::value* outcome = fields != nullptr ? fields->if_contains("outcome") : nullptr;
      if (outcome == nullptr || *outcome != "unconfirmed") {
        // A replay of a finished message (after a crash, or on a partition's new owner).
        AddCounter(store_, batch, *message, "already_finished");
      } else {
        json::object record{{"outcome", "delivered"},
                            {"detail",
                             "in doubt: stopped after the commit point, before the "
                             "server's reply"},
                            {"at", now},
                            {"attempts", static_cast<int64_t>(message->attempts + 1)}};
        batch.Put(store_.cf(Cf::kOutbox), journey::DeliveredKey(message->key),
                  json::serialize(record));
        AddCounter(store_, batch, *message, "sent");
        AddCounter(store_, batch, *message, "in_doubt");
        if (sent_ != nullptr) sent_->Inc();
        if (in_doubt_ != nullptr) in_doubt_->Inc();
      }
      RETURN_IF_ERROR(store_.Write(batch, false));
      continue;
    }
    if (done.status().code() != StatusCode::kNotFound) return done.status();
    if (options_.may_deliver && !options_.may_deliver(message->customer)) {
      Outcome wait;
      wait.kind = Outcome::Kind::kDeferred;
      wait.detail = "not_owner";
      wait.at_us = now + options_.not_owner_defer_us;
      RETURN_IF_ERROR(Record(*message, item.stored_key, wait, now));
      continue;
    }
    ASSIGN_OR_RETURN(Outcome outcome, Deliver(*message, now));
    RETURN_IF_ERROR(Record(*message, item.stored_key, outcome, now));
  }
  return due.size();
}

Result<DeliveryWorker::Outcome> DeliveryWorker::Deliver(const OutboxMessage& message,
                                                        int64_t now_us) {
  Outcome outcome;
  // A privacy removal (no journey) needs no profile, which may be erased, and no guard holds it.
  std::string customer = message.customer;
  if (!message.journey.empty()) {
    Result<std::string> resolved = profiles_.Resolve(message.customer);
    if (!resolved.ok()) {
      if (resolved.status().code() != StatusCode::kNotFound) return resolved.status();
      outcome.kind = Outcome::Kind::kSkipped;
      outcome.detail = "customer_gone";
      return outcome;
    }
    customer = std::move(*resolved);
    int64_t defer_until = 0;
    ASSIGN_OR_RETURN(std::string refused, Guard(message, customer, now_us, defer_until));
    if (defer_until > now_us) {
      outcome.kind = Outcome::Kind::kDeferred;
      outcome.detail = refused;
      outcome.at_us = defer_until;
      return outcome;
    }
    if (!refused.empty()) {
      outcome.kind = Outcome::Kind::kSkipped;
      outcome.detail = refused;
      return outcome;
    }
  }
  outcome.customer = customer;
  RenderContext context{store_, log_, profiles_, templates_, transport_, options_, *journal_, {}};
  if (options_.announce_finished && log_ != nullptr) {
    context.announce_commit = [this, now_us](const OutboxMessage& sending) {
      return Announce(sending, "committed", now_us);
    };
  }
  ASSIGN_OR_RETURN(SendOutcome sent, SendMessage(context, message, customer, now_us));
  outcome.audience_member = std::move(sent.audience_member);
  switch (sent.kind) {
    case SendOutcome::Kind::kDelivered:
      outcome.kind = Outcome::Kind::kDelivered;
      break;
    case SendOutcome::Kind::kSkipped:
      outcome.kind = Outcome::Kind::kSkipped;
      break;
    case SendOutcome::Kind::kTransient:
      outcome.kind = Outcome::Kind::kTransient;
      outcome.at_us = sent.retry_after_s >= 0 ? now_us + sent.retry_after_s * kMicrosPerSecond : 0;
      break;
    case SendOutcome::Kind::kPermanent:
      outcome.kind = Outcome::Kind::kPermanent;
      outcome.hard_bounce = sent.hard_bounce;
      break;
  }
  outcome.detail = std::move(sent.detail);
  return outcome;
}

Result<std::string> DeliveryWorker::Guard(const OutboxMessage& message, std::string_view customer,
                                          int64_t now_us, int64_t& defer_until) {
  GuardContext context{store_, options_};
  ASSIGN_OR_RETURN(std::string refused,
                   CheckGuards(context, message, customer, now_us, defer_until));
  if (!refused.empty() || defer_until > now_us || !message.channel ||
      options_.journey_sends_per_second == 0) {
    return refused;
  }
  // The journey's send rate: a fixed one-second window per journey.
  auto& [second, sends] = rate_[message.journey];
  const int64_t this_second = now_us / kMicrosPerSecond;
  if (second != this_second) {
    second = this_second;
    sends = 0;
  }
  if (sends >= options_.journey_sends_per_second) {
    defer_until = (this_second + 1) * kMicrosPerSecond;
    return std::string("rate");
  }
  ++sends;
  return refused;
}

Status DeliveryWorker::Announce(const OutboxMessage& message, std::string_view result,
                                int64_t now_us) {
  json::object event{{"type", "track"},
                     {"event", kMessageFinishedEvent},
                     {"properties", json::object{{"key", message.key}, {"outcome", result}}}};
  // One id per key and kind: a repeated announcement is one event.
  const std::string message_id = std::string(result == "committed" ? "com-" : "fin-") +
                                 std::to_string(Hash64(message.key, 1)) + "-" +
                                 std::to_string(Hash64(message.key, 2));
  Status appended = AppendCustomerEvent(store_, *log_, message.customer, std::move(event),
                                        message_id, kJourneySystemSource, now_us);
  // No profile or no identity: no event can be routed, and no other node has the customer.
  if (appended.code() == StatusCode::kNotFound ||
      appended.code() == StatusCode::kFailedPrecondition) {
    return Status::Ok();
  }
  return appended;
}

void DeliveryWorker::AnnounceFinished(const OutboxMessage& message, const Outcome& outcome,
                                      int64_t now_us) {
  const char* result = outcome.kind == Outcome::Kind::kDelivered ? "delivered"
                       : outcome.kind == Outcome::Kind::kSkipped ? "skipped"
                                                                 : "dead";
  // Not fatal: the message is finished here. Without the announcement a node that takes this
  // customer over could send it again (docs/operations.md, "Failure behaviour").
  if (Status announced = Announce(message, result, now_us); !announced.ok()) {
    LOG(WARNING) << "delivery: could not announce " << message.key
                 << " as finished: " << announced.ToString();
  }
}

Status DeliveryWorker::Record(const OutboxMessage& message, std::string_view stored_key,
                              const Outcome& outcome, int64_t now_us) {
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(Cf::kOutbox), stored_key);
  OutboxMessage next = message;
  auto finish = [&](std::string_view result, std::string_view detail, uint32_t attempts) {
    json::object record{{"outcome", result},
                        {"detail", detail},
                        {"at", now_us},
                        {"attempts", static_cast<int64_t>(attempts)}};
    batch.Put(store_.cf(Cf::kOutbox), journey::DeliveredKey(message.key), json::serialize(record));
  };
  switch (outcome.kind) {
    case Outcome::Kind::kDelivered:
      finish("delivered", "", message.attempts + 1);
      AddCounter(store_, batch, message, "sent");
      if (message.channel && !message.journey.empty()) {
        RecordSend(store_, batch, message.customer, journey::ChannelName(*message.channel), now_us,
                   options_);
      }
      RETURN_IF_ERROR(RecordMembership(message, outcome, now_us, batch));
      if (sent_ != nullptr) sent_->Inc();
      break;
    case Outcome::Kind::kSkipped:
      finish("skipped", outcome.detail, message.attempts);
      AddCounter(store_, batch, message, "skipped/" + outcome.detail);
      if (skipped_ != nullptr) skipped_->Inc();
      break;
    case Outcome::Kind::kDeferred:
      batch.Put(store_.cf(Cf::kOutbox), journey::OutboxKey(outcome.at_us, message.key),
                next.Serialize());
      break;
    case Outcome::Kind::kTransient:
    case Outcome::Kind::kPermanent: {
      next.attempts = message.attempts + 1;
      next.last_error = outcome.detail;
      if (outcome.kind == Outcome::Kind::kTransient && next.attempts < options_.max_attempts) {
        const int shift = static_cast<int>(std::min<uint32_t>(message.attempts, 30));
        int64_t delay = options_.backoff_base_us << shift;
        if (delay <= 0 || delay > options_.backoff_max_us) delay = options_.backoff_max_us;
        std::uniform_real_distribution<double> jitter(0.8, 1.2);
        delay = static_cast<int64_t>(static_cast<double>(delay) * jitter(jitter_));
        const int64_t due = std::max(now_us + delay, outcome.at_us);
        batch.Put(store_.cf(Cf::kOutbox), journey::OutboxKey(due, message.key), next.Serialize());
        AddCounter(store_, batch, message, "retried");
        if (retried_ != nullptr) retried_->Inc();
        break;
      }
      const std::string reason =
          outcome.kind == Outcome::Kind::kPermanent
              ? "refused: " + outcome.detail
              : "gave up after " + std::to_string(next.attempts) + " attempts: " + outcome.detail;
      finish("dead", reason, next.attempts);
      json::object letter{
          {"reason", reason}, {"at", now_us}, {"message", json::parse(next.Serialize())}};
      batch.Put(store_.cf(Cf::kOutbox), journey::DeadLetterKey(message.key),
                json::serialize(letter));
      AddCounter(store_, batch, message, "dead");
      if (outcome.hard_bounce) {
        batch.Put(store_.cf(Cf::kOutbox), SuppressionKey(message.customer, "email"), "bounced");
      }
      if (dead_ != nullptr) dead_->Inc();
      break;
    }
  }
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/false));
  if (options_.announce_finished && log_ != nullptr && outcome.kind != Outcome::Kind::kDeferred &&
      (outcome.kind != Outcome::Kind::kTransient || next.attempts >= options_.max_attempts)) {
    AnnounceFinished(message, outcome, now_us);
  }
  // The outcome is in the store now: the commit record has done its work.
  return journal_->Clear();
}

Status DeliveryWorker::RecordMembership(const OutboxMessage& message, const Outcome& outcome,
                                        int64_t now_us, rocksdb::WriteBatch& batch) {
  if (message.channel == journey::Channel::kAudienceRemove) {
    batch.Delete(store_.cf(Cf::kOutbox),
                 journey::AudienceMemberKey(outcome.customer, message.audience));
    return Status::Ok();
  }
  if (message.channel != journey::Channel::kAudienceAdd || outcome.audience_member.empty()) {
    return Status::Ok();
  }
  batch.Put(store_.cf(Cf::kOutbox), journey::AudienceMemberKey(outcome.customer, message.audience),
            outcome.audience_member);
  // Consent withdrawn while the addition was on its way (the engine found no membership to
  // remove then): take it back at once.
  ASSIGN_OR_RETURN(bool allowed, ConsentAllows(store_, outcome.customer, Purpose::kAdvertising,
                                               options_.consent_defaults));
  if (!allowed) {
    const OutboxMessage removal =
        journey::AudienceRemoval(outcome.customer, message.audience, "after/" + message.key,
                                 outcome.audience_member, now_us);
    batch.Put(store_.cf(Cf::kOutbox), journey::OutboxKey(now_us, removal.key), removal.Serialize());
  }
  return Status::Ok();
}

Result<uint64_t> DeliveryWorker::Pending() const {
  uint64_t pending = 0;
  auto it = store_.NewIterator(Cf::kOutbox);
  for (it->Seek(journey::kOutboxPrefix);
       it->Valid() && it->key().starts_with(journey::kOutboxPrefix); it->Next()) {
    ++pending;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the outbox"));
  return pending;
}

Status DeliveryWorker::Suppress(std::string_view customer, std::string_view channel,
                                std::string_view reason) {
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kOutbox), SuppressionKey(customer, channel), reason);
  return store_.Write(batch, /*sync=*/true);
}

Result<std::string> DeliveryWorker::Suppression(std::string_view customer,
                                                std::string_view channel) const {
  return store_.Get(Cf::kOutbox, SuppressionKey(customer, channel));
}

Result<size_t> DeliveryWorker::EraseCustomer(std::string_view customer) {
  return EraseGuardRecords(store_, customer, clock_.NowMicros());
}

}  // namespace mercato
