#pragma once
// SegmentErasureParticipant: erasure removes the customer's segment memberships and re-check
// timers (segment/segment_engine.h EraseCustomer) before the profile goes.
//
// Thread safety: as SegmentEngine (any thread).

#include "pipeline/erasure_service.h"
#include "segment/segment_engine.h"

namespace mercato {

class SegmentErasureParticipant final : public ErasureParticipant {
 public:
  explicit SegmentErasureParticipant(segment::SegmentEngine& engine) : engine_(engine) {}
  std::string_view name() const override { return "segments"; }
  Result<size_t> EraseCustomer(std::string_view customer_id) override {
    return engine_.EraseCustomer(customer_id);
  }

 private:
  segment::SegmentEngine& engine_;
};

}  // namespace mercato
