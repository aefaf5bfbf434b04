#include "segment/history_scan.h"

namespace mercato::segment {
namespace {

// Next() calls tried before falling back to a Seek.
constexpr int kMaxSteps = 16;

}  // namespace

rocksdb::Iterator* HistoryScan::SeekTo(std::string_view prefix) {
  // After the previous prefix's keys were read, the iterator stands on the first key >= last_
  // that does not start with last_. When `prefix` is after last_ and does not extend it, every
  // key starting with last_ sorts before `prefix`, so no key between them was passed over:
  // moving forward is the same as seeking.
  const bool forward =
      !last_.empty() && prefix > last_ && !prefix.starts_with(last_) && it_->status().ok();
  last_.assign(prefix);
  if (forward) {
    for (int step = 0; step <= kMaxSteps; ++step) {
      if (!it_->Valid() || it_->key().ToStringView() >= prefix) return it_.get();
      if (step < kMaxSteps) it_->Next();
    }
  }
  it_->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
  return it_.get();
}

}  // namespace mercato::segment
