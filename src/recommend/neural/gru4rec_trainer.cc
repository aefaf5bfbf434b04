#include "recommend/neural/gru4rec_trainer.h"

// ATen (tensors, autograd through Tensor::backward) is all training needs: the torch:: C++
// frontend (nn, optim, data) would only add compile time.
//
// Speed: Debian's libtorch runs fp32 matrix products on the reference BLAS (about 3 GFLOP/s on
// one core), but also ships oneDNN, whose JIT-compiled inner product (at::mkldnn_linear, with
// autograd support) is 10-20 times faster on this model's shapes. Every product is therefore a
// Linear() below, which takes the oneDNN path when torch was built with it and the product is
// big enough to gain from it.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

namespace mercato::recommend {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kAdagradEpsilon = 1e-6;  // GRU4Rec's

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Restores torch's process-wide intra-op thread count when training ends, however it ends.
class ThreadCountGuard {
 public:
  explicit ThreadCountGuard(int threads) : previous_(at::get_num_threads()) {
    at::set_num_threads(threads);
  }
  ~ThreadCountGuard() { at::set_num_threads(previous_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int previous_;
};

// Draws items with P(i) ~ clicks(i)^alpha by binary search in the cumulative weights; its own
// generator keeps the draws a function of the seed alone.
class NegativeSampler {
 public:
  NegativeSampler(const std::vector<double>& clicks, double alpha, std::uint64_t seed)
      : rng_(seed ^ 0x9e3779b97f4a7c15ull) {
    cumulative_.reserve(clicks.size());
    double total = 0;
    for (double count : clicks) {
      total += count > 0 ? std::pow(count, alpha) : (alpha == 0 ? 1.0 : 0.0);
      cumulative_.push_back(total);
    }
  }
  void Draw(std::size_t count, std::vector<std::int64_t>& out) {
    const double total = cumulative_.back();
    for (std::size_t draw = 0; draw < count; ++draw) {
      const double point = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * total;
      const auto found = std::upper_bound(cumulative_.begin(), cumulative_.end(), point);
      const auto item = std::min<std::ptrdiff_t>(
          found - cumulative_.begin(), static_cast<std::ptrdiff_t>(cumulative_.size()) - 1);
      out.push_back(item);
    }
  }

 private:
  std::mt19937_64 rng_;
  std::vector<double> cumulative_;
};

// Maps the item ids a step touches to consecutive local rows, in first-seen order, in O(touched)
// per step (an epoch counter per item instead of clearing a map).
class RowMapper {
 public:
  explicit RowMapper(std::size_t item_count) : stamp_(item_count, 0), row_(item_count, 0) {}
  void Begin() {
    ++epoch_;
    rows_.clear();
    local_.clear();
  }
  void Add(std::int64_t item) {
    if (stamp_[item] != epoch_) {
      stamp_[item] = epoch_;
      row_[item] = static_cast<std::int64_t>(rows_.size());
      rows_.push_back(item);
    }
    local_.push_back(row_[item]);
  }
  const std::vector<std::int64_t>& rows() const { return rows_; }    // distinct items
  const std::vector<std::int64_t>& local() const { return local_; }  // row of every Add

 private:
  std::vector<std::uint64_t> stamp_;
  std::vector<std::int64_t> row_;
  std::vector<std::int64_t> rows_;
  std::vector<std::int64_t> local_;
  std::uint64_t epoch_ = 0;
};

at::Tensor LongTensor(const std::vector<std::int64_t>& values) {
  return at::from_blob(const_cast<std::int64_t*>(values.data()),
                       {static_cast<std::int64_t>(values.size())}, at::kLong)
      .clone();
}

// A weight of `blocks` stacked (out x in) blocks, stored out-major as torch's linear expects,
// uniform in [-s, s] with s = sqrt(6 / (in + out)) per block, as GRU4Rec initialises.
at::Tensor InitMatrix(std::int64_t out, std::int64_t in, std::int64_t blocks,
                      at::Generator& generator) {
  const double scale = std::sqrt(6.0 / static_cast<double>(out + in));
  return at::empty({out * blocks, in}, at::kFloat).uniform_(-scale, scale, generator);
}

// input (n x in) times weight (out x in) transposed, plus bias (out) when defined.
at::Tensor Linear(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias) {
  static const bool kHaveOneDnn = at::hasMKLDNN();
  // Below ~64k multiply-adds oneDNN's fixed cost per call (layout conversions) outweighs its speed.
  constexpr std::int64_t kOneDnnMinMacs = 1 << 16;
  if (kHaveOneDnn && input.size(0) * weight.size(0) * weight.size(1) >= kOneDnnMinMacs) {
    return at::mkldnn_linear(input.contiguous().to_mkldnn(), weight.contiguous(),
                             bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt)
        .to_dense();
  }
  return bias.defined() ? at::addmm(bias, input, weight.t()) : input.mm(weight.t());
}

struct Parameter {
  at::Tensor value;        // requires grad
  at::Tensor accumulator;  // Adagrad's sum of squared gradients
};

// Weights out-major (transposed relative to gru4rec_weights.h, which Export() restores).
struct TorchLayer {
  Parameter input_weights;        // 3h x d
  Parameter recurrent_gates;      // 2h x h
  Parameter recurrent_candidate;  // h x h
  Parameter bias;                 // 3h
};

struct Network {
  std::int64_t hidden = 0;
  at::Tensor embedding, embedding_accumulator;  // item_count x h, updated row-sparsely by hand
  at::Tensor bias, bias_accumulator;            // item_count
  std::vector<TorchLayer> layers;
};

Parameter MakeParameter(at::Tensor value) {
  Parameter parameter{std::move(value), {}};
  parameter.accumulator = at::zeros_like(parameter.value);
  parameter.value.set_requires_grad(true);
  return parameter;
}

Network InitNetwork(std::int64_t item_count, const Gru4RecOptions& options,
                    at::Generator& generator) {
  Network network;
  const auto h = static_cast<std::int64_t>(options.hidden_size);
  network.hidden = h;
  network.embedding = InitMatrix(item_count, h, 1, generator);
  network.embedding_accumulator = at::zeros_like(network.embedding);
  network.bias = at::zeros({item_count}, at::kFloat);
  network.bias_accumulator = at::zeros_like(network.bias);
  for (std::size_t layer_idx = 0; layer_idx < options.layers; ++layer_idx) {
    TorchLayer layer;
    layer.input_weights = MakeParameter(InitMatrix(h, h, 3, generator));
    layer.recurrent_gates = MakeParameter(InitMatrix(h, h, 2, generator));
    layer.recurrent_candidate = MakeParameter(InitMatrix(h, h, 1, generator));
    layer.bias = MakeParameter(at::zeros({3 * h}, at::kFloat));
    network.layers.push_back(std::move(layer));
  }
  return network;
}

void AdagradDense(Parameter& parameter, double learning_rate) {
  at::Tensor& grad = parameter.value.mutable_grad();
  if (!grad.defined()) return;
  parameter.accumulator.addcmul_(grad, grad);
  parameter.value.addcdiv_(grad, (parameter.accumulator + kAdagradEpsilon).sqrt(), -learning_rate);
  grad.zero_();
}

// Adagrad on the rows `rows` of `table` given the gradient of their gathered copy.
void AdagradRows(at::Tensor& table, at::Tensor& accumulator, const at::Tensor& rows,
                 const at::Tensor& grad, double learning_rate) {
  at::Tensor updated = accumulator.index_select(0, rows).addcmul_(grad, grad);
  accumulator.index_copy_(0, rows, updated);
  table.index_add_(0, rows, grad / (updated + kAdagradEpsilon).sqrt() * (-learning_rate));
}

at::Tensor Dropout(const at::Tensor& input, double probability, at::Generator& generator) {
  if (probability <= 0) return input;
  at::Tensor keep = at::rand(input.sizes(), generator, at::kFloat).ge_(probability);
  return input * keep.div_(1.0 - probability);
}

// One GRU layer step, in the formulation of gru4rec_weights.h.
at::Tensor GruStep(const TorchLayer& layer, const at::Tensor& input, const at::Tensor& state,
                   std::int64_t h) {
  const at::Tensor no_bias;
  at::Tensor v = Linear(input, layer.input_weights.value, layer.bias.value);
  at::Tensor gates =
      at::sigmoid(v.narrow(1, h, 2 * h) + Linear(state, layer.recurrent_gates.value, no_bias));
  at::Tensor reset = gates.narrow(1, 0, h);
  at::Tensor update = gates.narrow(1, h, h);
  at::Tensor candidate =
      at::tanh(v.narrow(1, 0, h) + Linear(reset * state, layer.recurrent_candidate.value, no_bias));
  return update * state + (1 - update) * candidate;
}

// GRU4Rec's BPR-max: scores through ELU(1); the positive of row b is column b; the negatives are
// weighted by their softmax (the positive masked out), plus a score regulariser.
at::Tensor BprMaxLoss(const at::Tensor& logits, double regularization) {
  const std::int64_t batch = logits.size(0);
  at::Tensor scores = at::elu(logits);
  at::Tensor positive_mask = at::arange(scores.size(1), at::kLong).unsqueeze(0) ==
                             at::arange(batch, at::kLong).unsqueeze(1);
  at::Tensor negative_weights = at::softmax(scores.masked_fill(positive_mask, -INFINITY), 1);
  at::Tensor positive = scores.narrow(1, 0, batch).diagonal().unsqueeze(1);
  at::Tensor ranking = at::log((at::sigmoid(positive - scores) * negative_weights).sum(1) + 1e-24);
  at::Tensor regulariser = (scores * scores * negative_weights).sum(1) * regularization;
  return (regulariser - ranking).mean();
}

struct Slot {
  SessionIndex session = 0;
  std::size_t position = 0;  // index of the click fed next; position + 1 is its target
};

class Trainer {
 public:
  Trainer(const SessionCorpus& corpus, const Gru4RecOptions& options)
      : corpus_(corpus),
        options_(options),
        generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)),
        sampler_(ClickCounts(corpus), options.sample_alpha, options.seed),
        mapper_(corpus.item_count()) {
    for (SessionIndex s = 0; s < corpus.size(); ++s) {
      if (corpus.Session(s).size() >= 2) order_.push_back(s);
    }
    std::stable_sort(order_.begin(), order_.end(), [&corpus](SessionIndex a, SessionIndex b) {
      return corpus.Time(a) < corpus.Time(b);
    });
    const auto item_count = static_cast<std::int64_t>(corpus.item_count());
    network_ = InitNetwork(item_count, options, generator_);
    if (options.loss == Gru4RecLoss::kSampledSoftmax && options.logq > 0) {
      std::vector<double> clicks = ClickCounts(corpus);
      double total = 0;
      for (double& count : clicks) {
        count = std::max(count, 1.0);  // never-clicked items: no log(0)
        total += count;
      }
      log_popularity_ = at::empty({item_count}, at::kFloat);
      float* out = log_popularity_.data_ptr<float>();
      for (std::size_t item = 0; item < clicks.size(); ++item) {
        out[item] = static_cast<float>(std::log(clicks[item] / total));
      }
    }
    if (options.loss == Gru4RecLoss::kFullSoftmax) all_items_ = at::arange(item_count, at::kLong);
  }

