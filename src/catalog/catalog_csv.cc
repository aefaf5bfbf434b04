#include "catalog/catalog_csv.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <unordered_set>

namespace mercato::catalog {
namespace {

constexpr std::array<std::string_view, 7> kColumns = {"id",       "name",      "category", "price",
                                                      "currency", "available", "tags"};

// Reads one record; false at the end of input. `line` counts physical lines read so far.
Result<bool> ReadRecord(std::istream& in, std::vector<std::string>& fields, size_t& line) {
  fields.clear();
  if (in.peek() == std::char_traits<char>::eof()) return false;
  std::string field;
  bool quoted = false, in_quotes = false;
  for (;;) {
    const int next = in.get();
    if (next == std::char_traits<char>::eof()) {
      if (in_quotes) {
        return Status::InvalidArgument("line " + std::to_string(line + 1) +
                                       ": a quoted field is not closed");
      }
      fields.push_back(std::move(field));
      ++line;
      return true;
    }
    const char c = static_cast<char>(next);
    if (in_quotes) {
      if (c == '"') {
        if (in.peek() == '"') {
          in.get();
          field += '"';
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || quoted) {
        return Status::InvalidArgument("line " + std::to_string(line + 1) +
                                       ": a quote inside an unquoted field");
      }
      quoted = in_quotes = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && in.peek() == '\n') in.get();
      fields.push_back(std::move(field));
      ++line;
      return true;
    } else {
      if (quoted) {
        return Status::InvalidArgument("line " + std::to_string(line + 1) +
                                       ": text after a closing quote");
      }
      field += c;
    }
  }
}

Result<std::optional<bool>> Available(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty()) return std::optional<bool>();
  if (lower == "true" || lower == "yes" || lower == "1") return std::optional<bool>(true);
  if (lower == "false" || lower == "no" || lower == "0") return std::optional<bool>(false);
  return Status::InvalidArgument("'available' must be true or false");
}

Status Fill(CatalogItem& item, std::string_view column, const std::string& value) {
  if (column == "id") {
    item.id = value;
  } else if (column == "name") {
    item.name = value;
  } else if (column == "category") {
    item.category = value;
  } else if (column == "price") {
    if (value.empty()) return Status::Ok();
    double price = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), price);
    if (ec != std::errc() || end != value.data() + value.size()) {
      return Status::InvalidArgument("'price' must be a number");
    }
    item.price = price;
  } else if (column == "currency") {
    item.currency = value;
  } else if (column == "available") {
    ASSIGN_OR_RETURN(item.available, Available(value));
  } else if (column == "tags") {
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t semicolon = rest.find(';');
      std::string tag(rest.substr(0, semicolon));
      for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!tag.empty()) item.tags.push_back(std::move(tag));
      if (semicolon == std::string_view::npos) break;
      rest.remove_prefix(semicolon + 1);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<CatalogItem>> ReadCatalogCsv(std::istream& in, size_t max_rows) {
  size_t line = 0;
  std::vector<std::string> header;
  ASSIGN_OR_RETURN(bool has_header, ReadRecord(in, header, line));
  if (!has_header) return Status::InvalidArgument("the file is empty: a header row is required");
  if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) header[0].erase(0, 3);  // BOM
  std::unordered_set<std::string> seen;
  for (std::string& column : header) {
    for (char& c : column) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(kColumns.begin(), kColumns.end(), column) == kColumns.end()) {
      return Status::InvalidArgument("line 1: unknown column '" + column.substr(0, 50) +
                                     "' (columns: id, name, category, price, currency, "
                                     "available, tags)");
    }
    if (!seen.insert(column).second) {
      return Status::InvalidArgument("line 1: column '" + column + "' appears twice");
    }
  }
  if (!seen.contains("id")) return Status::InvalidArgument("line 1: the 'id' column is required");
  std::vector<CatalogItem> items;
  std::unordered_set<std::string> ids;
  std::vector<std::string> fields;
  for (;;) {
    const size_t first_line = line + 1;
    ASSIGN_OR_RETURN(bool more, ReadRecord(in, fields, line));
    if (!more) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    auto where = [&](const std::string& what) {
      return Status::InvalidArgument("line " + std::to_string(first_line) + ": " + what);
    };
    if (fields.size() != header.size()) {
      return where("expected " + std::to_string(header.size()) + " fields, found " +
                   std::to_string(fields.size()));
    }
    if (items.size() == max_rows) {
      return where("more than " + std::to_string(max_rows) + " rows");
    }
    CatalogItem item;
    item.source = "csv";
    for (size_t i = 0; i < header.size(); ++i) {
      if (Status filled = Fill(item, header[i], fields[i]); !filled.ok()) {
        return where(filled.message());
      }
    }
    if (Status valid = ValidateCatalogItem(item); !valid.ok()) return where(valid.message());
    if (!ids.insert(item.id).second) return where("item '" + item.id + "' appears twice");
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace mercato::catalog
