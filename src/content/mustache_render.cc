// Rendering: a walk over the parsed tree with a context stack of JSON values.

#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>

#include "content/mustache.h"

namespace mercato::content {
namespace {

namespace json = boost::json;
using Node = MustacheTemplate::Node;

bool Truthy(const json::value& value) {
  if (value.is_null()) return false;
  if (value.is_bool()) return value.get_bool();
  if (value.is_string()) return !value.get_string().empty();
  if (value.is_array()) return !value.get_array().empty();
  return true;
}

class Renderer {
 public:
  Renderer(const RenderOptions& options, RenderResult* out) : options_(options), out_(out) {}

  Status Nodes(const std::vector<Node>& nodes) {
    for (const Node& node : nodes) {
      RETURN_IF_ERROR(One(node));
    }
    return Status::Ok();
  }

  void Push(const json::value* value) { stack_.push_back(value); }

 private:
  Status One(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kText:
        return Text(node.text);
      case Node::Kind::kEscaped:
      case Node::Kind::kRaw: {
        const json::value* value = Lookup(node);
        std::string scratch;
        const std::string_view text = value != nullptr ? Scalar(*value, &scratch) : "";
        if (value == nullptr || value->is_null() || value->is_structured()) Unresolved(node.text);
        return Emit(text,
                    node.kind == Node::Kind::kEscaped && options_.escaping == Escaping::kHtml);
      }
      case Node::Kind::kSection:
        return Section(node);
      case Node::Kind::kInverted: {
        const json::value* value = Lookup(node);
        if (value == nullptr || value->is_null()) Unresolved(node.text);
        if (value != nullptr && Truthy(*value)) return Status::Ok();
        return Nodes(node.children);
      }
      case Node::Kind::kPartial:
        return Partial(node);
    }
    return Status::Ok();
  }

  Status Section(const Node& node) {
    const json::value* value = Lookup(node);
    if (value == nullptr || value->is_null()) {
      Unresolved(node.text);
      return Status::Ok();
    }
    if (!Truthy(*value)) return Status::Ok();
    if (value->is_array()) {
      for (const json::value& element : value->get_array()) {
        stack_.push_back(&element);
        Status status = Nodes(node.children);
        stack_.pop_back();
        RETURN_IF_ERROR(status);
      }
      return Status::Ok();
    }
    stack_.push_back(value);
    Status status = Nodes(node.children);
    stack_.pop_back();
    return status;
  }

  Status Partial(const Node& node) {
    const MustacheTemplate* partial = nullptr;
    if (options_.partials != nullptr) {
      auto it = options_.partials->find(node.text);
      if (it != options_.partials->end()) partial = &it->second;
    }
    if (partial == nullptr) {
      Unresolved("> " + node.text);
      return Status::Ok();
    }
    if (partial_depth_ >= options_.max_partial_depth) {
      return Status::InvalidArgument("partials nest deeper than " +
                                     std::to_string(options_.max_partial_depth) + " (does '" +
                                     node.text + "' include itself?)");
    }
    // A standalone partial's indentation starts every line of the partial's own text.
    const std::string saved_indent = indent_;
    indent_ += node.indent;
    if (!node.indent.empty()) line_start_ = true;  // a standalone tag starts its line
    ++partial_depth_;
    Status status = Nodes(partial->nodes());
    --partial_depth_;
    indent_ = saved_indent;
    return status;
  }

  // Template text: indentation (inside an indented partial) goes before each new line.
  Status Text(std::string_view text) {
    if (indent_.empty()) return Append(text);
    size_t start = 0;
    while (start < text.size()) {
      if (line_start_) {
        RETURN_IF_ERROR(Append(indent_));
        line_start_ = false;
      }
      const size_t newline = text.find('\n', start);
      const size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
      RETURN_IF_ERROR(Append(text.substr(start, end - start)));
      if (newline != std::string_view::npos) line_start_ = true;
      start = end;
    }
    return Status::Ok();
  }

  Status Emit(std::string_view text, bool escape) {
    if (text.empty()) return Status::Ok();
    if (line_start_ && !indent_.empty()) {
      RETURN_IF_ERROR(Append(indent_));
      line_start_ = false;
    }
    if (!escape) return Append(text);
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      std::string_view entity;
      switch (text[i]) {
        case '&':
          entity = "&amp;";
          break;
        case '<':
          entity = "&lt;";
          break;
        case '>':
          entity = "&gt;";
          break;
        case '"':
          entity = "&quot;";
          break;
        case '\'':
          entity = "&#39;";
          break;
        default:
          continue;
      }
      RETURN_IF_ERROR(Append(text.substr(start, i - start)));
      RETURN_IF_ERROR(Append(entity));
      start = i + 1;
    }
    return Append(text.substr(start));
  }

  Status Append(std::string_view text) {
    if (out_->text.size() + text.size() > options_.max_output_bytes) {
      return Status::ResourceExhausted("rendered text would pass " +
                                       std::to_string(options_.max_output_bytes) + " bytes");
    }
    out_->text.append(text);
    return Status::Ok();
  }

  static std::string_view Scalar(const json::value& value, std::string* scratch) {
    char buffer[32];
    switch (value.kind()) {
      case json::kind::string:
        return value.get_string();
      case json::kind::bool_:
        return value.get_bool() ? "true" : "false";
      case json::kind::int64: {
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value.get_int64());
        scratch->assign(buffer, end);
        return *scratch;
      }
      case json::kind::uint64: {
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value.get_uint64());
        scratch->assign(buffer, end);
        return *scratch;
      }
      case json::kind::double_: {
        const double number = value.get_double();
        if (!std::isfinite(number)) return "";
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), number);
        scratch->assign(buffer, end);
        return *scratch;
      }
      default:
        return "";
    }
  }

  // The first part of the name is looked up through the stack, top first; the rest only inside
  // what it found. "." is the top of the stack.
  const json::value* Lookup(const Node& node) const {
    if (stack_.empty()) return nullptr;
    if (node.path.empty()) return stack_.back();
    const json::value* found = nullptr;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      const json::object* object = (*it)->if_object();
      if (object == nullptr) continue;
      found = object->if_contains(node.path.front());
      if (found != nullptr) break;
    }
    for (size_t i = 1; found != nullptr && i < node.path.size(); ++i) {
      const json::object* object = found->if_object();
      found = object != nullptr ? object->if_contains(node.path[i]) : nullptr;
    }
    return found;
  }

  void Unresolved(const std::string& name) {
    for (const std::string& seen : out_->unresolved) {
      if (seen == name) return;
    }
    out_->unresolved.push_back(name);
  }

  const RenderOptions& options_;
  RenderResult* out_;
  std::vector<const json::value*> stack_;
  std::string indent_;
  bool line_start_ = false;
  int partial_depth_ = 0;
};

}  // namespace

Result<RenderResult> Render(const MustacheTemplate& tmpl, const json::value& data,
                            const RenderOptions& options) {
  RenderResult result;
  Renderer renderer(options, &result);
  renderer.Push(&data);
  RETURN_IF_ERROR(renderer.Nodes(tmpl.nodes()));
  return result;
}

}  // namespace mercato::content
