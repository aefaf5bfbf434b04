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

}  // namespace mercato
