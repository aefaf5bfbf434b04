#pragma once
// Gru4Rec's trainer lives in a plugin, libmercato_gru4rec_trainer.so, the only code that links
// libtorch: loading libtorch costs about 0.4 s and 170 MB at process start, which every `mercato`
// command and the server would otherwise pay. The plugin is loaded on the first training call
// and stays loaded.
//
// Search order: $MERCATO_PLUGIN_DIR, the directory of the running executable, its ../lib/mercato,
// then the build directory the library was compiled for. FailedPrecondition, naming every place
// tried, when none holds a loadable plugin.

#include <memory>

#include "core/status.h"
#include "recommend/neural/gru4rec.h"
#include "recommend/neural/gru4rec_weights.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend {

// Loads the plugin if needed and trains through it (TrainGru4RecWeights in gru4rec_trainer.h).
Result<std::unique_ptr<Gru4RecWeights>> TrainGru4RecWeightsInPlugin(const SessionCorpus& train,
                                                                    const Gru4RecOptions& options);

// The plugin's entry point, exported with C linkage under this name.
inline constexpr char kGru4RecTrainerEntry[] = "mercato_gru4rec_train";
inline constexpr char kGru4RecTrainerFile[] = "libmercato_gru4rec_trainer.so";
using Gru4RecTrainerEntry = void (*)(const SessionCorpus* train, const Gru4RecOptions* options,
                                     Result<std::unique_ptr<Gru4RecWeights>>* out);

}  // namespace mercato::recommend