  bool has_events() const { return !order_.empty(); }

  std::unique_ptr<Gru4RecWeights> Run() {
    const Clock::time_point start = Clock::now();
    bool out_of_time = false;
    for (std::size_t epoch = 1; epoch <= options_.epochs && !out_of_time; ++epoch) {
      const Clock::time_point epoch_start = Clock::now();
      double loss_sum = 0;
      std::size_t events = 0;
      RunEpoch(start, loss_sum, events, out_of_time);
      if (!out_of_time) ++epochs_completed_;
      if (options_.progress) {
        Gru4RecProgress progress;
        progress.epoch = epoch;
        progress.epochs = options_.epochs;
        progress.events = events;
        progress.mean_loss = events > 0 ? loss_sum / static_cast<double>(events) : 0;
        progress.epoch_seconds = Seconds(epoch_start);
        progress.elapsed_seconds = Seconds(start);
        options_.progress(progress);
      }
    }
    return Export();
  }

 private:
  static std::vector<double> ClickCounts(const SessionCorpus& corpus) {
    std::vector<double> clicks(corpus.item_count(), 0.0);
    for (SessionIndex s = 0; s < corpus.size(); ++s) {
      for (ItemId item : corpus.Session(s)) clicks[item] += 1;
    }
    return clicks;
  }

