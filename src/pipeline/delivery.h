#pragma once
// DeliveryWorker: carries out the journey engine's outbox (journey/outbox.h) — renders each
// message for its customer, checks the send-time guards, sends it on its channel and records the
// outcome (docs/journeys.md, "Delivery").
//
// For each due message, in due order:
//  1. A key already recorded as finished ("x/" key) is dropped: a replay is never sent again
//     (counted per step as `already_finished`).
//  2. Guards, at send time: consent for the channel's purpose (e-mail, push and chat need
//     email_marketing, i.e. direct marketing; audience_add needs advertising); suppression of the
//     channel for the customer (unsubscribed, bounced, complained); the frequency cap of the
//     channel; quiet hours in the customer's time zone (the message is deferred to their end);
//     the journey's send rate (deferred by a second). A refused message is recorded as skipped
//     with the guard's name and never sent.
//  3. Render (content/template_store.h) with pipeline/message_data.h, then send: e-mail over
//     SMTP (Message-ID = the idempotency key, so a mailbox can also drop a copy), push as an
//     FCM-shaped POST with the customer's `push_token` trait, webhook and chat as signed POSTs
//     with Idempotency-Key, audience updates as hashed members (channel/audience.h); set_trait
//     appends an identify event (source "mercato/journeys", messageId = the key) to the log.
//  In cluster mode a message waits while this node may not deliver it (DeliveryOptions::
//  may_deliver), and each finished key is also announced in the log (announce_finished): an
//  e-mail at its SMTP commit point, before the server can take it, anything else once recorded.
//  4. Delivered: the outbox entry goes and the key is recorded, in one batch. Transient failure:
//     retried after base * 2^attempts (capped) with +-20% jitter, after Retry-After when the
//     receiver gave one; after max_attempts, or on a permanent failure, the message moves to the
//     dead-letter list with the reason (a permanent e-mail failure also suppresses e-mail for
//     the customer: a hard bounce). One failing recipient never holds up the others.
//
// E-mail is recorded as sent at the SMTP commit point (channel/smtp_session.h), before the server
// can accept it and after it can no longer discard it, in the commit journal
// (pipeline/commit_journal.h). A crash then leaves a record that the next start moves into the
// store and step 1 turns into "delivered" with the counter "in_doubt", so the message is not
// sent again; it is missing only if the crash fell between the record and the send of the end
// mark (about a microsecond), and the counter says how many such doubts there were. HTTP sends can
// still be repeated by a crash between the receiver's answer and the batch (microseconds); the
// repeat carries the same Idempotency-Key, so the receiver can recognise it.
//
// Thread safety: Step is serialised by a mutex; EraseCustomer and Suppress may be called from any
// thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channel/email_message.h"
#include "channel/http_sender.h"
#include "channel/smtp_sender.h"
#include "channel/smtp_session.h"
#include "content/template_store.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "journey/outbox.h"
#include "pipeline/commit_journal.h"
#include "profile/profile_store.h"
#include "recserve/recommender.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato {

// How messages leave mercato: the real senders, or a recorder in scenario tests.
class DeliveryTransport {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  virtual ~DeliveryTransport() = default;
  // `at_commit` (may be empty) runs at the SMTP commit point (channel/smtp_session.h): after it
  // the server can take the message, before it the server must discard it.
  virtual channel::SendResult SendEmail(const channel::EmailMessage& message,
                                        const std::function<Status()>& at_commit) = 0;
  virtual channel::HttpResult PostJson(const std::string& url, const std::string& body,
                                       const Headers& headers) = 0;
};

// SMTP over one kept connection and HTTP, through libcurl (channel/).
class ChannelTransport final : public DeliveryTransport {
 public:
  ChannelTransport(channel::SmtpOptions smtp, channel::HttpOptions http)
      : smtp_(std::move(smtp)), http_(http) {}
  channel::SendResult SendEmail(const channel::EmailMessage& message,
                                const std::function<Status()>& at_commit) override {
    std::lock_guard lock(smtp_mu_);
    return smtp_.Send(message, at_commit);
  }
  channel::HttpResult PostJson(const std::string& url, const std::string& body,
                               const Headers& headers) override {
    return http_.Post(url, body, headers);
  }

 private:
  std::mutex smtp_mu_;
  channel::SmtpSession smtp_;  // guarded by smtp_mu_
  channel::HttpSender http_;
};

struct WebhookEndpoint {
  std::string url;
  std::string secret;  // HMAC key of the signature (channel/webhook.h)
};

struct FrequencyCap {
  uint32_t max_messages = 0;  // 0: no cap
  int64_t window_us = kMicrosPerDay;
};

