#include "recserve/recommender.h"

#include <boost/json/array.hpp>
#include <chrono>

#include "core/logging.h"
#include "core/time_format.h"
#include "profile/profile_state.h"
#include "weather/season.h"

namespace mercato::recserve {
namespace {

namespace json = boost::json;

json::value CatalogJson(const std::optional<catalog::CatalogItem>& item) {
  if (!item) return nullptr;
  json::object out;
  if (!item->name.empty()) out["name"] = item->name;
  if (!item->category.empty()) out["category"] = item->category;
  if (item->price) out["price"] = *item->price;
  if (!item->currency.empty()) out["currency"] = item->currency;
  if (item->available) out["available"] = *item->available;
  return out;
}

// The ids of customers merged into `customer_id` (its profile's merge history); empty when it has
// no profile.
Result<std::vector<std::string>> MergedFrom(Store& store, std::string_view customer_id) {
  auto stored = store.Get(Cf::kProfiles, customer_id);
  if (stored.status().code() == StatusCode::kNotFound) return std::vector<std::string>();
  if (!stored.ok()) return stored.status();
  ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(customer_id, *stored));
  return state.merged_from;
}

}  // namespace

json::object RecommendAnswer::ToJson() const {
  json::array rendered;
  for (const RecommendedItem& item : items) {
    json::object entry{{"id", item.id}, {"score", item.score}, {"reason", item.reason}};
    if (item.catalog) entry["product"] = CatalogJson(item.catalog);
    rendered.push_back(std::move(entry));
  }
  json::object context_json{
      {"device", context.device.empty() ? json::value(nullptr) : json::value(context.device)},
      {"country", context.country.empty() ? json::value(nullptr) : json::value(context.country)},
      {"season", context.season.empty() ? json::value(nullptr) : json::value(context.season)},
      {"weather", nullptr}};
  if (context.weather) {
    context_json["weather"] = json::object{{"condition", ConditionName(context.weather->condition)},
                                           {"temperatureC", context.weather->temperature_c}};
  }
  json::array session_json(session.begin(), session.end());
  return json::object{
      {"customerId", customer_id.empty() ? json::value(nullptr) : json::value(customer_id)},
      {"personalised", personalised},
      {"strategy", strategy},
      {"modelVersion", version},
      {"session", std::move(session_json)},
      {"context", std::move(context_json)},
      {"items", std::move(rendered)}};
}

RecommendService::RecommendService(Store& store, const ProfileStore& profiles,
                                   catalog::CatalogStore* catalog, WeatherProvider* weather,
                                   const Clock& clock, ServiceOptions options)
    : store_(store),
      profiles_(profiles),
      catalog_(catalog),
      weather_(weather),
      clock_(clock),
      options_(options) {}

RecommendService::~RecommendService() { Stop(); }

Status RecommendService::Start() {
  ModelVersionStore versions(store_);
  auto current = versions.Current();
  if (current.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!current.ok()) return current.status();
  ASSIGN_OR_RETURN(auto models, LoadModelSet(*current));
  Swap(std::move(models));
  return Status::Ok();
}

