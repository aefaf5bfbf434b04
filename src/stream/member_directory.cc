#include "stream/member_directory.h"

#include <set>

#include <boost/json.hpp>

#include "core/logging.h"
#include "stream/kafka_internal.h"

namespace mercato::stream {
namespace json = boost::json;

Result<std::unique_ptr<MemberDirectory>> MemberDirectory::Create(const KafkaOptions& options,
                                                                 std::string self_url) {
  auto directory =
      std::unique_ptr<MemberDirectory>(new MemberDirectory(options, std::move(self_url)));
  ASSIGN_OR_RETURN(directory->producer_,
                   NewHandle(options, KafkaRole::kProducer,
                             {{"enable.idempotence", "true"}, {"linger.ms", "0"}}, nullptr));
  ASSIGN_OR_RETURN(directory->consumer_, NewWholeTopicReader(options, TopicFor(options.topic),
                                                             "members." + directory->self_url_));
  directory->reader_ = std::thread([raw = directory.get()] { raw->ReadLoop(); });
  return directory;
}

MemberDirectory::~MemberDirectory() {
  if (producer_) {
    Publish({});
    rd_kafka_flush(producer_.get(), 2000);
  }
  stopping_.store(true);
  if (reader_.joinable()) reader_.join();
}

void MemberDirectory::Publish(const std::vector<uint32_t>& partitions) {
  json::array list;
  for (uint32_t p : partitions) list.emplace_back(p);
  const std::string value =
      json::serialize(json::object{{"url", self_url_}, {"partitions", std::move(list)}});
  const std::string topic = TopicFor(options_.topic);
  rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(self_url_.data(), self_url_.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    LOG(WARNING) << "cluster: cannot publish this node's partitions: " << rd_kafka_err2str(err);
  }
  rd_kafka_poll(producer_.get(), 0);
}

std::optional<std::string> MemberDirectory::OwnerOf(uint32_t partition) const {
  std::lock_guard lock(mu_);
  auto found = owners_.find(partition);
  if (found == owners_.end() || found->second.url == self_url_) return std::nullopt;
  return found->second.url;
}

std::vector<std::string> MemberDirectory::OtherOwners() const {
  std::lock_guard lock(mu_);
  std::set<std::string> urls;
  for (const auto& [partition, claim] : owners_) {
    if (claim.url != self_url_) urls.insert(claim.url);
  }
  return {urls.begin(), urls.end()};
}

void MemberDirectory::Apply(std::string_view value, int64_t offset) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(value, ec);
  const json::object* claim = ec ? nullptr : parsed.if_object();
  const json::value* url = claim != nullptr ? claim->if_contains("url") : nullptr;
  const json::value* partitions = claim != nullptr ? claim->if_contains("partitions") : nullptr;
  if (url == nullptr || !url->is_string() || partitions == nullptr || !partitions->is_array()) {
    LOG(WARNING) << "cluster: ignoring a malformed claim at offset " << offset;
    return;
  }
  const std::string who(url->get_string());
  std::vector<uint32_t> now;
  for (const json::value& p : partitions->get_array()) {
    if (p.is_int64() && p.get_int64() >= 0) now.push_back(static_cast<uint32_t>(p.get_int64()));
  }
  std::lock_guard lock(mu_);
  for (uint32_t p : claimed_by_url_[who]) {
    auto found = owners_.find(p);
    if (found != owners_.end() && found->second.url == who) owners_.erase(found);
  }
  for (uint32_t p : now) owners_[p] = Claim{offset, who};
  claimed_by_url_[who] = std::move(now);
}

void MemberDirectory::ReadLoop() {
  while (!stopping_.load(std::memory_order_acquire)) {
    rd_kafka_poll(producer_.get(), 0);  // delivery reports
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), 100);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->payload != nullptr) {
      Apply(std::string_view(static_cast<const char*>(message->payload), message->len),
            message->offset);
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer_.get());
}

}  // namespace mercato::stream
