#include "recserve/event_reader.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <map>
#include <unordered_map>

#include "core/ascii.h"
#include "core/big_endian.h"
#include "profile/keys.h"
#include "profile/profile_state.h"
#include "weather/season.h"
#include "weather/weather.h"

namespace mercato::recserve {
namespace {

namespace json = boost::json;

const json::object* Object(const json::object* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const json::value* value = parent->if_contains(key);
  return value != nullptr ? value->if_object() : nullptr;
}

std::string_view String(const json::object* parent, std::string_view key) {
  if (parent == nullptr) return {};
  const json::value* value = parent->if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return value->get_string();
}

std::optional<double> Number(const json::object* parent, std::string_view key) {
  if (parent == nullptr) return std::nullopt;
  const json::value* value = parent->if_contains(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->to_number<double>();
}

int64_t KeyTime(std::string_view key) {
  return GetInt64Ordered(key.substr(profile::kCustomerIdSize, 8));
}

// Sessions of one customer, in the making.
class Sessionizer {
 public:
  Sessionizer(TrainingData& data, std::unordered_map<std::string, ItemId>& ids,
              std::map<std::string, uint32_t, std::less<>>& contexts,
              const TrainingReadOptions& options)
      : data_(data), ids_(ids), contexts_(contexts), options_(options) {}

  void Begin(const std::string& customer_id) {
    customer_ = customer_id;
    Close();
  }
  void View(const ProductEvent& event, const catalog::ProductMention& product, int64_t time_us) {
    if (!clicks_.empty() && time_us - last_us_ > options_.session_gap_us) Close();
    auto [it, added] = ids_.try_emplace(product.id, static_cast<ItemId>(data_.items.size()));
    if (added) data_.items.push_back(product.id);
    clicks_.push_back(it->second);
    last_us_ = time_us;
    if (!event.device.empty()) device_ = event.device;
    if (!event.country.empty()) country_ = event.country;
    if (event.latitude) latitude_ = event.latitude;
    ++data_.views;
  }
  // Ends the current session; kept when it has two distinct items.
  void Close() {
    if (clicks_.size() > options_.max_session_clicks) {
      clicks_.erase(clicks_.begin(),
                    clicks_.end() - static_cast<ptrdiff_t>(options_.max_session_clicks));
    }
    const bool distinct =
        std::any_of(clicks_.begin(), clicks_.end(), [&](ItemId id) { return id != clicks_[0]; });
    if (distinct) {
      TrainingSession session;
      session.customer_id = customer_;
      session.end_us = last_us_;
      session.items = clicks_;
      if (!device_.empty()) session.contexts.push_back(Context("device:" + device_));
      if (!country_.empty()) session.contexts.push_back(Context("country:" + country_));
      session.contexts.push_back(Context("season:" + std::string(SeasonAt(last_us_, latitude_))));
      std::sort(session.contexts.begin(), session.contexts.end());
      data_.sessions.push_back(std::move(session));
    }
    clicks_.clear();
    device_.clear();
    country_.clear();
    latitude_.reset();
  }

 private:
  uint32_t Context(const std::string& name) {
    auto [it, added] = contexts_.try_emplace(name, static_cast<uint32_t>(data_.contexts.size()));
    if (added) data_.contexts.push_back(name);
    return it->second;
  }

  TrainingData& data_;
  std::unordered_map<std::string, ItemId>& ids_;
  std::map<std::string, uint32_t, std::less<>>& contexts_;
  const TrainingReadOptions& options_;
  std::string customer_;
  std::vector<ItemId> clicks_;
  int64_t last_us_ = 0;
  std::string device_, country_;
  std::optional<double> latitude_;
};

struct Snapshot {
  explicit Snapshot(rocksdb::DB* db) : db(db), snapshot(db->GetSnapshot()) {
    read.snapshot = snapshot;
  }
  ~Snapshot() { db->ReleaseSnapshot(snapshot); }
  rocksdb::DB* db;
  const rocksdb::Snapshot* snapshot;
  rocksdb::ReadOptions read;
};

}  // namespace

std::optional<ProductEvent> ReadProductEvent(std::string_view payload) {
  // Most events name no product: skip them without a parse.
  if (payload.find("roduct") == std::string_view::npos &&
      payload.find("Order") == std::string_view::npos) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value root = json::parse(payload, ec);
  if (ec || !root.is_object()) return std::nullopt;
  const json::object& event = root.get_object();
  if (String(&event, "type") != "track") return std::nullopt;
  const std::string_view name = String(&event, "event");
  ProductEvent out;
  out.action = catalog::ActionOf(name);
  if (out.action == catalog::ProductAction::kOther) return std::nullopt;
  out.products = catalog::ProductsOf(name, Object(&event, "properties"));
  if (out.products.empty()) return std::nullopt;
  const json::object* context = Object(&event, "context");
  out.device = AsciiLower(String(Object(context, "device"), "type"));
  const json::object* location = Object(context, "location");
  out.country = AsciiUpper(String(location, "country"));
  out.latitude = Number(location, "latitude");
  out.longitude = Number(location, "longitude");
  return out;
}

Result<TrainingData> ReadTrainingData(Store& store, const TrainingReadOptions& options,
                                      int64_t now_us) {
  Snapshot snapshot(store.db());
  TrainingData data;
  data.as_of_us = now_us;
  std::unordered_map<std::string, ItemId> ids;
  std::map<std::string, uint32_t, std::less<>> contexts;
  Sessionizer sessions(data, ids, contexts, options);
  std::unique_ptr<rocksdb::Iterator> profiles(
      snapshot.db->NewIterator(snapshot.read, store.cf(Cf::kProfiles)));
  std::unique_ptr<rocksdb::Iterator> events(
      snapshot.db->NewIterator(snapshot.read, store.cf(Cf::kEvents)));
  for (profiles->SeekToFirst(); profiles->Valid(); profiles->Next()) {
    const std::string id = profiles->key().ToString();
    ASSIGN_OR_RETURN(profile::ProfileState state,
                     profile::ProfileState::Parse(id, profiles->value().ToStringView()));
    if (!state.merged_into.empty()) continue;
    if (!state.consent.Allows(Purpose::kPersonalisation, options.consent)) {
      ++data.excluded_customers;
      continue;
    }
    ++data.customers;
    sessions.Begin(id);
    for (events->Seek(id); events->Valid() && events->key().starts_with(id); events->Next()) {
      const std::string_view key = events->key().ToStringView();
      if (key.size() != id.size() + profile::kEventSuffixSize) {
        return Status::Corruption("bad events key for customer " + id);
      }
      const int64_t time_us = KeyTime(key);
      if (time_us > now_us) continue;
      std::optional<ProductEvent> event = ReadProductEvent(events->value().ToStringView());
      if (!event) continue;
      if (options.on_products) options.on_products(event->products, time_us);
      if (event->action != catalog::ProductAction::kView) continue;
      for (const catalog::ProductMention& product : event->products) {
        sessions.View(*event, product, time_us);
      }
    }
    RETURN_IF_ERROR(FromRocks(events->status(), "reading customer events"));
    sessions.Close();
  }
  RETURN_IF_ERROR(FromRocks(profiles->status(), "reading profiles"));
  std::stable_sort(
      data.sessions.begin(), data.sessions.end(),
      [](const TrainingSession& a, const TrainingSession& b) { return a.end_us < b.end_us; });
  return data;
}

Result<LiveActivity> ReadLiveActivity(Store& store, std::string_view customer_id, int64_t now_us,
                                      const LiveReadOptions& options) {
  Snapshot snapshot(store.db());
  std::string stored;
  rocksdb::Status got =
      snapshot.db->Get(snapshot.read, store.cf(Cf::kProfiles),
                       rocksdb::Slice(customer_id.data(), customer_id.size()), &stored);
  if (got.IsNotFound()) return Status::NotFound("no customer " + std::string(customer_id));
  RETURN_IF_ERROR(FromRocks(got, "reading a profile"));
  ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(customer_id, stored));
  LiveActivity out;
  out.personalisation = state.consent.Allows(Purpose::kPersonalisation, options.consent);
  if (!out.personalisation) return out;