  void RunEpoch(Clock::time_point start, double& loss_sum, std::size_t& events, bool& out_of_time) {
    const std::int64_t h = network_.hidden;
    std::size_t next = 0;
    std::vector<Slot> slots;
    while (slots.size() < options_.batch_size && next < order_.size()) {
      slots.push_back({order_[next++], 0});
    }
    std::vector<at::Tensor> states(network_.layers.size(),
                                   at::zeros({static_cast<std::int64_t>(slots.size()), h}));
    std::vector<std::int64_t> inputs, targets, keep;
    std::vector<float> reset;
    while (!slots.empty()) {
      inputs.clear();
      targets.clear();
      for (const Slot& slot : slots) {
        const std::span<const ItemId> clicks = corpus_.Session(slot.session);
        inputs.push_back(clicks[slot.position]);
        targets.push_back(clicks[slot.position + 1]);
      }
      loss_sum += Step(inputs, targets, states) * static_cast<double>(slots.size());
      events += slots.size();
      if (options_.max_train_seconds > 0 && Seconds(start) > options_.max_train_seconds) {
        out_of_time = true;
        return;
      }
      // Advance every slot; a finished session gives its slot to the next one (state reset to
      // zero) or, when none is left, the slot is dropped and the batch shrinks.
      keep.clear();
      reset.assign(slots.size(), 1.0f);
      bool any_reset = false;
      for (std::size_t slot_idx = 0; slot_idx < slots.size(); ++slot_idx) {
        Slot& slot = slots[slot_idx];
        ++slot.position;
        if (slot.position + 1 < corpus_.Session(slot.session).size()) {
          keep.push_back(static_cast<std::int64_t>(slot_idx));
        } else if (next < order_.size()) {
          slot = {order_[next++], 0};
          reset[slot_idx] = 0.0f;
          any_reset = true;
          keep.push_back(static_cast<std::int64_t>(slot_idx));
        }
      }
      if (any_reset) {
        at::Tensor mask =
            at::from_blob(reset.data(), {static_cast<std::int64_t>(reset.size()), 1}, at::kFloat)
                .clone();
        for (at::Tensor& state : states) state = state * mask;
      }
      if (keep.size() < slots.size()) {
        at::Tensor kept = LongTensor(keep);
        for (at::Tensor& state : states) state = state.index_select(0, kept);
        std::vector<Slot> compacted;
        compacted.reserve(keep.size());
        for (std::int64_t slot_idx : keep) compacted.push_back(slots[slot_idx]);
        slots.swap(compacted);
      }
    }
  }

