// Fuzzes the DLP detectors and the policy's rewrite of an event (src/privacy/dlp.h).
// Invariants: matches are in order, non-empty, inside the text and do not overlap; masks and
// tokens of every match are produced without failure; ApplyDlp on any JSON object either fails
// cleanly or leaves the identity fields exactly as they were and the event serialisable.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "privacy/dlp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace json = boost::json;
  using namespace mercato;
  const std::string_view input = fuzz::AsText(data, size);
  fuzz::current_input = input;
  const std::string hmac_key(32, 'k');

  size_t end = 0;
  for (const PiiMatch& match : DetectPii(input)) {
    FUZZ_CHECK(match.length > 0);
    FUZZ_CHECK(match.begin >= end);
    FUZZ_CHECK(match.begin + match.length <= input.size());
    end = match.begin + match.length;
    const std::string_view span = input.substr(match.begin, match.length);
    (void)MaskPii(match.kind, span);
    const std::string token = PiiToken(match.kind, span, hmac_key);
    FUZZ_CHECK(token.size() > 18 && token.front() == '[' && token.back() == ']');
  }

  boost::system::error_code ec;
  json::value parsed = json::parse(input, ec);
  if (ec || !parsed.is_object()) return 0;
  json::object event = parsed.get_object();
  DlpContext context;
  context.hmac_key = hmac_key;
  context.encrypt = [](const json::value&) -> Result<json::value> {
    return json::value(json::object{{"$enc", "fuzz"}});
  };
  DlpStats stats;
  if (!ApplyDlp(event, DlpPolicy(), context, &stats).ok()) return 0;
  for (const char* field : {"type", "userId", "anonymousId", "messageId", "timestamp"}) {
    const json::value* before = parsed.get_object().if_contains(field);
    const json::value* after = event.if_contains(field);
    FUZZ_CHECK((before == nullptr) == (after == nullptr));
    FUZZ_CHECK(before == nullptr || *before == *after);
  }
  (void)json::serialize(event);
  return 0;
}
