#include "analytics/customer/churn_model.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/big_endian.h"

namespace mercato::analytics::customer {
namespace {

constexpr std::string_view kMagic = "MRCHURN1";
constexpr size_t kHeaderSize = 8 + 4;

Status XgbError(std::string_view what) {
  const char* message = XGBGetLastError();
  return Status::Internal("xgboost " + std::string(what) +
                          " failed: " + (message != nullptr ? message : "no message"));
}

// Owns a DMatrix handle.
class Matrix {
 public:
  Matrix() = default;
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  ~Matrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  DMatrixHandle* out() { return &handle_; }
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

Result<std::unique_ptr<Matrix>> MakeMatrix(const ChurnExamples& examples, int nthread) {
  auto matrix = std::make_unique<Matrix>();
  if (XGDMatrixCreateFromMat_omp(examples.features.data(), examples.rows(), ChurnExamples::cols(),
                                 std::numeric_limits<float>::quiet_NaN(), matrix->out(),
                                 nthread) != 0) {
    return XgbError("creating the feature matrix");
  }
  return matrix;
}

std::string Number(double value) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

}  // namespace

struct ChurnModel::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (booster != nullptr) XGBoosterFree(booster);
  }
  Status Set(const char* name, const std::string& value) {
    if (XGBoosterSetParam(booster, name, value.c_str()) != 0) {
      return XgbError(std::string("setting ") + name);
    }
    return Status::Ok();
  }

  BoosterHandle booster = nullptr;
  int nthread = 1;
  mutable std::mutex mutex;
};

ChurnModel::ChurnModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChurnModel::ChurnModel(ChurnModel&& other) noexcept = default;
ChurnModel& ChurnModel::operator=(ChurnModel&& other) noexcept = default;
ChurnModel::~ChurnModel() = default;

Result<ChurnModel> ChurnModel::Train(const ChurnExamples& examples,
                                     const ChurnModelOptions& options) {
  if (examples.rows() == 0) return Status::InvalidArgument("no churn examples to train on");
  if (examples.labels.size() != examples.rows()) {
    return Status::InvalidArgument("churn examples to train on must be labelled");
  }
  if (examples.features.size() != examples.rows() * ChurnExamples::cols()) {
    return Status::InvalidArgument("churn examples have a feature row of the wrong size");
  }
  if (std::any_of(examples.labels.begin(), examples.labels.end(),
                  [](float label) { return label != 0.0F && label != 1.0F; })) {
    return Status::InvalidArgument("churn labels must be 0 or 1");
  }
  const auto positives = std::count(examples.labels.begin(), examples.labels.end(), 1.0F);
  if (positives == 0 || static_cast<size_t>(positives) == examples.rows()) {
    return Status::InvalidArgument("churn examples hold only one class");
  }
  auto in_unit = [](double v) { return v > 0 && v <= 1; };
  if (options.rounds < 1 || options.max_depth < 1 || options.nthread < 1 ||
      !in_unit(options.learning_rate) || !in_unit(options.subsample) ||
      !in_unit(options.colsample_bytree) || !(options.min_child_weight >= 0) ||
      !(options.lambda >= 0)) {
    return Status::InvalidArgument("churn model options out of range");
  }
  ASSIGN_OR_RETURN(auto matrix, MakeMatrix(examples, options.nthread));
  if (XGDMatrixSetFloatInfo(matrix->get(), "label", examples.labels.data(), examples.rows()) != 0) {
    return XgbError("setting labels");
  }
  auto impl = std::make_unique<Impl>();
  impl->nthread = options.nthread;
  DMatrixHandle train[] = {matrix->get()};
  if (XGBoosterCreate(train, 1, &impl->booster) != 0) return XgbError("creating the booster");
  RETURN_IF_ERROR(impl->Set("verbosity", "0"));
  RETURN_IF_ERROR(impl->Set("objective", "binary:logistic"));
  RETURN_IF_ERROR(impl->Set("eval_metric", "auc"));
  RETURN_IF_ERROR(impl->Set("tree_method", "hist"));
  RETURN_IF_ERROR(impl->Set("max_depth", std::to_string(options.max_depth)));
  RETURN_IF_ERROR(impl->Set("eta", Number(options.learning_rate)));
  RETURN_IF_ERROR(impl->Set("min_child_weight", Number(options.min_child_weight)));
  RETURN_IF_ERROR(impl->Set("subsample", Number(options.subsample)));
  RETURN_IF_ERROR(impl->Set("colsample_bytree", Number(options.colsample_bytree)));
  RETURN_IF_ERROR(impl->Set("lambda", Number(options.lambda)));
  RETURN_IF_ERROR(impl->Set("seed", std::to_string(options.seed % 2147483648ULL)));
  RETURN_IF_ERROR(impl->Set("nthread", std::to_string(options.nthread)));
  for (int round = 0; round < options.rounds; ++round) {
    if (XGBoosterUpdateOneIter(impl->booster, round, matrix->get()) != 0) {
      return XgbError("training round " + std::to_string(round));
    }
  }
  return ChurnModel(std::move(impl));
}

