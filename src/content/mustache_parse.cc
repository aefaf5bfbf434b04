// Parsing: one pass over the source that turns tags into a tree, removing standalone lines as
// it goes.

#include <algorithm>
#include <set>

#include "content/mustache.h"

namespace mercato::content {
namespace {

using Node = MustacheTemplate::Node;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

class Parser {
 public:
  Parser(std::string_view source, const MustacheLimits& limits)
      : source_(source), limits_(limits) {}

  Status Run(std::vector<Node>* root, std::vector<std::string>* names,
             std::vector<std::string>* partials) {
    struct Open {
      Node node;
      size_t position;
    };
    std::vector<Open> open;
    auto current = [&]() -> std::vector<Node>& {
      return open.empty() ? *root : open.back().node.children;
    };
    size_t pos = 0;
    while (pos < source_.size()) {
      const size_t tag = source_.find(open_, pos);
      if (tag == std::string_view::npos) {
        AppendText(&current(), source_.substr(pos));
        break;
      }
      AppendText(&current(), source_.substr(pos, tag - pos));
      Tag parsed;
      RETURN_IF_ERROR(ReadTag(tag, &parsed));
      pos = parsed.end;
      if (parsed.standalone_eligible && IsStandalone(tag, parsed.end)) {
        parsed.indent = TrimLineStart(&current());
        pos = SkipLineEnd(parsed.end);
      }
      switch (parsed.sigil) {
        case '!':
        case '=':
          break;
        case '#':
        case '^': {
          if (static_cast<int>(open.size()) >= limits_.max_nesting) {
            return Error(tag, "sections nest deeper than " + std::to_string(limits_.max_nesting));
          }
          Node node;
          node.kind = parsed.sigil == '#' ? Node::Kind::kSection : Node::Kind::kInverted;
          RETURN_IF_ERROR(SetName(tag, parsed.content, &node, names));
          open.push_back({std::move(node), tag});
          break;
        }
        case '/': {
          if (open.empty()) {
            return Error(tag, "{{/" + std::string(parsed.content) + "}} closes no section");
          }
          if (open.back().node.text != parsed.content) {
            return Error(tag, "{{/" + std::string(parsed.content) + "}} closes section '" +
                                  open.back().node.text + "' opened at " +
                                  Where(open.back().position));
          }
          Node done = std::move(open.back().node);
          open.pop_back();
          current().push_back(std::move(done));
          break;
        }
        case '>': {
          if (parsed.content.empty()) return Error(tag, "a partial needs a name");
          Node node;
          node.kind = Node::Kind::kPartial;
          node.text = std::string(parsed.content);
          node.indent = std::move(parsed.indent);
          if (std::find(partials->begin(), partials->end(), node.text) == partials->end()) {
            partials->push_back(node.text);
          }
          current().push_back(std::move(node));
          break;
        }
        default: {
          Node node;
          node.kind = parsed.sigil == 0 ? Node::Kind::kEscaped : Node::Kind::kRaw;
          RETURN_IF_ERROR(SetName(tag, parsed.content, &node, names));
          current().push_back(std::move(node));
          break;
        }
      }
    }
    if (!open.empty()) {
      return Error(open.back().position, "section '" + open.back().node.text + "' is never closed");
    }
    return Status::Ok();
  }

 private:
  struct Tag {
    char sigil = 0;  // 0 variable, '&' or '{' raw, '#', '^', '/', '!', '>', '='
    std::string_view content;
    size_t end = 0;  // just past the closing delimiter
    bool standalone_eligible = false;
    std::string indent;
  };

  Status ReadTag(size_t tag, Tag* out) {
    size_t inner = tag + open_.size();
    if (inner < source_.size() &&
        std::string_view("#^/!>&{=").find(source_[inner]) != std::string_view::npos) {
      out->sigil = source_[inner];
      ++inner;
    }
    // "{{{name}}}" ends with "}" + the closing delimiter; "{{=<% %>=}}" with "=" + it.
    std::string close = close_;
    if (out->sigil == '{') close = "}" + close_;
    if (out->sigil == '=') close = "=" + close_;
    const size_t end = source_.find(close, inner);
    if (end == std::string_view::npos) {
      return Error(tag, "tag is never closed (expected '" + close + "')");
    }
    out->content = Trim(source_.substr(inner, end - inner));
    out->end = end + close.size();
    out->standalone_eligible = out->sigil != 0 && out->sigil != '&' && out->sigil != '{';
    if (out->sigil == '=') return ChangeDelimiters(tag, out->content);
    return Status::Ok();
  }

