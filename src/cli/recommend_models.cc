#include "cli/recommend_models.h"

namespace mercato::cli {

Result<recommend::ModelSpec> ModelByName(const std::string& name,
                                         const recommend::BuiltInOptions& built_in,
                                         const RecommendEvalOptions& options) {
  (void)options;
  return recommend::BuiltInModel(name, built_in);
}

}  // namespace mercato::cli
