#pragma once
// Reader of the purchases in UCI Online Retail (I): one click per purchased invoice line, for the
// next-purchase protocol (protocol.h, invoice = session). Only the needed columns are read; the
// importer module has a full reader, but it reads files by path into the event store, while this
// one reads any stream into a ClickLog.
// Thread safety: pure functions.

#include <istream>

#include "core/status.h"
#include "recommend/data/click_log.h"

namespace mercato::recommend::data {

// CSV with RFC-4180 quoting, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
// CustomerID,Country" (header optional). Each kept row becomes {key = InvoiceNo, item = StockCode,
// time = InvoiceDate (UTC, seconds), kPurchase}. InvoiceDate is ISO "2010-12-01 08:26:00" (the
// shared CSV) or the UCI spreadsheet's "12/1/2010 8:26".
// Skipped and counted in skipped_rows: cancellations (InvoiceNo starting with 'C') and rows with
// Quantity <= 0. InvalidArgument naming the line on a wrong field count, a non-integer Quantity or
// a bad date.
Result<ClickLog> ReadOnlineRetailPurchases(std::istream& in);

// "M/D/YYYY H:MM" (UCI spreadsheet export) as seconds since the epoch, UTC.
Result<std::int64_t> ParseUsDateTime(std::string_view text);

}  // namespace mercato::recommend::data
