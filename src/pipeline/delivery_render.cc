#include "pipeline/delivery_render.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "channel/audience.h"
#include "channel/push.h"
#include "channel/webhook.h"
#include "core/hash.h"
#include "core/time_format.h"
#include "journey/engine_keys.h"
#include "pipeline/journey_support.h"
#include "pipeline/message_data.h"
#include "pipeline/tracking.h"
#include "profile/profile_state.h"

namespace mercato {
namespace {

namespace json = boost::json;
using journey::Channel;
using journey::OutboxMessage;

constexpr std::string_view kTraitSource = "journeys";

SendOutcome Permanent(std::string detail) {
  SendOutcome out;
  out.kind = SendOutcome::Kind::kPermanent;
  out.detail = std::move(detail);
  return out;
}

SendOutcome Skipped(std::string detail) {
  SendOutcome out;
  out.kind = SendOutcome::Kind::kSkipped;
  out.detail = std::move(detail);
  return out;
}

std::string_view StringAt(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string())
                                                : std::string_view();
}

SendOutcome::Kind KindOf(channel::SendResult::Outcome outcome) {
  switch (outcome) {
    case channel::SendResult::Outcome::kDelivered:
      return SendOutcome::Kind::kDelivered;
    case channel::SendResult::Outcome::kPermanent:
      return SendOutcome::Kind::kPermanent;
    case channel::SendResult::Outcome::kTransient:
      break;
  }
  return SendOutcome::Kind::kTransient;
}

SendOutcome FromHttp(const channel::HttpResult& result) {
  SendOutcome out;
  out.kind = KindOf(result.outcome);
  out.retry_after_s = result.retry_after_s;
  out.detail = result.status > 0 ? "HTTP " + std::to_string(result.status) + ": " + result.detail
                                 : result.detail;
  return out;
}

// The Message-ID's left part: the idempotency key with '/' as '.', a dot-atom.
std::string MessageIdOf(const OutboxMessage& message, std::string_view domain) {
  std::string id = message.key;
  for (char& c : id) {
    if (c == '/') c = '.';
  }
  return id + "@" + std::string(domain);
}

Result<SendOutcome> SetTrait(const RenderContext& context, const OutboxMessage& message,
                             std::string_view customer, int64_t now_us) {
  if (context.log == nullptr) return Permanent("no event log to write the trait to");
  const std::string message_id = "jrn-" + std::to_string(Hash64(message.key, 1)) + "-" +
                                 std::to_string(Hash64(message.key, 2));
  json::object event{{"type", "identify"},
                     {"traits", json::object{{message.trait, message.value}}}};
  Status appended = AppendCustomerEvent(context.store, *context.log, customer, std::move(event),
                                        message_id, kTraitSource, now_us);
  if (appended.code() == StatusCode::kNotFound) return Skipped("customer_gone");
  if (appended.code() == StatusCode::kFailedPrecondition) return Skipped("no_identity");
  SendOutcome out;
  out.kind = appended.ok() ? SendOutcome::Kind::kDelivered : SendOutcome::Kind::kTransient;
  if (!appended.ok()) out.detail = appended.ToString();
  return out;
}

Result<SendOutcome> Post(const RenderContext& context, const OutboxMessage& message,
                         const WebhookEndpoint& endpoint, const std::string& body, int64_t now_us) {
  if (endpoint.url.empty()) return Permanent("no endpoint is configured for this channel");
  const auto headers =
      channel::WebhookHeaders(endpoint.secret, body, message.key, now_us / kMicrosPerSecond);
  return FromHttp(context.transport.PostJson(endpoint.url, body, headers));
}

std::optional<channel::AudienceMember> MemberFromJson(const json::value& value) {
  const json::object* fields = value.if_object();
  if (fields == nullptr) return std::nullopt;
  channel::AudienceMember member{std::string(StringAt(*fields, "email_sha256")),
                                 std::string(StringAt(*fields, "phone_sha256"))};
  if (member.email_sha256.empty() && member.phone_sha256.empty()) return std::nullopt;
  return member;
}

std::string MemberJson(const channel::AudienceMember& member) {
  return json::serialize(
      json::object{{"email_sha256", member.email_sha256}, {"phone_sha256", member.phone_sha256}});
}

// An audience update. A removal also names the identifiers the customer was added with, which
// may differ from today's (a changed e-mail); a privacy removal carries them itself.
Result<SendOutcome> AudienceUpdate(const RenderContext& context, const OutboxMessage& message,
                                   std::string_view customer,
                                   std::optional<channel::AudienceMember> current, int64_t now_us) {
  const bool add = *message.channel == Channel::kAudienceAdd;
  std::vector<channel::AudienceMember> members;
  if (current) members.push_back(*current);
  if (!add) {
    std::optional<channel::AudienceMember> added = MemberFromJson(message.value);
    if (!added) {
      Result<std::string> stored =
          context.store.Get(Cf::kOutbox, journey::AudienceMemberKey(customer, message.audience));
      if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) return stored.status();
      boost::system::error_code ec;
      if (stored.ok()) added = MemberFromJson(json::parse(*stored, ec));
    }
    if (added && (!current || added->email_sha256 != current->email_sha256 ||
                  added->phone_sha256 != current->phone_sha256)) {
      members.push_back(*added);
    }
  }
  if (members.empty()) return Skipped("no_identifier");
  const std::string body = channel::AudienceUpdateJson(message.audience, add, members);
  ASSIGN_OR_RETURN(SendOutcome out,
                   Post(context, message, context.options.audiences, body, now_us));
  if (add) out.audience_member = MemberJson(*current);
  return out;
}

}  // namespace

