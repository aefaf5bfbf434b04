#pragma once
// Route groups of the HTTP API v1 (docs/api.md). Each Register* function adds its routes to the
// router; the referenced objects must outlive the router.

#include <functional>

#include "core/clock.h"
#include "core/metrics.h"
#include "event/parser.h"
#include "profile/profile_store.h"
#include "server/auth.h"
#include "server/router.h"
#include "storage/event_log.h"

namespace mercato {

// POST /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias, /v1/batch (and /v1/t,
// /v1/i, /v1/p, /v1/s, /v1/g, /v1/a, /v1/b aliases some SDKs use). Write scope.
void RegisterIngestRoutes(Router& router, EventLog& log, const KeyRing& keys,
                          const IngestLimits& limits, const Clock& clock, MetricsRegistry* metrics);

// GET /v1/profiles/{id}, /v1/profiles/{id}/events and /v1/stats (totals over all customers).
// Read scope.
void RegisterProfileRoutes(Router& router, const ProfileStore& profiles, const KeyRing& keys);

// GET /healthz (process up), /readyz (`ready` returns true), /metrics (Prometheus text), / (index).
void RegisterOpsRoutes(Router& router, MetricsRegistry& metrics, std::function<bool()> ready);

}  // namespace mercato
