#pragma once
// AdmissionControl: a maximum number of requests in flight per admission class (server/access.h).
// A request holds its slot from admission until its responder is called; beyond the budget the
// gateway answers 503 with Retry-After: 1. Each class has its own budget, so heavy admin or query
// work can never take the slots ingestion needs.
//
// Thread safety: every method is safe from any thread (atomic counters).

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

#include "core/metrics.h"
#include "server/access.h"

namespace mercato {

// Per class, in AdmissionClass order; 0 means no limit. Defaults: ingestion is bounded by
// --max-connections in practice; queries and admin work by what the I/O threads should spend on
// them.
struct AdmissionBudgets {
  std::array<size_t, kAdmissionClassCount> max_in_flight = {4096, 256, 8, 64};
  size_t& operator[](AdmissionClass value) { return max_in_flight[static_cast<size_t>(value)]; }
  size_t operator[](AdmissionClass value) const {
    return max_in_flight[static_cast<size_t>(value)];
  }
};

class AdmissionControl {
 public:
  // A held slot; destroying it (or Release) gives the slot back.
  class Slot {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }
    void Release();

   private:
    friend class AdmissionControl;
    explicit Slot(std::atomic<size_t>* counter) : counter_(counter) {}
    std::atomic<size_t>* counter_;
  };

  // Registers mercato_admission_in_flight{class} and mercato_admission_rejected_total{class}.
  AdmissionControl(AdmissionBudgets budgets, MetricsRegistry* metrics);

  // A slot of `value`'s budget, or null when the budget is used up (counted as a rejection).
  std::unique_ptr<Slot> TryAcquire(AdmissionClass value);
  size_t in_flight(AdmissionClass value) const;
  const AdmissionBudgets& budgets() const { return budgets_; }

 private:
  const AdmissionBudgets budgets_;
  std::array<std::atomic<size_t>, kAdmissionClassCount> in_flight_{};
  std::array<Counter*, kAdmissionClassCount> rejected_{};
};

}  // namespace mercato
