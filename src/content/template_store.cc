#include "content/template_store.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "core/id.h"
#include "core/time_format.h"

namespace mercato::content {
namespace {

namespace json = boost::json;

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxSubjectBytes = 1000;
constexpr int kMaxPartialDepth = 8;

Status UnknownTemplate(std::string_view id) {
  return Status::NotFound("no template '" + std::string(id.substr(0, 64)) + "'");
}

enum class Part { kSubject, kText, kHtml };

const std::string& PartOf(const MessageTemplate& tmpl, Part part) {
  switch (part) {
    case Part::kSubject:
      return tmpl.subject;
    case Part::kText:
      return tmpl.text;
    case Part::kHtml:
      return tmpl.html;
  }
  return tmpl.text;
}

}  // namespace

std::string MessageTemplate::Serialize() const {
  return json::serialize(json::object{{"v", 1},
                                      {"id", id},
                                      {"name", name},
                                      {"subject", subject},
                                      {"text", text},
                                      {"html", html},
                                      {"version", version},
                                      {"updatedAt", updated_at_us}});
}

Result<MessageTemplate> MessageTemplate::Parse(std::string_view stored) {
  boost::system::error_code ec;
  json::value root = json::parse(stored, ec);
  const json::object* object = ec ? nullptr : root.if_object();
  const json::value* v = object != nullptr ? object->if_contains("v") : nullptr;
  if (v == nullptr || !v->is_int64() || v->get_int64() != 1) {
    return Status::Corruption("a stored template is not a version-1 template");
  }
  auto text = [&](std::string_view key) {
    const json::value* value = object->if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
  };
  auto number = [&](std::string_view key) {
    const json::value* value = object->if_contains(key);
    return value != nullptr && value->is_int64() ? value->get_int64() : int64_t{0};
  };
  MessageTemplate out;
  out.id = text("id");
  out.name = text("name");
  out.subject = text("subject");
  out.text = text("text");
  out.html = text("html");
  out.version = static_cast<uint64_t>(number("version"));
  out.updated_at_us = number("updatedAt");
  return out;
}

json::object MessageTemplate::ToApi() const {
  auto optional = [](const std::string& value) {
    return value.empty() ? json::value(nullptr) : json::value(value);
  };
  return {{"id", id},
          {"name", name},
          {"subject", optional(subject)},
          {"text", optional(text)},
          {"html", optional(html)},
          {"version", version},
          {"updatedAt", FormatTimestamp(updated_at_us)}};
}

Result<MessageTemplate> ParseMessageTemplate(std::string_view id, const json::object& fields) {
  if (!IsSlugId(id)) {
    return Status::InvalidArgument("template id '" + std::string(id.substr(0, 64)) +
                                   "' is not 1-64 of a-z, 0-9, '_', '-'");
  }
  MessageTemplate out;
  out.id = std::string(id);
  for (const auto& [key, value] : fields) {
    if (key != "name" && key != "subject" && key != "text" && key != "html") {
      return Status::InvalidArgument("unknown field '" + std::string(key.substr(0, 50)) + "'");
    }
    if (value.is_null()) continue;
    if (!value.is_string()) {
      return Status::InvalidArgument("'" + std::string(key) + "' must be a string");
    }
    std::string* field = key == "name"      ? &out.name
                         : key == "subject" ? &out.subject
                         : key == "text"    ? &out.text
                                            : &out.html;
    *field = std::string(value.get_string());
  }
  if (out.name.empty() || out.name.size() > kMaxNameBytes) {
    return Status::InvalidArgument("'name' is required, at most 200 bytes");
  }
  if (out.text.empty() && out.html.empty()) {
    return Status::InvalidArgument("a template needs 'text' or 'html' (or both)");
  }
  if (out.subject.size() > kMaxSubjectBytes || out.subject.find('\n') != std::string::npos) {
    return Status::InvalidArgument("'subject' must be one line of at most 1000 bytes");
  }
  for (auto [key, part] : {std::pair<const char*, const std::string*>{"subject", &out.subject},
                           {"text", &out.text},
                           {"html", &out.html}}) {
    auto parsed = MustacheTemplate::Parse(*part);
    if (!parsed.ok()) {
      return Status::InvalidArgument(std::string(key) + ": " + parsed.status().message());
    }
  }
  return out;
}

Result<std::pair<MessageTemplate, bool>> TemplateStore::Put(MessageTemplate tmpl) {
  std::lock_guard lock(write_mu_);
  auto existing = Get(tmpl.id);
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  const bool created = !existing.ok();
  tmpl.version = created ? 1 : existing->version + 1;
  tmpl.updated_at_us = clock_.NowMicros();
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kTemplates), tmpl.id, tmpl.Serialize());
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  return std::make_pair(std::move(tmpl), created);
}

