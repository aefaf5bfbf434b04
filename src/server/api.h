#pragma once
// Route groups of the HTTP API v1 (docs/api.md). Each Register* function adds its routes to the
// router with their access and admission class (docs/access.md); the gateway checks credentials
// before a handler runs. The referenced objects must outlive the router.

#include <boost/json/fwd.hpp>
#include <functional>

#include "core/clock.h"
#include "core/metrics.h"
#include "event/parser.h"
#include "pipeline/erasure_service.h"
#include "privacy/audit_log.h"
#include "profile/profile_store.h"
#include "server/auth.h"
#include "server/forwarding.h"
#include "server/key_store.h"
#include "server/router.h"
#include "storage/event_log.h"

namespace mercato {

namespace segment {
class SegmentEngine;
struct SegmentSpec;
}  // namespace segment

namespace scoring {
class RunService;
}

namespace recserve {
class RecommendService;
}

namespace catalog {
class CatalogStore;
}

namespace journey {
class JourneyStore;
class JourneyEngine;
struct JourneyReplica;
}  // namespace journey

namespace stream {
class KafkaSource;
}  // namespace stream

namespace content {
class TemplateStore;
}

class DeliveryWorker;

// POST /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias, /v1/batch (and /v1/t,
// /v1/i, /v1/p, /v1/s, /v1/g, /v1/a, /v1/b aliases some SDKs use). Write scope, ingest class.
// Each stored event gets the write key's source as its top-level "source", then goes through
// `transform` (the privacy filter) when one is given.
void RegisterIngestRoutes(Router& router, EventLog& log, const IngestLimits& limits,
                          const Clock& clock, MetricsRegistry* metrics,
                          PayloadTransform transform = {});

// GET /v1/profiles/{id}, /v1/profiles/{id}/events and /v1/stats (totals over all customers).
// Read scope, query class.
// Each successful profile or history read is recorded in `audit` (may be null) as "profile.read" /
// "profile.events.read" with the caller's key and the customer id.
// `forwarder` (cluster mode): reads of a customer another node owns go to that node, and
// /v1/stats adds up the answers of every node `other_nodes` names (SummingHandler).
void RegisterProfileRoutes(Router& router, const ProfileStore& profiles, AuditLog* audit = nullptr,
                           const ReadForwarder& forwarder = {},
                           std::function<std::vector<std::string>()> other_nodes = {});

// GET /v1/keys, POST /v1/keys, POST /v1/keys/{id}/rotate, DELETE /v1/keys/{id}. Admin scope,
// admin class. Listings include `ring`'s flag keys, which cannot be changed.
void RegisterKeyRoutes(Router& router, KeyStore& store, const KeyRing& ring, const Clock& clock);

// The data subject's rights (docs/privacy.md). Admin scope: POST /v1/privacy/erasure (202 with a
// status URL), GET /v1/privacy/erasure/{id}, GET /v1/privacy/erasure?limit=50 ({"requests":
// [status documents, newest first]}, limit 1..1000), GET /v1/privacy/export/{id} (audited). Write
// scope: POST /v1/privacy/consent (appends a consent event to the log through `transform`).
struct PrivacyRouteDeps {
  ErasureService& erasure;
  const ProfileStore& profiles;
  EventLog& log;
  PayloadTransform transform;  // the privacy filter
  AuditLog* audit = nullptr;   // may be null
  const Clock& clock;
  // Cluster mode (empty otherwise): an erasure request and an export are forwarded to the node
  // that owns the customer (an erasure's subject is routed by the userId or anonymousId of the
  // customer it resolves to in `store`, else taken as one itself), and the status of an erasure
  // job this node does not hold is asked of `other_nodes`.
  ReadForwarder forwarder = {};
  std::function<std::vector<std::string>()> other_nodes = {};
  Store* store = nullptr;
};
void RegisterPrivacyRoutes(Router& router, const PrivacyRouteDeps& deps);

// Segments (docs/segments.md, docs/api.md "Segments"). Admin scope, admin class: POST
// /v1/segments (201), PATCH and DELETE /v1/segments/{id}. Read scope: GET /v1/segments,
// /v1/segments/{id}, /v1/segments/{id}/members (paged), /v1/segments/{id}/history (query class)
// and POST /v1/segments/preview (admin class: it evaluates the rule over every profile).
//
// `share`, in cluster mode, passes every change to the other nodes: it is called after a create
// or edit succeeded here, with the segment's definition (id, name, description, rule), and before
// a delete with no definition. When it fails the change is not made (a create is deleted again,
// an edit restored, a delete not done) and the answer is 503.
using SegmentShare =
    std::function<Status(std::string_view id, const segment::SegmentSpec* definition)>;
void RegisterSegmentRoutes(Router& router, segment::SegmentEngine& engine,
                           const SegmentShare& share = {});
// GET /v1/profiles/{id}/segments (read scope, query class): the segments a customer (any of their
// identities, resolved as GET /v1/profiles/{id}) is a member of. In cluster mode a read for a
// customer another node owns is forwarded to that node.
void RegisterCustomerSegmentRoutes(Router& router, const segment::SegmentEngine& engine,
                                   const ProfileStore& profiles,
                                   const ReadForwarder& forwarder = {});

// Model runs (docs/analytics.md, "Model runs"). Admin scope, admin class: POST /v1/analytics/runs
// (202 with a status URL; 409 while another run is in progress). Read scope, query class:
// GET /v1/analytics/runs, /v1/analytics/runs/{id}, /v1/analytics/cohorts?format=json|csv|svg
// (the latest finished cohorts run) and /v1/predictions/{id} (audited as "predictions.read").
struct AnalyticsRouteDeps {
  scoring::RunService& runs;
  const ProfileStore& profiles;
  AuditLog* audit = nullptr;  // may be null
};
void RegisterAnalyticsRoutes(Router& router, const AnalyticsRouteDeps& deps);

// The product catalog (docs/api.md, "Catalog"). Admin scope, admin class: PUT /v1/catalog/items
// ({"items": [...]}, 1..10,000 items, all validated before any is stored) and DELETE
// /v1/catalog/items/{id}. Read scope, query class: GET /v1/catalog/items (paged) and
// /v1/catalog/items/{id}.
void RegisterCatalogRoutes(Router& router, catalog::CatalogStore& catalog);

// Recommendations (docs/recommendations.md, "Serving"; docs/api.md). Read scope, query class:
// GET /v1/recommendations/{customer} (the customer's live session; parameters n, strategy,
// exclude, exclude_items, device, country, lat, lon, weather), POST /v1/recommendations/session
// (an explicit item sequence) and GET /v1/models/recommendations (the current version, the
// training state and the stored versions). Admin scope, admin class: POST
// /v1/models/recommendations (202; trains on a background thread; 409 while one runs).
void RegisterRecommendationRoutes(Router& router, recserve::RecommendService& service,
                                  const ReadForwarder& forwarder = {});

// Journeys (docs/journeys.md, docs/api.md "Journeys"). Admin scope, admin class: POST
// /v1/journeys/validate (200 with every error and its path, or the canonical definition), POST
// /v1/journeys (201; 400 lists every error), PUT /v1/journeys/{id} (a new version),
// POST /v1/journeys/{id}/activate (409 when the trigger's segment does not exist in `segments`,
// which may be null to skip the check), POST /v1/journeys/{id}/pause, DELETE /v1/journeys/{id}
// (drafts only). Read scope, query class: GET /v1/journeys and /v1/journeys/{id}?version=N.
// `share`, in cluster mode, passes every change to the other nodes: called after a change was
// made here, with the journey's whole new state (every version), or with none after a delete.
// Changes on this node are shared one at a time, in the order they were made. When sharing
// fails the journey is put back as it was and the answer is 503.
using JourneyShare =
    std::function<Status(std::string_view id, const journey::JourneyReplica* replica)>;
void RegisterJourneyRoutes(Router& router, journey::JourneyStore& journeys,
                           const segment::SegmentEngine* segments, const JourneyShare& share = {});
// GET /v1/journeys/{id}/stats (read scope, query class): the engine's and delivery's counters by
// step and variant (journey/engine.h Stats; docs/api.md "Journeys"); 404 for an unknown journey.
void RegisterJourneyStatsRoutes(Router& router, journey::JourneyStore& journeys,
                                const journey::JourneyEngine& engine);

// Delivery reports over the outbox (pipeline/delivery_report.h; docs/api.md "Deliveries"), query
// class. Admin scope (they hold message details): GET /v1/deliveries/dead-letters?limit=100&cursor=
// ({"deadLetters": [...], "nextCursor"} in key order; limit 1..1000). Read scope: GET
// /v1/deliveries/summary ({"outcomes": {...}, "skippedBy": {...}, "deadLetters", "queued"}: every
// journey's delivery counters summed).
void RegisterDeliveryRoutes(Router& router, Store& store);

// Message templates (docs/journeys.md "Message templates", docs/api.md "Templates"). Admin
// scope, admin class: PUT /v1/templates/{id} (201 created, 200 replaced; every part parsed
// first), DELETE /v1/templates/{id}, POST /v1/templates/{id}/preview ({"customer": id}: the
// customer's data, audited as "template.preview"; or {"data": {...}}). Read scope, query class:
// GET /v1/templates, /v1/templates/{id}. `recommendations` and `audit` may be null.
// `share`, in cluster mode, passes every change to the other nodes: called after a PUT stored
// the template here, with its API fields, and before a DELETE with none. When it fails the
// change is not made (the previous template is put back, a new one deleted, a delete not done)
// and the answer is 503.
using TemplateShare = std::function<Status(std::string_view id, const boost::json::object* fields)>;
struct TemplateRouteDeps {
  content::TemplateStore& templates;
  const ProfileStore& profiles;
  const recserve::RecommendService* recommendations = nullptr;
  AuditLog* audit = nullptr;
  TemplateShare share;
};
void RegisterTemplateRoutes(Router& router, const TemplateRouteDeps& deps);

// One-click unsubscribe (docs/journeys.md "Unsubscribe"), public: the signed token is the
// credential. GET /v1/unsubscribe?token=T shows a confirmation form (mail scanners fetch links,
// so GET changes nothing); POST /v1/unsubscribe?token=T (RFC 8058 one-click, or the form)
// suppresses the token's channel for its customer and appends an "Unsubscribed" track event
// (for e-mail with email_marketing consent withdrawn). 400 for a bad token; repeats are harmless.
struct UnsubscribeRouteDeps {
  DeliveryWorker& delivery;
  Store& store;
  EventLog& log;
  std::string secret;
  const Clock& clock;
};
void RegisterUnsubscribeRoutes(Router& router, const UnsubscribeRouteDeps& deps);

// Open and click tracking of journey e-mails (pipeline/tracking.h), public: the signed token is
// the credential. GET /v1/email/open?t=T answers a 1x1 GIF whatever the token (no probing), and
// for a valid one appends an "Email Opened" event of the message's customer (once per message:
// the messageId repeats). GET /v1/email/click?t=T&u=URL&s=SIG redirects (302) to URL when the
// signature covers it, and appends "Email Link Clicked" {journey, step, url}; 400 otherwise.
struct TrackingRouteDeps {
  Store& store;
  EventLog& log;
  std::string secret;
  const Clock& clock;
};
void RegisterTrackingRoutes(Router& router, const TrackingRouteDeps& deps);

// Bounce and complaint reports (pipeline/email_feedback.h), with a key of the feedback scope:
// POST /v1/email/feedback with a delivery status notification or feedback-loop report as
// message/rfc822 (what a mail server's bounce mailbox pipes in), or ESP-style JSON as
// application/json (channel/mail_feedback.h). 200 {"received", "matched", "suppressed",
// "unmatched", "outcomes": [...]}; 400 naming what is wrong, before anything is applied; 415 for
// another content type.
struct EmailFeedbackRouteDeps {
  Store& store;
  EventLog& log;
  const ProfileStore& profiles;
  DeliveryWorker& delivery;
  const Clock& clock;
};
void RegisterEmailFeedbackRoutes(Router& router, const EmailFeedbackRouteDeps& deps);

// POST /v1/admin/backups (admin scope and class): a backup of the running node
// (pipeline/backup.h) in <backup_dir>/backup-<UTC time>, made on a thread of its own (never an
// HTTP I/O thread) and answered when complete; 201 {"name", "path", "files", "bytes",
// "createdAt"}. 409 (FailedPrecondition) when `backup_dir` is empty, and while another backup is
// being made (AlreadyExists). Recorded in the audit log ("backup.create") when `audit` is set.
struct BackupRouteDeps {
  Store& store;
  std::string data_dir;
  std::string backup_dir;
  const Clock& clock;
  AuditLog* audit = nullptr;
};
void RegisterBackupRoutes(Router& router, const BackupRouteDeps& deps);

// GET /healthz (process up), /readyz (`ready` returns true), /metrics (Prometheus text), / (index
// of the router's routes). Public, ops class.
// GET /v1/admin/cluster: this node's part of the cluster (topic, group, assigned partitions, their
// lag). `source` null: a single node, {"mode":"single"}.
void RegisterClusterRoutes(Router& router, const stream::KafkaSource* source);

void RegisterOpsRoutes(Router& router, MetricsRegistry& metrics, std::function<bool()> ready);

// The static dashboard built into `dir` (web/dist), public, ops class: the page holds no data and
// its API calls carry the user's key. GET /ui redirects (302) to /ui/, which serves index.html;
// GET /ui/{file} and /ui/assets/{file} serve one regular file of `dir` or `dir`/assets (Vite's
// top-level files and its hashed bundles; the router has no wildcard). A name with "..", '/', '\',
// NUL or a leading dot, a symbolic link, anything but a regular file, and a missing file are 404.
// Content-Type follows the extension; every answer carries X-Content-Type-Options: nosniff, a
// Content-Security-Policy allowing only this origin, and Referrer-Policy: no-referrer;
// Cache-Control is "no-cache" for top-level files and immutable for assets/. /ui/ answers 404
// saying the dashboard is not built (run `make web`) when `dir` (empty: none) or its index.html is
// missing. Files are read on each request, so a rebuilt dashboard is served without a restart.
void RegisterUiRoutes(Router& router, const std::string& dir);

}  // namespace mercato
