#pragma once
// The parameters of a trained Gru4Rec as plain float arrays, and the forward pass over them in
// plain C++ (no torch): what serving and storage use. Internal to recommend/neural.
//
// Layout (row-major, h = hidden_size, d_l = input size of layer l = h for every layer, since the
// input embedding is the output matrix):
//   item_embedding  item_count x h    E: input embedding and output weights (shared)
//   item_bias       item_count        b: output bias
//   per layer l:
//     input_weights      d_l x 3h     columns [candidate | reset | update]
//     recurrent_gates    h x 2h       columns [reset | update]
//     recurrent_candidate h x h
//     bias               3h           [candidate | reset | update]
// GRU step (GRU4Rec's formulation), x the layer input, s the previous state:
//   v = x W + bias;  [r | z] = sigmoid(v[h:3h] + s U_rz);  c = tanh(v[0:h] + (r * s) U_c)
//   s' = z * s + (1 - z) * c
// Dropout is a training-time device (inverted dropout), so the forward pass here has none.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "recommend/neural/gru4rec.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend {

struct Gru4RecLayer {
  std::vector<float> input_weights;        // d x 3h
  std::vector<float> recurrent_gates;      // h x 2h
  std::vector<float> recurrent_candidate;  // h x h
  std::vector<float> bias;                 // 3h
};

struct Gru4RecWeights {
  Gru4RecOptions options;  // progress callback always empty
  std::size_t item_count = 0;
  std::size_t epochs_completed = 0;
  std::vector<float> item_embedding;  // item_count x hidden_size
  std::vector<float> item_bias;       // item_count
  std::vector<Gru4RecLayer> layers;   // options.layers entries

  std::size_t hidden() const { return options.hidden_size; }
  // Zero-filled arrays of the right sizes for options.hidden_size, options.layers, item_count.
  void Allocate();
  // True when every array has the size Allocate() gives.
  bool ShapesConsistent() const;
};

// Limits that keep a model's arrays addressable and its blob's sizes checkable.
inline constexpr std::size_t kGru4RecMaxHidden = 4096;
inline constexpr std::size_t kGru4RecMaxLayers = 16;
inline constexpr std::size_t kGru4RecMaxBatch = 65536;
inline constexpr std::size_t kGru4RecMaxNegatives = 1 << 20;

// Ok when every option is in the range gru4rec.h documents; InvalidArgument naming the first
// option that is not.
Status ValidateGru4RecOptions(const Gru4RecOptions& options);

// Runs the GRU from the zero state over `items` (ids >= item_count skipped) and leaves the last
// layer's final state in `state` (resized to hidden_size). Returns the number of items used.
// `scratch` is reused between calls to avoid allocation.
std::size_t Gru4RecFinalState(const Gru4RecWeights& weights, std::span<const ItemId> items,
                              std::vector<float>& state, std::vector<float>& scratch);

// scores[i] = dot(state, E[i]) + b[i] for every item (scores resized to item_count).
void Gru4RecScoreAll(const Gru4RecWeights& weights, std::span<const float> state,
                     std::vector<float>& scores);

}  // namespace mercato::recommend