  Status ChangeDelimiters(size_t tag, std::string_view spec) {
    const size_t space = spec.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return Error(tag, "a delimiter change needs two delimiters separated by a space");
    }
    const std::string_view opener = spec.substr(0, space);
    const std::string_view closer = Trim(spec.substr(space));
    auto valid = [](std::string_view d) {
      return !d.empty() && d.size() <= 8 &&
             std::none_of(d.begin(), d.end(), [](char c) { return IsBlank(c) || c == '='; });
    };
    if (!valid(opener) || !valid(closer)) {
      return Error(tag, "delimiters must be 1-8 characters without spaces or '='");
    }
    open_ = std::string(opener);
    close_ = std::string(closer);
    return Status::Ok();
  }

  Status SetName(size_t tag, std::string_view name, Node* node, std::vector<std::string>* names) {
    if (name.empty()) return Error(tag, "a tag needs a name");
    if (std::any_of(name.begin(), name.end(),
                    [](char c) { return IsBlank(c) || c == '\n' || c == '\r'; })) {
      return Error(tag, "name '" + std::string(name) + "' contains spaces");
    }
    node->text = std::string(name);
    if (name == ".") return Status::Ok();
    size_t start = 0;
    while (true) {
      const size_t dot = name.find('.', start);
      const std::string_view part = name.substr(start, dot - start);
      if (part.empty()) return Error(tag, "name '" + std::string(name) + "' has an empty part");
      node->path.emplace_back(part);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (std::find(names->begin(), names->end(), node->text) == names->end()) {
      names->push_back(node->text);
    }
    return Status::Ok();
  }

  // A tag is standalone when only spaces and tabs share its line.
  bool IsStandalone(size_t tag, size_t end) const {
    size_t start = tag;
    while (start > 0 && IsBlank(source_[start - 1])) --start;
    if (start > 0 && source_[start - 1] != '\n') return false;
    size_t after = end;
    while (after < source_.size() && IsBlank(source_[after])) ++after;
    return after == source_.size() || source_[after] == '\n' || source_.substr(after, 2) == "\r\n";
  }

  // Removes the blanks before a standalone tag from the text node just emitted; returns them.
  static std::string TrimLineStart(std::vector<Node>* nodes) {
    if (nodes->empty() || nodes->back().kind != Node::Kind::kText) return {};
    std::string& text = nodes->back().text;
    const size_t newline = text.find_last_of('\n');
    const size_t cut = newline == std::string::npos ? 0 : newline + 1;
    std::string indent = text.substr(cut);
    // Only blanks can follow the last newline here, or the tag would not be standalone; the
    // text may also hold blanks left by an earlier tag on this line, which then was not
    // standalone, so this is only reached for the line's first tag.
    text.resize(cut);
    if (text.empty()) nodes->pop_back();
    return indent;
  }

  size_t SkipLineEnd(size_t end) const {
    while (end < source_.size() && IsBlank(source_[end])) ++end;
    if (source_.substr(end, 2) == "\r\n") return end + 2;
    if (end < source_.size() && source_[end] == '\n') return end + 1;
    return end;
  }

  void AppendText(std::vector<Node>* nodes, std::string_view text) {
    if (text.empty()) return;
    if (!nodes->empty() && nodes->back().kind == Node::Kind::kText) {
      nodes->back().text.append(text);
      return;
    }
    Node node;
    node.text = std::string(text);
    nodes->push_back(std::move(node));
  }

  std::string Where(size_t position) const {
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < position && i < source_.size(); ++i) {
      if (source_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(position - line_start + 1);
  }

  Status Error(size_t position, const std::string& message) const {
    return Status::InvalidArgument(Where(position) + ": " + message);
  }

  std::string_view source_;
  const MustacheLimits& limits_;
  std::string open_ = "{{";
  std::string close_ = "}}";
};

}  // namespace

Result<MustacheTemplate> MustacheTemplate::Parse(std::string_view source,
                                                 const MustacheLimits& limits) {
  if (source.size() > limits.max_source_bytes) {
    return Status::InvalidArgument("template is " + std::to_string(source.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(limits.max_source_bytes));
  }
  auto nodes = std::make_shared<std::vector<Node>>();
  auto names = std::make_shared<std::vector<std::string>>();
  auto partials = std::make_shared<std::vector<std::string>>();
  Parser parser(source, limits);
  RETURN_IF_ERROR(parser.Run(nodes.get(), names.get(), partials.get()));
  MustacheTemplate out;
  out.nodes_ = std::move(nodes);
  out.names_ = std::move(names);
  out.partials_ = std::move(partials);
  return out;
}

}  // namespace mercato::content
