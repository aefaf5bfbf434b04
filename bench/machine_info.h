#pragma once
// The machine a benchmark runs on and how busy it is, for the lines benchmarks write into
// docs/benchmarks.md.

#include <string>

namespace mercato::bench {

// The whole text of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// "Intel(R) Xeon(R) ..., 2 hardware threads, 23.5 GiB RAM, Linux 6.x".
std::string Machine();
// "37% busy, load 1.52 / 2": the CPU share used over the next second (this process included) and
// the number of compilers running. Takes one second.
std::string Load();

}  // namespace mercato::bench
