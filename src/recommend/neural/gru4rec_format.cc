#include "recommend/neural/gru4rec_format.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "core/hash.h"

namespace mercato::recommend {
namespace {

constexpr std::string_view kMagic = "MGRU4REC";
// magic, 8 x u32, 6 x f32, f64, 3 x u64
constexpr std::size_t kHeaderBytes = 8 + 8 * 4 + 6 * 4 + 8 + 3 * 8;
constexpr std::size_t kChecksumBytes = 8;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void U32(std::uint32_t value) { Bytes(value, 4); }
  void U64(std::uint64_t value) { Bytes(value, 8); }
  void F32(float value) { U32(std::bit_cast<std::uint32_t>(value)); }
  void F64(double value) { U64(std::bit_cast<std::uint64_t>(value)); }
  void Floats(const std::vector<float>& values) {
    const std::size_t start = out_.size();
    out_.resize(start + values.size() * 4);
    char* cursor = out_.data() + start;
    for (float value : values) {
      const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
      for (int shift = 0; shift < 32; shift += 8) *cursor++ = static_cast<char>(bits >> shift);
    }
  }

 private:
  void Bytes(std::uint64_t value, int count) {
    for (int byte = 0; byte < count; ++byte) out_.push_back(static_cast<char>(value >> (8 * byte)));
  }
  std::string& out_;
};

// Reads fixed-width values; the caller has checked the total length, so reads never run past the
// end (each read still checks, so a logic error cannot turn into an out-of-bounds read).
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool U32(std::uint32_t& value) {
    std::uint64_t wide = 0;
    if (!Bytes(wide, 4)) return false;
    value = static_cast<std::uint32_t>(wide);
    return true;
  }
  bool U64(std::uint64_t& value) { return Bytes(value, 8); }
  bool F32(float& value) {
    std::uint32_t bits = 0;
    if (!U32(bits)) return false;
    value = std::bit_cast<float>(bits);
    return true;
  }
  bool F64(double& value) {
    std::uint64_t bits = 0;
    if (!U64(bits)) return false;
    value = std::bit_cast<double>(bits);
    return true;
  }
  // Fills `values` (already sized); false when the bytes run out or a value is not finite.
  bool Floats(std::vector<float>& values) {
    if (data_.size() - position_ < values.size() * 4) return false;
    const auto* cursor = reinterpret_cast<const unsigned char*>(data_.data() + position_);
    for (float& value : values) {
      const std::uint32_t bits =
          static_cast<std::uint32_t>(cursor[0]) | static_cast<std::uint32_t>(cursor[1]) << 8 |
          static_cast<std::uint32_t>(cursor[2]) << 16 | static_cast<std::uint32_t>(cursor[3]) << 24;
      cursor += 4;
      value = std::bit_cast<float>(bits);
      if (!std::isfinite(value)) return false;
    }
    position_ += values.size() * 4;
    return true;
  }

 private:
  bool Bytes(std::uint64_t& value, int count) {
    if (data_.size() - position_ < static_cast<std::size_t>(count)) return false;
    value = 0;
    for (int byte = 0; byte < count; ++byte) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[position_ + byte]))
               << (8 * byte);
    }
    position_ += count;
    return true;
  }
  std::string_view data_;
  std::size_t position_ = 0;
};

Status Corrupt(const std::string& what) { return Status::Corruption("gru4rec model: " + what); }

// Floats per item (embedding row + bias) and per network (the layers), for the length check.
std::size_t FloatsPerItem(std::size_t hidden) { return hidden + 1; }
std::size_t NetworkFloats(std::size_t hidden, std::size_t layers) {
  return layers * (3 * hidden * hidden + 2 * hidden * hidden + hidden * hidden + 3 * hidden);
}

}  // namespace

