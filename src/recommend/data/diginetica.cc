#include "recommend/data/diginetica.h"

#include "core/time_format.h"
#include "recommend/data/delimited_reader.h"

namespace mercato::recommend::data {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

Result<std::int64_t> ParseDateSeconds(const std::string& text) {
  if (text.size() != 10)
    return Status::InvalidArgument("eventdate '" + text + "' is not YYYY-MM-DD");
  ASSIGN_OR_RETURN(std::int64_t micros, ParseTimestamp(text));
  return micros / kMicrosPerSecond;
}

}  // namespace

Result<ClickLog> ReadDigineticaItemViews(std::istream& in) {
  ClickLog log;
  const DelimitedFormat format{';', "session_id", 5};
  RETURN_IF_ERROR(ReadDelimited(in, format, [&](const std::vector<std::string>& fields) {
    auto timeframe = ParseInt64(fields[3]);
    if (!timeframe || *timeframe < 0) {
      return Status::InvalidArgument("timeframe '" + fields[3] + "' is not a non-negative integer");
    }
    auto date = ParseDateSeconds(fields[4]);
    if (!date.ok()) return date.status();
    log.clicks.push_back({fields[0], fields[2], *date + *timeframe / 1000, ClickKind::kView});
    return Status::Ok();
  }));
  return log;
}

}  // namespace mercato::recommend::data
