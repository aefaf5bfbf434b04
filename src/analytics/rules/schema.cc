#include "analytics/rules/schema.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace mercato::analytics::rules {
namespace {

constexpr std::string_view kOrderCompleted = "Order Completed";
constexpr std::string_view kOrderRefunded = "Order Refunded";

FieldSpec Spec(std::string name, FieldType type, bool nullable, FieldSource source,
               std::vector<std::string> events, std::string description) {
  FieldSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.nullable = nullable;
  spec.source = source;
  spec.events = std::move(events);
  spec.description = std::move(description);
  return spec;
}

Schema BuildDefault() {
  using enum FieldType;
  using enum FieldSource;
  const std::vector<std::string> orders = {std::string(kOrderCompleted)};
  const std::vector<std::string> refunds = {std::string(kOrderRefunded)};
  const std::vector<std::string> both = {std::string(kOrderCompleted), std::string(kOrderRefunded)};
  Schema schema;
  const std::vector<FieldSpec> specs = {
      Spec("orders", kNumber, false, kNamedEvents, orders, "number of Order Completed events"),
      Spec("refunds", kNumber, false, kNamedEvents, refunds, "number of Order Refunded events"),
      Spec("revenue", kNumber, false, kNamedEvents, both, "net revenue (orders - refunds)"),
      Spec("average_order_value", kNumber, false, kNamedEvents, both, "revenue / orders"),
      Spec("last_order_at", kTime, true, kNamedEvents, orders, "time of the latest order"),
      Spec("first_seen", kTime, false, kAnyEvent, {}, "time of the earliest event"),
      Spec("last_seen", kTime, false, kAnyEvent, {}, "time of the latest event"),
      Spec("events", kNumber, false, kAnyEvent, {}, "number of events of every type"),
      Spec("preferred_country", kString, true, kAnyEvent, {},
           "most frequent context.location.country"),
      Spec("preferred_device", kString, true, kAnyEvent, {}, "most frequent context.device.type"),
      Spec("churn_probability", kNumber, true, kModel, {}, "predicted probability of churn"),
      Spec("p_alive", kNumber, true, kModel, {}, "BG/NBD probability the customer is alive"),
      Spec("clv", kNumber, true, kModel, {}, "predicted customer lifetime value"),
      Spec("expected_purchases_90d", kNumber, true, kModel, {},
           "BG/NBD expected purchases in the next 90 days"),
      Spec("rfm_score", kNumber, true, kModel, {}, "RFM score"),
      Spec("rfm_segment", kString, true, kModel, {}, "RFM segment name"),
      Spec("cluster", kNumber, true, kModel, {}, "cluster number of the latest clustering"),
  };
  for (const FieldSpec& spec : specs) (void)schema.AddField(spec);
  FieldSpec recency = Spec("recency_days", kNumber, true, kNamedEvents, orders,
                           "days since last_order_at at the evaluation instant");
  recency.days_since = "last_order_at";
  (void)schema.AddField(std::move(recency));
  const std::pair<const char*, const char*> aliases[] = {
      {"frequency", "orders"},
      {"monetary", "revenue"},
      {"country", "preferred_country"},
      {"device", "preferred_device"},
      {"rfm.recency_days", "recency_days"},
      {"rfm.frequency", "orders"},
      {"rfm.monetary", "revenue"},
      {"rfm.score", "rfm_score"},
      {"rfm.segment", "rfm_segment"},
  };
  for (const auto& [alias, canonical] : aliases) (void)schema.AddAlias(alias, canonical);
  return schema;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view FieldTypeDescription(FieldType type) {
  switch (type) {
    case FieldType::kBool:
      return "a boolean";
    case FieldType::kNumber:
      return "a number";
    case FieldType::kString:
      return "a string";
    case FieldType::kTime:
      return "a time";
    case FieldType::kDynamic:
      return "a trait or property";
  }
  return "?";
}

const Schema& Schema::Default() {
  static const Schema* const kDefault = new Schema(BuildDefault());
  return *kDefault;
}

Status Schema::CheckNewName(const Schema& schema, std::string_view name) {
  if (name.empty() || name == "traits" || name.starts_with("traits.")) {
    return Status::InvalidArgument("field name '" + std::string(name) + "' is reserved");
  }
  if (schema.Find(name) != nullptr) {
    return Status::InvalidArgument("field name '" + std::string(name) + "' is already defined");
  }
  return Status::Ok();
}

Status Schema::AddField(FieldSpec spec) {
  RETURN_IF_ERROR(CheckNewName(*this, spec.name));
  if (!spec.days_since.empty()) {
    const FieldSpec* base = Find(spec.days_since);
    if (base == nullptr || base->type != FieldType::kTime) {
      return Status::InvalidArgument("days_since of '" + spec.name + "' is not a time field");
    }
    spec.days_since = base->name;
  }
  std::string name = spec.name;
  fields_.emplace(std::move(name), std::move(spec));
  return Status::Ok();
}

Status Schema::AddAlias(std::string alias, std::string_view canonical) {
  RETURN_IF_ERROR(CheckNewName(*this, alias));
  const auto it = fields_.find(canonical);
  if (it == fields_.end()) {
    return Status::InvalidArgument("alias '" + alias + "' names an unknown field");
  }
  aliases_.emplace(std::move(alias), it->first);
  return Status::Ok();
}

const FieldSpec* Schema::Find(std::string_view name) const {
  if (const auto alias = aliases_.find(name); alias != aliases_.end()) name = alias->second;
  const auto it = fields_.find(name);
  return it == fields_.end() ? nullptr : &it->second;
}

std::vector<std::string> Schema::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, spec] : fields_) names.push_back(name);
  for (const auto& [alias, canonical] : aliases_) names.push_back(alias);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> Schema::Suggest(std::string_view unknown) const {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& name : Names()) {
    const size_t distance = EditDistance(unknown, name);
    if (!best || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  // A typo: at most a third of the longer name differs (and at least one edit is allowed).
  const size_t longest = best ? std::max(unknown.size(), best->size()) : 0;
  if (!best || best_distance > std::max<size_t>(1, longest / 3)) return std::nullopt;
  return best;
}

}  // namespace mercato::analytics::rules
