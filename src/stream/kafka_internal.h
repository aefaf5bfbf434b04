#pragma once
// Shared by this module's .cc files only: handle creation and error mapping over librdkafka.

#include <librdkafka/rdkafka.h>

#include <functional>
#include <string>
#include <string_view>

#include "stream/kafka_client.h"

namespace mercato::stream {

enum class KafkaRole { kProducer, kConsumer };

// A client with bootstrap.servers and client.id from `options`, then `defaults`, then the user's
// properties (which win), then `configure` (callbacks, opaque).
Result<KafkaHandle> NewHandle(const KafkaOptions& options, KafkaRole role,
                              const std::vector<std::pair<std::string, std::string>>& defaults,
                              const std::function<void(rd_kafka_conf_t*)>& configure);

// A consumer reading partition 0 of `topic` from its beginning, assigned rather than subscribed:
// the group id (`options.group` + "." + `reader`) is never joined, so every node reads the whole
// topic (the one-partition topics of MemberDirectory and DefinitionLog).
Result<KafkaHandle> NewWholeTopicReader(const KafkaOptions& options, const std::string& topic,
                                        const std::string& reader);

// Queue full -> ResourceExhausted, unknown topic -> NotFound, bad argument -> InvalidArgument,
// everything else (brokers down, timeouts) -> Unavailable.
Status FromKafka(rd_kafka_resp_err_t err, std::string_view what);

}  // namespace mercato::stream