  // Newest first: seek past the customer's last possible key, then walk back.
  std::unique_ptr<rocksdb::Iterator> events(
      snapshot.db->NewIterator(snapshot.read, store.cf(Cf::kEvents)));
  std::string end(customer_id);
  end.append(profile::kEventSuffixSize, '\xff');
  std::vector<std::string> session_newest_first;
  bool session_open = true;
  bool have_context = false;  // the newest product event was read
  int64_t session_oldest_us = now_us;
  size_t read = 0;
  for (events->SeekForPrev(end);
       events->Valid() && events->key().starts_with(customer_id) && read < options.max_events;
       events->Prev(), ++read) {
    const std::string_view key = events->key().ToStringView();
    if (key.size() != customer_id.size() + profile::kEventSuffixSize) {
      return Status::Corruption("bad events key for customer " + std::string(customer_id));
    }
    const int64_t time_us = KeyTime(key);
    if (session_open && time_us <= now_us && session_oldest_us - time_us > options.session_gap_us) {
      session_open = false;  // older than the session: only orders matter from here on
    }
    const std::string_view payload = events->value().ToStringView();
    // Parsing dominates the cost: past the session (and once the context is known) only orders
    // are read.
    if (!session_open && have_context && payload.find("Order Completed") == std::string::npos) {
      continue;
    }
    std::optional<ProductEvent> event = ReadProductEvent(payload);
    if (!event) continue;
    have_context = true;
    if (out.device.empty()) out.device = event->device;
    if (out.country.empty()) out.country = event->country;
    if (!out.latitude && event->latitude && event->longitude) {
      out.latitude = event->latitude;
      out.longitude = event->longitude;
    }
    if (event->action == catalog::ProductAction::kPurchase) {
      for (const auto& product : event->products) out.purchased.insert(product.id);
      continue;
    }
    if (!session_open || event->action != catalog::ProductAction::kView) continue;
    if (time_us > now_us) continue;  // a clock behind the events: not part of "now"
    if (session_oldest_us - time_us > options.session_gap_us) {
      session_open = false;
      continue;
    }
    session_oldest_us = time_us;
    for (auto product = event->products.rbegin(); product != event->products.rend(); ++product) {
      if (session_newest_first.size() < options.max_session_clicks) {
        session_newest_first.push_back(product->id);
      }
    }
  }
  RETURN_IF_ERROR(FromRocks(events->status(), "reading customer events"));
  out.session.assign(session_newest_first.rbegin(), session_newest_first.rend());
  return out;
}

}  // namespace mercato::recserve
