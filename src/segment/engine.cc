// SegmentEngine (segment_engine.h): opening, definitions and reads.

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "core/big_endian.h"
#include "core/logging.h"
#include "event/json_writer.h"
#include "profile/keys.h"
#include "segment/engine_impl.h"
#include "segment/keys.h"

namespace mercato::segment {
namespace {

namespace json = boost::json;
using analytics::rules::Rule;

constexpr size_t kMaxPageSize = 1000;
constexpr size_t kMaxSample = 100;

Result<Rule> CompileRule(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("'rule' must not be empty");
  Result<Rule> rule = Rule::Compile(text);
  if (!rule.ok()) {
    return Status::InvalidArgument("'rule' is not valid: " + rule.status().message());
  }
  return rule;
}

}  // namespace

SegmentEngine::Impl::Impl(Store& store, EventLog& log, const KeyVault& vault, const Clock& clock,
                          MetricsRegistry* metrics, SegmentEngineOptions options)
    : store_(store),
      log_(log),
      vault_(vault),
      clock_(clock),
      options_(std::move(options)),
      cursors_(log.partitions(), 0),
      published_cursors_(new std::atomic<uint64_t>[log.partitions()]) {
  for (uint32_t p = 0; p < log.partitions(); ++p) published_cursors_[p] = 0;
  if (metrics != nullptr) {
    evaluations_ = &metrics->GetCounter("mercato_segment_evaluations_total",
                                        "Segment rule evaluations for one customer");
    entered_ =
        &metrics->GetCounter("mercato_segment_transitions_total",
                             "Customers entering or leaving segments", {{"direction", "entered"}});
    exited_ =
        &metrics->GetCounter("mercato_segment_transitions_total",
                             "Customers entering or leaving segments", {{"direction", "exited"}});
    step_seconds_ = &metrics->GetHistogram("mercato_segment_step_seconds",
                                           "Duration of one round of segment work", {},
                                           DefaultLatencyBuckets());
    delay_seconds_ = &metrics->GetHistogram(
        "mercato_segment_membership_delay_seconds",
        "From an event's receivedAt to the write of the memberships it changed", {},
        DefaultLatencyBuckets());
  }
}

Status SegmentEngine::Impl::Load() {
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    Result<std::string> stored = store_.Get(Cf::kMeta, CursorKey(p));
    if (stored.ok()) {
      if (stored->size() != 8)
        return Status::Corruption("segment cursor of partition " + std::to_string(p) +
                                  " is malformed");
      cursors_[p] = GetFixed64BE(*stored);
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    published_cursors_[p] = cursors_[p];
  }
  Result<std::string> models = store_.Get(Cf::kMeta, kModelsSeenKey);
  if (models.ok() && models->size() == 8) {
    models_seen_ = DecodeMicros(*models);
  } else if (!models.ok() && models.status().code() != StatusCode::kNotFound) {
    return models.status();
  }
  auto it = store_.NewIterator(Cf::kSegments);
  for (it->Seek("d/"); it->Valid() && it->key().starts_with("d/"); it->Next()) {
    ASSIGN_OR_RETURN(SegmentDefinition def, SegmentDefinition::Parse(it->value().ToString()));
    Result<Rule> rule = Rule::Compile(def.rule);
    if (!rule.ok()) {
      return Status::Corruption("stored rule of segment " + def.id +
                                " no longer compiles: " + rule.status().message());
    }
    auto segment = std::make_unique<CompiledSegment>(CompiledSegment{def, std::move(*rule)});
    Result<std::string> count = store_.Get(Cf::kSegments, CountKey(def.id));
    if (count.ok() && count->size() == 8) segment->size = GetFixed64BE(*count);
    auto history = store_.NewIterator(Cf::kSegments);
    const std::string prefix = HistoryPrefix(def.id);
    history->SeekForPrev(prefix + std::string(9, '\xff'));
    if (history->Valid() && history->key().starts_with(prefix)) {
      segment->last_point_us =
          DecodeMicros(std::string_view(history->key().data() + prefix.size(), 8));
      boost::system::error_code ec;
      json::value point = json::parse(history->value().ToString(), ec);
      if (!ec && point.is_object()) {
        if (const json::value* size = point.get_object().if_contains("size");
            size != nullptr && size->is_number()) {
          segment->last_point_size = size->to_number<uint64_t>(ec);
        }
      }
    }
    segments_.emplace(def.id, std::move(segment));
  }
  return FromRocks(it->status(), "loading segment definitions");
}

Result<SegmentView> SegmentEngine::Impl::Create(const SegmentSpec& spec) {
  if (!spec.name) return Status::InvalidArgument("'name' is required");
  if (!spec.rule) return Status::InvalidArgument("'rule' is required");
  RETURN_IF_ERROR(ValidateSegmentName(*spec.name));
  if (spec.description) RETURN_IF_ERROR(ValidateSegmentDescription(*spec.description));
  if (spec.id) RETURN_IF_ERROR(ValidateSegmentId(*spec.id));
  ASSIGN_OR_RETURN(Rule rule, CompileRule(*spec.rule));

  std::lock_guard lock(mu_);
  if (segments_.size() >= options_.max_segments) {
    return Status::FailedPrecondition("there are already " + std::to_string(segments_.size()) +
                                      " segments, the limit; delete one first");
  }
  std::string id;
  if (spec.id) {
    id = *spec.id;
    if (segments_.contains(id)) {
      return Status::AlreadyExists("segment '" + id + "' already exists");
    }
  } else {
    const std::string base = SlugFromName(*spec.name);
    id = base;
    for (int n = 2; segments_.contains(id); ++n) id = base + "-" + std::to_string(n);
  }
  const int64_t now = clock_.NowMicros();
  SegmentDefinition def;
  def.id = id;
  def.name = *spec.name;
  def.description = spec.description.value_or("");
  def.rule = rule.canonical_text();
  def.created_at_us = def.updated_at_us = now;
  def.building = true;
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kSegments), DefinitionKey(id), def.Serialize());
  // Leftovers of an earlier segment with this id cannot exist: Delete removes everything.
  RETURN_IF_ERROR(store_.Write(batch, true));
  auto segment = std::make_unique<CompiledSegment>(CompiledSegment{def, std::move(rule)});
  SegmentView view{segment->def, 0};
  segments_.emplace(id, std::move(segment));
  return view;
}

