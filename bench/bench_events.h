#pragma once
// Synthetic Segment events for the benchmarks: realistic bodies (300-500 bytes per event, several
// event kinds, userIds spread over many customers) built once, with fixed-width fields that the
// hot loop patches in place so that every event sent is new without allocating.
//
// A PatchableBody holds the JSON text and the offsets of its messageId counters and userId
// numbers. Patch() rewrites those digits; the length of the text never changes, so a request's
// Content-Length stays valid.
//
// Thread safety: free functions are pure; a PatchableBody is owned by one connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mercato::bench {

inline constexpr size_t kCounterDigits = 16;  // messageId counter, scrambled, in hex
inline constexpr size_t kUserDigits = 8;
inline constexpr uint64_t kDefaultUsers = 200'000;

// splitmix64: small, fast, deterministic per seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Uniform(uint64_t bound) { return Next() % bound; }

 private:
  uint64_t state_;
};

struct PatchableBody {
  std::string text;
  std::vector<size_t> message_id_offsets;  // each kCounterDigits wide
  std::vector<size_t> user_id_offsets;     // each kUserDigits wide
};

// Writes `value` as exactly `width` zero-padded decimal digits (the high digits are dropped).
void WriteFixedDecimal(char* out, size_t width, uint64_t value);

// Writes the messageId part for `counter` as kCounterDigits hex digits of a bijective scramble of
// it: ids stay unique but arrive in random order, like the UUIDs real SDKs send (sequential ids
// would make the dedupe index's inserts unrealistically cheap).
void WriteMessageCounter(char* out, uint64_t counter);

// A /v1/batch body of `events` events of mixed kinds (track, identify, page). `run_nonce` goes
// into every messageId so that two runs against one store never collide.
PatchableBody MakeBatchBody(size_t events, uint64_t run_nonce, uint64_t seed);

// A /v1/track body of one track event.
PatchableBody MakeTrackBody(uint64_t run_nonce, uint64_t seed);

// One event object as text (kind chosen by `seed`), for storage and parser benchmarks that need a
// value of realistic size and compressibility. Counter and user are filled in.
std::string MakeEventText(uint64_t run_nonce, uint64_t counter, uint64_t user, uint64_t seed);

// Gives the body's events fresh messageIds (first_counter, first_counter + 1, ...) and random
// userIds below `users`. `base` points at the body's first byte inside the caller's buffer.
void Patch(const PatchableBody& body, char* base, uint64_t first_counter, Rng& rng, uint64_t users);

}  // namespace mercato::bench
