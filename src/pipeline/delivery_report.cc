// Dead letters and delivery totals (delivery_report.h).

#include "pipeline/delivery_report.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/big_endian.h"
#include "journey/engine_keys.h"
#include "privacy/crypto.h"

namespace mercato {
namespace {

namespace json = boost::json;

constexpr size_t kMaxPageSize = 1000;
// What delivery.cc writes for a message it could not parse: the raw value under this key.
constexpr std::string_view kMalformedPrefix = "malformed/";

int HexValue(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  return -1;
}

// Lowercase hex to bytes; nullopt for anything else.
std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t at = 0; at < hex.size(); at += 2) {
    const int high = HexValue(hex[at]);
    const int low = HexValue(hex[at + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return out;
}

// One entry of the list from its key (without "q/") and stored value.
DeadLetter ReadLetter(std::string_view key, std::string_view value) {
  DeadLetter letter;
  if (key.starts_with(kMalformedPrefix)) {
    // The outbox key holds an 8-byte due time: show it as hex, not as raw bytes.
    letter.key =
        std::string(kMalformedPrefix) + crypto::HexEncode(key.substr(kMalformedPrefix.size()));
    letter.reason = "the queued message could not be read";
    return letter;
  }
  letter.key = key;
  boost::system::error_code ec;
  const json::value root = json::parse(value, ec);
  const json::object* fields = ec ? nullptr : root.if_object();
  if (fields == nullptr) {
    letter.reason = "the dead letter could not be read";
    return letter;
  }
  if (const json::value* reason = fields->if_contains("reason"); reason && reason->is_string()) {
    letter.reason = reason->get_string();
  }
  if (const json::value* at = fields->if_contains("at"); at && at->is_int64()) {
    letter.at_us = at->get_int64();
  }
  if (const json::value* message = fields->if_contains("message"); message != nullptr) {
    Result<journey::OutboxMessage> parsed =
        journey::OutboxMessage::Parse(json::serialize(*message));
    if (parsed.ok()) letter.message = std::move(parsed).value();
  }
  return letter;
}

// The outcome name a delivery counter is reported under.
std::string OutcomeName(std::string_view counter) {
  if (counter == "sent") return "delivered";
  if (counter == "in_doubt") return "inDoubt";
  if (counter == "already_finished") return "alreadyFinished";
  return std::string(counter);
}

Result<uint64_t> CountPrefix(Store& store, std::string_view prefix) {
  uint64_t count = 0;
  auto it = store.NewIterator(Cf::kOutbox);
  const rocksdb::Slice start(prefix.data(), prefix.size());
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) ++count;
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the outbox"));
  return count;
}

}  // namespace

Result<DeadLetterPage> ListDeadLetters(Store& store, std::string_view cursor, size_t limit) {
  if (limit < 1 || limit > kMaxPageSize) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to 1000");
  }
  const std::string prefix(journey::kDeadLetterPrefix);
  std::string after;
  if (!cursor.empty()) {
    std::optional<std::string> decoded = HexDecode(cursor);
    if (!decoded || decoded->empty()) {
      return Status::InvalidArgument("'cursor' is not a cursor of this listing");
    }
    after = prefix + *decoded;
  }
  DeadLetterPage page;
  auto it = store.NewIterator(Cf::kOutbox);
  it->Seek(after.empty() ? prefix : after);
  if (!after.empty() && it->Valid() && it->key().ToStringView() == after) it->Next();
  std::string last_key;
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (page.letters.size() == limit) {
      // There is more: the next page starts after the last key shown.
      page.next_cursor = crypto::HexEncode(last_key);
      break;
    }
    const std::string_view key = it->key().ToStringView().substr(prefix.size());
    page.letters.push_back(ReadLetter(key, it->value().ToStringView()));
    last_key = key;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the dead letters"));
  return page;
}

Result<DeliverySummary> SummarizeDeliveries(Store& store) {
  DeliverySummary summary;
  for (const char* always :
       {"delivered", "retried", "dead", "skipped", "inDoubt", "alreadyFinished"}) {
    summary.outcomes[always] = 0;
  }
  // Every journey's DeliveryCounterKey (journey/engine_keys.h): "k/" journey "/" step "/" variant
  // "/" counter; ids never hold '/', counters may ("skipped/quiet_hours").
  const std::string_view prefix = "k/";
  auto it = store.NewIterator(Cf::kOutbox);
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next()) {
    std::string_view rest = it->key().ToStringView().substr(prefix.size());
    int separators = 0;  // after the journey, the step and the variant
    for (; separators < 3 && rest.find('/') != std::string_view::npos; ++separators) {
      rest.remove_prefix(rest.find('/') + 1);
    }
    if (separators < 3 || rest.empty() || it->value().size() != 8) {
      return Status::Corruption("a delivery counter is malformed");
    }
    const uint64_t value = GetFixed64BE(it->value().ToStringView());
    if (rest.starts_with("skipped/")) {
      summary.outcomes["skipped"] += value;
      summary.skipped_by[std::string(rest.substr(8))] += value;
    } else {
      summary.outcomes[OutcomeName(rest)] += value;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the delivery counters"));
  ASSIGN_OR_RETURN(summary.dead_letters, CountPrefix(store, journey::kDeadLetterPrefix));
  ASSIGN_OR_RETURN(summary.queued, CountPrefix(store, journey::kOutboxPrefix));
  return summary;
}

}  // namespace mercato
