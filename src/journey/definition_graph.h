// The step graph of a journey definition (internal to journey/): successors of each step and
// the structural checks ParseJourney runs once every step has been read.

#pragma once

#include <functional>
#include <string>
#include <vector>

#include "journey/definition.h"

namespace mercato::journey {

// Indices of the steps `steps[index]` can continue with; -1 stands for "the journey ends".
std::vector<int> Successors(const JourneyDefinition& def, size_t index);

// Reports, through `error(path, message)`: duplicate step ids, references to steps that do not
// exist, steps no path from the first step reaches, and loops that pass no wait step (they
// would spin without time passing).
void CheckStepGraph(const JourneyDefinition& def,
                    const std::function<void(const std::string&, std::string)>& error);

}  // namespace mercato::journey