void EncodeGru4RecWeights(const Gru4RecWeights& weights, std::string& out) {
  const Gru4RecOptions& options = weights.options;
  out.clear();
  out.reserve(kHeaderBytes +
              4 * (weights.item_count * FloatsPerItem(weights.hidden()) +
                   NetworkFloats(weights.hidden(), weights.layers.size())) +
              kChecksumBytes);
  out.append(kMagic);
  Writer writer(out);
  writer.U32(kGru4RecFormatVersion);
  writer.U32(static_cast<std::uint32_t>(options.loss));
  writer.U32(static_cast<std::uint32_t>(options.hidden_size));
  writer.U32(static_cast<std::uint32_t>(options.layers));
  writer.U32(static_cast<std::uint32_t>(options.epochs));
  writer.U32(static_cast<std::uint32_t>(options.batch_size));
  writer.U32(static_cast<std::uint32_t>(options.negative_samples));
  writer.U32(static_cast<std::uint32_t>(options.threads));
  writer.F32(options.learning_rate);
  writer.F32(options.sample_alpha);
  writer.F32(options.logq);
  writer.F32(options.bpr_regularization);
  writer.F32(options.dropout_embedding);
  writer.F32(options.dropout_hidden);
  writer.F64(options.max_train_seconds);
  writer.U64(options.seed);
  writer.U64(weights.item_count);
  writer.U64(weights.epochs_completed);
  writer.Floats(weights.item_embedding);
  writer.Floats(weights.item_bias);
  for (const Gru4RecLayer& layer : weights.layers) {
    writer.Floats(layer.input_weights);
    writer.Floats(layer.recurrent_gates);
    writer.Floats(layer.recurrent_candidate);
    writer.Floats(layer.bias);
  }
  writer.U64(Hash64(out));
}

Result<std::unique_ptr<Gru4RecWeights>> DecodeGru4RecWeights(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes + kChecksumBytes) return Corrupt("truncated header");
  if (bytes.substr(0, kMagic.size()) != kMagic) return Corrupt("bad magic");
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  Reader reader(bytes.substr(kMagic.size()));
  std::uint32_t version = 0, loss = 0, hidden = 0, layers = 0, epochs = 0, batch = 0;
  std::uint32_t negatives = 0, threads = 0;
  // The length was checked above, so these reads cannot fail.
  (void)(reader.U32(version) && reader.U32(loss) && reader.U32(hidden) && reader.U32(layers) &&
         reader.U32(epochs) && reader.U32(batch) && reader.U32(negatives) && reader.U32(threads));
  if (version != kGru4RecFormatVersion) {
    return Corrupt("unknown format version " + std::to_string(version));
  }
  auto weights = std::make_unique<Gru4RecWeights>();
  Gru4RecOptions& options = weights->options;
  options.loss = static_cast<Gru4RecLoss>(loss);
  options.hidden_size = hidden;
  options.layers = layers;
  options.epochs = epochs;
  options.batch_size = batch;
  options.negative_samples = negatives;
  options.threads = static_cast<int>(threads);
  std::uint64_t item_count = 0, epochs_completed = 0;
  (void)(reader.F32(options.learning_rate) && reader.F32(options.sample_alpha) &&
         reader.F32(options.logq) && reader.F32(options.bpr_regularization) &&
         reader.F32(options.dropout_embedding) && reader.F32(options.dropout_hidden) &&
         reader.F64(options.max_train_seconds) && reader.U64(options.seed) &&
         reader.U64(item_count) && reader.U64(epochs_completed));
  if (loss > static_cast<std::uint32_t>(Gru4RecLoss::kBprMax) || threads > 1u << 16 ||
      !ValidateGru4RecOptions(options).ok()) {
    return Corrupt("options out of range");
  }
  if (epochs_completed > options.epochs) return Corrupt("epochs_completed out of range");
  // Exact length check before allocating: item_count is bounded by the blob's size.
  const std::size_t network = NetworkFloats(hidden, layers);
  const std::size_t available = (bytes.size() - kHeaderBytes - kChecksumBytes);
  if (available % 4 != 0 || available / 4 < network ||
      item_count != (available / 4 - network) / FloatsPerItem(hidden) ||
      (available / 4 - network) % FloatsPerItem(hidden) != 0) {
    return Corrupt("length does not match the header");
  }
  std::uint64_t stored_checksum = 0;
  Reader checksum_reader(bytes.substr(body.size()));
  (void)checksum_reader.U64(stored_checksum);
  if (Hash64(body) != stored_checksum) return Corrupt("checksum mismatch");
  weights->item_count = item_count;
  weights->epochs_completed = epochs_completed;
  try {
    weights->Allocate();
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("gru4rec model: out of memory");
  }
  bool ok = reader.Floats(weights->item_embedding) && reader.Floats(weights->item_bias);
  for (Gru4RecLayer& layer : weights->layers) {
    ok = ok && reader.Floats(layer.input_weights) && reader.Floats(layer.recurrent_gates) &&
         reader.Floats(layer.recurrent_candidate) && reader.Floats(layer.bias);
  }
  if (!ok) return Corrupt("bad parameters");
  return weights;
}

}  // namespace mercato::recommend
