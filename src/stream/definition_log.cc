#include "stream/definition_log.h"

#include <future>

#include "core/logging.h"
#include "stream/kafka_internal.h"

namespace mercato::stream {
namespace {

// One publish waiting for its delivery report; shared by the caller and the callback, so that a
// caller that stopped waiting leaves nothing dangling.
struct PendingPublish {
  std::promise<Status> done;
};

void OnDelivery(rd_kafka_t* /*handle*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  auto* pending = static_cast<std::shared_ptr<PendingPublish>*>(message->_private);
  if (pending == nullptr) return;
  (*pending)->done.set_value(FromKafka(message->err, "publishing a definition"));
  delete pending;
}

}  // namespace

Result<std::unique_ptr<DefinitionLog>> DefinitionLog::Create(const KafkaOptions& options,
                                                             const std::string& node_id,
                                                             ApplyFn apply) {
  auto log = std::unique_ptr<DefinitionLog>(new DefinitionLog(options, std::move(apply)));
  ASSIGN_OR_RETURN(log->producer_, NewHandle(options, KafkaRole::kProducer,
                                             {{"enable.idempotence", "true"},
                                              {"linger.ms", "0"},
                                              {"message.timeout.ms", "8000"},
                                              {"allow.auto.create.topics", "false"}},
                                             [](rd_kafka_conf_t* conf) {
                                               rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
                                             }));
  ASSIGN_OR_RETURN(log->consumer_,
                   NewWholeTopicReader(options, TopicFor(options.topic), "definitions." + node_id));
  log->reader_ = std::thread([raw = log.get()] { raw->ReadLoop(); });
  return log;
}

DefinitionLog::~DefinitionLog() {
  stopping_.store(true);
  if (reader_.joinable()) reader_.join();
  if (producer_) {
    rd_kafka_flush(producer_.get(), 2000);
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_.get(), 0);  // delivers the purged reports, freeing their state
  }
}

Status DefinitionLog::Publish(std::string_view key, std::string_view value,
                              std::chrono::milliseconds timeout) {
  return PublishAll({{std::string(key), std::string(value)}}, timeout);
}

Status DefinitionLog::PublishAll(const std::vector<std::pair<std::string, std::string>>& records,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string topic = TopicFor(options_.topic);
  std::vector<std::future<Status>> reports;
  reports.reserve(records.size());
  for (const auto& [key, value] : records) {
    auto pending = std::make_shared<PendingPublish>();
    std::future<Status> done = pending->done.get_future();
    auto* opaque = new std::shared_ptr<PendingPublish>(pending);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(value.empty() ? nullptr : const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      delete opaque;  // never queued: no report will come
      return FromKafka(err, "publishing a definition");
    }
    reports.push_back(std::move(done));
  }
  for (std::future<Status>& report : reports) {
    if (report.wait_until(deadline) != std::future_status::ready) {
      return Status::Unavailable("Kafka did not acknowledge the definitions within " +
                                 std::to_string(timeout.count()) + " ms");
    }
    RETURN_IF_ERROR(report.get());
  }
  return Status::Ok();
}

void DefinitionLog::ReadLoop() {
  while (!stopping_.load(std::memory_order_acquire)) {
    rd_kafka_poll(producer_.get(), 0);  // delivery reports
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), 50);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->key != nullptr) {
      const std::string_view key(static_cast<const char*>(message->key), message->key_len);
      const std::string_view value =
          message->payload == nullptr
              ? std::string_view()
              : std::string_view(static_cast<const char*>(message->payload), message->len);
      apply_(key, value);
    } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR &&
               message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      LOG(WARNING) << "cluster: reading definitions: " << rd_kafka_message_errstr(message);
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer_.get());
}

}  // namespace mercato::stream