Result<SegmentView> SegmentEngine::Impl::Update(std::string_view id, const SegmentSpec& spec) {
  if (spec.id && *spec.id != id) {
    return Status::InvalidArgument("'id' cannot be changed (the body says '" + *spec.id +
                                   "', the path '" + std::string(id) + "')");
  }
  if (spec.name) RETURN_IF_ERROR(ValidateSegmentName(*spec.name));
  if (spec.description) RETURN_IF_ERROR(ValidateSegmentDescription(*spec.description));
  std::optional<Rule> rule;
  if (spec.rule) {
    ASSIGN_OR_RETURN(Rule compiled, CompileRule(*spec.rule));
    rule = std::move(compiled);
  }
  std::lock_guard lock(mu_);
  auto it = segments_.find(id);
  if (it == segments_.end()) return Status::NotFound("no segment '" + std::string(id) + "'");
  CompiledSegment& segment = *it->second;
  SegmentDefinition def = segment.def;
  if (spec.name) def.name = *spec.name;
  if (spec.description) def.description = *spec.description;
  const bool new_version = rule && rule->canonical_text() != def.rule;
  if (new_version) {
    def.rule = rule->canonical_text();
    ++def.version;
    def.building = true;
    def.build_after.clear();
  }
  def.updated_at_us = clock_.NowMicros();
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kSegments), DefinitionKey(id), def.Serialize());
  RETURN_IF_ERROR(store_.Write(batch, true));
  segment.def = std::move(def);
  if (new_version) segment.rule = std::move(*rule);
  return SegmentView{segment.def, segment.size};
}

