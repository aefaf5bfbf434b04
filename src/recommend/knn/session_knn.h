#pragma once
// The session-based nearest-neighbour family: SKNN, V-SKNN, STAN and VSTAN, as one scorer with
// the weights each variant switches on (Ludewig, Mauro, Latifi & Jannach 2021; Garg et al. 2019).
//
// For a query session s (clicks c_1..c_l):
// 1. Candidates: the union of the index's sessions for every item of s (each list is the most
//    recent sessions of that item, capped), of which the `sample_size` most recent are kept.
// 2. Similarity of s to a candidate n, with w(i) the weight of item i in s by its last position p
//    (`position_weight`: exponential exp((p - l) / lambda_spw), V-SKNN's p / l, ...):
//      cosine: sum_{i in s∩n} w(i) / (sqrt(sum_{i in s} w(i)^2) * sqrt(|n|))   (SKNN, STAN)
//      vector: sum_{i in s∩n} w(i) / |s|                                          (V-SKNN)
//    times exp(-(now - time(n)) / lambda_snh) when lambda_snh > 0 (STAN's session recency).
// 3. The k most similar candidates (similarity > 0) are the neighbours. Every item j of a
//    neighbour n gets sim(s, n) times
//      exp(-|pos(j) - pos(i*)| / lambda_inh) when lambda_inh > 0, where pos are last positions in n
//        and i* is the last item of n that occurs in s (STAN's neighbour-item distance);
//      (1 + idf(j) * idf_weight) when idf_weight > 0 (V-SKNN, VSTAN);
//      a match decay by how far back in s the most recent item shared with n lies (V-SKNN's 1/step,
//        VSTAN's exp((p - l) / lambda_ipw)).
//    Items of s itself are skipped unless `remind`.
// Lambdas that scale with session length (spw, inh, ipw) are given as multiples of the training
// set's average session length, so one setting carries across data sets; lambda_snh is in days.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "recommend/knn/session_index.h"
#include "recommend/model.h"

namespace mercato::recommend {

enum class Similarity { kCosine, kVector };
// Weight of a click at 1-based position p of l in the query session.
enum class PositionWeight { kNone, kExponential, kLinear, kDivide, kQuadratic };
// Decay by the 1-based distance `step` from the end of the query to its most recent item that
// the neighbour also holds.
enum class MatchDecay { kNone, kExponential, kDivide, kLinear, kQuadratic };

struct SessionKnnOptions {
  std::string name = "sknn";
  std::size_t k = 100;
  std::size_t sample_size = 500;             // 0 = every candidate
  std::size_t max_sessions_per_item = 1000;  // index cap, 0 = none
  Similarity similarity = Similarity::kCosine;
  PositionWeight position_weight = PositionWeight::kNone;
  double spw = 0;       // x average session length (kExponential only)
  double snh_days = 0;  // 0 = off
  double inh = 0;       // x average session length; 0 = off
  MatchDecay match_decay = MatchDecay::kNone;
  double ipw = 0;         // x average session length (kExponential only)
  double idf_weight = 0;  // 0 = off
  bool remind = false;    // may items already in the session be recommended?
  // Seconds per unit of SessionCorpus time, for lambda_snh (1 for Unix seconds).
  double seconds_per_time_unit = 1;
};

// Named defaults: "sknn", "vsknn", "stan", "vstan". STAN's are the settings tuned on RetailRocket
// (k 500, sample 1000, lambda_spw = L/2, lambda_snh = 100 days, lambda_inh = L/8 for average
// length L, i.e. 1.81 and 0.4525 at L = 3.62).
Result<SessionKnnOptions> SessionKnnPreset(std::string_view name);
// Checks ranges: k >= 1, lambdas >= 0 and set when their weight is exponential.
Status ValidateSessionKnnOptions(const SessionKnnOptions& options);

class SessionKnn final : public SessionModel {
 public:
  // Keeps its own copy of the corpus.
  static Result<std::unique_ptr<SessionKnn>> Build(SessionCorpus corpus,
                                                   const SessionKnnOptions& options);
  SessionKnn(const SessionKnn&) = delete;
  SessionKnn& operator=(const SessionKnn&) = delete;

  std::string_view name() const override { return options_.name; }
  void Recommend(const SessionQuery& query, std::size_t n,
                 std::vector<ScoredItem>& out) const override;

  const SessionKnnOptions& options() const { return options_; }
  const SessionCorpus& corpus() const { return corpus_; }

 private:
  SessionKnn(SessionCorpus corpus, const SessionKnnOptions& options);
  struct Scratch;
  struct Neighbour {
    SessionIndex session;
    float similarity;
  };
  void Candidates(std::span<const ItemId> distinct, Scratch& scratch) const;
  void Neighbours(std::span<const ItemId> clicks, std::int64_t now, Scratch& scratch) const;
  void Score(std::span<const ItemId> clicks, Scratch& scratch) const;

  SessionCorpus corpus_;
  SessionKnnIndex index_;
  SessionKnnOptions options_;
  // Absolute lambdas (options x average length; days -> time units).
  double spw_ = 0, inh_ = 0, ipw_ = 0, snh_ = 0;
};

}  // namespace mercato::recommend
