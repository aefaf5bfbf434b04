#include "stream/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <thread>

#include "stream/kafka_internal.h"

namespace mercato::stream {

void KafkaHandleDeleter::operator()(rd_kafka_s* handle) const { rd_kafka_destroy(handle); }

Result<std::pair<std::string, std::string>> ParseKafkaProperty(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("--kafka-property takes name=value, not '" +
                                   std::string(text.substr(0, 80)) + "'");
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

Result<KafkaHandle> NewHandle(const KafkaOptions& options, KafkaRole role,
                              const std::vector<std::pair<std::string, std::string>>& defaults,
                              const std::function<void(rd_kafka_conf_t*)>& configure) {
  if (options.brokers.empty()) return Status::InvalidArgument("no Kafka brokers given");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  auto set = [&](const std::string& name, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      return Status::InvalidArgument("Kafka property " + name + ": " + error);
    }
    return Status::Ok();
  };
  Status status = set("bootstrap.servers", options.brokers);
  if (status.ok()) status = set("client.id", options.client_id);
  for (const auto& [name, value] : defaults) {
    if (status.ok()) status = set(name, value);
  }
  for (const auto& [name, value] : options.properties) {
    if (status.ok()) status = set(name, value);
  }
  if (!status.ok()) {
    rd_kafka_conf_destroy(conf);
    return status;
  }
  if (configure) configure(conf);
  // On success rd_kafka_new owns `conf`; on failure the caller still does.
  rd_kafka_t* handle =
      rd_kafka_new(role == KafkaRole::kProducer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf,
                   error, sizeof error);
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create a Kafka client: ") + error);
  }
  return KafkaHandle(handle);
}

Result<KafkaHandle> NewWholeTopicReader(const KafkaOptions& options, const std::string& topic,
                                        const std::string& reader) {
  ASSIGN_OR_RETURN(KafkaHandle consumer, NewHandle(options, KafkaRole::kConsumer,
                                                   {{"group.id", options.group + "." + reader},
                                                    {"enable.auto.commit", "false"},
                                                    {"auto.offset.reset", "earliest"}},
                                                   nullptr));
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), list);
  rd_kafka_topic_partition_list_destroy(list);
  RETURN_IF_ERROR(FromKafka(err, "reading " + topic));
  return consumer;
}

Status FromKafka(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  std::string message = std::string(what) + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return Status::ResourceExhausted(std::move(message));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return Status::NotFound(std::move(message));
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      return Status::InvalidArgument(std::move(message));
    default:
      return Status::Unavailable(std::move(message));
  }
}

namespace {

Result<int> PartitionCount(rd_kafka_t* handle, const std::string& topic,
                           std::chrono::milliseconds timeout) {
  // All topics, not the one by name: asking for a topic by name makes brokers that allow it create
  // the topic with their default partition count.
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(handle, 1, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromKafka(err, "reading metadata of " + topic);
  int count = -1;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic) {
      topic_err = metadata->topics[i].err;
      count = metadata->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR || count <= 0) {
    return FromKafka(topic_err == RD_KAFKA_RESP_ERR_NO_ERROR
                         ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                         : topic_err,
                     "topic " + topic);
  }
  return count;
}

Status CreateTopic(rd_kafka_t* handle, const std::string& topic, uint32_t partitions,
                   std::chrono::milliseconds timeout) {
  char error[512];
  rd_kafka_NewTopic_t* spec =
      rd_kafka_NewTopic_new(topic.c_str(), static_cast<int>(partitions), -1, error, sizeof error);
  if (spec == nullptr) return Status::InvalidArgument("topic " + topic + ": " + error);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
  rd_kafka_AdminOptions_t* admin =
      rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(admin, static_cast<int>(timeout.count()), error,
                                              sizeof error);
  rd_kafka_CreateTopics(handle, &spec, 1, admin, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);
  Status status = Status::Unavailable("no answer creating topic " + topic);
  if (event != nullptr) {
    status = FromKafka(rd_kafka_event_error(event), "creating topic " + topic);
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    if (status.ok() && result != nullptr) {
      size_t count = 0;
      const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(result, &count);
      for (size_t i = 0; i < count && status.ok(); ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(topics[i]);
        // Another node may have created it first.
        if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          status = FromKafka(err, "creating topic " + topic);
        }
      }
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_AdminOptions_destroy(admin);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(spec);
  return status;
}

}  // namespace

Result<uint32_t> EnsureTopic(const KafkaOptions& options, uint32_t create_partitions,
                             std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(KafkaHandle handle, NewHandle(options, KafkaRole::kProducer,
                                                 {{"allow.auto.create.topics", "false"}}, nullptr));
  auto count = PartitionCount(handle.get(), options.topic, timeout);
  if (count.ok()) return static_cast<uint32_t>(*count);
  if (count.status().code() != StatusCode::kNotFound || create_partitions == 0) {
    return count.status();
  }
  RETURN_IF_ERROR(CreateTopic(handle.get(), options.topic, create_partitions, timeout));
  // Metadata may lag the creation for a moment.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    count = PartitionCount(handle.get(), options.topic, timeout);
    if (count.ok() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!count.ok()) return count.status();
  return static_cast<uint32_t>(*count);
}

}  // namespace mercato::stream
