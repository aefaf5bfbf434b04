#pragma once
// Training the shop's recommendation models from its stored events (`mercato recommend train`,
// POST /v1/recommendations/models):
//  1. reads the training data (recserve/event_reader.h); products the events mention teach the
//     catalog (catalog::CatalogStore::LearnFromEvents) when one is given;
//  2. holds out the newest `validation_fraction` of sessions (when at least 10 remain), builds
//     every strategy on the rest and replays the held-out sessions click by click (HR@20,
//     MRR@20: recommend/eval/evaluator.h); the strategy with the best MRR@20 becomes the
//     default, so the blend is the default only where it wins;
//  3. builds the version on all sessions and stores it (recserve/model_versions.h).
// With `neural`, GRU4Rec is trained too (through the trainer plugin: recommend/neural), once on
// the training part for validation and once on everything.
//
// Thread safety: one training at a time per store (the service serialises); reading runs on a
// snapshot next to the consumers.

#include <functional>
#include <memory>
#include <string>

#include "catalog/catalog_store.h"
#include "core/clock.h"
#include "core/status.h"
#include "recommend/neural/gru4rec.h"
#include "recserve/event_reader.h"
#include "recserve/model_set.h"
#include "recserve/model_versions.h"
#include "storage/store.h"

namespace mercato::recserve {

struct TrainOptions {
  TrainingReadOptions read;
  double validation_fraction = 0.1;  // in [0, 0.5]; 0 = no validation (default strategy vstan)
  size_t threads = 1;                // evaluation threads
  bool neural = false;
  recommend::Gru4RecOptions gru;
  std::function<void(std::string_view stage)> progress;  // may be empty
};

// Checks ranges; InvalidArgument naming the option.
Status ValidateTrainOptions(const TrainOptions& options);

struct TrainResult {
  ModelVersion version;  // as stored
  std::shared_ptr<const ModelSet> models;
};

// Steps 1-3; also keeps only the newest 3 versions. InvalidArgument when there is no session to
// train on (nothing is stored then).
Result<TrainResult> TrainModels(Store& store, const Clock& clock, const TrainOptions& options,
                                catalog::CatalogStore* catalog);

// Builds the ModelSet of a stored version (a restart, or after erasure rewrote it).
Result<std::shared_ptr<const ModelSet>> LoadModelSet(const ModelVersion& version);

}  // namespace mercato::recserve
