// mercato_cluster_bench: the clustering models' speed goals, each measured side by side with
// scikit-learn in the same run (tests/tools/sklearn_clustering.py, Debian's python3-sklearn).
//
// - K-means from the same initial centres (k-means++ of the engine, seeded) on the Online Retail
//   RFM matrix (log1p + z-scores; when the data set is present) and on synthetic blobs: wall time
//   of the engine and of scikit-learn's KMeans (lloyd and elkan, n_init=1), fastest of --repeat,
//   with both inertias. Goal: >= 2x faster than scikit-learn at equal inertia.
// - DBSCAN on --dbscan-rows (1M) synthetic rows of --dbscan-cols (10) dimensions: wall time
//   against the 60 s goal, with scikit-learn's DBSCAN on the same rows (time, and whether the
//   labels are identical) for the customer-like data; and an isotropic worst case for KD-trees.
//
// Before each measurement the share of CPU others use (over one second) and the number of running
// compilers are recorded, since the machine may be shared. Prints a Markdown report on stdout,
// progress on stderr.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/machine_info.h"

#include "analytics/clustering/dbscan.h"
#include "analytics/clustering/feature_transform.h"
#include "analytics/clustering/kmeans.h"
#include "analytics/clustering/metrics.h"
#include "analytics/clustering/worker_pool.h"
#include "analytics/feature_matrix.h"
#include "tests/analytics/clustering_rfm.h"

