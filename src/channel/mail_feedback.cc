#include "channel/mail_feedback.h"

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "channel/email_message.h"
#include "core/ascii.h"

namespace mercato::channel {
namespace {

namespace json = boost::json;

using Fields = std::vector<std::pair<std::string, std::string>>;  // lowercased name, value

// Nested multiparts deeper than this are not looked into.
constexpr int kMaxDepth = 3;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The next line of `text` from `pos` without its LF or CRLF; advances `pos` past it.
std::string_view NextLine(std::string_view text, size_t& pos) {
  const size_t end = text.find('\n', pos);
  std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
  pos = end == std::string_view::npos ? text.size() : end + 1;
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// Header fields up to the first empty line (continuation lines unfolded); `pos` ends after it.
Fields ReadFields(std::string_view text, size_t& pos) {
  Fields fields;
  while (pos < text.size()) {
    const size_t start = pos;
    const std::string_view line = NextLine(text, pos);
    if (Trim(line).empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !fields.empty()) {
      fields.back().second += ' ';
      fields.back().second += Trim(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Not a field: the block has no (more) fields; the rest is body.
      pos = start;
      break;
    }
    fields.emplace_back(AsciiLower(Trim(line.substr(0, colon))),
                        std::string(Trim(line.substr(colon + 1))));
  }
  return fields;
}

std::string_view Field(const Fields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return {};
}

struct ContentType {
  std::string type;  // lowercased "multipart/report"
  std::string boundary;
  std::string report_type;  // lowercased
};

ContentType ParseContentType(std::string_view value) {
  ContentType out;
  const size_t semi = value.find(';');
  out.type = AsciiLower(Trim(value.substr(0, semi)));
  size_t pos = semi;
  while (pos != std::string_view::npos && pos < value.size()) {
    ++pos;  // past ';'
    const size_t equals = value.find('=', pos);
    if (equals == std::string_view::npos) break;
    const std::string name = AsciiLower(Trim(value.substr(pos, equals - pos)));
    std::string param;
    size_t at = equals + 1;
    while (at < value.size() && value[at] == ' ') ++at;
    if (at < value.size() && value[at] == '"') {
      for (++at; at < value.size() && value[at] != '"'; ++at) {
        if (value[at] == '\\' && at + 1 < value.size()) ++at;
        param += value[at];
      }
      pos = value.find(';', at);
    } else {
      pos = value.find(';', at);
      param = std::string(Trim(value.substr(at, pos == std::string_view::npos ? pos : pos - at)));
    }
    if (name == "boundary") out.boundary = param;
    if (name == "report-type") out.report_type = AsciiLower(param);
  }
  return out;
}

// A part: its fields and its body.
struct Part {
  Fields fields;
  std::string_view body;
};

Part ReadPart(std::string_view text) {
  size_t pos = 0;
  Part part;
  part.fields = ReadFields(text, pos);
  part.body = text.substr(pos);
  return part;
}

// The body parts of a multipart body (RFC 2046 section 5.1.1): the text between delimiter lines
// "--boundary", up to the close delimiter "--boundary--".
std::vector<std::string_view> SplitMultipart(std::string_view body, std::string_view boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + std::string(boundary);
  std::optional<size_t> part_start;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t line_start = pos;
    const std::string_view line = NextLine(body, pos);
    if (!line.starts_with(delimiter)) continue;
    const std::string_view rest = Trim(line.substr(delimiter.size()));
    const bool close = rest == "--";
    if (!close && !rest.empty()) continue;
    if (part_start) {
      // The CRLF before a delimiter belongs to the delimiter.
      size_t end = line_start;
      if (end > *part_start && body[end - 1] == '\n') --end;
      if (end > *part_start && body[end - 1] == '\r') --end;
      parts.push_back(body.substr(*part_start, end - *part_start));
    }
    if (close) return parts;
    part_start = pos;
  }
  if (part_start && *part_start < body.size()) parts.push_back(body.substr(*part_start));
  return parts;
}

// "rfc822; User@Example.com" (or a bare address, or one in <>) -> "user@example.com"; empty
// for another address type.
std::string AddressOf(std::string_view value) {
  const size_t semi = value.find(';');
  if (semi != std::string_view::npos) {
    if (AsciiLower(Trim(value.substr(0, semi))) != "rfc822") return {};
    value = value.substr(semi + 1);
  }
  value = Trim(value);
  const size_t open = value.rfind('<');
  if (open != std::string_view::npos) {
    const size_t close = value.find('>', open);
    if (close == std::string_view::npos) return {};
    value = value.substr(open + 1, close - open - 1);
  }
  std::string address = AsciiLower(Trim(value));
  return ValidateEmailAddress(address).ok() ? address : std::string();
}

std::string MessageIdOf(std::string_view value) {
  value = Trim(value);
  if (value.starts_with('<')) value.remove_prefix(1);
  const size_t close = value.find('>');
  if (close != std::string_view::npos) value = value.substr(0, close);
  value = Trim(value);
  for (char c : value) {
    if (c <= ' ' || c >= 0x7f || c == '<' || c == '>') return {};
  }
  return value.size() <= 250 ? std::string(value) : std::string();
}

// "5.1.1 (comment)" -> "5.1.1" when valid, else empty.
std::string StatusOf(std::string_view value) {
  value = Trim(value);
  const size_t space = value.find_first_of(" \t(");
  const std::string_view code = value.substr(0, space);
  return ValidateEnhancedStatus(code).ok() ? std::string(code) : std::string();
}

// "smtp; 550 5.1.1 ..." -> 550; 0 otherwise.
int SmtpCodeOf(std::string_view value) {
  const size_t semi = value.find(';');
  if (semi == std::string_view::npos || AsciiLower(Trim(value.substr(0, semi))) != "smtp") {
    return 0;
  }
  const std::string_view rest = Trim(value.substr(semi + 1));
  if (rest.size() < 3) return 0;
  int code = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return 0;
    code = code * 10 + (rest[i] - '0');
  }
  return (code >= 200 && code < 600 && (rest.size() == 3 || rest[3] == ' ' || rest[3] == '-'))
             ? code
             : 0;
}

// The Message-ID and To address of the returned original (message/rfc822, text/rfc822-headers).
struct Original {
  std::string message_id;
  std::string to;
};

Original ReadOriginal(const std::vector<Part>& parts) {
  Original original;
  for (const Part& part : parts) {
    const std::string type = ParseContentType(Field(part.fields, "content-type")).type;
    if (type != "message/rfc822" && type != "text/rfc822-headers" &&
        type != "message/rfc822-headers") {
      continue;
    }
    size_t pos = 0;
    const Fields headers = ReadFields(part.body, pos);
    original.message_id = MessageIdOf(Field(headers, "message-id"));
    original.to = AddressOf(Field(headers, "to"));
  }
  return original;
}

Result<std::vector<MailFeedback>> DeliveryStatus(std::string_view report,
                                                 const Original& original) {
  std::vector<MailFeedback> out;
  size_t pos = 0;
  (void)ReadFields(report, pos);  // the per-message fields (Reporting-MTA, ...)
  bool any_recipient = false;
  while (pos < report.size()) {
    const size_t before = pos;
    const Fields fields = ReadFields(report, pos);
    if (pos == before) break;  // not a field block
    if (fields.empty()) continue;
    const std::string_view action_text = Field(fields, "action");
    if (action_text.empty()) continue;
    any_recipient = true;
    const std::string action = AsciiLower(Trim(action_text));
    if (action != "failed" && action != "delayed") continue;  // delivered, relayed, expanded
    MailFeedback feedback;
    feedback.kind = MailFeedback::Kind::kBounce;
    feedback.recipient = AddressOf(Field(fields, "final-recipient"));
    if (feedback.recipient.empty())
      feedback.recipient = AddressOf(Field(fields, "original-recipient"));
    feedback.status = StatusOf(Field(fields, "status"));
    feedback.smtp_code = SmtpCodeOf(Field(fields, "diagnostic-code"));
    feedback.permanent = action == "failed" && !feedback.status.starts_with('4');
    feedback.message_id = original.message_id;
    if (feedback.recipient.empty() && feedback.message_id.empty()) continue;
    out.push_back(std::move(feedback));
  }
  if (!any_recipient) {
    return Status::InvalidArgument(
        "the message/delivery-status part has no per-recipient fields (Action, Final-Recipient)");
  }
  return out;
}

Result<std::vector<MailFeedback>> FeedbackReport(std::string_view report,
                                                 const Original& original) {
  size_t pos = 0;
  const Fields fields = ReadFields(report, pos);
  const std::string type = AsciiLower(Trim(Field(fields, "feedback-type")));
  if (type.empty()) {
    return Status::InvalidArgument("the message/feedback-report part has no Feedback-Type");
  }
  MailFeedback feedback;
  feedback.kind = MailFeedback::Kind::kComplaint;
  feedback.permanent = true;
  feedback.feedback_type = type.size() <= 64 ? type : type.substr(0, 64);
  feedback.recipient = AddressOf(Field(fields, "original-rcpt-to"));
  if (feedback.recipient.empty())
    feedback.recipient = AddressOf(Field(fields, "removal-recipient"));
  if (feedback.recipient.empty()) feedback.recipient = original.to;
  feedback.message_id = original.message_id;
  if (feedback.recipient.empty() && feedback.message_id.empty()) {
    return Status::InvalidArgument(
        "the feedback report names neither the recipient (Original-Rcpt-To) nor the original "
        "message (its Message-ID)");
  }
  return std::vector<MailFeedback>{std::move(feedback)};
}

Result<std::vector<MailFeedback>> FromEntity(const Part& entity, int depth) {
  const ContentType type = ParseContentType(Field(entity.fields, "content-type"));
  if (!type.type.starts_with("multipart/")) {
    return Status::InvalidArgument("not a multipart/report message (Content-Type '" +
                                   type.type.substr(0, 60) + "')");
  }
  if (type.boundary.empty() || type.boundary.size() > 70) {
    return Status::InvalidArgument("the multipart Content-Type has no valid boundary");
  }
  std::vector<Part> parts;
  for (std::string_view text : SplitMultipart(entity.body, type.boundary)) {
    parts.push_back(ReadPart(text));
  }
  if (type.type != "multipart/report") {
    // A report forwarded inside another multipart: look for it.
    if (depth < kMaxDepth) {
      for (const Part& part : parts) {
        Result<std::vector<MailFeedback>> inner = FromEntity(part, depth + 1);
        if (inner.ok()) return inner;
      }
    }
    return Status::InvalidArgument("no multipart/report part in the message");
  }
  const Original original = ReadOriginal(parts);
  const std::string_view wanted = type.report_type == "delivery-status" ? "message/delivery-status"
                                  : type.report_type == "feedback-report"
                                      ? "message/feedback-report"
                                      : "";
  if (wanted.empty()) {
    return Status::InvalidArgument("report-type '" + type.report_type.substr(0, 40) +
                                   "' is neither delivery-status nor feedback-report");
  }
  for (const Part& part : parts) {
    // message/global-delivery-status (RFC 6533) has the same fields in UTF-8.
    const std::string part_type = ParseContentType(Field(part.fields, "content-type")).type;
    if (part_type == wanted) {
      return wanted == "message/delivery-status" ? DeliveryStatus(part.body, original)
                                                 : FeedbackReport(part.body, original);
    }
    if (wanted == "message/delivery-status" && part_type == "message/global-delivery-status") {
      return DeliveryStatus(part.body, original);
    }
  }
  return Status::InvalidArgument("the report has no " + std::string(wanted) + " part");
}

Status Bad(size_t index, std::string_view field, std::string_view why) {
  return Status::InvalidArgument("feedback[" + std::to_string(index) + "]" +
                                 (field.empty() ? "" : "." + std::string(field)) + ": " +
                                 std::string(why));
}

Result<MailFeedback> FromJson(const json::value& value, size_t index) {
  const json::object* item = value.if_object();
  if (item == nullptr) return Bad(index, "", "must be an object");
  auto text = [&](std::string_view name) -> Result<std::optional<std::string>> {
    const json::value* field = item->if_contains(name);
    if (field == nullptr || field->is_null()) return std::optional<std::string>();
    if (!field->is_string()) return Bad(index, name, "must be a string");
    return std::optional<std::string>(std::string(field->get_string()));
  };
  ASSIGN_OR_RETURN(std::optional<std::string> type, text("type"));
  MailFeedback feedback;
  if (type == "bounce") {
    feedback.kind = MailFeedback::Kind::kBounce;
  } else if (type == "complaint") {
    feedback.kind = MailFeedback::Kind::kComplaint;
  } else {
    return Bad(index, "type", "must be \"bounce\" or \"complaint\"");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> message_id, text("messageId"));
  if (message_id) {
    feedback.message_id = MessageIdOf(*message_id);
    if (feedback.message_id.empty()) {
      return Bad(index, "messageId", "must be a Message-ID (printable ASCII, at most 250 bytes)");
    }
  }
  ASSIGN_OR_RETURN(std::optional<std::string> recipient, text("recipient"));
  if (recipient) {
    feedback.recipient = AsciiLower(Trim(*recipient));
    if (!ValidateEmailAddress(feedback.recipient).ok()) {
      return Bad(index, "recipient", "must be an e-mail address");
    }
  }
  if (feedback.message_id.empty() && feedback.recipient.empty()) {
    return Bad(index, "", "needs a messageId or a recipient");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> status, text("status"));
  if (status) {
    if (!ValidateEnhancedStatus(*status).ok()) {
      return Bad(index, "status", "must be an enhanced status code such as \"5.1.1\"");
    }
    feedback.status = *status;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> feedback_type, text("feedbackType"));
  if (feedback_type) {
    if (feedback_type->empty() || feedback_type->size() > 64) {
      return Bad(index, "feedbackType", "must be 1 to 64 characters");
    }
    feedback.feedback_type = AsciiLower(*feedback_type);
  }
  const json::value* permanent = item->if_contains("permanent");
  if (permanent != nullptr && !permanent->is_null() && !permanent->is_bool()) {
    return Bad(index, "permanent", "must be true or false");
  }
  if (feedback.kind == MailFeedback::Kind::kComplaint) {
    feedback.permanent = true;
    if (feedback.feedback_type.empty()) feedback.feedback_type = "abuse";
  } else if (permanent != nullptr && permanent->is_bool()) {
    feedback.permanent = permanent->get_bool();
    if (!feedback.status.empty() && feedback.permanent != feedback.status.starts_with('5')) {
      return Bad(index, "permanent", "contradicts the status class");
    }
  } else {
    // Without either, a bounce is taken as permanent: what ESPs report as a plain "bounce".
    feedback.permanent = !feedback.status.starts_with('4');
  }
  return feedback;
}

}  // namespace

Status ValidateEnhancedStatus(std::string_view status) {
  // class "." subject "." detail: class 2, 4 or 5; subject and detail 1-3 digits.
  const auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(status.substr(0, 20)) +
                                   "' is not an enhanced status code");
  };
  if (status.size() < 5 || status.size() > 9) return bad();
  if (status[0] != '2' && status[0] != '4' && status[0] != '5') return bad();
  if (status[1] != '.') return bad();
  size_t pos = 2;
  for (int group = 0; group < 2; ++group) {
    size_t digits = 0;
    while (pos < status.size() && status[pos] >= '0' && status[pos] <= '9') {
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3) return bad();
    if (group == 0) {
      if (pos >= status.size() || status[pos] != '.') return bad();
      ++pos;
    }
  }
  return pos == status.size() ? Status::Ok() : bad();
}