  // One mini-batch: forward, loss, backward, Adagrad. Updates `states` (detached) and returns the
  // mean loss of the batch.
  double Step(const std::vector<std::int64_t>& inputs, const std::vector<std::int64_t>& targets,
              std::vector<at::Tensor>& states) {
    const auto batch = static_cast<std::int64_t>(inputs.size());
    const bool full = options_.loss == Gru4RecLoss::kFullSoftmax;
    // Rows of the embedding this step reads: inputs, then the output columns (the targets
    // followed by the shared negative sample; every item for the full softmax).
    at::Tensor rows;
    at::Tensor input_rows, column_rows;
    std::int64_t columns = 0;
    if (full) {
      rows = all_items_;
      input_rows = LongTensor(inputs);
      column_rows = all_items_;
      columns = all_items_.size(0);
    } else {
      negatives_.clear();
      sampler_.Draw(options_.negative_samples, negatives_);
      mapper_.Begin();
      for (std::int64_t item : inputs) mapper_.Add(item);
      for (std::int64_t item : targets) mapper_.Add(item);
      for (std::int64_t item : negatives_) mapper_.Add(item);
      rows = LongTensor(mapper_.rows());
      at::Tensor local = LongTensor(mapper_.local());
      input_rows = local.narrow(0, 0, batch);
      columns = local.size(0) - batch;
      column_rows = local.narrow(0, batch, columns);
    }
    at::Tensor embedding = network_.embedding.index_select(0, rows).requires_grad_(true);
    at::Tensor bias = network_.bias.index_select(0, rows).requires_grad_(true);

    at::Tensor hidden =
        Dropout(embedding.index_select(0, input_rows), options_.dropout_embedding, generator_);
    for (std::size_t layer_idx = 0; layer_idx < network_.layers.size(); ++layer_idx) {
      at::Tensor next_state =
          GruStep(network_.layers[layer_idx], hidden, states[layer_idx], network_.hidden);
      states[layer_idx] = next_state.detach();
      hidden = Dropout(next_state, options_.dropout_hidden, generator_);
    }
    at::Tensor logits =
        Linear(hidden, embedding.index_select(0, column_rows), bias.index_select(0, column_rows));
    at::Tensor loss;
    if (columns < 2) {
      // A lone column (last session standing, no sampled negatives): nothing to rank against.
      return 0.0;
    }
    if (options_.loss == Gru4RecLoss::kBprMax) {
      loss = BprMaxLoss(logits, options_.bpr_regularization);
    } else {
      at::Tensor target_columns = full ? LongTensor(targets) : at::arange(batch, at::kLong);
      if (log_popularity_.defined()) {
        logits = logits - log_popularity_.index_select(0, rows.index_select(0, column_rows)) *
                              static_cast<double>(options_.logq);
      }
      loss = -at::log_softmax(logits, 1).gather(1, target_columns.unsqueeze(1)).mean();
    }
    loss.backward();

    at::NoGradGuard no_grad;
    const double learning_rate = options_.learning_rate;
    AdagradRows(network_.embedding, network_.embedding_accumulator, rows, embedding.grad(),
                learning_rate);
    AdagradRows(network_.bias, network_.bias_accumulator, rows, bias.grad(), learning_rate);
    for (TorchLayer& layer : network_.layers) {
      AdagradDense(layer.input_weights, learning_rate);
      AdagradDense(layer.recurrent_gates, learning_rate);
      AdagradDense(layer.recurrent_candidate, learning_rate);
      AdagradDense(layer.bias, learning_rate);
    }
    return loss.item<double>();
  }

