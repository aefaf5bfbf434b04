#pragma once
// JourneyErasureParticipant: erasure removes the customer's journey states, timers, queued
// messages and dead letters (journey/engine.h EraseCustomer), then their suppressions and send
// records and, for each ad audience they were added to, queues a removal (pipeline/delivery.h
// EraseCustomer) — in this order, so the removals are not dropped with the queued messages.
//
// Thread safety: as JourneyEngine and DeliveryWorker (any thread).

#include "journey/engine.h"
#include "pipeline/delivery.h"
#include "pipeline/erasure_service.h"

namespace mercato {

class JourneyErasureParticipant final : public ErasureParticipant {
 public:
  JourneyErasureParticipant(journey::JourneyEngine& engine, DeliveryWorker& delivery)
      : engine_(engine), delivery_(delivery) {}
  std::string_view name() const override { return "journeys"; }
  Result<size_t> EraseCustomer(std::string_view customer_id) override {
    ASSIGN_OR_RETURN(size_t states, engine_.EraseCustomer(customer_id));
    ASSIGN_OR_RETURN(size_t records, delivery_.EraseCustomer(customer_id));
    return states + records;
  }

 private:
  journey::JourneyEngine& engine_;
  DeliveryWorker& delivery_;
};

}  // namespace mercato