namespace mercato::bench {
namespace {

namespace json = boost::json;
namespace clustering = analytics::clustering;
using analytics::FeatureMatrix;

struct Config {
  std::string python = "/usr/bin/python3";
  std::string script = MERCATO_SOURCE_DIR "/tests/tools/sklearn_clustering.py";
  std::string data_dir;
  std::string commit = "unknown";
  size_t threads = 0;
  int repeat = 3;
  size_t kmeans_rows = 1'000'000;
  size_t kmeans_cols = 8;
  size_t kmeans_k = 8;
  size_t kmeans_blobs = 16;
  double kmeans_box = 4.0;
  size_t dbscan_rows = 1'000'000;
  size_t dbscan_cols = 10;
  double dbscan_eps = 0.3;
  double dbscan_isotropic_eps = 1.7;  // 0 leaves the isotropic case out
  bool skip_sklearn_dbscan = false;
  size_t dbscan_min_samples = 10;
  bool skip_kmeans = false;
  bool skip_dbscan = false;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

template <typename F>
double Time(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return Seconds(std::chrono::steady_clock::now() - start);
}

// ---- data ------------------------------------------------------------------------------------

// `rows` rows: Gaussian blobs (unit spread) with centres uniform in [0, box]^cols, plus a share of
// uniform noise over the box.
FeatureMatrix Blobs(size_t rows, size_t cols, size_t blobs, double box, double noise_share,
                    uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(0.0, box);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> centres(blobs, std::vector<double>(cols));
  for (auto& centre : centres) {
    for (double& v : centre) v = uniform(engine);
  }
  std::vector<std::string> names;
  for (size_t j = 0; j < cols; ++j) names.push_back("x" + std::to_string(j));
  FeatureMatrix matrix = FeatureMatrix::Create(names).value();
  std::vector<double>& data = matrix.mutable_data();
  data.resize(rows * cols);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  for (size_t i = 0; i < rows; ++i) {
    double* row = data.data() + i * cols;
    if (coin(engine) < noise_share) {
      for (size_t j = 0; j < cols; ++j) row[j] = uniform(engine);
    } else {
      const auto& centre = centres[engine() % blobs];
      for (size_t j = 0; j < cols; ++j) row[j] = centre[j] + normal(engine);
    }
  }
  return matrix;
}

// Customer-like rows for DBSCAN: `segments` groups, each a 3-dimensional Gaussian (spreads 1, 0.8,
// 0.6) plus 0.05 of Gaussian noise in the other directions, turned by its own random rotation
// (features are correlated, as customer features are) and centred uniformly in [0, box]^cols;
// plus a share of rows uniform over the box (noise).
FeatureMatrix Segments(size_t rows, size_t cols, size_t segments, double box, double noise_share,
                       uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(0.0, box);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> centres(segments, std::vector<double>(cols));
  std::vector<std::vector<double>> rotations(segments, std::vector<double>(cols * cols));
  for (size_t s = 0; s < segments; ++s) {
    for (double& v : centres[s]) v = uniform(engine);
    std::vector<double>& q = rotations[s];  // rows orthonormalised (Gram-Schmidt)
    for (double& v : q) v = normal(engine);
    for (size_t a = 0; a < cols; ++a) {
      for (size_t b = 0; b < a; ++b) {
        double dot = 0.0;
        for (size_t j = 0; j < cols; ++j) dot += q[a * cols + j] * q[b * cols + j];
        for (size_t j = 0; j < cols; ++j) q[a * cols + j] -= dot * q[b * cols + j];
      }
      double norm = 0.0;
      for (size_t j = 0; j < cols; ++j) norm += q[a * cols + j] * q[a * cols + j];
      for (size_t j = 0; j < cols; ++j) q[a * cols + j] /= std::sqrt(norm);
    }
  }
  std::vector<double> spread(cols, 0.05);
  for (size_t a = 0; a < std::min<size_t>(3, cols); ++a)
    spread[a] = 1.0 - 0.2 * static_cast<double>(a);
  std::vector<std::string> names;
  for (size_t j = 0; j < cols; ++j) names.push_back("x" + std::to_string(j));
  FeatureMatrix matrix = FeatureMatrix::Create(names).value();
  std::vector<double>& data = matrix.mutable_data();
  data.resize(rows * cols);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<double> latent(cols);
  for (size_t i = 0; i < rows; ++i) {
    double* row = data.data() + i * cols;
    if (coin(engine) < noise_share) {
      for (size_t j = 0; j < cols; ++j) row[j] = uniform(engine);
      continue;
    }
    const size_t s = engine() % segments;
    for (size_t a = 0; a < cols; ++a) latent[a] = spread[a] * normal(engine);
    for (size_t j = 0; j < cols; ++j) {
      double value = centres[s][j];
      for (size_t a = 0; a < cols; ++a) value += rotations[s][a * cols + j] * latent[a];
      row[j] = value;
    }
  }
  return matrix;
}

void WriteF64(const std::filesystem::path& path, const std::vector<double>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(double)));
}

// ---- the report ----------------------------------------------------------------------------

std::string Number(double value, int decimals = 0) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  std::string digits = text;
  const size_t dot = digits.find('.');
  const size_t whole_end = dot == std::string::npos ? digits.size() : dot;
  const size_t start = digits[0] == '-' ? 1 : 0;
  for (size_t i = whole_end; i > start + 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

std::string Milliseconds(double seconds) {
  return seconds < 1.0 ? Number(seconds * 1e3, 1) + " ms" : Number(seconds, 2) + " s";
}

class Bench {
 public:
  explicit Bench(Config config) : config_(std::move(config)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("mercato-cluster-bench-" + std::to_string(std::random_device()()));
    std::filesystem::create_directories(dir_);
  }
  ~Bench() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  int Run() {
    std::printf("## Clustering benchmark\n\n");
    std::printf("- Machine: %s\n", Machine().c_str());
    std::printf("- Commit: %s; engine threads: %zu; scikit-learn via %s\n", config_.commit.c_str(),
                clustering::ResolveThreads(config_.threads), config_.python.c_str());
    std::printf("- Times are wall clock; k-means: fastest of %d runs; DBSCAN: one run.\n\n",
                config_.repeat);
    if (!config_.skip_kmeans) KMeansSection();
    if (!config_.skip_dbscan) DbscanSection();
    return failures_ == 0 ? 0 : 1;
  }

 private:
  std::optional<json::object> Python(const std::string& arguments) {
    const std::string command = config_.python + " " + config_.script + " " + arguments + " 2>" +
                                (dir_ / "py.err").string();
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string output;
    char buffer[65536];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
    if (pclose(pipe) != 0) {
      std::fprintf(stderr, "cluster-bench: %s failed: %s\n", command.c_str(),
                   ReadFile((dir_ / "py.err").string()).c_str());
      return std::nullopt;
    }
    boost::system::error_code ec;
    json::value value = json::parse(output, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return value.as_object();
  }

  void KMeansRow(const std::string& name, const FeatureMatrix& data, size_t k) {
    std::fprintf(stderr, "cluster-bench: k-means %s\n", name.c_str());
    auto start = clustering::KMeansPlusPlus(data, k, 2024, config_.threads);
    if (!start.ok()) {
      ++failures_;
      return;
    }
    const auto matrix = dir_ / "kmeans.f64";
    const auto centres = dir_ / "centres.f64";
    WriteF64(matrix, data.data());
    WriteF64(centres, *start);
    const std::string load = Load();
    clustering::KMeansResult ours;
    double ours_s = INFINITY;
    double single_s = INFINITY;
    for (int r = 0; r < config_.repeat; ++r) {
      ours_s =
          std::min(ours_s, Time([&] {
                     ours = *clustering::KMeans(
                         data, {.k = k, .threads = config_.threads, .initial_centres = *start});
                   }));
    }
    for (int r = 0; r < config_.repeat; ++r) {
      single_s = std::min(single_s, Time([&] {
                            (void)clustering::KMeans(
                                data, {.k = k, .threads = 1, .initial_centres = *start});
                          }));
    }
    const std::string common = matrix.string() + " --cols " + std::to_string(data.cols()) +
                               " --centres " + centres.string() + " --repeat " +
                               std::to_string(config_.repeat);
    auto lloyd = Python("kmeans " + common + " --algorithm lloyd");
    auto elkan = Python("kmeans " + common + " --algorithm elkan");
    if (!lloyd || !elkan) {
      ++failures_;
      std::printf("| %s | %s | scikit-learn failed | | | | %s |\n", name.c_str(),
                  Milliseconds(ours_s).c_str(), load.c_str());
      return;
    }
    const double lloyd_s = lloyd->at("seconds").to_number<double>();
    const double elkan_s = elkan->at("seconds").to_number<double>();
    const double inertia = lloyd->at("inertia").to_number<double>();
    const double gap = std::abs(ours.inertia - inertia) / inertia;
    // Distances computed per row and pass (the iterations plus the final assignment): k for Lloyd.
    const double per_row = static_cast<double>(ours.distance_evaluations) /
                           static_cast<double>(data.rows()) / (ours.iterations + 1);
    std::printf(
        "| %s | %s (%d it., %.1f distances per row and pass; 1 thread: %s) | lloyd %s (%lld it.), "
        "elkan %s | **%.1fx** | %s / %s (gap %.1e) | %s |\n",
        name.c_str(), Milliseconds(ours_s).c_str(), ours.iterations, per_row,
        Milliseconds(single_s).c_str(), Milliseconds(lloyd_s).c_str(),
        static_cast<long long>(lloyd->at("iterations").as_int64()), Milliseconds(elkan_s).c_str(),
        std::min(lloyd_s, elkan_s) / ours_s, Number(ours.inertia, 2).c_str(),
        Number(inertia, 2).c_str(), gap, load.c_str());
    std::fflush(stdout);
  }

  void KMeansSection() {
    std::printf("### K-means vs scikit-learn, same data and same initial centres\n\n");
    std::printf(
        "Goal: >= 2x faster than scikit-learn at equal inertia. Ratio = the faster of "
        "scikit-learn's lloyd and elkan divided by the engine's time.\n\n");
    std::printf(
        "| Data, k | mercato | scikit-learn | Ratio | Inertia mercato / scikit-learn | "
        "Others' CPU before the run / compilers |\n|---|---|---|---|---|---|\n");
    std::string message;
    std::filesystem::path data_dir = config_.data_dir;
    const auto csv = data_dir / "online_retail/online_retail_I_from_spark_guide_by_day.csv";
    std::string error;
    std::optional<testing::RetailRfm> rfm;
    if (std::filesystem::exists(csv)) rfm = testing::BuildRetailRfm(csv, error);
    if (rfm) {
      auto transform =
          clustering::FeatureTransform::Fit(rfm->matrix, clustering::ColumnTransform{true, true});
      const FeatureMatrix prepared = *transform->Apply(rfm->matrix);
      for (size_t k : {4, 8}) {
        KMeansRow("Online Retail RFM, " + Number(static_cast<double>(prepared.rows())) +
                      " x 3, k=" + std::to_string(k),
                  prepared, k);
      }
    } else {
      std::printf("| Online Retail RFM | not measured: %s | | | | |\n",
                  error.empty() ? (csv.string() + " missing").c_str() : error.c_str());
    }
    const FeatureMatrix blobs = Blobs(config_.kmeans_rows, config_.kmeans_cols,
                                      config_.kmeans_blobs, config_.kmeans_box, 0.0, 7);
    KMeansRow("synthetic blobs, " + Number(static_cast<double>(blobs.rows())) + " x " +
                  std::to_string(blobs.cols()) + ", k=" + std::to_string(config_.kmeans_k),
              blobs, config_.kmeans_k);
    std::printf("\n");
  }

  struct DbscanCase {
    std::string name;
    std::string description;
    FeatureMatrix data;
    clustering::DbscanOptions options;
    bool compare;  // also run scikit-learn on the same rows
  };

  void DbscanRow(const DbscanCase& c) {
    std::fprintf(stderr, "cluster-bench: DBSCAN %s\n", c.name.c_str());
    const std::string load = Load();
    clustering::DbscanResult ours;
    const double ours_s = Time([&] { ours = *clustering::Dbscan(c.data, c.options); });
    clustering::DbscanOptions one_thread = c.options;
    one_thread.threads = 1;
    const double single_s = Time([&] { (void)clustering::Dbscan(c.data, one_thread); });
    const auto cores = static_cast<double>(std::count(ours.core.begin(), ours.core.end(), true));
    std::string theirs_text = "not run (--skip-sklearn-dbscan)";
    std::string equal_text;
    if (c.compare && !config_.skip_sklearn_dbscan) {
      const auto matrix = dir_ / "dbscan.f64";
      const auto labels = dir_ / "labels.txt";
      WriteF64(matrix, c.data.data());
      {
        std::ofstream out(labels);
        for (int32_t label : ours.labels) out << label << '\n';
      }
      char eps[32];
      std::snprintf(eps, sizeof(eps), "%.17g", c.options.eps);
      auto theirs =
          Python("dbscan " + matrix.string() + " --cols " + std::to_string(c.data.cols()) +
                 " --eps " + eps + " --min-samples " + std::to_string(c.options.min_samples) +
                 " --n-jobs " + std::to_string(clustering::ResolveThreads(config_.threads)) +
                 " --labels " + labels.string() + " --no-labels");
      if (theirs) {
        const double theirs_s = theirs->at("seconds").to_number<double>();
        const bool equal = theirs->at("equal").as_bool();
        if (!equal) ++failures_;
        char text[160];
        std::snprintf(text, sizeof(text), "%s (n_jobs %zu): %.1fx", Milliseconds(theirs_s).c_str(),
                      clustering::ResolveThreads(config_.threads), theirs_s / ours_s);
        theirs_text = text;
        std::snprintf(text, sizeof(text), "; labels identical to scikit-learn's: %s (ARI %.6f)",
                      equal ? "yes" : "**no**", theirs->at("ari").to_number<double>());
        equal_text = text;
      } else {
        ++failures_;
        theirs_text = "failed";
      }
    } else if (!c.compare) {
      theirs_text = "not run (too slow for one run)";
    }
    std::printf(
        "| %s | **%s** (1 thread: %s) | %.0f%% | %s | %zu clusters, %s noise rows, %.0f%% core "
        "rows%s | %s |\n",
        c.name.c_str(), Milliseconds(ours_s).c_str(), Milliseconds(single_s).c_str(),
        100.0 * ours_s / 60.0, theirs_text.c_str(), ours.clusters,
        Number(static_cast<double>(ours.noise)).c_str(),
        100.0 * cores / static_cast<double>(c.data.rows()), equal_text.c_str(), load.c_str());
    std::fflush(stdout);
  }

  void DbscanSection() {
    std::printf("### DBSCAN, %s rows of %zu dimensions\n\n",
                Number(static_cast<double>(config_.dbscan_rows)).c_str(), config_.dbscan_cols);
    std::fprintf(stderr, "cluster-bench: generating DBSCAN data\n");
    std::vector<DbscanCase> cases;
    cases.push_back(
        {"customer-like segments",
         "20 segments, each a 3-dimensional Gaussian (spreads 1, 0.8, 0.6; 0.05 in the "
         "other directions) under its own random rotation, centres uniform in [0, 10]^d, "
         "and 5% rows uniform over that box",
         Segments(config_.dbscan_rows, config_.dbscan_cols, 20, 10.0, 0.05, 11),
         {.eps = config_.dbscan_eps,
          .min_samples = config_.dbscan_min_samples,
          .threads = config_.threads},
         true});
    if (config_.dbscan_isotropic_eps > 0) {
      cases.push_back({"isotropic blobs (worst case)",
                       "20 Gaussian blobs of unit spread in all d directions, centres uniform in "
                       "[0, 100]^d, and 5% rows uniform over that box: intrinsic dimension d, the "
                       "KD-tree's worst case",
                       Blobs(config_.dbscan_rows, config_.dbscan_cols, 20, 100.0, 0.05, 11),
                       {.eps = config_.dbscan_isotropic_eps,
                        .min_samples = config_.dbscan_min_samples,
                        .threads = config_.threads},
                       false});
    }
    for (const DbscanCase& c : cases) {
      std::printf("- %s: %s; eps %g, min_samples %zu.\n", c.name.c_str(), c.description.c_str(),
                  c.options.eps, c.options.min_samples);
    }
    std::printf("\nGoal: <= 60 s.\n\n");
    std::printf(
        "| Data | mercato | Share of the 60 s goal | scikit-learn, same rows: time, "
        "its time / ours | Result | Others' CPU before the run / compilers |\n"
        "|---|---|---|---|---|---|\n");
    for (const DbscanCase& c : cases) DbscanRow(c);
    std::printf("\n");
  }

  Config config_;
  std::filesystem::path dir_;
  int failures_ = 0;
};

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) {
  mercato::bench::Config config;
  if (const char* dir = std::getenv("MERCATO_DATA_DIR"); dir != nullptr && *dir != '\0') {
    config.data_dir = dir;
  } else {
    config.data_dir = MERCATO_SOURCE_DIR "/../shared/data";
  }
  CLI::App app{"Clustering benchmark: the engine and scikit-learn side by side"};
  app.add_option("--python", config.python, "interpreter with python3-sklearn");
  app.add_option("--script", config.script, "tests/tools/sklearn_clustering.py");
  app.add_option("--data-dir", config.data_dir, "data sets (MERCATO_DATA_DIR)");
  app.add_option("--commit", config.commit, "shown in the report");
  app.add_option("--threads", config.threads, "engine threads; 0: one per hardware thread");
  app.add_option("--repeat", config.repeat, "runs per measurement; the fastest is kept");
  app.add_option("--kmeans-rows", config.kmeans_rows);
  app.add_option("--kmeans-cols", config.kmeans_cols);
  app.add_option("--kmeans-k", config.kmeans_k);
  app.add_option("--kmeans-blobs", config.kmeans_blobs, "Gaussian blobs of unit spread");
  app.add_option("--kmeans-box", config.kmeans_box, "blob centres uniform in [0, box]^cols");
  app.add_option("--dbscan-rows", config.dbscan_rows);
  app.add_option("--dbscan-cols", config.dbscan_cols);
  app.add_option("--dbscan-eps", config.dbscan_eps);
  app.add_option("--dbscan-min-samples", config.dbscan_min_samples);
  app.add_option("--dbscan-isotropic-eps", config.dbscan_isotropic_eps,
                 "eps of the isotropic case; 0 leaves it out");
  app.add_flag("--skip-sklearn-dbscan", config.skip_sklearn_dbscan);
  app.add_flag("--skip-kmeans", config.skip_kmeans);
  app.add_flag("--skip-dbscan", config.skip_dbscan);
  CLI11_PARSE(app, argc, argv);
  mercato::bench::Bench bench(config);
  return bench.Run();
}
