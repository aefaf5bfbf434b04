#pragma once
// Stable 64-bit hashing for partitioning and ids. The values are part of on-disk formats
// (partition = Hash64(routing key) % partitions): never change the function.

#include <cstdint>
#include <string_view>

namespace mercato {

// FNV-1a over the bytes followed by a murmur3 finaliser for good avalanche on short keys.
inline uint64_t Hash64(std::string_view data, uint64_t seed = 0) {
  uint64_t h = 14695981039346656037ull ^ seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// Kafka's murmur2 (the Java client's Utils.murmur2, librdkafka's "murmur2_random" partitioner and
// kafkajs's default partitioner all use it for keyed records).
inline uint32_t KafkaMurmur2(std::string_view data) {
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto byte = [&data](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[i]));
  };
  const size_t length = data.size();
  uint32_t h = 0x9747b28cu ^ static_cast<uint32_t>(length);
  const size_t whole = length & ~size_t{3};
  for (size_t i = 0; i < whole; i += 4) {
    uint32_t k = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  switch (length & 3) {
    case 3:
      h ^= byte(whole + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(whole + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(whole);
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

// The partition Kafka's default partitioner picks for a keyed record: the sign bit cleared, then
// modulo the partition count (`partitions` > 0).
inline uint32_t KafkaPartition(std::string_view key, uint32_t partitions) {
  return (KafkaMurmur2(key) & 0x7fffffffu) % partitions;
}

}  // namespace mercato
