#pragma once
// A fresh store and event log in a temporary directory, a fake clock, and helpers to write input
// files, run an import and read back what was stored.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "importer/importer.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "support/test_support.h"

namespace mercato {

class ImportTest : public ::testing::Test {
 protected:
  static constexpr int64_t kImportTime = 1767225600LL * 1'000'000;  // 2026-01-01T00:00:00Z

  void SetUp() override {
    StoreOptions store_options;
    store_options.path = dir_.str() + "/db";
    store_options.clock = &clock_;
    auto store = Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    EventLogOptions log_options;
    log_options.partitions = 4;
    log_options.sync = SyncMode::kNone;  // durability is not under test here
    auto log = EventLog::Open(*store_, log_options, clock_, nullptr);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    log_->Start();
  }
  void TearDown() override {
    if (log_) log_->Stop();
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_.str() + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path;
  }

  ImportOptions Options(ImportFormat format, const std::string& path) {
    ImportOptions options;
    options.format = format;
    options.path = path;
    options.clock = &clock_;
    return options;
  }

  Result<ImportReport> Import(ImportFormat format, const std::string& path,
                              size_t batch_size = 1000) {
    ImportOptions options = Options(format, path);
    options.batch_size = batch_size;
    return ImportFile(options, *log_);
  }

  // Every stored payload, parsed.
  std::vector<boost::json::object> Stored() {
    std::vector<boost::json::object> out;
    for (uint32_t partition = 0; partition < log_->partitions(); ++partition) {
      auto records = log_->Read(partition, 0, 1 << 30);
      EXPECT_TRUE(records.ok()) << records.status().ToString();
      if (!records.ok()) continue;
      for (const LogRecord& record : *records) {
        out.push_back(boost::json::parse(record.payload).as_object());
      }
    }
    return out;
  }

  // The stored event whose properties.order_id is `order_id`, or an empty object.
  static boost::json::object ByOrderId(const std::vector<boost::json::object>& events,
                                       std::string_view order_id) {
    for (const auto& event : events) {
      const auto* properties = event.if_contains("properties");
      if (properties == nullptr) continue;
      const auto* id = properties->as_object().if_contains("order_id");
      if (id != nullptr && id->is_string() && id->get_string() == order_id) return event;
    }
    return {};
  }

  testing::TempDir dir_;
  FakeClock clock_{kImportTime};
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventLog> log_;
};

// "line: reason" of every sample, for readable failure messages and compact expectations.
inline std::vector<std::string> Describe(const std::vector<BadRow>& rows) {
  std::vector<std::string> out;
  for (const BadRow& row : rows) out.push_back(std::to_string(row.line) + ": " + row.reason);
  return out;
}

}  // namespace mercato
