#include "catalog/catalog_item.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/time_format.h"

namespace mercato::catalog {
namespace {

namespace json = boost::json;

constexpr size_t kMaxIdBytes = 200;
constexpr size_t kMaxNameBytes = 500;
constexpr size_t kMaxCategoryBytes = 200;
constexpr size_t kMaxTags = 32;
constexpr size_t kMaxTagBytes = 64;

bool HasControl(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or code points past
// U+10FFFF. Stored items are JSON, which must be valid UTF-8 to parse back (a Latin-1 CSV would
// otherwise be stored and then fail every read of the catalog as Corruption).
bool ValidUtf8(std::string_view text) {
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};  // by sequence length
  size_t at = 0;
  while (at < text.size()) {
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) {
      ++at;
      continue;
    }
    size_t length = 0;
    uint32_t code = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code = lead & 0x07;
    } else {
      return false;
    }
    if (at + length > text.size()) return false;
    for (size_t offset = 1; offset < length; ++offset) {
      const auto next = static_cast<unsigned char>(text[at + offset]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    at += length;
  }
  return true;
}

Status Bad(std::string_view field, std::string_view what) {
  return Status::InvalidArgument("'" + std::string(field) + "' " + std::string(what));
}

Result<std::string> Text(const json::value& value, std::string_view field, size_t max) {
  if (value.is_null()) return std::string();
  if (!value.is_string()) return Bad(field, "must be a string");
  std::string text(value.get_string());
  if (text.size() > max) return Bad(field, "is longer than " + std::to_string(max) + " bytes");
  if (HasControl(text)) return Bad(field, "holds a control character");
  return text;
}

}  // namespace

Status ValidateCatalogItem(const CatalogItem& item) {
  if (item.id.empty() || item.id.size() > kMaxIdBytes) return Bad("id", "must be 1..200 bytes");
  if (HasControl(item.id)) return Bad("id", "holds a control character");
  if (!ValidUtf8(item.id)) return Bad("id", "is not valid UTF-8");
  if (!ValidUtf8(item.name)) return Bad("name", "is not valid UTF-8");
  if (!ValidUtf8(item.category)) return Bad("category", "is not valid UTF-8");
  if (item.name.size() > kMaxNameBytes || HasControl(item.name)) {
    return Bad("name", "must be at most 500 bytes without control characters");
  }
  if (item.category.size() > kMaxCategoryBytes || HasControl(item.category)) {
    return Bad("category", "must be at most 200 bytes without control characters");
  }
  if (item.price && !(std::isfinite(*item.price) && *item.price >= 0)) {
    return Bad("price", "must be a finite number >= 0");
  }
  if (!item.currency.empty()) {
    bool ok = item.currency.size() == 3;
    for (char c : item.currency) ok = ok && c >= 'A' && c <= 'Z';
    if (!ok) return Bad("currency", "must be 3 uppercase letters (ISO 4217)");
  }
  if (item.tags.size() > kMaxTags) return Bad("tags", "holds more than 32 tags");
  for (const std::string& tag : item.tags) {
    if (tag.empty() || tag.size() > kMaxTagBytes || HasControl(tag)) {
      return Bad("tags", "entries must be 1..64 bytes without control characters");
    }
    if (!ValidUtf8(tag)) return Bad("tags", "entries must be valid UTF-8");
  }
  return Status::Ok();
}

Result<CatalogItem> ParseCatalogItem(const json::object& fields) {
  CatalogItem item;
  for (const auto& [key, value] : fields) {
    if (key == "id") {
      if (!value.is_string()) return Bad("id", "must be a string");
      item.id = std::string(value.get_string());
    } else if (key == "name") {
      ASSIGN_OR_RETURN(item.name, Text(value, "name", kMaxNameBytes));
    } else if (key == "category") {
      ASSIGN_OR_RETURN(item.category, Text(value, "category", kMaxCategoryBytes));
    } else if (key == "price") {
      if (value.is_number()) {
        item.price = value.to_number<double>();
      } else if (value.is_string()) {
        const std::string_view text = value.get_string();
        double price = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), price);
        if (ec != std::errc() || end != text.data() + text.size()) {
          return Bad("price", "must be a number");
        }
        item.price = price;
      } else if (!value.is_null()) {
        return Bad("price", "must be a number");
      }
    } else if (key == "currency") {
      ASSIGN_OR_RETURN(item.currency, Text(value, "currency", 3));
    } else if (key == "available") {
      if (value.is_bool()) {
        item.available = value.get_bool();
      } else if (!value.is_null()) {
        return Bad("available", "must be a boolean");
      }
    } else if (key == "tags") {
      if (value.is_null()) continue;
      if (!value.is_array()) return Bad("tags", "must be an array of strings");
      for (const json::value& tag : value.get_array()) {
        if (!tag.is_string()) return Bad("tags", "must be an array of strings");
        std::string lowered(tag.get_string());
        for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        item.tags.push_back(std::move(lowered));
      }
    } else {
      return Status::InvalidArgument("unknown field '" + std::string(key.substr(0, 50)) + "'");
    }
  }
  if (!fields.contains("id")) return Bad("id", "is required");
  RETURN_IF_ERROR(ValidateCatalogItem(item));
  return item;
}

