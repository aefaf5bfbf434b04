#pragma once
// RecommendService: serves recommendations from the current model version and trains new ones
// (docs/recommendations.md, "Serving"; the routes are in server/recommendation_routes.cc).
//
// - Models: the current version (recserve/model_versions.h) is loaded by Start(); a training
//   (synchronous: Train, or on a background thread: StartTraining) stores a new version and swaps
//   it in atomically — requests running on the old set finish on it.
// - ForCustomer reads the customer's live activity from the stored events at request time
//   (recserve/event_reader.h), so a view the profile consumer has just stored changes the next
//   answer. Without consent to personalisation, or for an unknown customer, the answer is
//   trending items and says so ("personalised": false).
// - Exclusions and context re-ranking: recserve/rerank.h; the context comes from the request,
//   else from the customer's most recent events; the weather from the provider (may be null)
//   at the request's or the customer's location.
// - Erasure (EraseCustomer): removes the customer's sessions (and those of customers merged into
//   it since, by their profile's merge history) from the current version, stores it
//   as a new version, deletes every older one (they hold the sessions) and swaps. A neural model
//   cannot forget one customer, so the rewritten version drops it until the next training.
//
// Thread safety: every method is safe from any thread; trainings and erasures are serialised.

#include <atomic>
#include <boost/json/object.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "catalog/catalog_store.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "profile/profile_store.h"
#include "recserve/rerank.h"
#include "recserve/trainer.h"
#include "storage/store.h"
#include "weather/weather.h"

namespace mercato::recserve {

struct RecommendRequest {
  size_t n = 10;                  // 1..100
  std::string strategy;           // empty: the version's default
  bool exclude_purchased = true;  // customer requests only
  bool exclude_unavailable = true;
  bool exclude_session = true;  // a shop rarely shows the product a visitor is looking at
  std::vector<std::string> exclude_items;  // never returned
  // Context; empty / unset = from the customer's events (customer requests) or unknown.
  std::string device, country;
  std::optional<double> latitude, longitude;
  bool use_weather = true;
};

struct RecommendAnswer {
  std::string customer_id;  // empty for session requests and unknown customers
  bool personalised = true;
  std::string strategy;
  std::string version;
  std::vector<std::string> session;  // the items the answer was computed from
  RecommendContext context;
  std::vector<RecommendedItem> items;
  boost::json::object ToJson() const;
};

struct ServiceOptions {
  ConsentDefaults consent;
  LiveReadOptions live;
  // When set: mercato_recommendation_seconds{strategy}, the time a model takes to rank an answer
  // (scoring and re-ranking, without reading the customer's events).
  MetricsRegistry* metrics = nullptr;
};

class RecommendService {
 public:
  // `catalog` and `weather` may be null. All references must outlive the service.
  RecommendService(Store& store, const ProfileStore& profiles, catalog::CatalogStore* catalog,
                   WeatherProvider* weather, const Clock& clock, ServiceOptions options = {});
  ~RecommendService();  // Stop()

  // Loads the current version when there is one (none is not an error).
  Status Start();
  // Waits for a background training to finish; refuses new ones.
  void Stop();

  // Trains and swaps synchronously. FailedPrecondition while another training runs.
  Result<TrainResult> Train(const TrainOptions& options);
  // Validates, then trains on a background thread. FailedPrecondition while one runs.
  Status StartTraining(TrainOptions options);
  // {"current": version record | null, "training": {"state": "idle"|"running"|"failed"|"done",
  //  "error"?, "version"?}}
  boost::json::object Describe() const;
  // Records of the stored versions, newest first.
  Result<std::vector<boost::json::object>> Versions() const;

  // FailedPrecondition when no model was trained; InvalidArgument for an unknown strategy or a
  // bad parameter.
  Result<RecommendAnswer> ForCustomer(std::string_view id, const RecommendRequest& request) const;
  Result<RecommendAnswer> ForSession(const std::vector<std::string>& items,
                                     const RecommendRequest& request) const;

  Result<size_t> EraseCustomer(std::string_view customer_id);

  // The models being served (null before the first training).
  std::shared_ptr<const ModelSet> models() const;

 private:
  Result<RecommendAnswer> Answer(std::shared_ptr<const ModelSet> models,
                                 std::vector<std::string> session,
                                 std::unordered_set<std::string> exclude,
                                 const RecommendRequest& request, RecommendContext context,
                                 bool personalised) const;
  // The catalog as of its latest write through catalog_, reloaded when it changed (a full read:
  // catalogs are written rarely and read on every request).
  using CatalogSnapshot = std::unordered_map<std::string, catalog::CatalogItem>;
  std::shared_ptr<const CatalogSnapshot> Catalog() const;
  std::optional<Weather> WeatherAt(std::optional<double> latitude,
                                   std::optional<double> longitude) const;
  void Swap(std::shared_ptr<const ModelSet> models);

  // const after construction
  Store& store_;
  const ProfileStore& profiles_;
  catalog::CatalogStore* catalog_;
  WeatherProvider* weather_;
  const Clock& clock_;
  const ServiceOptions options_;

  mutable std::mutex catalog_mu_;  // held while the snapshot is reloaded
  mutable std::shared_ptr<const CatalogSnapshot> catalog_snapshot_;  // guarded by catalog_mu_
  mutable uint64_t catalog_generation_ = 0;                          // guarded by catalog_mu_

  mutable std::mutex models_mu_;
  std::shared_ptr<const ModelSet> models_;  // guarded by models_mu_

  std::mutex train_mu_;  // held for a whole training or erasure
  mutable std::mutex state_mu_;
  std::string state_ = "idle";  // guarded by state_mu_
  std::string state_error_, state_version_;
  bool stopped_ = false;
  std::thread worker_;  // guarded by state_mu_
};

}  // namespace mercato::recserve
