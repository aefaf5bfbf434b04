// GET /v1/admin/cluster: the node's place in the cluster (docs/operations.md, "Cluster mode").

#include <boost/json.hpp>

#include "server/api.h"
#include "server/http_status.h"
#include "stream/kafka_source.h"

namespace mercato {

void RegisterClusterRoutes(Router& router, const stream::KafkaSource* source) {
  router.Add("GET", "/v1/admin/cluster", "/v1/admin/cluster", Access::kAdmin, AdmissionClass::kOps,
             [source](HttpRequest&&, const Responder& respond) {
               if (source == nullptr) {
                 return respond(JsonResponse(200, "{\"mode\":\"single\"}"));
               }
               const stream::SourceStatus status = source->GetStatus();
               boost::json::array partitions;
               for (size_t i = 0; i < status.assigned.size(); ++i) {
                 partitions.push_back(boost::json::object{{"partition", status.assigned[i]},
                                                          {"mirrored", status.mirrored[i]},
                                                          {"lag", status.lag[i]}});
               }
               boost::json::object body{
                   {"mode", "cluster"},          {"topic", status.topic},
                   {"group", status.group},      {"partitions", status.partitions},
                   {"ready", status.ready},      {"assigned", std::move(partitions)},
                   {"rejected", status.rejected}};
               respond(JsonResponse(200, boost::json::serialize(body)));
             });
}

}  // namespace mercato
