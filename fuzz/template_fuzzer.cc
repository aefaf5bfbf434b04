// Fuzzes Mustache templates (content/mustache.h): parsing and rendering against a fixed
// customer-like context, with the template itself registered as a partial so that recursion is
// reached. Invariants:
//   - parsing fails only with InvalidArgument naming a line and column;
//   - a parsed template renders, or fails with ResourceExhausted (output bound) or
//     InvalidArgument (partial depth), and never produces more than the bound;
//   - rendering is deterministic, lists each unresolved name once, and a template without any
//     "{{" renders to itself;
//   - HTML escaping never lets a '<' from the data through: unless the template has raw tags,
//     rendering with every data string "<" gives as many '<' as with every string "a".

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "content/mustache.h"
#include "fuzz_check.h"

namespace mercato::content {
namespace {

namespace json = boost::json;

constexpr const char* kContext = R"({
    "first_name": "<", "email": "<", "n": 3, "x": 1.5, "yes": true, "no": false, "none": null,
    "empty": "", "list": [], "traits": {"city": "<", "tier": "<", "tags": ["<", "<"]},
    "cart": [{"name": "<", "price": 9.99, "qty": 2}, {"name": "<", "price": 0, "qty": 1}],
    "recommendations": [{"id": "<", "name": "<", "reason": "<"}]
  })";

const json::value& Context() {
  static const json::value context = json::parse(kContext);
  return context;
}

// The same context with every "<" string replaced by "a": the same truthiness everywhere.
const json::value& PlainContext() {
  static const json::value context = [] {
    std::string text = kContext;
    for (char& c : text) c = c == '<' ? 'a' : c;
    return json::parse(text);
  }();
  return context;
}

bool HasRaw(const std::vector<MustacheTemplate::Node>& nodes) {
  for (const MustacheTemplate::Node& node : nodes) {
    if (node.kind == MustacheTemplate::Node::Kind::kRaw || HasRaw(node.children)) return true;
  }
  return false;
}

size_t Count(std::string_view text, char c) {
  size_t count = 0;
  for (char k : text) count += k == c ? 1 : 0;
  return count;
}

}  // namespace
}  // namespace mercato::content

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mercato;
  using namespace mercato::content;
  const std::string_view input = fuzz::AsText(data, size);
  fuzz::current_input = input;
  auto tmpl = MustacheTemplate::Parse(input);
  if (!tmpl.ok()) {
    FUZZ_CHECK(tmpl.status().code() == StatusCode::kInvalidArgument);
    FUZZ_CHECK(tmpl.status().message().rfind("line ", 0) == 0 ||
               tmpl.status().message().rfind("template is ", 0) == 0);
    return 0;
  }
  std::map<std::string, MustacheTemplate, std::less<>> partials;
  for (const std::string& name : tmpl->partials()) partials.emplace(name, *tmpl);
  RenderOptions options;
  options.partials = &partials;
  options.max_output_bytes = 64 * 1024;
  options.max_partial_depth = 4;
  auto first = Render(*tmpl, Context(), options);
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == StatusCode::kResourceExhausted ||
               first.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(first->text.size() <= options.max_output_bytes);
  auto second = Render(*tmpl, Context(), options);
  FUZZ_CHECK(second.ok() && second->text == first->text && second->unresolved == first->unresolved);
  const std::set<std::string> unique(first->unresolved.begin(), first->unresolved.end());
  FUZZ_CHECK(unique.size() == first->unresolved.size());
  if (input.find("{{") == std::string_view::npos) FUZZ_CHECK(first->text == input);
  if (!HasRaw(tmpl->nodes())) {
    auto plain = Render(*tmpl, PlainContext(), options);
    FUZZ_CHECK(plain.ok());
    FUZZ_CHECK(Count(first->text, '<') == Count(plain->text, '<'));
  }
  return 0;
}