Result<MessageTemplate> TemplateStore::Get(std::string_view id) const {
  auto stored = store_.Get(Cf::kTemplates, id);
  if (stored.status().code() == StatusCode::kNotFound) return UnknownTemplate(id);
  if (!stored.ok()) return stored.status();
  return MessageTemplate::Parse(*stored);
}

Result<std::vector<MessageTemplate>> TemplateStore::List() const {
  std::vector<MessageTemplate> out;
  std::unique_ptr<rocksdb::Iterator> it = store_.NewIterator(Cf::kTemplates);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(MessageTemplate tmpl, MessageTemplate::Parse(it->value().ToStringView()));
    out.push_back(std::move(tmpl));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "listing templates");
  return out;
}

Status TemplateStore::Delete(std::string_view id) {
  std::lock_guard lock(write_mu_);
  RETURN_IF_ERROR(Get(id).status());
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(Cf::kTemplates), rocksdb::Slice(id.data(), id.size()));
  return store_.Write(batch, /*sync=*/true);
}

Result<RenderedMessage> TemplateStore::Render(std::string_view id, const json::value& data) const {
  ASSIGN_OR_RETURN(MessageTemplate root, Get(id));
  // Every template reachable through partials, loaded once (missing ones stay unresolved).
  std::map<std::string, MessageTemplate, std::less<>> loaded;
  std::vector<std::pair<std::string, int>> pending = {{root.id, 0}};
  loaded.emplace(root.id, root);
  while (!pending.empty()) {
    auto [name, depth] = pending.back();
    pending.pop_back();
    if (depth >= kMaxPartialDepth) continue;
    const MessageTemplate& tmpl = loaded.at(name);
    for (Part part : {Part::kSubject, Part::kText, Part::kHtml}) {
      auto parsed = MustacheTemplate::Parse(PartOf(tmpl, part));
      if (!parsed.ok()) continue;
      for (const std::string& partial : parsed->partials()) {
        if (loaded.contains(partial)) continue;
        auto found = Get(partial);
        if (found.status().code() == StatusCode::kNotFound) continue;
        if (!found.ok()) return found.status();
        loaded.emplace(partial, std::move(*found));
        pending.emplace_back(partial, depth + 1);
      }
    }
  }
  RenderedMessage out;
  for (Part part : {Part::kSubject, Part::kText, Part::kHtml}) {
    std::map<std::string, MustacheTemplate, std::less<>> partials;
    for (const auto& [name, tmpl] : loaded) {
      auto parsed = MustacheTemplate::Parse(PartOf(tmpl, part));
      if (parsed.ok()) partials.emplace(name, std::move(*parsed));
    }
    ASSIGN_OR_RETURN(MustacheTemplate main, MustacheTemplate::Parse(PartOf(root, part)));
    RenderOptions options;
    options.escaping = part == Part::kHtml ? Escaping::kHtml : Escaping::kNone;
    options.partials = &partials;
    options.max_partial_depth = kMaxPartialDepth;
    ASSIGN_OR_RETURN(RenderResult rendered, content::Render(main, data, options));
    (part == Part::kSubject ? out.subject
     : part == Part::kText  ? out.text
                            : out.html) = std::move(rendered.text);
    for (std::string& name : rendered.unresolved) {
      if (std::find(out.unresolved.begin(), out.unresolved.end(), name) == out.unresolved.end()) {
        out.unresolved.push_back(std::move(name));
      }
    }
  }
  for (char& c : out.subject) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

}  // namespace mercato::content
