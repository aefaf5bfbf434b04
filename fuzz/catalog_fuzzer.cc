// Fuzzes what recommendations read from outside or from disk: catalog CSV imports
// (catalog/catalog_csv.h), catalog items as JSON (catalog/catalog_item.h) and stored training
// data (recserve/training_data.h). Invariants:
//   - a CSV either fails with InvalidArgument or gives items that all pass ValidateCatalogItem,
//     have distinct ids and source "csv", and whose stored form parses back to the same text;
//   - a JSON object either fails ParseCatalogItem with InvalidArgument or gives a valid item whose
//     stored form round-trips;
//   - training data either fails with Corruption or re-serialises to exactly the input bytes.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>

#include "catalog/catalog_csv.h"
#include "catalog/catalog_item.h"
#include "fuzz_check.h"
#include "recserve/training_data.h"

namespace mercato::catalog {
namespace {

void CheckItem(const CatalogItem& item) {
  FUZZ_CHECK(ValidateCatalogItem(item).ok());
  const std::string stored = item.Serialize();
  auto back = CatalogItem::Parse(stored);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->Serialize() == stored);
}

void FuzzCsv(std::string_view text) {
  std::istringstream in{std::string(text)};
  auto items = ReadCatalogCsv(in, 200);
  if (!items.ok()) {
    FUZZ_CHECK(items.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  std::set<std::string> ids;
  for (const CatalogItem& item : *items) {
    FUZZ_CHECK(item.source == "csv");
    FUZZ_CHECK(ids.insert(item.id).second);
    CheckItem(item);
  }
}

void FuzzJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return;
  auto item = ParseCatalogItem(value.get_object());
  if (!item.ok()) {
    FUZZ_CHECK(item.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  item->source = "api";
  CheckItem(*item);
}

void FuzzTrainingData(std::string_view bytes) {
  auto data = recserve::TrainingData::Deserialize(bytes);
  if (!data.ok()) {
    FUZZ_CHECK(data.status().code() == StatusCode::kCorruption);
    return;
  }
  FUZZ_CHECK(data->Serialize() == bytes);
}

}  // namespace
}  // namespace mercato::catalog

// The first byte picks the reader; the rest is its input. Valid training data needs a matching
// checksum, which mutations rarely produce, so that branch also re-checks a blob built from the
// input's bytes.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input = mercato::fuzz::AsText(data + 1, size - 1);
  mercato::fuzz::current_input = input;
  switch (data[0] % 3) {
    case 0:
      mercato::catalog::FuzzCsv(input);
      break;
    case 1:
      mercato::catalog::FuzzJson(input);
      break;
    default: {
      mercato::catalog::FuzzTrainingData(input);
      mercato::recserve::TrainingData built;
      for (char c : input.substr(0, 64)) built.items.push_back(std::string(1, c));
      if (!built.items.empty()) {
        built.sessions.push_back({"c", 1, {0, static_cast<uint32_t>(built.items.size() - 1)}, {}});
      }
      const std::string bytes = built.Serialize();
      mercato::catalog::FuzzTrainingData(bytes);
      break;
    }
  }
  return 0;
}
