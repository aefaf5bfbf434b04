#pragma once
// MemberDirectory: which node owns which partition, so that any node can forward a read to the
// owner (docs/operations.md, "Cluster mode"). Each node publishes a claim — its base URL and the
// partitions it was assigned — to a one-partition topic (`<events topic>.members`) whenever its
// assignment changes, and an empty claim when it stops. Every node reads the whole topic; a
// partition's owner is the node of the latest claim (highest offset) that names it, so the node
// that took a partition over replaces the claim of one that died without a word.
//
// Thread safety: Publish and OwnerOf from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "stream/kafka_client.h"

namespace mercato::stream {

class MemberDirectory {
 public:
  // `self_url`: this node's base URL as the other nodes reach it ("http://10.0.0.5:8080").
  static Result<std::unique_ptr<MemberDirectory>> Create(const KafkaOptions& options,
                                                         std::string self_url);
  ~MemberDirectory();  // publishes an empty claim, then stops reading

  // Claims `partitions` for this node (asynchronous; a later claim supersedes it).
  void Publish(const std::vector<uint32_t>& partitions);
  // The base URL of the node that owns `partition`, when another node has claimed it last.
  std::optional<std::string> OwnerOf(uint32_t partition) const;
  // The base URLs of the other nodes that own a partition now, in URL order.
  std::vector<std::string> OtherOwners() const;
  const std::string& self_url() const { return self_url_; }

  static std::string TopicFor(const std::string& events_topic) { return events_topic + ".members"; }

 private:
  MemberDirectory(KafkaOptions options, std::string self_url)
      : options_(std::move(options)), self_url_(std::move(self_url)) {}
  void ReadLoop();
  void Apply(std::string_view value, int64_t offset);

  const KafkaOptions options_;
  const std::string self_url_;
  KafkaHandle producer_;
  KafkaHandle consumer_;
  std::atomic<bool> stopping_{false};
  std::thread reader_;

  mutable std::mutex mu_;
  struct Claim {
    int64_t offset = -1;
    std::string url;
  };
  std::map<uint32_t, Claim> owners_;                             // guarded by mu_
  std::map<std::string, std::vector<uint32_t>> claimed_by_url_;  // guarded by mu_
};

}  // namespace mercato::stream
