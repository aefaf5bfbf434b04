#include "recommend/neural/gru4rec_weights.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mercato::recommend {
namespace {

// out[0..cols) += x * matrix, matrix row-major rows x cols: one contiguous axpy per row, which
// the compiler vectorises without reassociating sums.
void AddVectorTimesMatrix(std::span<const float> x, const float* matrix, std::size_t cols,
                          float* out) {
  for (std::size_t row = 0; row < x.size(); ++row) {
    const float coefficient = x[row];
    if (coefficient == 0.0f) continue;
    const float* matrix_row = matrix + row * cols;
    for (std::size_t col = 0; col < cols; ++col) out[col] += coefficient * matrix_row[col];
  }
}

float Sigmoid(float value) { return 1.0f / (1.0f + std::exp(-value)); }

// Eight independent partial sums: a fixed summation order (so results do not depend on the
// vector width the compiler picks) that still vectorises.
float Dot(const float* a, const float* b, std::size_t length) {
  float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t k = 0;
  for (; k + 8 <= length; k += 8) {
    for (std::size_t lane = 0; lane < 8; ++lane) partial[lane] += a[k + lane] * b[k + lane];
  }
  float sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
              ((partial[4] + partial[5]) + (partial[6] + partial[7]));
  for (; k < length; ++k) sum += a[k] * b[k];
  return sum;
}

}  // namespace

Status ValidateGru4RecOptions(const Gru4RecOptions& options) {
  auto bad = [](const char* what) {
    return Status::InvalidArgument(std::string("gru4rec: ") + what);
  };
  if (options.hidden_size < 1 || options.hidden_size > kGru4RecMaxHidden) {
    return bad("hidden_size must be in [1, 4096]");
  }
  if (options.layers < 1 || options.layers > kGru4RecMaxLayers) {
    return bad("layers must be in [1, 16]");
  }
  if (options.epochs < 1) return bad("epochs must be at least 1");
  if (options.batch_size < 1 || options.batch_size > kGru4RecMaxBatch) {
    return bad("batch_size must be in [1, 65536]");
  }
  if (options.negative_samples > kGru4RecMaxNegatives) {
    return bad("negative_samples must be at most 1048576");
  }
  if (!(options.learning_rate > 0) || !std::isfinite(options.learning_rate)) {
    return bad("learning_rate must be positive");
  }
  if (options.loss != Gru4RecLoss::kFullSoftmax && options.loss != Gru4RecLoss::kSampledSoftmax &&
      options.loss != Gru4RecLoss::kBprMax) {
    return bad("unknown loss");
  }
  if (!(options.sample_alpha >= 0) || !std::isfinite(options.sample_alpha)) {
    return bad("sample_alpha must be >= 0");
  }
  if (!(options.logq >= 0) || !std::isfinite(options.logq)) return bad("logq must be >= 0");
  if (!(options.bpr_regularization >= 0) || !std::isfinite(options.bpr_regularization)) {
    return bad("bpr_regularization must be >= 0");
  }
  if (!(options.dropout_embedding >= 0 && options.dropout_embedding < 1)) {
    return bad("dropout_embedding must be in [0, 1)");
  }
  if (!(options.dropout_hidden >= 0 && options.dropout_hidden < 1)) {
    return bad("dropout_hidden must be in [0, 1)");
  }
  if (options.threads < 1) return bad("threads must be at least 1");
  if (!(options.max_train_seconds >= 0)) return bad("max_train_seconds must be >= 0");
  return Status::Ok();
}

void Gru4RecWeights::Allocate() {
  const std::size_t h = hidden();
  item_embedding.assign(item_count * h, 0.0f);
  item_bias.assign(item_count, 0.0f);
  layers.assign(options.layers, Gru4RecLayer{});
  for (Gru4RecLayer& layer : layers) {
    layer.input_weights.assign(h * 3 * h, 0.0f);
    layer.recurrent_gates.assign(h * 2 * h, 0.0f);
    layer.recurrent_candidate.assign(h * h, 0.0f);
    layer.bias.assign(3 * h, 0.0f);
  }
}

bool Gru4RecWeights::ShapesConsistent() const {
  const std::size_t h = hidden();
  if (item_embedding.size() != item_count * h || item_bias.size() != item_count) return false;
  if (layers.size() != options.layers) return false;
  return std::all_of(layers.begin(), layers.end(), [h](const Gru4RecLayer& layer) {
    return layer.input_weights.size() == h * 3 * h && layer.recurrent_gates.size() == h * 2 * h &&
           layer.recurrent_candidate.size() == h * h && layer.bias.size() == 3 * h;
  });
}

std::size_t Gru4RecFinalState(const Gru4RecWeights& weights, std::span<const ItemId> items,
                              std::vector<float>& state, std::vector<float>& scratch) {
  const std::size_t h = weights.hidden();
  const std::size_t layer_count = weights.layers.size();
  // scratch: per-layer states (layer_count * h), then v (3h), gates (2h), r * s (h).
  scratch.assign(layer_count * h + 6 * h, 0.0f);
  float* states = scratch.data();
  float* v = states + layer_count * h;
  float* gates = v + 3 * h;
  float* reset_state = gates + 2 * h;
  std::size_t used = 0;
  for (ItemId item : items) {
    if (item >= weights.item_count) continue;
    ++used;
    const float* input = weights.item_embedding.data() + static_cast<std::size_t>(item) * h;
    for (std::size_t layer_idx = 0; layer_idx < layer_count; ++layer_idx) {
      const Gru4RecLayer& layer = weights.layers[layer_idx];
      float* s = states + layer_idx * h;
      std::copy(layer.bias.begin(), layer.bias.end(), v);
      AddVectorTimesMatrix({input, h}, layer.input_weights.data(), 3 * h, v);
      std::copy(v + h, v + 3 * h, gates);
      AddVectorTimesMatrix({s, h}, layer.recurrent_gates.data(), 2 * h, gates);
      for (std::size_t unit = 0; unit < 2 * h; ++unit) gates[unit] = Sigmoid(gates[unit]);
      for (std::size_t unit = 0; unit < h; ++unit) reset_state[unit] = gates[unit] * s[unit];
      AddVectorTimesMatrix({reset_state, h}, layer.recurrent_candidate.data(), h, v);
      for (std::size_t unit = 0; unit < h; ++unit) {
        const float candidate = std::tanh(v[unit]);
        const float update = gates[h + unit];
        s[unit] = update * s[unit] + (1.0f - update) * candidate;
      }
      input = s;
    }
  }
  state.assign(states + (layer_count - 1) * h, states + layer_count * h);
  return used;
}

void Gru4RecScoreAll(const Gru4RecWeights& weights, std::span<const float> state,
                     std::vector<float>& scores) {
  const std::size_t h = weights.hidden();
  scores.resize(weights.item_count);
  const float* embedding = weights.item_embedding.data();
  for (std::size_t item = 0; item < weights.item_count; ++item) {
    scores[item] = Dot(state.data(), embedding + item * h, h) + weights.item_bias[item];
  }
}

}  // namespace mercato::recommend
