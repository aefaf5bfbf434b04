#include "cli/cluster.h"

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cli/cluster_definitions.h"
#include "core/logging.h"
#include "event/parser.h"
#include "pipeline/journey_support.h"

namespace mercato::cli {
namespace {

constexpr auto kMetadataTimeout = std::chrono::seconds(15);

std::string ClientId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "mercato";
  return std::string("mercato-") + host + "-" + std::to_string(getpid());
}

}  // namespace

Result<std::unique_ptr<ClusterMember>> ClusterMember::Prepare(const KafkaFlags& flags,
                                                              uint32_t partitions,
                                                              EventLogOptions& log_options) {
  auto member = std::make_unique<ClusterMember>();
  member->kafka_.brokers = flags.brokers;
  member->kafka_.topic = flags.topic;
  member->kafka_.group = flags.group;
  member->kafka_.client_id = ClientId();
  if (flags.topic.empty()) return Status::InvalidArgument("--kafka-topic must not be empty");
  if (flags.group.empty()) return Status::InvalidArgument("--kafka-group must not be empty");
  for (const std::string& text : flags.properties) {
    ASSIGN_OR_RETURN(auto property, stream::ParseKafkaProperty(text));
    member->kafka_.properties.push_back(std::move(property));
  }
  ASSIGN_OR_RETURN(
      member->partitions_,
      stream::EnsureTopic(member->kafka_, partitions == 0 ? kDefaultPartitions : partitions,
                          kMetadataTimeout));
  if (partitions != 0 && partitions != member->partitions_) {
    return Status::InvalidArgument("--partitions " + std::to_string(partitions) + " but topic " +
                                   flags.topic + " has " + std::to_string(member->partitions_) +
                                   "; in cluster mode the topic decides (omit --partitions)");
  }
  log_options.partitions = member->partitions_;
  log_options.partitioner = LogPartitioner::kKafka;
  return member;
}

Status ClusterMember::Attach(EventLog& log, const PrivacyFilter& filter, const Clock& clock,
                             MetricsRegistry* metrics) {
  stream::KafkaSinkOptions sink_options;
  sink_options.kafka = kafka_;
  sink_options.partitions = partitions_;
  ASSIGN_OR_RETURN(sink_, stream::KafkaSink::Create(sink_options, metrics));

  stream::KafkaSourceOptions source_options;
  source_options.kafka = kafka_;
  // Events other Kafka clients produce: validated and filtered like the HTTP API's, with a
  // messageId from their place in the topic when they bring none, so that every node that ever
  // mirrors the record derives the same event.
  source_options.external = [transform = filter.AsTransform(), &clock, topic = kafka_.topic](
                                std::string_view, std::string_view value, int64_t ts_ms,
                                LogPosition position) -> Result<AppendItem> {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(value, ec);
    if (ec || !parsed.is_object()) {
      return Status::InvalidArgument("the record is not a JSON object");
    }
    boost::json::object& object = parsed.as_object();
    if (!object.contains("messageId")) {
      object["messageId"] = "kafka-" + topic + "-" + std::to_string(position.partition) + "-" +
                            std::to_string(position.offset);
    }
    const PayloadTransform stamp = [&transform](const Event& event, boost::json::object& payload) {
      payload["source"] = "kafka";
      return transform ? transform(event, payload) : Status::Ok();
    };
    const int64_t received_at = ts_ms >= 0 ? ts_ms * 1000 : clock.NowMicros();
    ASSIGN_OR_RETURN(Event event, NormalizeEvent(std::move(object), std::nullopt, received_at,
                                                 IngestLimits{}, {}, stamp));
    return AppendItem{std::string(event.RoutingKey()), std::move(event.message_id),
                      event.received_at_us, std::move(event.payload)};
  };
  ASSIGN_OR_RETURN(source_, stream::KafkaSource::Create(log, std::move(source_options), metrics));
  log_ = &log;
  log.SetUpstream(sink_.get());
  LOG(INFO) << "cluster mode: topic " << kafka_.topic << " (" << partitions_
            << " partitions), group " << kafka_.group << ", brokers " << kafka_.brokers;
  return Status::Ok();
}

