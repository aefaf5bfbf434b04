#pragma once
// TrainingData: what the shop's recommendation models are trained from, read out of the stored
// events (recserve/event_reader.h) and kept with each model version (recserve/model_versions.h)
// so that a version can be rebuilt after a restart, and erasure can remove one customer's
// contribution and rebuild without re-reading the whole history.
//
// - Sessions: product views of one customer, split after `session_gap` of inactivity; only
//   sessions with at least two distinct clicks are kept (one click teaches no co-occurrence).
//   Each session remembers its customer, so erasure can find it.
// - Contexts: each session carries the contexts it happened in, "device:<type>",
//   "country:<code>" and "season:<name>" (of its last click), from which context re-ranking
//   (recserve/rerank.h) counts views per context. Everything derived is recomputed from the
//   sessions, so erasing a customer's sessions erases their whole contribution.
//
// Serialised format (little-endian integers, version 1): magic "MRECDATA", u32 version, then
// the sections in the order of the members below, then a u64 Hash64 of everything before it.
// Deserialize returns Corruption for anything else.
//
// Thread safety: a value type; const methods are safe from many threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/session_corpus.h"

namespace mercato::recserve {

using recommend::ItemId;

struct TrainingSession {
  std::string customer_id;         // profile/keys.h customer id
  int64_t end_us = 0;              // time of the last click
  std::vector<ItemId> items;       // oldest first
  std::vector<uint32_t> contexts;  // indices into TrainingData::contexts, ascending
};

struct TrainingData {
  int64_t as_of_us = 0;                   // when the data was read
  std::vector<std::string> items;         // dense id -> the shop's item id
  std::vector<TrainingSession> sessions;  // ascending by end_us
  std::vector<std::string> contexts;      // "device:mobile", "country:PL", "season:winter"
  uint64_t customers = 0;                 // customers whose events were read
  uint64_t excluded_customers = 0;        // without consent to personalisation
  uint64_t views = 0;                     // product views read

  std::string Serialize() const;
  static Result<TrainingData> Deserialize(std::string_view bytes);

  // The sessions as a corpus with times in Unix seconds.
  recommend::SessionCorpus Corpus() const;
  // The item dictionary of `items`.
  recommend::ItemDictionary Dictionary() const;
  // Removes every session of `customer_id`; returns how many went.
  size_t EraseCustomer(std::string_view customer_id);
};

}  // namespace mercato::recserve
