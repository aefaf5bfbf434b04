// TemplateStore: message templates in the templates column family (id -> stored JSON).
//
// A template has up to three Mustache parts (content/mustache.h): `subject` (e-mail subject or
// push title), `text` (the plain-text body, push and chat text) and `html` (the e-mail's HTML
// body, escaped); at least one of text and html. Partials ({{> footer}}) name other templates and
// take the same part of them. Every part is parsed when stored, so a stored template always
// renders.
//
// Thread safety: safe from any thread; writes are serialised by a mutex (a version never repeats)
// and each is one synced WriteBatch.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "content/mustache.h"
#include "core/clock.h"
#include "core/status.h"
#include "storage/store.h"

namespace mercato::content {

struct MessageTemplate {
  std::string id;  // 1-64 of [a-z0-9_-], starting with a letter or digit
  std::string name;
  std::string subject;  // empty = none
  std::string text;
  std::string html;
  uint64_t version = 1;  // grows with every change
  int64_t updated_at_us = 0;

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 template.
  static Result<MessageTemplate> Parse(std::string_view stored);
  // {"id", "name", "subject", "text", "html" (null when empty), "version", "updatedAt"}
  boost::json::object ToApi() const;
};

// A template from the API's fields {"name", "subject"?, "text"?, "html"?}: InvalidArgument naming
// the field, and for a template error its part, line and column ("html: line 3, column 7: ...").
Result<MessageTemplate> ParseMessageTemplate(std::string_view id,
                                             const boost::json::object& fields);

// One rendering of a template's parts.
struct RenderedMessage {
  std::string subject, text, html;
  std::vector<std::string> unresolved;  // across all parts, each once
};

class TemplateStore {
 public:
  TemplateStore(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Stores (creating or replacing) the template; version = the stored one's + 1. Returns it and
  // whether it was created.
  Result<std::pair<MessageTemplate, bool>> Put(MessageTemplate tmpl);
  // NotFound for an unknown id.
  Result<MessageTemplate> Get(std::string_view id) const;
  Result<std::vector<MessageTemplate>> List() const;
  Status Delete(std::string_view id);

  // Renders every part of template `id` against `data`, partials resolved from this store. Line
  // breaks in the rendered subject become spaces (it goes into a mail header).
  // NotFound for an unknown template; errors of Render (content/mustache.h) otherwise.
  Result<RenderedMessage> Render(std::string_view id, const boost::json::value& data) const;

 private:
  Store& store_;
  const Clock& clock_;
  std::mutex write_mu_;
};

}  // namespace mercato::content
