#include "recserve/training_data.h"

#include <algorithm>
#include <cstring>

#include "core/hash.h"

namespace mercato::recserve {
namespace {

constexpr std::string_view kMagic = "MRECDATA";
constexpr uint32_t kVersion = 1;

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void PutString(std::string& out, std::string_view text) {
  Put<uint32_t>(out, static_cast<uint32_t>(text.size()));
  out.append(text);
}

// Reads fixed-size values and strings from a byte range; any read past the end sets failed.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  T Get() {
    T value{};
    if (data_.size() < sizeof(T)) {
      failed_ = true;
      return value;
    }
    std::memcpy(&value, data_.data(), sizeof(T));
    data_.remove_prefix(sizeof(T));
    return value;
  }
  std::string GetString() {
    const uint32_t size = Get<uint32_t>();
    if (failed_ || data_.size() < size) {
      failed_ = true;
      return {};
    }
    std::string out(data_.substr(0, size));
    data_.remove_prefix(size);
    return out;
  }
  // A count that cannot exceed what is left at `min_bytes` per element.
  size_t GetCount(size_t min_bytes) {
    const uint64_t count = Get<uint64_t>();
    if (failed_ || count > data_.size() / std::max<size_t>(min_bytes, 1)) {
      failed_ = true;
      return 0;
    }
    return static_cast<size_t>(count);
  }
  bool failed() const { return failed_; }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
  bool failed_ = false;
};

}  // namespace

std::string TrainingData::Serialize() const {
  std::string out(kMagic);
  Put<uint32_t>(out, kVersion);
  Put<int64_t>(out, as_of_us);
  Put<uint64_t>(out, customers);
  Put<uint64_t>(out, excluded_customers);
  Put<uint64_t>(out, views);
  Put<uint64_t>(out, items.size());
  for (const std::string& item : items) PutString(out, item);
  Put<uint64_t>(out, contexts.size());
  for (const std::string& context : contexts) PutString(out, context);
  Put<uint64_t>(out, sessions.size());
  for (const TrainingSession& session : sessions) {
    PutString(out, session.customer_id);
    Put<int64_t>(out, session.end_us);
    Put<uint64_t>(out, session.items.size());
    for (ItemId item : session.items) Put<uint32_t>(out, item);
    Put<uint64_t>(out, session.contexts.size());
    for (uint32_t context : session.contexts) Put<uint32_t>(out, context);
  }
  Put<uint64_t>(out, Hash64(out));
  return out;
}

Result<TrainingData> TrainingData::Deserialize(std::string_view bytes) {
  auto corrupt = [](std::string_view what) {
    return Status::Corruption("recommendation training data: " + std::string(what));
  };
  if (bytes.size() < kMagic.size() + sizeof(uint32_t) + sizeof(uint64_t) ||
      bytes.substr(0, kMagic.size()) != kMagic) {
    return corrupt("not a training data blob");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - sizeof(uint64_t));
  uint64_t checksum = 0;
  std::memcpy(&checksum, bytes.data() + body.size(), sizeof(uint64_t));
  if (checksum != Hash64(body)) return corrupt("checksum mismatch");
  Reader in(body.substr(kMagic.size()));
  if (in.Get<uint32_t>() != kVersion) return corrupt("unknown format version");
  TrainingData data;
  data.as_of_us = in.Get<int64_t>();
  data.customers = in.Get<uint64_t>();
  data.excluded_customers = in.Get<uint64_t>();
  data.views = in.Get<uint64_t>();
  data.items.resize(in.GetCount(4));
  for (std::string& item : data.items) item = in.GetString();
  data.contexts.resize(in.GetCount(4));
  for (std::string& context : data.contexts) context = in.GetString();
  data.sessions.resize(in.GetCount(28));
  for (TrainingSession& session : data.sessions) {
    session.customer_id = in.GetString();
    session.end_us = in.Get<int64_t>();
    session.items.resize(in.GetCount(4));
    for (ItemId& item : session.items) {
      item = in.Get<uint32_t>();
      if (item >= data.items.size()) return corrupt("an item id is out of range");
    }
    session.contexts.resize(in.GetCount(4));
    for (uint32_t& context : session.contexts) {
      context = in.Get<uint32_t>();
      if (context >= data.contexts.size()) return corrupt("a context id is out of range");
    }
    if (in.failed()) break;
  }
  if (in.failed() || !in.done()) return corrupt("truncated or trailing bytes");
  return data;
}

recommend::SessionCorpus TrainingData::Corpus() const {
  recommend::SessionCorpus corpus(items.size());
  for (const TrainingSession& session : sessions) {
    corpus.Add(session.items, session.end_us / 1'000'000);
  }
  return corpus;
}

recommend::ItemDictionary TrainingData::Dictionary() const {
  recommend::ItemDictionary dictionary;
  for (const std::string& item : items) dictionary.Intern(item);
  return dictionary;
}

size_t TrainingData::EraseCustomer(std::string_view customer_id) {
  const size_t before = sessions.size();
  std::erase_if(sessions,
                [&](const TrainingSession& session) { return session.customer_id == customer_id; });
  return before - sessions.size();
}

}  // namespace mercato::recserve
