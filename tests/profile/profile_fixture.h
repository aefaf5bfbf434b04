#pragma once
// The profile tests' fixture: a store, a 4-partition local log, a vault, a builder and a profile
// store in a temporary directory, with helpers to send events and read profiles back.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "event/parser.h"
#include "profile/keys.h"
#include "profile/profile_builder.h"
#include "profile/profile_state.h"
#include "profile/profile_store.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {
namespace {

namespace json = boost::json;

// 2024-03-01T00:00:00Z
constexpr int64_t kBase = 1709251200LL * kMicrosPerSecond;
constexpr int64_t kMinute = 60 * kMicrosPerSecond;

std::string At(int64_t minute) { return FormatTimestamp(kBase + minute * kMinute); }

double Number(const json::value& value) {
  if (value.is_double()) return value.get_double();
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  ADD_FAILURE() << "not a number: " << json::serialize(value);
  return -1;
}

// identities of a profile document as "type:value" strings.
std::set<std::string> Identities(const json::object& profile) {
  std::set<std::string> out;
  for (const json::value& identity : profile.at("identities").as_array()) {
    out.insert(std::string(identity.at("type").as_string()) + ":" +
               std::string(identity.at("value").as_string()));
  }
  return out;
}

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(4); }

  // Starts over in a new, empty directory (a log's partition count is fixed at creation).
  void Fresh(uint32_t partitions) {
    Close();
    dir_ = std::make_unique<testing::TempDir>();
    Open(partitions);
  }

  void Close() {
    profiles_.reset();
    builder_.reset();
    log_.reset();
    vault_.reset();
    store_.reset();
  }

  // (Re)opens the node's store, log, builder and profile store over the current directory.
  void Open(uint32_t partitions) {
    Close();
    StoreOptions store_options;
    store_options.path = dir_->str();
    store_options.clock = &clock_;
    auto store = Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    EventLogOptions options;
    options.partitions = partitions;
    options.sync = SyncMode::kNone;
    auto log = EventLog::Open(*store_, options, clock_, nullptr);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    log_->Start();
    auto vault = KeyVault::Open(*store_, std::string(32, 'm'));
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    vault_ = std::move(vault).value();
    NewBuilder();
    profiles_ = std::make_unique<ProfileStore>(*store_, *vault_, clock_);
  }

  // A fresh builder over the same store and log, as after a crash of the consumer.
  void NewBuilder() {
    builder_.reset();
    builder_ = std::make_unique<ProfileBuilder>(*store_, *log_, *vault_, clock_, &metrics_);
    if (routed_) builder_->EnableIdentityRouting(*log_);
  }

  // Normalises `body` (with "timestamp" set to At(minute)) and appends it to the log.
  // Returns the messageId.
  std::string Send(std::string_view body, int64_t minute) {
    json::value value = json::parse(body);
    json::object object = value.as_object();
    object["timestamp"] = At(minute);
    IngestLimits limits;
    limits.max_event_bytes = 4 << 20;
    auto event = NormalizeEvent(std::move(object), std::nullopt, clock_.NowMicros(), limits);
    EXPECT_TRUE(event.ok()) << event.status().ToString() << " for " << body;
    if (!event.ok()) return {};
    std::vector<AppendItem> items;
    items.push_back(AppendItem{std::string(event->RoutingKey()), event->message_id,
                               event->received_at_us, event->payload});
    auto appended = log_->Append(std::move(items));
    EXPECT_TRUE(appended.ok()) << appended.status().ToString();
    return event->message_id;
  }

  size_t ProcessAll() {
    size_t total = 0;
    for (int round = 0; round < 100000; ++round) {
      auto done = builder_->ProcessBatch();
      EXPECT_TRUE(done.ok()) << done.status().ToString();
      if (!done.ok() || *done == 0) break;
      total += *done;
    }
    return total;
  }

  std::string Customer(std::string_view id) {
    auto customer = profiles_->Resolve(id);
    EXPECT_TRUE(customer.ok()) << id << ": " << customer.status().ToString();
    return customer.ok() ? *customer : std::string("<unresolved ") + std::string(id) + ">";
  }

  json::object Profile(std::string_view id) {
    auto text = profiles_->ProfileJson(Customer(id));
    EXPECT_TRUE(text.ok()) << id << ": " << text.status().ToString();
    if (!text.ok()) return {};
    return json::parse(*text).as_object();
  }

  json::object Features(std::string_view id) { return Profile(id).at("features").as_object(); }

  // All events of the customer, following cursors with pages of `page_size`.
  std::vector<json::object> AllEvents(std::string_view id, size_t page_size = 1000) {
    std::vector<json::object> events;
    std::string cursor;
    std::string customer = Customer(id);
    for (int page_index = 0; page_index < 10000; ++page_index) {
      auto page = profiles_->Events(customer, cursor, page_size);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      EXPECT_LE(page->events.size(), page_size);
      for (const std::string& text : page->events) events.push_back(json::parse(text).as_object());
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    return events;
  }

  std::vector<std::string> MessageIds(std::string_view id) {
    std::vector<std::string> ids;
    for (const json::object& event : AllEvents(id)) {
      ids.emplace_back(event.at("messageId").as_string());
    }
    return ids;
  }

  ProfileStore::Counts Counts() {
    auto counts = profiles_->CountCustomers();
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : ProfileStore::Counts{999999, 999999};
  }

  std::unique_ptr<testing::TempDir> dir_ = std::make_unique<testing::TempDir>();
  FakeClock clock_{kBase + 365 * kMicrosPerDay};
  MetricsRegistry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<ProfileBuilder> builder_;
  std::unique_ptr<ProfileStore> profiles_;
  bool routed_ = false;  // cluster mode's identity routing (NewBuilder)
};

}  // namespace
}  // namespace mercato
