// Fuzzes journey definitions (journey/definition.h) as the API receives them. Invariants:
//   - ParseJourney either succeeds or fails with InvalidArgument, 1-50 errors and a message that
//     starts with the first error;
//   - a definition that parses has steps whose every successor exists, and its canonical JSON
//     parses back to the same definition (numbers within 1e-15 relative: Boost.JSON 1.81 reads
//     some doubles a few ULPs off, docs/fuzzing.md) and prints the same again.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "journey/definition.h"
#include "journey/definition_graph.h"

namespace {

namespace json = boost::json;

bool NearlyEqual(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.to_number<double>();
    const double y = b.to_number<double>();
    return x == y || std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const json::object& p = a.get_object();
    const json::object& q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& [key, value] : p) {
      const json::value* other = q.if_contains(key);
      if (other == nullptr || !NearlyEqual(value, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const json::array& p = a.get_array();
    const json::array& q = b.get_array();
    if (p.size() != q.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (!NearlyEqual(p[i], q[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mercato;
  using namespace mercato::journey;
  const std::string_view input = fuzz::AsText(data, size);
  fuzz::current_input = input;
  std::vector<DefinitionError> errors;
  auto def = ParseJourney(input, &errors);
  if (!def.ok()) {
    FUZZ_CHECK(def.status().code() == StatusCode::kInvalidArgument);
    FUZZ_CHECK(!errors.empty() && errors.size() <= 50);
    FUZZ_CHECK(def.status().message().rfind(errors.front().ToString(), 0) == 0);
    return 0;
  }
  FUZZ_CHECK(errors.empty());
  FUZZ_CHECK(!def->steps.empty() && def->steps.size() <= kMaxSteps);
  for (size_t i = 0; i < def->steps.size(); ++i) {
    for (int next : Successors(*def, i)) {
      FUZZ_CHECK(next >= -1 && next < static_cast<int>(def->steps.size()));
    }
  }
  const std::string canonical = def->ToJson();
  auto back = ParseJourney(canonical);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(NearlyEqual(json::parse(back->ToJson()), json::parse(canonical)));
  auto again = ParseJourney(back->ToJson());
  FUZZ_CHECK(again.ok() && again->steps.size() == def->steps.size());
  return 0;
}
