#include "bench/machine_info.h"

#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mercato::bench {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Machine() {
  std::string cpu = "unknown CPU";
  std::istringstream cpuinfo(ReadFile("/proc/cpuinfo"));
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  double memory_gib = 0.0;
  std::istringstream meminfo(ReadFile("/proc/meminfo"));
  for (std::string key; meminfo >> key;) {
    if (key == "MemTotal:") {
      double kib = 0;
      meminfo >> kib;
      memory_gib = kib / 1048576.0;
      break;
    }
  }
  utsname name{};
  uname(&name);
  char text[512];
  std::snprintf(text, sizeof(text), "%s, %u hardware threads, %.1f GiB RAM, %s %s", cpu.c_str(),
                std::thread::hardware_concurrency(), memory_gib, name.sysname, name.release);
  return text;
}

std::string Load() {
  auto sample = [] {
    std::istringstream stat(ReadFile("/proc/stat"));
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
    return std::pair{user + nice + system + irq + softirq, idle + iowait};
  };
  const auto before = sample();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the measurement window itself
  const auto after = sample();
  const double busy = after.first - before.first;
  const double idle = after.second - before.second;
  int compilers = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string comm = ReadFile(entry.path().string() + "/comm");
    for (const char* name :
         {"cc1\n", "cc1plus\n", "clang\n", "clang++\n", "clang-tidy\n", "ld\n"}) {
      if (comm == name) ++compilers;
    }
  }
  std::string load = ReadFile("/proc/loadavg");
  load = load.substr(0, load.find(' '));
  char text[96];
  std::snprintf(text, sizeof(text), "%.0f%% busy, load %s / %d",
                100.0 * busy / (busy + idle + 1e-9), load.c_str(), compilers);
  return text;
}

}  // namespace mercato::bench
