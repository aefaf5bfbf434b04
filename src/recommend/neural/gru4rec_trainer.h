#pragma once
// Training of Gru4Rec's weights with libtorch (the only part of recommend/neural that uses torch;
// this header does not include it). The algorithm is described in gru4rec.h.

#include <memory>

#include "core/status.h"
#include "recommend/neural/gru4rec.h"
#include "recommend/neural/gru4rec_weights.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend {

// Trains on `train` and returns the weights as plain arrays (options copied without the progress
// callback). Errors as Gru4Rec::Train documents; torch's exceptions never escape.
Result<std::unique_ptr<Gru4RecWeights>> TrainGru4RecWeights(const SessionCorpus& train,
                                                            const Gru4RecOptions& options);

}  // namespace mercato::recommend