struct DeliveryOptions {
  channel::EmailAddress from{"shop@localhost", ""};
  // The file of the SMTP commit records (pipeline/commit_journal.h), normally beside the store.
  // Empty: kept in memory, which protects nothing against a crash (tests that never crash).
  std::string commit_journal_path;
  std::string message_id_domain = "mercato.localhost";
  // With a base ("https://shop.example/v1/unsubscribe"), e-mails carry a one-click unsubscribe
  // link with a token signed by `unsubscribe_secret`.
  std::string unsubscribe_base_url;
  std::string unsubscribe_secret;
  // With a base ("https://shop.example"), the HTML of e-mails gets open and click tracking
  // (pipeline/tracking.h) signed by `tracking_secret`.
  std::string tracking_base_url;
  std::string tracking_secret;
  std::map<std::string, WebhookEndpoint, std::less<>> endpoints;  // webhook and chat, by name
  std::string push_url;                                           // FCM-shaped endpoint
  std::string push_token;                                         // its bearer token
  WebhookEndpoint audiences;                              // audience updates (signed like webhooks)
  std::map<std::string, FrequencyCap, std::less<>> caps;  // by channel name
  int quiet_start_minute = -1;                            // local time; -1: no quiet hours
  int quiet_end_minute = -1;
  uint32_t journey_sends_per_second = 0;  // 0: unlimited
  uint32_t max_attempts = 6;
  int64_t backoff_base_us = 30 * kMicrosPerSecond;
  int64_t backoff_max_us = 3600 * kMicrosPerSecond;
  uint64_t jitter_seed = 1;
  ConsentDefaults consent_defaults;
  // Recommendation blocks in templates; null: empty lists.
  const recserve::RecommendService* recommendations = nullptr;
  // The next time after `now_us` at which it is `minute` past local midnight for the customer
  // (quiet hours). Null: UTC.
  std::function<Result<int64_t>(std::string_view customer, int64_t now_us, int minute)>
      next_local_time;
  // Cluster mode (docs/operations.md): whether this node may deliver to `customer` now — it owns
  // the customer's partition and has replayed it to where it stood when the node gained it. A
  // refused message waits `not_owner_defer_us` and is asked again. Empty: always.
  std::function<bool(std::string_view customer)> may_deliver;
  int64_t not_owner_defer_us = 5 * kMicrosPerSecond;
  // Cluster mode: each finished message is announced in the log as a kMessageFinishedEvent of its
  // customer, which the journey engine of any later owner turns into the "x/" record.
  bool announce_finished = false;
};

// The secret that signs unsubscribe tokens, derived from the node's pseudonym key (so it is
// stable across restarts and needs no configuration of its own).
std::string UnsubscribeSecret(std::string_view pseudonym_key);

// The secret that signs open and click tracking, derived like UnsubscribeSecret.
std::string TrackingSecret(std::string_view pseudonym_key);

// The one-click unsubscribe token of (customer, channel): "<customer>.<channel>.<hex HMAC>".
std::string UnsubscribeToken(std::string_view secret, std::string_view customer,
                             std::string_view channel);
// The customer and channel of a valid token; InvalidArgument otherwise.
Result<std::pair<std::string, std::string>> VerifyUnsubscribeToken(std::string_view secret,
                                                                   std::string_view token);

class DeliveryWorker {
 public:
  // `log` receives set_trait identify events and may be null (then set_trait is dead-lettered).
  DeliveryWorker(Store& store, EventLog* log, const ProfileStore& profiles,
                 const content::TemplateStore& templates, DeliveryTransport& transport,
                 const Clock& clock, MetricsRegistry* metrics, DeliveryOptions options);

  // Delivers up to `max_messages` due messages. Returns how many were handled (0: none due).
  // Errors are the store's: what was not recorded is handled again by the next call.
  Result<size_t> Step(size_t max_messages = 256);
  // Messages in the outbox (due or not).
  Result<uint64_t> Pending() const;

  // Suppresses `channel` for the customer ("unsubscribed", "bounced", "complained").
  Status Suppress(std::string_view customer, std::string_view channel, std::string_view reason);
  // The suppression reason, or NotFound.
  Result<std::string> Suppression(std::string_view customer, std::string_view channel) const;
  // Removes the customer's suppressions and frequency records, and queues the removal of the
  // customer from every ad audience they were added to (run it after the journey engine's
  // EraseCustomer, which drops the customer's queued messages).
  Result<size_t> EraseCustomer(std::string_view customer);

 private:
  struct Outcome;
  Result<Outcome> Deliver(const journey::OutboxMessage& message, int64_t now_us);
  Result<std::string> Guard(const journey::OutboxMessage& message, std::string_view customer,
                            int64_t now_us, int64_t& defer_until);
  Status Record(const journey::OutboxMessage& message, std::string_view stored_key,
                const Outcome& outcome, int64_t now_us);
  // Cluster mode: appends the kMessageFinishedEvent of `message` with `result`.
  Status Announce(const journey::OutboxMessage& message, std::string_view result, int64_t now_us);
  // Cluster mode: Announce for a finished message (failures are logged, not returned).
  void AnnounceFinished(const journey::OutboxMessage& message, const Outcome& outcome,
                        int64_t now_us);
  // A delivered audience update: keeps (addition) or drops (removal) the membership record.
  Status RecordMembership(const journey::OutboxMessage& message, const Outcome& outcome,
                          int64_t now_us, rocksdb::WriteBatch& batch);
  // Opens the commit journal and moves the keys it recovered into the store as "unconfirmed".
  Status RecoverCommits(int64_t now_us);

  Store& store_;
  EventLog* log_;
  const ProfileStore& profiles_;
  const content::TemplateStore& templates_;
  DeliveryTransport& transport_;
  const Clock& clock_;
  const DeliveryOptions options_;
  Counter* sent_ = nullptr;
  Counter* retried_ = nullptr;
  Counter* dead_ = nullptr;
  Counter* skipped_ = nullptr;
  Counter* in_doubt_ = nullptr;

  std::mutex mu_;
  std::unique_ptr<CommitJournal> journal_;                    // guarded by mu_; opened by Step
  std::mt19937_64 jitter_;                                    // guarded by mu_
  std::map<std::string, std::pair<int64_t, uint32_t>> rate_;  // journey -> (second, sends)
};

}  // namespace mercato
