#pragma once
// What a route requires of a caller (its access level) and which in-flight budget it draws from
// (its admission class). docs/access.md lists every route with both; the access-matrix test checks
// that list against the router's table.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

// The scope a key needs for a route. kPublic routes need no credentials.
enum class Access : uint8_t { kPublic, kWrite, kRead, kAdmin, kFeedback };

// In-flight budgets: ingestion has its own, so slow queries or heavy admin work (key admin,
// exports, training) can never starve it. kOps covers health, readiness and metrics.
enum class AdmissionClass : uint8_t { kIngest, kQuery, kAdmin, kOps };
inline constexpr size_t kAdmissionClassCount = 4;

std::string_view AccessName(Access access);  // "public", "write", "read", "admin", "feedback"
std::string_view AdmissionClassName(AdmissionClass value);  // "ingest", "query", "admin", "ops"
// Inverses of the above; InvalidArgument for another name.
Result<Access> ParseAccess(std::string_view name);
Result<AdmissionClass> ParseAdmissionClass(std::string_view name);

// One entry of the router's table.
struct RouteInfo {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;    // pattern: literal segments and {name} parameters, e.g. "/v1/keys/{id}"
  std::string name;    // the metrics label (short aliases share their long route's name)
  Access access = Access::kPublic;
  AdmissionClass admission = AdmissionClass::kOps;

  // Routes browsers call directly (the ingestion API): they answer CORS preflights.
  bool browser_facing() const { return admission == AdmissionClass::kIngest; }
  bool operator==(const RouteInfo& other) const = default;
};

}  // namespace mercato
