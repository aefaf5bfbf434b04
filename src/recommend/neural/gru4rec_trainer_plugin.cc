// The entry point of libmercato_gru4rec_trainer.so (gru4rec_trainer_loader.h).

#include "recommend/neural/gru4rec_trainer.h"
#include "recommend/neural/gru4rec_trainer_loader.h"

extern "C" __attribute__((visibility("default"))) void mercato_gru4rec_train(
    const mercato::recommend::SessionCorpus* train,
    const mercato::recommend::Gru4RecOptions* options,
    mercato::Result<std::unique_ptr<mercato::recommend::Gru4RecWeights>>* out) {
  *out = mercato::recommend::TrainGru4RecWeights(*train, *options);
}
