#pragma once
// Gru4Rec: a recurrent next-item model (Hidasi et al., ICLR 2016; Hidasi & Karatzoglou, CIKM
// 2018), trained with libtorch on the CPU and served by plain C++.
//
// Network: item embedding -> `layers` GRU layers of `hidden_size` units -> scores. The input
// embedding and the output weights are one matrix (GRU4Rec's "constrained embedding"), so an
// item's score after a session is dot(h, E[item]) + b[item], h the last layer's final state.
//
// Training: session-parallel mini-batches. `batch_size` sessions run side by side; each step feeds
// every slot's current click and predicts its next click; a finished session is replaced by the
// next one (in corpus time order) with its hidden state reset to zero. Gradients flow through one
// step only (the state is carried, not back-propagated through), as in GRU4Rec. Optimiser:
// Adagrad; only the embedding rows a step touches are updated. Losses (Gru4RecLoss):
//   kFullSoftmax     cross-entropy over every item; exact, but O(item_count) per training click.
//   kSampledSoftmax  cross-entropy over the batch's targets (in-batch negatives) plus
//                    `negative_samples` items drawn with P(i) ~ clicks(i)^sample_alpha, the same
//                    sample shared by the batch; optional log-Q correction.
//   kBprMax          BPR-max with score regularisation (`bpr_regularization`) over the same
//                    negatives, on ELU-activated scores.
// Debian's libtorch does fp32 matrix products with the reference BLAS (a few GFLOP/s); training
// routes them through torch's oneDNN inner product instead (10-20x faster here), but the full
// softmax still costs O(item_count * hidden) per click: on catalogues of tens of thousands of
// items the sampled losses are the practical ones.
//
// Determinism: for a given corpus, options, `threads` and machine (oneDNN picks kernels by CPU),
// training is a pure function of `seed` (weights, dropout, negative samples), unless
// `max_train_seconds` cuts it short. The randomness comes from generators private to the call,
// not torch's global one (torch::manual_seed is neither needed nor affected). Train() sets
// torch's process-wide thread count for its duration and restores it afterwards, so concurrent
// Train() calls in one process interfere with each other's thread counts (not with correctness).
//
// Serving: the trained weights are plain float arrays; Recommend() runs the GRU over the query and
// scores every item in C++ without torch, so it is const, allocation-light (per-thread scratch)
// and safe to call from many threads at once. Cost: O(query length * hidden^2 + item_count *
// hidden) per call.
//
// Storage: Serialize() writes a self-describing blob: the magic "MGRU4REC", a format version, the
// options that shape the network and its training, item_count, the parameters as little-endian
// IEEE floats, and a 64-bit checksum of everything before it (see gru4rec_format.h).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/model.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend {

enum class Gru4RecLoss : std::uint8_t { kFullSoftmax = 0, kSampledSoftmax = 1, kBprMax = 2 };

// Reported after every epoch (and once more when the time budget stops training mid-epoch).
struct Gru4RecProgress {
  std::size_t epoch = 0;   // 1-based number of the epoch just finished (or interrupted)
  std::size_t epochs = 0;  // epochs asked for
  std::size_t events = 0;  // training clicks (prefix -> next pairs) seen in this epoch
  double mean_loss = 0;    // mean per-event loss over the epoch
  double epoch_seconds = 0;
  double elapsed_seconds = 0;  // since Train() started
};

// Defaults: the best of a small search on the SR-GNN Diginetica split (43k items, 0.7M training
// clicks; HR@20 0.52, MRR@20 0.18 after 10 epochs of 30-80 s on a shared 2-core machine). A larger
// hidden_size (200) overfitted there; 15 epochs gained nothing; kBprMax was slower and weaker.
struct Gru4RecOptions {
  std::size_t hidden_size = 100;  // GRU units per layer; also the embedding size
  std::size_t layers = 1;
  std::size_t epochs = 10;
  std::size_t batch_size = 128;  // parallel sessions per mini-batch
  float learning_rate = 0.08f;   // Adagrad
  Gru4RecLoss loss = Gru4RecLoss::kSampledSoftmax;
  std::size_t negative_samples = 2048;  // extra negatives per step (sampled losses); 0 = in-batch
  float sample_alpha = 0.5f;            // 0 = uniform, 1 = proportional to clicks
  float logq = 0.0f;                // log-Q correction weight for kSampledSoftmax (GRU4Rec: 0 or 1)
  float bpr_regularization = 1.0f;  // kBprMax score regularisation
  float dropout_embedding = 0.4f;   // on the input embedding, in [0, 1)
  float dropout_hidden = 0.3f;      // on every layer's output, in [0, 1)
  std::uint64_t seed = 42;
  int threads = 1;               // torch intra-op threads during training
  double max_train_seconds = 0;  // wall-clock budget; 0 = none. Training stops after the step
                                 // that exceeds it and keeps what it learned.
  std::function<void(const Gru4RecProgress&)> progress;  // optional; called on Train()'s thread
};

struct Gru4RecWeights;  // the parameters as plain float arrays (gru4rec_weights.h)

class Gru4Rec final : public SessionModel {
 public:
  ~Gru4Rec() override;
  Gru4Rec(const Gru4Rec&) = delete;
  Gru4Rec& operator=(const Gru4Rec&) = delete;

  // Trains on `train`'s sessions over items 0..train.item_count()-1. InvalidArgument when the
  // corpus has no session with two clicks, or an option is out of range (a size of 0; hidden_size,
  // layers, batch_size, negative_samples above 4096, 16, 65536, 2^20; learning_rate <= 0;
  // dropout outside [0, 1); sample_alpha, logq, bpr_regularization or max_train_seconds < 0;
  // threads < 1); Internal when torch fails (its message is included); ResourceExhausted when
  // memory runs out.
  static Result<std::unique_ptr<Gru4Rec>> Train(const SessionCorpus& train,
                                                const Gru4RecOptions& options = {});

  std::string_view name() const override { return "gru4rec"; }
  // Runs the GRU over the query's items (ids >= item_count() are skipped) and returns the n
  // highest-scoring items, best first, ties to the smaller id; the score is the logit
  // dot(h, E[item]) + b[item]. Items already in the session are not excluded. A query with no
  // known item gives an empty answer.
  void Recommend(const SessionQuery& query, std::size_t n,
                 std::vector<ScoredItem>& out) const override;

  // Replaces `out` with the model's bytes (format above). Always ok; a Status for symmetry with
  // other models' storage.
  Status Serialize(std::string& out) const;
  // Reads Serialize()'s output. Corruption when the bytes are not such a model (wrong magic,
  // unknown version, truncated, inconsistent sizes, checksum mismatch); never crashes on bad input.
  static Result<std::unique_ptr<Gru4Rec>> Deserialize(std::string_view bytes);

  std::size_t item_count() const;
  // The options the model was trained with (the progress callback is not kept).
  const Gru4RecOptions& options() const;
  // Epochs that ran to the end; fewer than options().epochs when the time budget stopped training.
  std::size_t epochs_completed() const;

 private:
  explicit Gru4Rec(std::unique_ptr<Gru4RecWeights> weights);
  std::unique_ptr<Gru4RecWeights> weights_;  // const after construction
};

}  // namespace mercato::recommend
