#pragma once
// ClickLog: the raw events of a data set as its reader found them, before sessionizing: who
// (a session or visitor key), what (the shop's item id), when (seconds since the epoch, UTC) and
// how (view, add-to-cart or purchase). Item ids and keys stay strings so that every data set fits;
// Sessionize (sessionize.h) turns them into dense ids.
//
// Thread safety: a plain value.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mercato::recommend::data {

enum class ClickKind : std::uint8_t { kView, kCart, kPurchase };

// "view", "cart" or "purchase".
std::string_view ClickKindName(ClickKind kind);

struct Click {
  std::string key;   // session id when the data set is sessionized already, else the visitor id
  std::string item;  // the data set's item id
  std::int64_t time_seconds = 0;
  ClickKind kind = ClickKind::kView;
};

struct ClickLog {
  std::vector<Click> clicks;  // file order
  // Well-formed rows the reader left out by design (see each reader), e.g. cancellations.
  std::size_t skipped_rows = 0;
};

}  // namespace mercato::recommend::data
