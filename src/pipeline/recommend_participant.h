#pragma once
// RecommendErasureParticipant: erasure removes the customer's sessions from the stored
// recommendation training data and every model version built on them
// (recserve::RecommendService::EraseCustomer), and serves the rewritten version.
//
// Thread safety: as RecommendService (any thread).

#include "pipeline/erasure_service.h"
#include "recserve/recommender.h"

namespace mercato {

class RecommendErasureParticipant final : public ErasureParticipant {
 public:
  explicit RecommendErasureParticipant(recserve::RecommendService& service) : service_(service) {}
  std::string_view name() const override { return "recommendations"; }
  Result<size_t> EraseCustomer(std::string_view customer_id) override {
    return service_.EraseCustomer(customer_id);
  }

 private:
  recserve::RecommendService& service_;
};

}  // namespace mercato
