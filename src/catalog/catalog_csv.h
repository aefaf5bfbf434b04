#pragma once
// Catalog CSV import (`mercato catalog import`): RFC 4180 (comma-separated, double-quoted fields
// may hold commas, quotes as "" and line breaks; CRLF or LF), UTF-8. The header row names the
// columns in any order: id (required), name, category, price, currency, available (true/false,
// yes/no, 1/0) and tags (separated by ';'). An unknown column, a row with another number of
// fields, or a value that fails CatalogItem's checks is an error naming the line; nothing is
// returned then, so an import stores every row or none.
//
// Thread safety: pure function of the stream.

#include <istream>
#include <vector>

#include "catalog/catalog_item.h"
#include "core/status.h"

namespace mercato::catalog {

// Items with source "csv". At most `max_rows` data rows (InvalidArgument beyond).
Result<std::vector<CatalogItem>> ReadCatalogCsv(std::istream& in, size_t max_rows = 1'000'000);

}  // namespace mercato::catalog
