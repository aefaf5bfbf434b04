#include "scoring/customer_table.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "core/big_endian.h"
#include "profile/keys.h"
#include "profile/profile_state.h"

namespace mercato::scoring {
namespace {

namespace json = boost::json;
using analytics::customer::Transaction;

constexpr std::string_view kOrderCompleted = "Order Completed";
constexpr std::string_view kOrderRefunded = "Order Refunded";
constexpr uint64_t kProgressEvery = 1000;

int64_t ToMicros(double amount) { return static_cast<int64_t>(std::llround(amount * 1e6)); }

// The transaction of one stored event, or nullopt when it is not an order or refund. The
// timestamp comes from the key, so the payload's own is not parsed.
Result<std::optional<Transaction>> ReadTransaction(std::string_view payload, int64_t time_us) {
  // Most events are not orders: skip them without a parse.
  if (payload.find("Order ") == std::string_view::npos) return std::optional<Transaction>();
  boost::system::error_code ec;
  json::value root = json::parse(payload, ec);
  if (ec || !root.is_object()) return Status::Corruption("a stored event is not a JSON object");
  const json::object& event = root.get_object();
  const json::value* type = event.if_contains("type");
  const json::value* name = event.if_contains("event");
  if (type == nullptr || !type->is_string() || type->get_string() != "track" || name == nullptr ||
      !name->is_string()) {
    return std::optional<Transaction>();
  }
  const bool refund = name->get_string() == kOrderRefunded;
  if (!refund && name->get_string() != kOrderCompleted) return std::optional<Transaction>();
  const json::value* properties_value = event.if_contains("properties");
  const json::object* properties =
      properties_value != nullptr ? properties_value->if_object() : nullptr;
  Transaction transaction;
  transaction.time_us = time_us;
  const double amount = profile::OrderRevenue(properties).value_or(0.0);
  if (!std::isfinite(amount)) return std::optional<Transaction>();
  transaction.amount_micros = refund ? -ToMicros(std::fabs(amount)) : ToMicros(amount);
  if (const json::value* products = properties ? properties->if_contains("products") : nullptr;
      products != nullptr && products->is_array()) {
    int64_t units = 0;
    for (const json::value& product : products->get_array()) {
      double quantity = 1;
      if (!product.is_object() ||
          !profile::NumberField(&product.get_object(), "quantity", quantity)) {
        quantity = 1;
      }
      if (quantity > 0 && std::isfinite(quantity)) units += static_cast<int64_t>(quantity);
    }
    transaction.units = units;
  }
  return std::optional<Transaction>(transaction);
}

// The events key's timestamp (after the 16-byte customer id), in micros.
int64_t KeyTime(std::string_view key) {
  return GetInt64Ordered(key.substr(profile::kCustomerIdSize, 8));
}

}  // namespace

std::vector<analytics::customer::CustomerHistory> CustomerTable::Histories() const {
  std::vector<analytics::customer::CustomerHistory> out;
  out.reserve(customers.size());
  for (const CustomerRecord& record : customers) out.push_back(record.history);
  return out;
}

Result<CustomerTable> LoadCustomerTable(Store& store, const CustomerTableOptions& options) {
  rocksdb::DB* db = store.db();
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{db, snapshot};
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  uint64_t total = 0;
  db->GetIntProperty(store.cf(Cf::kProfiles), "rocksdb.estimate-num-keys", &total);

  CustomerTable table;
  std::unique_ptr<rocksdb::Iterator> profiles(db->NewIterator(read, store.cf(Cf::kProfiles)));
  std::unique_ptr<rocksdb::Iterator> events(db->NewIterator(read, store.cf(Cf::kEvents)));
  uint64_t done = 0;
  for (profiles->SeekToFirst(); profiles->Valid(); profiles->Next()) {
    const std::string id = profiles->key().ToString();
    ASSIGN_OR_RETURN(profile::ProfileState state,
                     profile::ProfileState::Parse(id, profiles->value().ToStringView()));
    ++done;
    if (options.progress && done % kProgressEvery == 0) {
      options.progress(done, std::max(total, done));
    }
    if (!state.merged_into.empty()) continue;
    if (!state.consent.Allows(Purpose::kProfiling, options.consent)) {
      table.excluded.push_back(id);
      continue;
    }
    CustomerRecord record;
    record.history.customer_id = id;
    record.events = state.TotalEvents();
    record.first_seen_us = state.first_seen_us;
    for (events->Seek(id); events->Valid() && events->key().starts_with(id); events->Next()) {
      std::string_view key = events->key().ToStringView();
      if (key.size() != id.size() + profile::kEventSuffixSize) {
        return Status::Corruption("bad events key for customer " + id);
      }
      ASSIGN_OR_RETURN(auto transaction,
                       ReadTransaction(events->value().ToStringView(), KeyTime(key)));
      if (transaction) record.history.transactions.push_back(*transaction);
    }
    RETURN_IF_ERROR(FromRocks(events->status(), "reading customer events"));
    table.orders += record.history.transactions.size();
    table.customers.push_back(std::move(record));
  }
  RETURN_IF_ERROR(FromRocks(profiles->status(), "reading profiles"));
  if (options.progress) options.progress(done, done);
  return table;
}

}  // namespace mercato::scoring
