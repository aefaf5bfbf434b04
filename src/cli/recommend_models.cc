#include "cli/recommend_models.h"

#include <cstdio>

#include "recommend/neural/gru4rec.h"

namespace mercato::cli {

namespace {

recommend::ModelSpec Gru4RecSpec(const RecommendEvalOptions& options) {
  recommend::Gru4RecOptions gru;
  gru.epochs = static_cast<std::size_t>(options.gru_epochs);
  gru.max_train_seconds = options.gru_minutes * 60;
  gru.threads = static_cast<int>(options.threads);
  const bool progress = options.progress;
  if (progress) {
    gru.progress = [](const recommend::Gru4RecProgress& p) {
      std::fprintf(stderr, "gru4rec: epoch %zu/%zu, loss %.4f, %.0f s\n", p.epoch, p.epochs,
                   p.mean_loss, p.elapsed_seconds);
    };
  }
  return {"gru4rec",
          [gru](const recommend::Fold& fold) -> Result<std::unique_ptr<recommend::SessionModel>> {
            auto model = recommend::Gru4Rec::Train(fold.train, gru);
            if (!model.ok()) return model.status();
            return std::unique_ptr<recommend::SessionModel>(std::move(model).value());
          }};
}

}  // namespace

Result<recommend::ModelSpec> ModelByName(const std::string& name,
                                         const recommend::BuiltInOptions& built_in,
                                         const RecommendEvalOptions& options) {
  if (name == "gru4rec") return Gru4RecSpec(options);
  return recommend::BuiltInModel(name, built_in);
}

}  // namespace mercato::cli