void RecommendService::Stop() {
  std::thread worker;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    stopped_ = true;
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

std::shared_ptr<const ModelSet> RecommendService::models() const {
  std::lock_guard<std::mutex> lock(models_mu_);
  return models_;
}

void RecommendService::Swap(std::shared_ptr<const ModelSet> models) {
  std::shared_ptr<const ModelSet> old;
  {
    std::lock_guard<std::mutex> lock(models_mu_);
    old = std::move(models_);
    models_ = std::move(models);
  }
  // `old` is released here, outside the lock (the last request holding it may free it instead).
}

Result<TrainResult> RecommendService::Train(const TrainOptions& options) {
  std::unique_lock<std::mutex> lock(train_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::FailedPrecondition("a training is already running");
  ASSIGN_OR_RETURN(TrainResult result, TrainModels(store_, clock_, options, catalog_));
  Swap(result.models);
  return result;
}

Status RecommendService::StartTraining(TrainOptions options) {
  RETURN_IF_ERROR(ValidateTrainOptions(options));
  std::lock_guard<std::mutex> lock(state_mu_);
  if (stopped_) return Status::Unavailable("the server is stopping");
  if (state_ == "running") return Status::FailedPrecondition("a training is already running");
  if (worker_.joinable()) worker_.join();  // the previous one has finished
  state_ = "running";
  state_error_.clear();
  state_version_.clear();
  worker_ = std::thread([this, options = std::move(options)] {
    Result<TrainResult> result = Train(options);
    std::lock_guard<std::mutex> done(state_mu_);
    if (result.ok()) {
      state_ = "done";
      state_version_ = result->version.id();
    } else {
      state_ = "failed";
      state_error_ = result.status().ToString();
      LOG(WARNING) << "recommendation training failed: " << state_error_;
    }
  });
  return Status::Ok();
}

json::object RecommendService::Describe() const {
  json::object training;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    training["state"] = state_;
    if (!state_error_.empty()) training["error"] = state_error_;
    if (!state_version_.empty()) training["version"] = state_version_;
  }
  json::value current = nullptr;
  if (auto models = this->models()) {
    ModelVersionStore versions(store_);
    auto record = versions.Record(models->version());
    if (record.ok()) {
      record->erase("parts");
      current = std::move(*record);
    }
  }
  return json::object{{"current", std::move(current)}, {"training", std::move(training)}};
}

Result<std::vector<json::object>> RecommendService::Versions() const {
  ModelVersionStore versions(store_);
  ASSIGN_OR_RETURN(std::vector<json::object> records, versions.List());
  for (json::object& record : records) record.erase("parts");
  return records;
}

std::shared_ptr<const RecommendService::CatalogSnapshot> RecommendService::Catalog() const {
  if (catalog_ == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(catalog_mu_);
  const uint64_t generation = catalog_->generation();
  if (catalog_snapshot_ && catalog_generation_ == generation) return catalog_snapshot_;
  auto items = std::make_shared<CatalogSnapshot>();
  auto read = catalog_->ForEach(
      [&items](const catalog::CatalogItem& item) { items->emplace(item.id, item); });
  if (!read.ok()) {
    LOG(WARNING) << "reading the catalog: " << read.status().ToString();
    return catalog_snapshot_;  // the previous one (or none): answers go on without it
  }
  catalog_snapshot_ = std::move(items);
  catalog_generation_ = generation;
  return catalog_snapshot_;
}

std::optional<Weather> RecommendService::WeatherAt(std::optional<double> latitude,
                                                   std::optional<double> longitude) const {
  if (weather_ == nullptr || !latitude || !longitude) return std::nullopt;
  Result<Weather> current = weather_->Current(Location{*latitude, *longitude});
  if (!current.ok()) return std::nullopt;  // weather is a hint: answer without it
  return *current;
}

Result<RecommendAnswer> RecommendService::Answer(std::shared_ptr<const ModelSet> models,
                                                 std::vector<std::string> session,
                                                 std::unordered_set<std::string> exclude,
                                                 const RecommendRequest& request,
                                                 RecommendContext context,
                                                 bool personalised) const {
  const std::string strategy =
      !personalised ? "popular"
                    : (request.strategy.empty() ? models->default_strategy() : request.strategy);
  const recommend::SessionModel* model = models->Find(strategy);
  if (model == nullptr) {
    return Status::InvalidArgument("unknown strategy '" + strategy + "' (this version has: " + [&] {
      std::string names;
      for (const std::string& name : models->Strategies()) {
        names += (names.empty() ? "" : ", ") + name;
      }
      return names;
    }() + ")");
  }
  for (const std::string& id : request.exclude_items) exclude.insert(id);
  RerankInput input;
  input.models = models.get();
  input.model = model;
  input.strategy = strategy;
  input.session = session;
  input.now_us = clock_.NowMicros();
  input.n = request.n;
  input.exclude = std::move(exclude);
  input.exclude_session = request.exclude_session;
  input.exclude_unavailable = request.exclude_unavailable;
  input.context = std::move(context);
  if (std::shared_ptr<const CatalogSnapshot> items = Catalog()) {
    input.catalog = [items](std::string_view id) -> std::optional<catalog::CatalogItem> {
      auto found = items->find(std::string(id));
      if (found == items->end()) return std::nullopt;
      return found->second;
    };
  }
  RecommendAnswer answer;
  const auto started = std::chrono::steady_clock::now();
  answer.items = Rerank(input);
  if (options_.metrics != nullptr) {
    options_.metrics
        ->GetHistogram("mercato_recommendation_seconds",
                       "Time a recommendation model takes to rank one answer, by strategy",
                       {{"strategy", strategy}}, DefaultLatencyBuckets())
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  answer.personalised = personalised;
  answer.strategy = strategy;
  answer.version = models->version();
  answer.session = std::move(session);
  answer.context = std::move(input.context);
  return answer;
}

Result<RecommendAnswer> RecommendService::ForCustomer(std::string_view id,
                                                      const RecommendRequest& request) const {
  std::shared_ptr<const ModelSet> models = this->models();
  if (!models) return Status::FailedPrecondition("no recommendation model was trained yet");
  RecommendContext context;
  context.device = request.device;
  context.country = request.country;
  std::optional<double> latitude = request.latitude, longitude = request.longitude;
  Result<std::string> customer = profiles_.Resolve(id);
  std::vector<std::string> session;
  std::unordered_set<std::string> exclude;
  bool personalised = false;
  std::string customer_id;
  if (customer.ok()) {
    customer_id = *customer;
    ASSIGN_OR_RETURN(LiveActivity activity,
                     ReadLiveActivity(store_, customer_id, clock_.NowMicros(), options_.live));
    personalised = activity.personalisation;
    if (personalised) {
      session = std::move(activity.session);
      if (request.exclude_purchased) exclude = std::move(activity.purchased);
      if (context.device.empty()) context.device = activity.device;
      if (context.country.empty()) context.country = activity.country;
      if (!latitude) {
        latitude = activity.latitude;
        longitude = activity.longitude;
      }
    }
  } else if (customer.status().code() != StatusCode::kNotFound) {
    return customer.status();
  }
  context.season = std::string(SeasonAt(clock_.NowMicros(), latitude));
  if (request.use_weather) context.weather = WeatherAt(latitude, longitude);
  ASSIGN_OR_RETURN(RecommendAnswer answer,
                   Answer(std::move(models), std::move(session), std::move(exclude), request,
                          std::move(context), personalised));
  answer.customer_id = std::move(customer_id);
  return answer;
}

Result<RecommendAnswer> RecommendService::ForSession(const std::vector<std::string>& items,
                                                     const RecommendRequest& request) const {
  std::shared_ptr<const ModelSet> models = this->models();
  if (!models) return Status::FailedPrecondition("no recommendation model was trained yet");
  RecommendContext context;
  context.device = request.device;
  context.country = request.country;
  context.season = std::string(SeasonAt(clock_.NowMicros(), request.latitude));
  if (request.use_weather) context.weather = WeatherAt(request.latitude, request.longitude);
  return Answer(std::move(models), items, {}, request, std::move(context), true);
}

Result<size_t> RecommendService::EraseCustomer(std::string_view customer_id) {
  std::lock_guard<std::mutex> lock(train_mu_);
  ModelVersionStore versions(store_);
  auto current = versions.Current();
  if (current.status().code() == StatusCode::kNotFound) return size_t{0};
  if (!current.ok()) return current.status();
  auto data_part = current->parts.find("data");
  if (data_part == current->parts.end()) {
    return Status::Corruption("model version " + current->id() + " has no training data");
  }
  ASSIGN_OR_RETURN(TrainingData data, TrainingData::Deserialize(data_part->second));
  // Customers merged into this one since the training still own sessions under their own ids.
  size_t erased = data.EraseCustomer(customer_id);
  ASSIGN_OR_RETURN(std::vector<std::string> merged, MergedFrom(store_, customer_id));
  for (const std::string& id : merged) erased += data.EraseCustomer(id);
  if (erased == 0) {
    // Older versions may still hold the customer's sessions: they go too.
    RETURN_IF_ERROR(versions.DeleteAllBut(current->id()).status());
    return erased;
  }
  ModelVersion rewritten;
  rewritten.record = current->record;
  ASSIGN_OR_RETURN(std::string id, versions.NewId(clock_.NowMicros()));
  rewritten.record["version"] = id;
  rewritten.record["rewrittenFrom"] = current->id();
  rewritten.record["sessions"] = data.sessions.size();
  const json::value* erasures = current->record.if_contains("erasures");
  rewritten.record["erasures"] =
      (erasures != nullptr && erasures->is_int64() ? erasures->get_int64() : 0) + 1;
  rewritten.record["neural"] = false;  // a neural model cannot forget one customer
  rewritten.parts["data"] = data.Serialize();
  const json::value* strategy = current->record.if_contains("strategy");
  std::string default_strategy =
      strategy != nullptr && strategy->is_string() ? std::string(strategy->get_string()) : "";
  if (default_strategy == "gru4rec") default_strategy = "vstan";
  rewritten.record["strategy"] = default_strategy;
  if (data.sessions.empty()) {
    RETURN_IF_ERROR(versions.DeleteAllBut("").status());
    Swap(nullptr);
    return erased;
  }
  ASSIGN_OR_RETURN(auto models, ModelSet::Build(std::move(data), {}, id, default_strategy));
  RETURN_IF_ERROR(versions.Put(rewritten));
  RETURN_IF_ERROR(versions.DeleteAllBut(id).status());
  Swap(std::move(models));
  return erased;
}

}  // namespace mercato::recserve