Result<std::vector<MailFeedback>> ParseFeedbackMessage(std::string_view message) {
  Part entity = ReadPart(message);
  if (entity.fields.empty()) {
    return Status::InvalidArgument("not a mail message: no header fields");
  }
  return FromEntity(entity, 0);
}

Result<std::vector<MailFeedback>> ParseFeedbackJson(std::string_view body, size_t max_items) {
  boost::system::error_code error;
  json::value parsed = json::parse(body, error);
  if (error) return Status::InvalidArgument("the body is not JSON: " + error.message());
  const json::array* items = parsed.if_array();
  json::array single;
  if (items == nullptr) {
    const json::object* object = parsed.if_object();
    if (object == nullptr) return Status::InvalidArgument("the body must be an object or an array");
    if (const json::value* list = object->if_contains("feedback")) {
      items = list->if_array();
      if (items == nullptr) return Status::InvalidArgument("feedback must be an array");
    } else {
      single.push_back(parsed);
      items = &single;
    }
  }
  if (items->empty()) return Status::InvalidArgument("no feedback items");
  if (items->size() > max_items) {
    return Status::InvalidArgument("at most " + std::to_string(max_items) +
                                   " feedback items per request");
  }
  std::vector<MailFeedback> out;
  for (size_t i = 0; i < items->size(); ++i) {
    ASSIGN_OR_RETURN(MailFeedback feedback, FromJson((*items)[i], i));
    out.push_back(std::move(feedback));
  }
  return out;
}

}  // namespace mercato::channel