  static void CopyOut(const at::Tensor& tensor, std::vector<float>& out) {
    at::Tensor contiguous = tensor.detach().contiguous();
    out.resize(static_cast<std::size_t>(contiguous.numel()));
    std::memcpy(out.data(), contiguous.data_ptr<float>(), out.size() * sizeof(float));
  }

  std::unique_ptr<Gru4RecWeights> Export() const {
    auto weights = std::make_unique<Gru4RecWeights>();
    weights->options = options_;
    weights->options.progress = nullptr;
    weights->item_count = corpus_.item_count();
    weights->epochs_completed = epochs_completed_;
    CopyOut(network_.embedding, weights->item_embedding);
    CopyOut(network_.bias, weights->item_bias);
    for (const TorchLayer& layer : network_.layers) {
      Gru4RecLayer& out = weights->layers.emplace_back();
      CopyOut(layer.input_weights.value.t(), out.input_weights);
      CopyOut(layer.recurrent_gates.value.t(), out.recurrent_gates);
      CopyOut(layer.recurrent_candidate.value.t(), out.recurrent_candidate);
      CopyOut(layer.bias.value, out.bias);
    }
    return weights;
  }

  const SessionCorpus& corpus_;
  const Gru4RecOptions& options_;
  at::Generator generator_;  // initialisation and dropout
  NegativeSampler sampler_;
  RowMapper mapper_;
  std::vector<SessionIndex> order_;  // sessions with >= 2 clicks, oldest first
  Network network_;
  at::Tensor log_popularity_;  // log P(item) for the log-Q correction, when used
  at::Tensor all_items_;       // 0..item_count-1, for the full softmax
  std::vector<std::int64_t> negatives_;
  std::size_t epochs_completed_ = 0;
};

}  // namespace

Result<std::unique_ptr<Gru4RecWeights>> TrainGru4RecWeights(const SessionCorpus& train,
                                                            const Gru4RecOptions& options) {
  RETURN_IF_ERROR(ValidateGru4RecOptions(options));
  if (train.item_count() == 0 || train.empty()) {
    return Status::InvalidArgument("gru4rec: the training corpus is empty");
  }
  try {
    ThreadCountGuard threads(options.threads);
    Trainer trainer(train, options);
    if (!trainer.has_events()) {
      return Status::InvalidArgument("gru4rec: no training session has two clicks");
    }
    std::unique_ptr<Gru4RecWeights> weights = trainer.Run();
    if (!weights->ShapesConsistent()) {
      return Status::Internal("gru4rec: exported weights have inconsistent shapes");
    }
    for (float value : weights->item_embedding) {
      if (!std::isfinite(value)) {
        return Status::Internal(
            "gru4rec: training diverged (non-finite weights); lower the "
            "learning rate");
      }
    }
    return weights;
  } catch (const c10::Error& error) {
    return Status::Internal(std::string("gru4rec: torch failed: ") +
                            error.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("gru4rec: out of memory while training");
  } catch (const std::exception& error) {
    return Status::Internal(std::string("gru4rec: training failed: ") + error.what());
  }
}

}  // namespace mercato::recommend
