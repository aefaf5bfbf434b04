#include "recommend/data/retailrocket.h"

#include <optional>

#include "recommend/data/delimited_reader.h"

namespace mercato::recommend::data {
namespace {

std::optional<ClickKind> ParseEvent(std::string_view event) {
  if (event == "view") return ClickKind::kView;
  if (event == "addtocart") return ClickKind::kCart;
  if (event == "transaction") return ClickKind::kPurchase;
  return std::nullopt;
}

// Milliseconds to whole seconds, rounding toward minus infinity.
std::int64_t FloorSeconds(std::int64_t millis) {
  return millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
}

}  // namespace

Result<ClickLog> ReadRetailRocketEvents(std::istream& in) {
  ClickLog log;
  const DelimitedFormat format{',', "timestamp", 5};
  RETURN_IF_ERROR(ReadDelimited(in, format, [&](const std::vector<std::string>& fields) {
    auto millis = ParseInt64(fields[0]);
    if (!millis) return NotAnInteger("timestamp", fields[0]);
    auto kind = ParseEvent(fields[2]);
    if (!kind) return Status::InvalidArgument("unknown event '" + fields[2] + "'");
    log.clicks.push_back({fields[1], fields[3], FloorSeconds(*millis), *kind});
    return Status::Ok();
  }));
  return log;
}

Result<ClickLog> ReadRetailRocketSessionSample(std::istream& in) {
  ClickLog log;
  const DelimitedFormat format{'\t', "timestamp", 4};
  RETURN_IF_ERROR(ReadDelimited(in, format, [&](const std::vector<std::string>& fields) {
    auto seconds = ParseInt64(fields[0]);
    if (!seconds) return NotAnInteger("timestamp", fields[0]);
    log.clicks.push_back({fields[3], fields[2], *seconds, ClickKind::kView});
    return Status::Ok();
  }));
  return log;
}

}  // namespace mercato::recommend::data