std::function<bool(std::string_view)> ClusterMember::DeliveryGate(
    Store& store, const EventLog& log,
    std::function<std::vector<uint64_t>()> consumer_cursors) const {
  return [source = source_.get(), &store, &log,
          cursors = std::move(consumer_cursors)](std::string_view customer) {
    if (!source->ReplayedThrough(cursors())) return false;
    Result<RoutingIdentity> routing = CustomerRoutingIdentity(store, customer);
    // No profile or identity here: nothing can be sent anyway; let the worker say why.
    if (!routing.ok()) return true;
    return source->Owns(log.PartitionFor(routing->value));
  };
}

Status ClusterMember::Start(const std::string& self_url) {
  ASSIGN_OR_RETURN(directory_, stream::MemberDirectory::Create(kafka_, self_url));
  // Last of what can fail: its reader applies definitions from now on, until Stop.
  if (shared_.any()) {
    ASSIGN_OR_RETURN(
        definitions_,
        stream::DefinitionLog::Create(
            kafka_, self_url, [targets = shared_](std::string_view key, std::string_view value) {
              ApplySharedDefinition(targets, key, value);
            }));
  }
  source_->Start([directory = directory_.get()](const std::vector<uint32_t>& assigned) {
    directory->Publish(assigned);
  });
  return Status::Ok();
}

Status ClusterMember::PublishDefinition(const std::string& key, const std::string& value) {
  if (definitions_ == nullptr) {
    return Status::Unavailable("this node has not joined the cluster yet");
  }
  return definitions_->Publish(key, value);
}

Status ClusterMember::PublishDefinitions(
    const std::vector<std::pair<std::string, std::string>>& records) {
  if (definitions_ == nullptr) {
    return Status::Unavailable("this node has not joined the cluster yet");
  }
  return definitions_->PublishAll(records);
}

Status ClusterMember::PublishCatalogItems(std::span<const catalog::CatalogItem> items) {
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(items.size());
  for (const catalog::CatalogItem& item : items) {
    records.emplace_back(CatalogDefinitionKey(item.id), item.Serialize());
  }
  return PublishDefinitions(records);
}

Status ClusterMember::PublishCatalogDeletion(std::string_view id) {
  return PublishDefinition(CatalogDefinitionKey(id), "");
}

Status ClusterMember::PublishSegment(std::string_view id, const segment::SegmentSpec* definition) {
  return PublishDefinition(SegmentDefinitionKey(id),
                           definition == nullptr ? "" : SegmentDefinitionValue(*definition));
}

Status ClusterMember::PublishTemplate(std::string_view id, const boost::json::object* fields) {
  return PublishDefinition(TemplateDefinitionKey(id),
                           fields == nullptr ? "" : boost::json::serialize(*fields));
}

Status ClusterMember::PublishJourney(std::string_view id, const journey::JourneyReplica* replica) {
  return PublishDefinition(JourneyDefinitionKey(id),
                           replica == nullptr ? "" : replica->Serialize());
}

Status ClusterMember::PublishKey(const ApiKeyRecord& record) {
  return PublishDefinition(KeyDefinitionKey(record.id), EncodeKeyRecord(record));
}

std::optional<std::string> ClusterMember::OwnerUrl(std::string_view identity) const {
  if (directory_ == nullptr || identity.empty()) return std::nullopt;
  const uint32_t partition = log_->PartitionFor(identity);
  if (source_->Owns(partition)) return std::nullopt;
  return directory_->OwnerOf(partition);
}

bool ClusterMember::Owns(std::string_view identity) const {
  return source_ != nullptr && source_->Owns(log_->PartitionFor(identity));
}

std::vector<std::string> ClusterMember::OtherNodeUrls() const {
  if (directory_ == nullptr) return {};
  return directory_->OtherOwners();
}

void ClusterMember::Stop(std::chrono::milliseconds flush) {
  if (source_) source_->Stop();  // publishes the empty assignment on the way out
  directory_.reset();
  definitions_.reset();
  if (sink_) sink_->Flush(flush);
}

}  // namespace mercato::cli
