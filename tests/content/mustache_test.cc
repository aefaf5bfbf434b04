#include "content/mustache.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace mercato::content {
namespace {

namespace json = boost::json;

struct Case {
  const char* name;
  const char* data;  // JSON
  const char* source;
  const char* expected;
};

std::string RenderOrDie(std::string_view source, std::string_view data,
                        const RenderOptions& options = {}) {
  auto tmpl = MustacheTemplate::Parse(source);
  EXPECT_TRUE(tmpl.ok()) << tmpl.status().ToString();
  if (!tmpl.ok()) return "<parse error>";
  auto result = Render(*tmpl, json::parse(data), options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? result->text : "<render error>";
}

// Behaviour the Mustache specification requires, one case per rule.
TEST(MustacheTest, FollowsTheSpecification) {
  const Case cases[] = {
      {"plain text", "{}", "Hello, world!", "Hello, world!"},
      {"variable", R"({"name":"Ada"})", "Hi {{name}}.", "Hi Ada."},
      {"html escaped", R"({"x":"& \" < > '"})", "{{x}}", "&amp; &quot; &lt; &gt; &#39;"},
      {"triple mustache raw", R"({"x":"<b>"})", "{{{x}}}", "<b>"},
      {"ampersand raw", R"({"x":"<b>"})", "{{& x}}", "<b>"},
      {"integer", R"({"n":85})", "{{n}} items", "85 items"},
      {"decimal shortest", R"({"n":1.210})", "{{n}}", "1.21"},
      {"negative", R"({"n":-3})", "{{n}}", "-3"},
      {"boolean", R"({"b":true})", "{{b}}", "true"},
      {"null renders nothing", R"({"n":null})", "[{{n}}]", "[]"},
      {"missing renders nothing", "{}", "[{{gone}}]", "[]"},
      {"dotted", R"({"a":{"b":{"c":"deep"}}})", "{{a.b.c}}", "deep"},
      {"dotted broken chain", R"({"a":{}})", "[{{a.b.c}}]", "[]"},
      {"dotted first part through stack only", R"({"a":{"b":{}},"b":{"c":"ERROR"}})",
       "{{#a}}[{{b.c}}]{{/a}}", "[]"},
      {"padding in tags", R"({"x":"y"})", "|{{ x }}|{{{ x }}}|{{& x }}|", "|y|y|y|"},
      {"truthy section", R"({"b":true})", "<{{#b}}yes{{/b}}>", "<yes>"},
      {"falsey section", R"({"b":false})", "<{{#b}}yes{{/b}}>", "<>"},
      {"empty string falsey", R"({"s":""})", "<{{#s}}yes{{/s}}{{^s}}no{{/s}}>", "<no>"},
      {"zero truthy", R"({"n":0})", "<{{#n}}{{.}}{{/n}}>", "<0>"},
      {"object pushed", R"({"c":{"name":"Joe"}})", "{{#c}}Hi {{name}}.{{/c}}", "Hi Joe."},
      {"parent contexts", R"({"a":"foo","b":"wrong","sec":{"b":"bar"},"c":{"d":"baz"}})",
       "{{#sec}}{{a}}, {{b}}, {{c.d}}{{/sec}}", "foo, bar, baz"},
      {"list", R"({"l":[{"i":1},{"i":2},{"i":3}]})", "{{#l}}{{i}}{{/l}}", "123"},
      {"empty list", R"({"l":[]})", "<{{#l}}x{{/l}}>", "<>"},
      {"implicit iterator", R"({"l":["a","b"]})", "{{#l}}({{.}}){{/l}}", "(a)(b)"},
      {"nested arrays", R"({"l":[[1,2],["a","b"]]})", "{{#l}}({{#.}}{{.}}{{/.}}){{/l}}",
       "(12)(ab)"},
      {"inverted missing", "{}", "<{{^x}}none{{/x}}>", "<none>"},
      {"inverted empty list", R"({"l":[]})", "<{{^l}}none{{/l}}>", "<none>"},
      {"inverted truthy", R"({"b":true})", "<{{^b}}none{{/b}}>", "<>"},
      {"comment", "{}", "12345{{! Comment Block! }}67890", "1234567890"},
      {"multiline comment", "{}", "12345{{!\n  This is a\n  multi-line comment...\n}}67890",
       "1234567890"},
      {"standalone section lines", R"({"b":true})", "| This Is\n{{#b}}\n|\n{{/b}}\n| A Line\n",
       "| This Is\n|\n| A Line\n"},
      {"indented standalone lines", R"({"b":true})", "| This Is\n  {{#b}}\n|\n  {{/b}}\n| A Line\n",
       "| This Is\n|\n| A Line\n"},
      {"standalone crlf", R"({"b":true})", "|\r\n{{#b}}\r\n{{/b}}\r\n|", "|\r\n|"},
      {"standalone without previous line", R"({"b":true})", "  {{#b}}\n#{{/b}}\n/", "#\n/"},
      {"standalone without newline", R"({"b":true})", "#{{#b}}\n/\n  {{/b}}", "#\n/\n"},
      {"inline sections keep whitespace", R"({"b":true})", " {{#b}}YES{{/b}}\n {{#b}}GOOD{{/b}}\n",
       " YES\n GOOD\n"},
      {"standalone comment", "{}", "Begin.\n  {{! Comment }}\nEnd.\n", "Begin.\nEnd.\n"},
      {"variables are never standalone", R"({"x":"X"})", "  {{x}}\n", "  X\n"},
      {"delimiter change", R"({"x":"It worked!"})", "{{=<% %>=}}(<%x%>)", "(It worked!)"},
      {"delimiter change inside section", R"({"s":true,"d":"X"})",
       "[\n{{#s}}\n  {{d}}\n  {{=| |=}}\n|/s|\n[\n|#s|\n  |d|\n|/s|\n", "[\n  X\n[\n  X\n"},
      {"standalone delimiter change", "{}", "Begin.\n{{=@ @=}}\nEnd.\n", "Begin.\nEnd.\n"},
      {"deeply nested", R"({"a":{"one":1},"b":{"two":2}})",
       "{{#a}}{{#b}}{{one}}{{two}}{{/b}}{{/a}}", "12"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RenderOrDie(c.source, c.data), c.expected) << c.name;
  }
}

TEST(MustacheTest, PartialsAreIndentedLikeTheirStandaloneTag) {
  std::map<std::string, MustacheTemplate, std::less<>> partials;
  partials.emplace("item", MustacheTemplate::Parse("|\n{{{content}}}\n|\n").value());
  partials.emplace("name", MustacheTemplate::Parse("[{{n}}]").value());
  RenderOptions options;
  options.partials = &partials;
  EXPECT_EQ(RenderOrDie("\\\n {{>item}}\n/\n", R"({"content":"<\n->"})", options),
            "\\\n |\n <\n->\n |\n/\n");
  EXPECT_EQ(RenderOrDie("{{#l}}{{> name}},{{/l}}", R"({"l":[{"n":1},{"n":2}]})", options),
            "[1],[2],");
  // A partial that includes itself stops at the depth limit instead of recursing forever.
  partials.emplace("loop", MustacheTemplate::Parse("x{{>loop}}").value());
  auto loop = Render(MustacheTemplate::Parse("{{>loop}}").value(), json::object(), options);
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(loop.status().message().find("'loop'"), std::string::npos);
}

TEST(MustacheTest, ReportsWhatRenderedAsNothing) {
  auto tmpl = MustacheTemplate::Parse(
      "Hi {{first_name}}{{^first_name}}there{{/first_name}}, {{#cart}}{{name}}{{/cart}} "
      "{{profile}} {{traits.city}} {{>footer}} {{first_name}}{{nick}}{{#l}}{{/l}}");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_EQ(tmpl->names(), (std::vector<std::string>{"first_name", "cart", "name", "profile",
                                                     "traits.city", "nick", "l"}));
  EXPECT_EQ(tmpl->partials(), std::vector<std::string>{"footer"});
  auto result = Render(
      *tmpl, json::parse(R"({"profile":{"x":1},"traits":{"city":"Kraków"},"nick":null,"l":[]})"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->text, "Hi there,   Kraków  ");
  // Each once, in order; an object interpolated and a null are reported too, an empty list is not.
  EXPECT_EQ(result->unresolved,
            (std::vector<std::string>{"first_name", "cart", "profile", "> footer", "nick"}));
}

TEST(MustacheTest, PlainTextIsNotEscaped) {
  RenderOptions options;
  options.escaping = Escaping::kNone;
  EXPECT_EQ(RenderOrDie("{{x}}", R"({"x":"Tom & Jerry <3"})", options), "Tom & Jerry <3");
}

TEST(MustacheTest, BadTemplatesNameThePlace) {
  const std::pair<const char*, const char*> cases[] = {
      {"Hi {{name", "line 1, column 4: tag is never closed"},
      {"a\n  {{#s}}x", "line 2, column 3: section 's' is never closed"},
      {"{{#a}}{{/b}}", "line 1, column 7: {{/b}} closes section 'a' opened at line 1, column 1"},
      {"x{{/a}}", "line 1, column 2: {{/a}} closes no section"},
      {"{{}}", "a tag needs a name"},
      {"{{a..b}}", "has an empty part"},
      {"{{.a}}", "has an empty part"},
      {"{{first name}}", "contains spaces"},
      {"{{=<%%>=}}", "two delimiters"},
      {"{{=<% =%>=}}", "without spaces or '='"},
      {"{{>}}", "a partial needs a name"},
      {"{{{x}}", "expected '}}}'"},
  };
  for (const auto& [source, message] : cases) {
    auto tmpl = MustacheTemplate::Parse(source);
    ASSERT_FALSE(tmpl.ok()) << source;
    EXPECT_EQ(tmpl.status().code(), StatusCode::kInvalidArgument) << source;
    EXPECT_NE(tmpl.status().message().find(message), std::string::npos)
        << source << " -> " << tmpl.status().message();
  }
}

TEST(MustacheTest, EnforcesItsLimits) {
  MustacheLimits limits;
  limits.max_source_bytes = 10;
  EXPECT_FALSE(MustacheTemplate::Parse("01234567890", limits).ok());
  limits = {};
  limits.max_nesting = 3;
  EXPECT_TRUE(MustacheTemplate::Parse("{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}", limits).ok());
  auto deep = MustacheTemplate::Parse("{{#a}}{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}{{/a}}", limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("deeper than 3"), std::string::npos);

  // Output: a list multiplies a template; the bound stops it with ResourceExhausted.
  auto tmpl = MustacheTemplate::Parse("{{#l}}{{#l}}0123456789{{/l}}{{/l}}");
  ASSERT_TRUE(tmpl.ok());
  json::array list(100, json::value(1));
  RenderOptions options;
  options.max_output_bytes = 50'000;
  auto big = Render(*tmpl, json::object{{"l", list}}, options);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  options.max_output_bytes = 100'000;
  auto fits = Render(*tmpl, json::object{{"l", list}}, options);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->text.size(), 100'000u);
}

}  // namespace
}  // namespace mercato::content