Result<SendOutcome> SendMessage(const RenderContext& context, const OutboxMessage& message,
                                std::string_view customer, int64_t now_us) {
  if (!message.channel) return SetTrait(context, message, customer, now_us);
  if (message.journey.empty()) {
    if (*message.channel != Channel::kAudienceRemove) return Permanent("not a privacy action");
    return AudienceUpdate(context, message, customer, std::nullopt, now_us);
  }
  Result<json::object> loaded =
      MessageData(context.profiles, context.options.recommendations, customer);
  if (!loaded.ok()) {
    if (loaded.status().code() == StatusCode::kNotFound) return Skipped("customer_gone");
    return loaded.status();
  }
  json::object& data = *loaded;
  const json::object* identity = data.contains("customer") ? data["customer"].if_object() : nullptr;
  const std::string email(identity != nullptr ? StringAt(*identity, "email") : "");
  const Channel channel = *message.channel;
  if (channel == Channel::kAudienceAdd || channel == Channel::kAudienceRemove) {
    return AudienceUpdate(context, message, customer,
                          channel::MakeAudienceMember(email, StringAt(data, "phone")), now_us);
  }
  Result<content::RenderedMessage> rendered =
      context.templates.Render(message.tmpl, json::value(data));
  if (!rendered.ok()) {
    return Permanent("template '" + message.tmpl + "': " + rendered.status().message());
  }
  switch (channel) {
    case Channel::kEmail: {
      if (email.empty()) return Skipped("no_address");
      channel::EmailMessage mail;
      mail.from = context.options.from;
      mail.to.address = email;
      mail.subject = rendered->subject;
      mail.text = rendered->text;
      mail.html = rendered->html;
      if (!mail.html.empty() && !context.options.tracking_base_url.empty()) {
        mail.html = AddTracking(mail.html, context.options.tracking_base_url,
                                context.options.tracking_secret, message.key);
      }
      mail.message_id = MessageIdOf(message, context.options.message_id_domain);
      mail.date_us = now_us;
      mail.extra_headers.emplace_back("X-Mercato-Journey", message.journey + "/" + message.step);
      if (!context.options.unsubscribe_base_url.empty()) {
        mail.unsubscribe_url =
            context.options.unsubscribe_base_url +
            "?token=" + UnsubscribeToken(context.options.unsubscribe_secret, customer, "email");
      }
      if (Status valid = channel::ValidateEmailAddress(email); !valid.ok()) {
        return Skipped("bad_address");
      }
      // The commit point: from here a crash must not send the message again.
      bool committed = false;
      const auto at_commit = [&]() -> Status {
        // Kafka down: the send is abandoned before the commit point and retried later.
        if (context.announce_commit) RETURN_IF_ERROR(context.announce_commit(message));
        RETURN_IF_ERROR(context.journal.Commit(message.key));
        committed = true;
        return Status::Ok();
      };
      const channel::SendResult sent = context.transport.SendEmail(mail, at_commit);
      if (committed && sent.outcome != channel::SendResult::Outcome::kDelivered) {
        RETURN_IF_ERROR(context.journal.Abort(message.key));  // refused after the commit point
      }
      SendOutcome out;
      out.detail = sent.detail;
      out.kind = KindOf(sent.outcome);
      out.hard_bounce = out.kind == SendOutcome::Kind::kPermanent && sent.smtp_code >= 500;
      if (sent.smtp_code > 0)
        out.detail = "SMTP " + std::to_string(sent.smtp_code) + ": " + out.detail;
      return out;
    }
    case Channel::kPush: {
      const std::string_view token = StringAt(data, "push_token");
      if (token.empty()) return Skipped("no_push_token");
      if (context.options.push_url.empty()) return Permanent("no push endpoint is configured");
      Result<std::string> body = channel::FcmMessage(
          token, rendered->subject, rendered->text,
          {{"journey", message.journey}, {"step", message.step}, {"key", message.key}});
      if (!body.ok()) return Permanent(body.status().message());
      DeliveryTransport::Headers headers{{"Idempotency-Key", message.key}};
      if (!context.options.push_token.empty()) {
        headers.emplace_back("Authorization", "Bearer " + context.options.push_token);
      }
      return FromHttp(context.transport.PostJson(context.options.push_url, *body, headers));
    }
    case Channel::kWebhook:
    case Channel::kChat: {
      auto endpoint = context.options.endpoints.find(message.endpoint);
      if (endpoint == context.options.endpoints.end()) {
        return Permanent("endpoint '" + message.endpoint + "' is not configured");
      }
      json::object body{{"type", channel == Channel::kChat ? "journey.chat" : "journey.webhook"},
                        {"journey", message.journey},
                        {"step", message.step},
                        {"customerId", customer},
                        {"key", message.key}};
      const std::string& text = rendered->text.empty() ? rendered->html : rendered->text;
      boost::system::error_code ec;
      json::value parsed = json::parse(text, ec);
      if (channel == Channel::kWebhook && !ec) {
        body["data"] = std::move(parsed);
      } else {
        body["text"] = text;
      }
      return Post(context, message, endpoint->second, json::serialize(body), now_us);
    }
    case Channel::kAudienceAdd:
    case Channel::kAudienceRemove:
      break;
  }
  return Permanent("unknown channel");
}

}  // namespace mercato
