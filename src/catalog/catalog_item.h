#pragma once
// CatalogItem: one product of the shop's catalog (docs/api.md, "Catalog"), as the API, a CSV
// import or the events describe it, and its two JSON forms:
//  - stored (catalog column family, version 1): {"v": 1, "id", "name", "category", "price",
//    "currency", "available", "tags", "updatedUs", "source"}, unknown values omitted;
//  - API: {"id", "name", "category", "price", "currency", "available", "tags", "updatedAt",
//    "source"}, unknown values null.
//
// Thread safety: value type; pure functions.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::catalog {

struct CatalogItem {
  std::string id;
  std::string name;      // empty = unknown
  std::string category;  // empty = unknown
  std::optional<double> price;
  std::string currency;  // ISO 4217, empty = unknown
  std::optional<bool> available;
  std::vector<std::string> tags;  // lowercased, e.g. "rain", "winter"
  int64_t updated_us = 0;
  std::string source;  // "api", "csv" or "events"

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 item.
  static Result<CatalogItem> Parse(std::string_view stored);
  boost::json::object ToApi() const;
};

// An item from the API's or a CSV row's fields (source and time are the caller's). Strict:
// "id" required, 1..200 bytes without control characters; "name" <= 500 bytes; "category" <= 200;
// "price" a finite number >= 0 (or a numeric string); "currency" 3 uppercase ASCII letters;
// "available" a boolean; "tags" an array of <= 32 strings of 1..64 bytes (lowercased); null means
// unknown; any other field is an error. InvalidArgument naming the field.
Result<CatalogItem> ParseCatalogItem(const boost::json::object& fields);

// The same checks on an already-built item (CSV rows, Upsert and learned items go through them),
// plus: id, name, category and tags are valid UTF-8 (stored items are JSON and must parse back).
// InvalidArgument naming the field.
Status ValidateCatalogItem(const CatalogItem& item);

}  // namespace mercato::catalog
