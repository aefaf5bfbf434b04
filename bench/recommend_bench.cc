// mercato_recommend_bench: in-process prediction latency of the next-item models on the SR-GNN
// Diginetica split (43,097 items, 186,670 training sessions), one query at a time on one thread:
// every test case's prefix is asked for 20 items and each call is timed with a steady clock.
//
// Reports p50 / p90 / p99 / p99.9 / max per model, the ratio of p99 to the goal (session kNN
// 1 ms, neural 5 ms; bol.com's Serenade: p90 < 1.7 ms in-process), and the popularity model's
// p99 in the same run as the floor (a copy of a precomputed list). Prints Markdown on stdout.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "bench/machine_info.h"
#include "recommend/data/srgnn.h"
#include "recommend/eval/experiment.h"
#include "recommend/neural/gru4rec.h"

namespace mercato::bench {
namespace {

using recommend::Fold;
using recommend::ScoredItem;

struct Latency {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

Latency Measure(const recommend::SessionModel& model, const Fold& fold, std::size_t queries) {
  std::vector<ScoredItem> out;
  const std::size_t total = std::min(queries, fold.cases.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(2000, total); ++i) {  // warm caches
    model.Recommend({fold.cases[i].prefix, fold.now}, 20, out);
  }
  std::vector<double> micros;
  micros.reserve(total);
  for (std::size_t i = 0; i < total; ++i) {
    const auto start = std::chrono::steady_clock::now();
    model.Recommend({fold.cases[i].prefix, fold.now}, 20, out);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&micros](double q) {
    return micros[std::min(micros.size() - 1,
                           static_cast<std::size_t>(q * static_cast<double>(micros.size())))];
  };
  return {at(0.5), at(0.9), at(0.99), at(0.999), micros.back()};
}

Result<std::unique_ptr<recommend::SessionModel>> BuildBuiltIn(const std::string& name,
                                                              const Fold& fold) {
  ASSIGN_OR_RETURN(auto spec, recommend::BuiltInModel(name, {}));
  return spec.build(fold);
}

// Trains GRU4Rec (or loads a model saved by an earlier run with --save-gru).
Result<std::unique_ptr<recommend::SessionModel>> BuildGru(const Fold& fold, double minutes,
                                                          int threads, const std::string& load,
                                                          const std::string& save) {
  if (!load.empty()) {
    std::ifstream in(load, std::ios::binary);
    if (!in) return Status::IoError("cannot read " + load);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSIGN_OR_RETURN(auto model, recommend::Gru4Rec::Deserialize(bytes));
    return std::unique_ptr<recommend::SessionModel>(std::move(model));
  }
  recommend::Gru4RecOptions options;
  options.max_train_seconds = minutes * 60;
  options.threads = threads;
  options.progress = [](const recommend::Gru4RecProgress& p) {
    std::fprintf(stderr, "gru4rec: epoch %zu/%zu, loss %.4f, %.0f s\n", p.epoch, p.epochs,
                 p.mean_loss, p.elapsed_seconds);
  };
  ASSIGN_OR_RETURN(auto model, recommend::Gru4Rec::Train(fold.train, options));
  if (!save.empty()) {
    std::string bytes;
    RETURN_IF_ERROR(model->Serialize(bytes));
    std::ofstream out(save, std::ios::binary);
    out << bytes;
    if (!out) return Status::IoError("cannot write " + save);
  }
  return std::unique_ptr<recommend::SessionModel>(std::move(model));
}

int Run(int argc, char** argv) {
  CLI::App app{"In-process next-item prediction latency on the SR-GNN Diginetica split"};
  const char* env = std::getenv("MERCATO_DATA_DIR");
  std::string data_dir = env != nullptr ? env : "../shared/data";
  std::string models = "pop,iknn,sr,sknn,vsknn,stan,vstan";
  std::size_t queries = 60858;
  std::string commit = "unknown";
  app.add_option("--data-dir", data_dir, "Directory holding diginetica_srgnn_split/");
  app.add_option("--models", models, "Comma-separated models")->capture_default_str();
  app.add_option("--queries", queries, "Timed queries per model")->capture_default_str();
  app.add_option("--commit", commit, "Commit id for the report");
  double gru_minutes = 10;
  int gru_threads = 2;
  std::string gru_model, save_gru;
  app.add_option("--gru-minutes", gru_minutes, "gru4rec: training time budget")
      ->capture_default_str();
  app.add_option("--gru-threads", gru_threads, "gru4rec: training threads")->capture_default_str();
  app.add_option("--gru-model", gru_model,
                 "gru4rec: load this serialised model instead of training");
  app.add_option("--save-gru", save_gru, "gru4rec: save the trained model here");
  CLI11_PARSE(app, argc, argv);

  const std::string dir = data_dir + "/diginetica_srgnn_split/";
  std::ifstream train(dir + "train_sessions.txt"), test(dir + "test_pairs.tsv");
  auto split = recommend::data::ReadSrGnnSplit(train, test);
  if (!split.ok()) {
    std::fprintf(stderr, "recommend_bench: %s: %s\n", dir.c_str(),
                 split.status().ToString().c_str());
    return 1;
  }
  Fold fold;
  fold.label = "SR-GNN split";
  fold.now = static_cast<std::int64_t>(split.value().train.size());
  fold.clock_times = false;
  fold.train = std::move(split.value().train);
  fold.cases = std::move(split.value().test);

  std::printf("### Next-item prediction latency (commit %s)\n\n", commit.c_str());
  std::printf("Machine: %s. Load before the run: %s.\n", Machine().c_str(), Load().c_str());
  std::printf(
      "SR-GNN Diginetica split: %zu training sessions, %zu items; %zu timed queries per "
      "model, one thread, n = 20.\n\n",
      fold.train.size(), fold.train.item_count(), std::min(queries, fold.cases.size()));
  std::printf(
      "| model | build s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | p99 / goal | "
      "p99 / pop p99 |\n|---|---|---|---|---|---|---|---|---|\n");
  double floor_p99 = 0;
  std::string list = models;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
    const auto built_at = std::chrono::steady_clock::now();
    auto model = name == "gru4rec" ? BuildGru(fold, gru_minutes, gru_threads, gru_model, save_gru)
                                   : BuildBuiltIn(name, fold);
    if (!model.ok()) {
      std::fprintf(stderr, "recommend_bench: %s\n", model.status().ToString().c_str());
      return 1;
    }
    const double build_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - built_at).count();
    const Latency l = Measure(*model.value(), fold, queries);
    if (name == "pop") floor_p99 = l.p99;
    // Session kNN and item models: 1 ms; the neural model: 5 ms.
    const double goal_us = name == "gru4rec" ? 5000 : 1000;
    std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f | %.3f | %s |\n", name.c_str(),
                build_s, l.p50, l.p90, l.p99, l.p999, l.max, l.p99 / goal_us,
                floor_p99 > 0 ? std::to_string(l.p99 / floor_p99).substr(0, 6).c_str() : "-");
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Run(argc, argv); }
