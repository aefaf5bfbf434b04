#pragma once
// The byte format of a stored Gru4Rec (version 1). All integers and floats little-endian,
// floats IEEE-754 binary32 (binary64 for max_train_seconds).
//
//   magic            8 bytes  "MGRU4REC"
//   version          u32      1
//   loss             u32      Gru4RecLoss
//   hidden_size      u32
//   layers           u32
//   epochs           u32
//   batch_size       u32
//   negative_samples u32
//   threads          u32
//   learning_rate, sample_alpha, logq, bpr_regularization, dropout_embedding, dropout_hidden
//                    f32 each
//   max_train_seconds f64
//   seed             u64
//   item_count       u64
//   epochs_completed u64
//   parameters       f32 arrays in gru4rec_weights.h's order: item_embedding, item_bias, then per
//                    layer input_weights, recurrent_gates, recurrent_candidate, bias
//   checksum         u64      Hash64 (core/hash.h) of every byte before it
//
// The sizes of the arrays follow from hidden_size, layers and item_count, so the blob's length is
// checked exactly before anything is allocated.

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "recommend/neural/gru4rec_weights.h"

namespace mercato::recommend {

inline constexpr std::uint32_t kGru4RecFormatVersion = 1;

// Replaces `out` with the encoding of `weights` (which must be ShapesConsistent()).
void EncodeGru4RecWeights(const Gru4RecWeights& weights, std::string& out);

// Decodes EncodeGru4RecWeights()'s output. Corruption on any mismatch (magic, version, options out
// of range, length, checksum, non-finite parameters); ResourceExhausted when memory runs out.
Result<std::unique_ptr<Gru4RecWeights>> DecodeGru4RecWeights(std::string_view bytes);

}  // namespace mercato::recommend
