#pragma once
// Shared by this module's .cc files only: handle creation and error mapping over librdkafka.

#include <librdkafka/rdkafka.h>

#include <functional>
#include <string_view>

#include "stream/kafka_client.h"

namespace mercato::stream {

enum class KafkaRole { kProducer, kConsumer };

// A client with bootstrap.servers and client.id from `options`, then `defaults`, then the user's
// properties (which win), then `configure` (callbacks, opaque).
Result<KafkaHandle> NewHandle(const KafkaOptions& options, KafkaRole role,
                              const std::vector<std::pair<std::string, std::string>>& defaults,
                              const std::function<void(rd_kafka_conf_t*)>& configure);

// Queue full -> ResourceExhausted, unknown topic -> NotFound, bad argument -> InvalidArgument,
// everything else (brokers down, timeouts) -> Unavailable.
Status FromKafka(rd_kafka_resp_err_t err, std::string_view what);

}  // namespace mercato::stream
