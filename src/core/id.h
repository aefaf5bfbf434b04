#pragma once
// Identifier generation.

#include <string>

namespace mercato {

// A random RFC 4122 version-4 UUID in lowercase text form. Safe from any thread.
std::string NewUuid();

}  // namespace mercato
