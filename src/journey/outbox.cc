#include "journey/outbox.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mercato::journey {
namespace {

namespace json = boost::json;

constexpr std::string_view kSetTrait = "set_trait";

std::optional<Channel> ChannelFromName(std::string_view name) {
  for (Channel channel : {Channel::kEmail, Channel::kPush, Channel::kWebhook, Channel::kChat,
                          Channel::kAudienceAdd, Channel::kAudienceRemove}) {
    if (ChannelName(channel) == name) return channel;
  }
  return std::nullopt;
}

}  // namespace

std::string OutboxMessage::Serialize() const {
  json::object out;
  out["v"] = 1;
  out["key"] = key;
  out["journey"] = journey;
  out["version"] = static_cast<int64_t>(version);
  out["step"] = step;
  out["entry"] = static_cast<int64_t>(entry);
  out["customer"] = customer;
  out["kind"] = channel ? ChannelName(*channel) : kSetTrait;
  out["template"] = tmpl;
  out["endpoint"] = endpoint;
  out["audience"] = audience;
  out["trait"] = trait;
  out["value"] = value;
  out["variant"] = variant;
  out["createdAt"] = created_at_us;
  out["attempts"] = static_cast<int64_t>(attempts);
  out["lastError"] = last_error;
  return json::serialize(out);
}

Result<OutboxMessage> OutboxMessage::Parse(std::string_view stored) {
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const Status corrupt = Status::Corruption("an outbox message is malformed");
  if (ec || !root.is_object()) return corrupt;
  json::object& object = root.get_object();
  auto text = [&](std::string_view name, std::string& out) {
    const json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_string()) return false;
    out = value->get_string();
    return true;
  };
  auto number = [&](std::string_view name, int64_t& out) {
    const json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_int64()) return false;
    out = value->get_int64();
    return true;
  };
  OutboxMessage message;
  std::string kind;
  int64_t v = 0;
  int64_t version = 0;
  int64_t entry = 0;
  int64_t attempts = 0;
  if (!number("v", v) || v != 1 || !text("key", message.key) || message.key.empty() ||
      !text("journey", message.journey) || !number("version", version) || version < 1 ||
      !text("step", message.step) || !number("entry", entry) || entry < 1 || entry > UINT32_MAX ||
      !text("customer", message.customer) || !text("kind", kind) ||
      !text("template", message.tmpl) || !text("endpoint", message.endpoint) ||
      !text("audience", message.audience) || !text("trait", message.trait) ||
      !text("variant", message.variant) || !number("createdAt", message.created_at_us) ||
      !number("attempts", attempts) || attempts < 0 || attempts > UINT32_MAX ||
      !text("lastError", message.last_error) || !object.contains("value")) {
    return corrupt;
  }
  if (kind != kSetTrait) {
    message.channel = ChannelFromName(kind);
    if (!message.channel) return corrupt;
  }
  message.value = object.at("value");
  message.version = static_cast<uint64_t>(version);
  message.entry = static_cast<uint32_t>(entry);
  message.attempts = static_cast<uint32_t>(attempts);
  return message;
}

}  // namespace mercato::journey
