#include "server/admission.h"

#include <string>

namespace mercato {

void AdmissionControl::Slot::Release() {
  if (counter_ == nullptr) return;
  counter_->fetch_sub(1, std::memory_order_acq_rel);
  counter_ = nullptr;
}

AdmissionControl::AdmissionControl(AdmissionBudgets budgets, MetricsRegistry* metrics)
    : budgets_(budgets) {
  if (metrics == nullptr) return;
  for (size_t k = 0; k < kAdmissionClassCount; ++k) {
    Labels labels = {{"class", std::string(AdmissionClassName(static_cast<AdmissionClass>(k)))}};
    rejected_[k] =
        &metrics->GetCounter("mercato_admission_rejected_total",
                             "Requests refused with 503 over their class's budget", labels);
    std::atomic<size_t>* counter = &in_flight_[k];
    metrics->AddGaugeCallback(
        "mercato_admission_in_flight", "Requests in flight by class", labels,
        [counter] { return static_cast<double>(counter->load(std::memory_order_relaxed)); });
  }
}

std::unique_ptr<AdmissionControl::Slot> AdmissionControl::TryAcquire(AdmissionClass value) {
  const auto index = static_cast<size_t>(value);
  std::atomic<size_t>& counter = in_flight_[index];
  const size_t budget = budgets_.max_in_flight[index];
  if (counter.fetch_add(1, std::memory_order_acq_rel) >= budget && budget != 0) {
    counter.fetch_sub(1, std::memory_order_acq_rel);
    if (rejected_[index] != nullptr) rejected_[index]->Inc();
    return nullptr;
  }
  return std::unique_ptr<Slot>(new Slot(&counter));
}

size_t AdmissionControl::in_flight(AdmissionClass value) const {
  return in_flight_[static_cast<size_t>(value)].load(std::memory_order_acquire);
}

}  // namespace mercato