Status SegmentEngine::Impl::DeletePrefix(std::string_view prefix, rocksdb::WriteBatch& batch,
                                         size_t* count) {
  auto it = store_.NewIterator(Cf::kSegments);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    batch.Delete(store_.cf(Cf::kSegments), it->key());
    if (count != nullptr) ++*count;
  }
  return FromRocks(it->status(), "listing segment keys");
}

Status SegmentEngine::Impl::Delete(std::string_view id) {
  std::lock_guard lock(mu_);
  auto found = segments_.find(id);
  if (found == segments_.end()) return Status::NotFound("no segment '" + std::string(id) + "'");
  rocksdb::ColumnFamilyHandle* cf = store_.cf(Cf::kSegments);
  rocksdb::WriteBatch batch;
  const std::string members = MemberPrefix(id);
  auto it = store_.NewIterator(Cf::kSegments);
  for (it->Seek(members); it->Valid() && it->key().starts_with(members); it->Next()) {
    const std::string_view customer(it->key().data() + members.size(),
                                    it->key().size() - members.size());
    batch.Delete(cf, it->key());
    batch.Delete(cf, CustomerKey(customer, id));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing segment members"));
  const std::string timers = TimerIndexPrefix(id);
  for (it->Seek(timers); it->Valid() && it->key().starts_with(timers); it->Next()) {
    const std::string_view customer(it->key().data() + timers.size(),
                                    it->key().size() - timers.size());
    batch.Delete(cf, TimerKey(DecodeMicros(it->value().ToStringView()), id, customer));
    batch.Delete(cf, it->key());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing segment timers"));
  RETURN_IF_ERROR(DeletePrefix(HistoryPrefix(id), batch, nullptr));
  batch.Delete(cf, CountKey(id));
  batch.Delete(cf, DefinitionKey(id));
  RETURN_IF_ERROR(store_.Write(batch, true));
  segments_.erase(found);
  return Status::Ok();
}

Result<SegmentView> SegmentEngine::Impl::Get(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = segments_.find(id);
  if (it == segments_.end()) return Status::NotFound("no segment '" + std::string(id) + "'");
  return SegmentView{it->second->def, it->second->size};
}

std::vector<SegmentView> SegmentEngine::Impl::List() const {
  std::lock_guard lock(mu_);
  std::vector<SegmentView> views;
  views.reserve(segments_.size());
  for (const auto& [id, segment] : segments_) views.push_back({segment->def, segment->size});
  return views;
}

Result<MemberPage> SegmentEngine::Impl::Members(std::string_view id, std::string_view cursor,
                                                size_t limit) const {
  if (limit == 0 || limit > kMaxPageSize) {
    return Status::InvalidArgument("'limit' must be between 1 and " + std::to_string(kMaxPageSize));
  }
  if (!cursor.empty() && !profile::IsCustomerId(cursor)) {
    return Status::InvalidArgument("'cursor' is not a cursor of this listing");
  }
  RETURN_IF_ERROR(Get(id).status());
  const std::string prefix = MemberPrefix(id);
  MemberPage page;
  auto it = store_.NewIterator(Cf::kSegments);
  it->Seek(cursor.empty() ? prefix : MemberKey(id, cursor));
  if (!cursor.empty() && it->Valid() && it->key() == MemberKey(id, cursor)) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (page.members.size() == limit) {
      page.next_cursor = page.members.back().customer_id;
      break;
    }
    page.members.push_back(Member{it->key().ToString().substr(prefix.size()),
                                  DecodeMicros(it->value().ToStringView())});
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing segment members"));
  return page;
}

Result<std::vector<SizePoint>> SegmentEngine::Impl::History(std::string_view id) const {
  RETURN_IF_ERROR(Get(id).status());
  const std::string prefix = HistoryPrefix(id);
  std::vector<SizePoint> points;
  auto it = store_.NewIterator(Cf::kSegments);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    boost::system::error_code ec;
    json::value point = json::parse(it->value().ToString(), ec);
    if (ec || !point.is_object()) return Status::Corruption("a size history point is malformed");
    const json::object& object = point.get_object();
    SizePoint out;
    out.at_us = DecodeMicros(std::string_view(it->key().data() + prefix.size(), 8));
    const json::value* size = object.if_contains("size");
    const json::value* version = object.if_contains("version");
    const json::value* reason = object.if_contains("reason");
    if (size == nullptr || version == nullptr || reason == nullptr || !reason->is_string()) {
      return Status::Corruption("a size history point is malformed");
    }
    out.size = size->to_number<uint64_t>(ec);
    out.version = version->to_number<uint64_t>(ec);
    out.reason = std::string(reason->get_string());
    if (ec) return Status::Corruption("a size history point is malformed");
    points.push_back(std::move(out));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading size history"));
  return points;
}

void SegmentEngine::Impl::MaybeRecordSize(CompiledSegment& segment, int64_t now_us, bool force,
                                          rocksdb::WriteBatch& batch) {
  if (!force && (segment.def.building || segment.size == segment.last_point_size ||
                 now_us - segment.last_point_us < options_.history_interval_us)) {
    return;
  }
  if (now_us <= segment.last_point_us) now_us = segment.last_point_us + 1;  // keys stay unique
  json::object point{{"size", segment.size},
                     {"version", segment.def.version},
                     {"reason", force ? "build" : "changes"}};
  batch.Put(store_.cf(Cf::kSegments), HistoryKey(segment.def.id, now_us), SerializeJson(point));
  segment.last_point_us = now_us;
  segment.last_point_size = segment.size;
}

Result<std::vector<std::string>> SegmentEngine::Impl::SegmentsOf(
    std::string_view customer_id) const {
  const std::string prefix = CustomerPrefix(customer_id);
  std::vector<std::string> ids;
  auto it = store_.NewIterator(Cf::kSegments);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ids.push_back(it->key().ToString().substr(prefix.size()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing a customer's segments"));
  return ids;
}

Result<RulePreview> SegmentEngine::Impl::Preview(std::string_view text, size_t sample) const {
  if (sample > kMaxSample) {
    return Status::InvalidArgument("'sample' must be at most " + std::to_string(kMaxSample));
  }
  ASSIGN_OR_RETURN(Rule rule, CompileRule(text));
  RulePreview preview;
  preview.rule = rule.canonical_text();
  const int64_t now = clock_.NowMicros();
  auto it = store_.NewIterator(Cf::kProfiles);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view id(it->key().data(), it->key().size());
    Result<profile::ProfileState> state =
        profile::ProfileState::Parse(id, it->value().ToStringView());
    if (!state.ok() || !state->merged_into.empty()) continue;
    ++preview.total;
    if (preview.evaluated >= options_.preview_scan_limit) continue;
    ASSIGN_OR_RETURN(Predictions predictions, PredictionStore(store_).Get(id));
    CustomerContext context(store_, vault_, std::move(*state), std::move(predictions));
    ++preview.evaluated;
    ASSIGN_OR_RETURN(bool member, analytics::rules::Matches(rule, context, now));
    if (!member) continue;
    ++preview.matched;
    if (preview.sample.size() < sample) preview.sample.emplace_back(id);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scanning profiles"));
  return preview;
}

Result<size_t> SegmentEngine::Impl::EraseCustomer(std::string_view customer_id) {
  std::lock_guard lock(mu_);
  std::vector<std::string> customers{std::string(customer_id)};
  Result<std::string> stored = store_.Get(Cf::kProfiles, customer_id);
  if (stored.ok()) {
    Result<profile::ProfileState> state = profile::ProfileState::Parse(customer_id, *stored);
    if (state.ok()) {
      customers.insert(customers.end(), state->merged_from.begin(), state->merged_from.end());
    }
  }
  MembershipBatch batch(*this);
  size_t removed = 0;
  for (const std::string& customer : customers) {
    RETURN_IF_ERROR(DropCustomer(customer, batch, &removed));
    batch.batch().Delete(store_.cf(Cf::kSegments), SeenKey(customer));
  }
  RETURN_IF_ERROR(batch.Commit());
  for (std::string& customer : customers) erased_.insert(std::move(customer));
  return removed;
}

Status SegmentEngine::Impl::DropCustomer(std::string_view customer, MembershipBatch& batch,
                                         size_t* count) {
  const std::string prefix = CustomerPrefix(customer);
  auto it = store_.NewIterator(Cf::kSegments);
  std::vector<std::string> ids;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ids.push_back(it->key().ToString().substr(prefix.size()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing a customer's segments"));
  const int64_t now = clock_.NowMicros();
  for (const std::string& id : ids) {
    auto found = segments_.find(id);
    if (found != segments_.end()) {
      batch.Exit(*found->second, customer, nullptr, now, "erasure", "");
    } else {
      batch.batch().Delete(store_.cf(Cf::kSegments), CustomerKey(customer, id));
    }
    ++*count;
  }
  // Timers: one index entry per segment with a timer for this customer.
  for (const auto& [id, segment] : segments_) {
    Result<std::string> due = store_.Get(Cf::kSegments, TimerIndexKey(id, customer));
    if (due.ok()) {
      batch.SetTimer(id, customer, DecodeMicros(*due), std::nullopt);
      ++*count;
    } else if (due.status().code() != StatusCode::kNotFound) {
      return due.status();
    }
  }
  return Status::Ok();
}

// SegmentEngine forwards to Impl.

Result<std::unique_ptr<SegmentEngine>> SegmentEngine::Open(Store& store, EventLog& log,
                                                           const KeyVault& vault,
                                                           const Clock& clock,
                                                           MetricsRegistry* metrics,
                                                           SegmentEngineOptions options) {
  auto impl = std::make_unique<Impl>(store, log, vault, clock, metrics, std::move(options));
  RETURN_IF_ERROR(impl->Load());
  if (metrics != nullptr) {
    Impl* raw = impl.get();
    metrics->AddGaugeCallback("mercato_consumer_lag", "Log records not yet processed",
                              {{"consumer", "segments"}},
                              [raw] { return static_cast<double>(raw->Lag()); });
  }
  return std::unique_ptr<SegmentEngine>(new SegmentEngine(std::move(impl)));
}

SegmentEngine::SegmentEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SegmentEngine::~SegmentEngine() = default;

Result<SegmentView> SegmentEngine::Create(const SegmentSpec& spec) { return impl_->Create(spec); }
Result<SegmentView> SegmentEngine::Update(std::string_view id, const SegmentSpec& spec) {
  return impl_->Update(id, spec);
}
Status SegmentEngine::Delete(std::string_view id) { return impl_->Delete(id); }
Result<SegmentView> SegmentEngine::Get(std::string_view id) const { return impl_->Get(id); }
std::vector<SegmentView> SegmentEngine::List() const { return impl_->List(); }
Result<MemberPage> SegmentEngine::Members(std::string_view id, std::string_view cursor,
                                          size_t limit) const {
  return impl_->Members(id, cursor, limit);
}
Result<std::vector<SizePoint>> SegmentEngine::History(std::string_view id) const {
  return impl_->History(id);
}
Result<std::vector<std::string>> SegmentEngine::SegmentsOf(std::string_view customer_id) const {
  return impl_->SegmentsOf(customer_id);
}
Result<RulePreview> SegmentEngine::Preview(std::string_view rule, size_t sample) const {
  return impl_->Preview(rule, sample);
}
Result<size_t> SegmentEngine::Step(size_t max_records) { return impl_->Step(max_records); }
uint64_t SegmentEngine::Lag() const { return impl_->Lag(); }
Result<size_t> SegmentEngine::EraseCustomer(std::string_view customer_id) {
  return impl_->EraseCustomer(customer_id);
}

}  // namespace mercato::segment
