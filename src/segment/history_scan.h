#pragma once
// HistoryScan: one iterator over the events column family for a thread that reads the histories of
// customers in increasing id order (batch evaluation, engine_build.cc). Positioning on the next
// customer moves the iterator forward by a few Next() calls where it can, instead of a Seek: the
// iterator usually already stands on that customer's first event.
//
// Thread safety: one scan per thread.

#include <rocksdb/iterator.h>

#include <memory>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace mercato::segment {

class HistoryScan {
 public:
  explicit HistoryScan(Store& store) : it_(store.NewIterator(Cf::kEvents)) {}

  // The iterator positioned on the first key >= `prefix` (as Seek(prefix) would). The caller may
  // then call Next() on it while the keys start with `prefix`, and nothing else.
  rocksdb::Iterator* SeekTo(std::string_view prefix);

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string last_;  // the prefix of the previous SeekTo; empty before the first
};

}  // namespace mercato::segment
