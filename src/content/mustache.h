// Mustache templates (https://mustache.github.io/mustache.5.html) for message content: subject
// lines, text and HTML bodies, push and chat texts. ADR 0013 records why mercato has its own
// implementation.
//
// Supported, as the Mustache specification defines them: variables ({{name}}, HTML-escaped;
// {{{name}}} and {{& name}} raw), dotted names (a.b.c: the first part is looked up through the
// context stack, the rest only inside what it found), the implicit iterator {{.}}, sections
// ({{#name}}...{{/name}}) and inverted sections ({{^name}}), comments ({{! ...}}), partials
// ({{> name}}, indented like their standalone tag) and delimiter changes ({{=<% %>=}}).
// Standalone tags (alone on their line apart from spaces and tabs) take their whole line with
// them. Lambdas do not exist: the data is JSON.
//
// Truthiness in sections: null, false, "" and [] are false; everything else is true (0 and {}
// too). An array renders its section once per element; any other true value once, pushed onto
// the context stack.
//
// Interpolation: strings as they are, integers in decimal, other numbers in their shortest form
// that reads back exactly (1.10 gives 1.1), booleans as true/false, null as nothing. A name
// that is missing or null (in any tag), or that interpolates an object or array, is reported in
// RenderResult::unresolved, so a preview can show which personalisation fields were missing; an
// empty list or false is a value, not reported.
//
// Every limit is checked: source size, section nesting, partial depth and output size. Parsing
// and rendering never throw and never read outside their inputs.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::content {

struct MustacheLimits {
  size_t max_source_bytes = 256 * 1024;
  int max_nesting = 32;  // sections inside sections
};

// One parsed template; immutable, cheap to copy, safe to render from many threads.
class MustacheTemplate {
 public:
  struct Node;

  // InvalidArgument "line L, column C: ..." for an unclosed tag, a section closed by another
  // name or not at all, a closing tag without a section, an empty name or one with spaces or
  // empty parts ("a..b"), a bad delimiter change, or more nesting than the limits allow.
  static Result<MustacheTemplate> Parse(std::string_view source, const MustacheLimits& limits = {});

  // Every name the template looks up (variables and sections, in order of first use, "." left
  // out) and every partial it includes; for validation before anything is sent.
  const std::vector<std::string>& names() const { return *names_; }
  const std::vector<std::string>& partials() const { return *partials_; }

  const std::vector<Node>& nodes() const { return *nodes_; }

 private:
  std::shared_ptr<const std::vector<Node>> nodes_;
  std::shared_ptr<const std::vector<std::string>> names_;
  std::shared_ptr<const std::vector<std::string>> partials_;
};

struct MustacheTemplate::Node {
  enum class Kind { kText, kEscaped, kRaw, kSection, kInverted, kPartial };
  Kind kind = Kind::kText;
  std::string text;               // kText: the text; otherwise the name as written
  std::vector<std::string> path;  // the name split at '.'; empty for "."
  std::string indent;             // kPartial: the indentation of a standalone tag
  std::vector<Node> children;     // kSection, kInverted
};

enum class Escaping { kHtml, kNone };

struct RenderOptions {
  // kNone for text/plain parts, push and chat texts; kHtml escapes & < > " ' in {{name}}.
  Escaping escaping = Escaping::kHtml;
  // Partials by name; a missing partial renders as nothing and is reported as unresolved
  // ("> name").
  const std::map<std::string, MustacheTemplate, std::less<>>* partials = nullptr;
  size_t max_output_bytes = 1024 * 1024;
  int max_partial_depth = 8;  // partials inside partials; deeper is an error (recursion)
};

struct RenderResult {
  std::string text;
  std::vector<std::string> unresolved;  // names that rendered as nothing, each once, in order
};

// ResourceExhausted when the output would pass max_output_bytes; InvalidArgument when partials
// nest deeper than max_partial_depth.
Result<RenderResult> Render(const MustacheTemplate& tmpl, const boost::json::value& data,
                            const RenderOptions& options = {});

}  // namespace mercato::content
