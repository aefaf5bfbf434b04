#pragma once
// Cluster mode of `mercato serve` (docs/operations.md, "Cluster mode"; ADR 0016): the node's event
// log becomes a mirror of a Kafka topic. Its appends are produced to the topic (stream::KafkaSink)
// and the partitions the consumer group assigns it are mirrored back (stream::KafkaSource), where
// the same consumers as on a single node process them.

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cli/cluster_definitions.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "privacy/privacy_filter.h"
#include "segment/segment_engine.h"
#include "storage/event_log.h"
#include "storage/store.h"
#include "stream/definition_log.h"
#include "stream/kafka_sink.h"
#include "stream/kafka_source.h"
#include "stream/member_directory.h"

namespace mercato::cli {

class ClusterMember {
 public:
  // Reads the topic's partition count (creating the topic with `partitions`, or 8, when it is
  // missing) and sets the log options of a mirror to match.
  static Result<std::unique_ptr<ClusterMember>> Prepare(const KafkaFlags& flags,
                                                        uint32_t partitions,
                                                        EventLogOptions& log_options);

  // Connects the producer to `log` and creates the consumer. Records of other producers go through
  // `filter`, like events of the HTTP API.
  Status Attach(EventLog& log, const PrivacyFilter& filter, const Clock& clock,
                MetricsRegistry* metrics);
  // Shares definitions with the other nodes (stream::DefinitionLog, from Start on): every
  // definition any node publishes is applied to `targets` in topic order, and the Publish methods
  // publish this node's changes. Call before Start; the targets must outlive Stop.
  void ShareDefinitions(const SharedDefinitionTargets& targets) { shared_ = targets; }
  // The segment routes' SegmentShare (server/api.h): `definition` null for a deletion.
  Status PublishSegment(std::string_view id, const segment::SegmentSpec* definition);
  // The template routes' TemplateShare: the template's API fields, null for a deletion.
  Status PublishTemplate(std::string_view id, const boost::json::object* fields);
  // The journey routes' JourneyShare: the journey's whole state, null for a deletion.
  Status PublishJourney(std::string_view id, const journey::JourneyReplica* replica);
  // KeyStore's Publisher: the key's record as changed.
  Status PublishKey(const ApiKeyRecord& record);
  // CatalogStore's Publisher: items as they are to be stored, and deletions.
  Status PublishCatalogItems(std::span<const catalog::CatalogItem> items);
  Status PublishCatalogDeletion(std::string_view id);

  // Joins the group and publishes this node's partitions under `self_url` (how other nodes reach
  // it) so that they can forward reads here.
  Status Start(const std::string& self_url);
  // Leaves the consumer group, then waits up to `flush` for records still on their way to Kafka.
  void Stop(std::chrono::milliseconds flush);
  bool Ready() const { return source_ != nullptr && source_->Ready(); }
  const stream::KafkaSource* source() const { return source_.get(); }

  // ReadForwarder: the base URL of the node that owns `identity`'s partition when that is another
  // node (identity = a userId or anonymousId; other ids are answered where they arrive).
  std::optional<std::string> OwnerUrl(std::string_view identity) const;
  // Whether this node owns `identity`'s partition now (false before Start).
  bool Owns(std::string_view identity) const;
  // The base URLs of the other nodes that own partitions now (empty before Start).
  std::vector<std::string> OtherNodeUrls() const;

  // DeliveryOptions::may_deliver: this node owns the customer's partition (that of the identity
  // its events are routed by) and `consumer_cursors` — the journey engine's — have replayed every
  // partition to where it stood when this node caught up with it, so that every message an
  // earlier owner finished is known here as finished.
  std::function<bool(std::string_view customer)> DeliveryGate(
      Store& store, const EventLog& log,
      std::function<std::vector<uint64_t>()> consumer_cursors) const;

 private:
  // Unavailable before Start.
  Status PublishDefinition(const std::string& key, const std::string& value);
  Status PublishDefinitions(const std::vector<std::pair<std::string, std::string>>& records);

  stream::KafkaOptions kafka_;
  uint32_t partitions_ = 0;
  std::unique_ptr<stream::KafkaSink> sink_;
  std::unique_ptr<stream::KafkaSource> source_;
  std::unique_ptr<stream::MemberDirectory> directory_;
  SharedDefinitionTargets shared_;
  std::unique_ptr<stream::DefinitionLog> definitions_;
  const EventLog* log_ = nullptr;
};

}  // namespace mercato::cli
