#pragma once
// The models `mercato recommend` knows by name: the built-in ones of recommend/eval/experiment.h
// and the neural model (recommend/neural), which lives in its own library.

#include <string>

#include "cli/commands.h"
#include "recommend/eval/experiment.h"

namespace mercato::cli {

Result<recommend::ModelSpec> ModelByName(const std::string& name,
                                         const recommend::BuiltInOptions& built_in,
                                         const RecommendEvalOptions& options);

}  // namespace mercato::cli
