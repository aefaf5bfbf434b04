#include "recommend/neural/gru4rec.h"

#include <algorithm>
#include <cmath>

#include "recommend/neural/gru4rec_format.h"
#include "recommend/neural/gru4rec_trainer_loader.h"
#include "recommend/neural/gru4rec_weights.h"

namespace mercato::recommend {
namespace {

// The ranking order of SessionModel: higher score first, equal scores to the smaller id.
bool Better(const ScoredItem& a, const ScoredItem& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
}

// Keeps the n best of a dense score array with a bounded heap whose top is the worst kept item:
// O(items log n), no per-item allocation.
void TopNDense(const std::vector<float>& scores, std::size_t n, std::vector<ScoredItem>& out) {
  out.clear();
  if (n == 0) return;
  out.reserve(std::min(n, scores.size()));
  for (std::size_t item = 0; item < scores.size(); ++item) {
    const ScoredItem candidate{static_cast<ItemId>(item), scores[item]};
    if (std::isnan(candidate.score)) continue;
    if (out.size() < n) {
      out.push_back(candidate);
      std::push_heap(out.begin(), out.end(), Better);
    } else if (Better(candidate, out.front())) {
      std::pop_heap(out.begin(), out.end(), Better);
      out.back() = candidate;
      std::push_heap(out.begin(), out.end(), Better);
    }
  }
  std::sort_heap(out.begin(), out.end(), Better);
}

// Per-thread buffers of Recommend, so that concurrent calls share nothing mutable.
struct RecommendScratch {
  std::vector<float> state;
  std::vector<float> gru;
  std::vector<float> scores;
};

}  // namespace

Gru4Rec::Gru4Rec(std::unique_ptr<Gru4RecWeights> weights) : weights_(std::move(weights)) {}
Gru4Rec::~Gru4Rec() = default;

Result<std::unique_ptr<Gru4Rec>> Gru4Rec::Train(const SessionCorpus& train,
                                                const Gru4RecOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Gru4RecWeights> weights,
                   TrainGru4RecWeightsInPlugin(train, options));
  return std::unique_ptr<Gru4Rec>(new Gru4Rec(std::move(weights)));
}

void Gru4Rec::Recommend(const SessionQuery& query, std::size_t n,
                        std::vector<ScoredItem>& out) const {
  out.clear();
  thread_local RecommendScratch scratch;
  if (Gru4RecFinalState(*weights_, query.items, scratch.state, scratch.gru) == 0) return;
  Gru4RecScoreAll(*weights_, scratch.state, scratch.scores);
  TopNDense(scratch.scores, n, out);
}

Status Gru4Rec::Serialize(std::string& out) const {
  EncodeGru4RecWeights(*weights_, out);
  return Status::Ok();
}

Result<std::unique_ptr<Gru4Rec>> Gru4Rec::Deserialize(std::string_view bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<Gru4RecWeights> weights, DecodeGru4RecWeights(bytes));
  return std::unique_ptr<Gru4Rec>(new Gru4Rec(std::move(weights)));
}

std::size_t Gru4Rec::item_count() const { return weights_->item_count; }
const Gru4RecOptions& Gru4Rec::options() const { return weights_->options; }
std::size_t Gru4Rec::epochs_completed() const { return weights_->epochs_completed; }

}  // namespace mercato::recommend