Result<std::vector<double>> ChurnModel::Predict(const ChurnExamples& examples) const {
  if (examples.rows() == 0) return std::vector<double>{};
  if (examples.features.size() != examples.rows() * ChurnExamples::cols()) {
    return Status::InvalidArgument("churn examples have a feature row of the wrong size");
  }
  std::lock_guard lock(impl_->mutex);
  ASSIGN_OR_RETURN(auto matrix, MakeMatrix(examples, impl_->nthread));
  const bst_ulong* shape = nullptr;
  bst_ulong dimensions = 0;
  const float* result = nullptr;
  constexpr const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
      R"( "strict_shape": false})";
  if (XGBoosterPredictFromDMatrix(impl_->booster, matrix->get(), kConfig, &shape, &dimensions,
                                  &result) != 0) {
    return XgbError("predicting");
  }
  if (dimensions != 1 || shape == nullptr || shape[0] != examples.rows()) {
    return Status::Internal("xgboost returned predictions of an unexpected shape");
  }
  return std::vector<double>(result, result + examples.rows());
}

Result<std::string> ChurnModel::Serialize() const {
  std::lock_guard lock(impl_->mutex);
  bst_ulong length = 0;
  const char* data = nullptr;
  if (XGBoosterSaveModelToBuffer(impl_->booster, R"({"format": "ubj"})", &length, &data) != 0) {
    return XgbError("saving the model");
  }
  std::string bytes(kMagic);
  PutFixed32BE(bytes, static_cast<uint32_t>(ChurnExamples::cols()));
  bytes.append(data, length);
  return bytes;
}

Result<ChurnModel> ChurnModel::Deserialize(std::string_view bytes, int nthread) {
  if (nthread < 1) return Status::InvalidArgument("nthread must be at least 1");
  if (bytes.size() <= kHeaderSize || bytes.substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption("not a churn model");
  }
  const uint32_t features = GetFixed32BE(bytes.substr(kMagic.size(), 4));
  if (features != ChurnExamples::cols()) {
    return Status::FailedPrecondition("the churn model was trained on " + std::to_string(features) +
                                      " features; this version has " +
                                      std::to_string(ChurnExamples::cols()));
  }
  auto impl = std::make_unique<Impl>();
  impl->nthread = nthread;
  if (XGBoosterCreate(nullptr, 0, &impl->booster) != 0) return XgbError("creating the booster");
  const std::string_view model = bytes.substr(kHeaderSize);
  if (XGBoosterLoadModelFromBuffer(impl->booster, model.data(), model.size()) != 0) {
    return Status::Corruption("the churn model's booster cannot be read: " +
                              std::string(XGBGetLastError()));
  }
  bst_ulong model_features = 0;
  if (XGBoosterGetNumFeature(impl->booster, &model_features) != 0) {
    return XgbError("reading the feature count");
  }
  if (model_features != features) {
    return Status::Corruption("the churn model's booster has " + std::to_string(model_features) +
                              " features; its header says " + std::to_string(features));
  }
  RETURN_IF_ERROR(impl->Set("verbosity", "0"));
  RETURN_IF_ERROR(impl->Set("nthread", std::to_string(nthread)));
  return ChurnModel(std::move(impl));
}

}  // namespace mercato::analytics::customer
