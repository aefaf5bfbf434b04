#include "server/access.h"

#include <array>

namespace mercato {
namespace {

constexpr std::array<std::string_view, 5> kAccessNames = {"public", "write", "read", "admin",
                                                          "feedback"};
constexpr std::array<std::string_view, kAdmissionClassCount> kAdmissionNames = {"ingest", "query",
                                                                                "admin", "ops"};

}  // namespace

std::string_view AccessName(Access access) { return kAccessNames[static_cast<size_t>(access)]; }

std::string_view AdmissionClassName(AdmissionClass value) {
  return kAdmissionNames[static_cast<size_t>(value)];
}

Result<Access> ParseAccess(std::string_view name) {
  for (size_t k = 0; k < kAccessNames.size(); ++k) {
    if (kAccessNames[k] == name) return static_cast<Access>(k);
  }
  return Status::InvalidArgument("unknown access '" + std::string(name.substr(0, 40)) + "'");
}

Result<AdmissionClass> ParseAdmissionClass(std::string_view name) {
  for (size_t k = 0; k < kAdmissionNames.size(); ++k) {
    if (kAdmissionNames[k] == name) return static_cast<AdmissionClass>(k);
  }
  return Status::InvalidArgument("unknown admission class '" + std::string(name.substr(0, 40)) +
                                 "'");
}

}  // namespace mercato