std::string CatalogItem::Serialize() const {
  json::object out{{"v", 1}, {"id", id}, {"updatedUs", updated_us}, {"source", source}};
  if (!name.empty()) out["name"] = name;
  if (!category.empty()) out["category"] = category;
  if (price) {
    // As the shortest text that reads back to the same double: the JSON parser's own number
    // reading is not exact for every value (e.g. 2.2e60), and a stored item must round-trip.
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), *price);
    out["price"] = std::string_view(buffer, static_cast<size_t>(end - buffer));
  }
  if (!currency.empty()) out["currency"] = currency;
  if (available) out["available"] = *available;
  if (!tags.empty()) out["tags"] = json::array(tags.begin(), tags.end());
  return json::serialize(out);
}

Result<CatalogItem> CatalogItem::Parse(std::string_view stored) {
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const json::object* object = ec ? nullptr : root.if_object();
  const json::value* version = object != nullptr ? object->if_contains("v") : nullptr;
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1) {
    return Status::Corruption("a stored catalog item is not a version-1 item");
  }
  CatalogItem item;
  auto text = [&](std::string_view key) {
    const json::value* value = object->if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
  };
  item.id = text("id");
  item.name = text("name");
  item.category = text("category");
  item.currency = text("currency");
  item.source = text("source");
  if (const json::value* price = object->if_contains("price"); price && price->is_string()) {
    const json::string& digits = price->get_string();
    double value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return Status::Corruption("a stored catalog item has an unreadable price");
    }
    item.price = value;
  }
  if (const json::value* available = object->if_contains("available");
      available && available->is_bool()) {
    item.available = available->get_bool();
  }
  if (const json::value* tags = object->if_contains("tags"); tags && tags->is_array()) {
    for (const json::value& tag : tags->get_array()) {
      if (tag.is_string()) item.tags.emplace_back(tag.get_string());
    }
  }
  if (const json::value* updated = object->if_contains("updatedUs");
      updated && updated->is_int64()) {
    item.updated_us = updated->get_int64();
  }
  if (item.id.empty()) return Status::Corruption("a stored catalog item has no id");
  return item;
}

json::object CatalogItem::ToApi() const {
  auto text = [](const std::string& value) {
    return value.empty() ? json::value(nullptr) : json::value(value);
  };
  return json::object{{"id", id},
                      {"name", text(name)},
                      {"category", text(category)},
                      {"price", price ? json::value(*price) : json::value(nullptr)},
                      {"currency", text(currency)},
                      {"available", available ? json::value(*available) : json::value(nullptr)},
                      {"tags", json::array(tags.begin(), tags.end())},
                      {"updatedAt", FormatTimestamp(updated_us)},
                      {"source", source}};
}

}  // namespace mercato::catalog
