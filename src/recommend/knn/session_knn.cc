#include "recommend/knn/session_knn.h"

#include <algorithm>
#include <cmath>

#include "recommend/top_n.h"

namespace mercato::recommend {

// Per-thread working memory, sized to the model in use; marks are generation stamps so that
// nothing is cleared between queries.
struct SessionKnn::Scratch {
  std::vector<std::uint32_t> session_stamp;
  std::vector<std::uint32_t> item_stamp;  // query items
  std::vector<float> item_weight;         // valid where item_stamp == generation
  std::vector<std::uint32_t> item_last;   // last 1-based position in the query
  std::vector<std::uint32_t> seen_stamp;  // items of one neighbour
  std::uint32_t generation = 0;
  std::uint32_t seen_generation = 0;
  std::vector<ItemId> clicks;
  std::vector<ItemId> distinct;
  std::vector<SessionIndex> candidates;
  std::vector<Neighbour> neighbours;
  ScoreBoard board;
  std::vector<ScoredItem> ranked;

  void Fit(std::size_t sessions, std::size_t items) {
    if (session_stamp.size() != sessions || item_stamp.size() != items) {
      session_stamp.assign(sessions, 0);
      item_stamp.assign(items, 0);
      item_weight.assign(items, 0.0F);
      item_last.assign(items, 0);
      seen_stamp.assign(items, 0);
      generation = seen_generation = 0;
    }
    board.Reset(items);
  }
  void NextGeneration() {
    if (++generation == 0) {
      std::fill(session_stamp.begin(), session_stamp.end(), 0);
      std::fill(item_stamp.begin(), item_stamp.end(), 0);
      generation = 1;
    }
  }
  void NextSeen() {
    if (++seen_generation == 0) {
      std::fill(seen_stamp.begin(), seen_stamp.end(), 0);
      seen_generation = 1;
    }
  }
  bool InQuery(ItemId item) const { return item_stamp[item] == generation; }
};

namespace {

double PositionWeightOf(PositionWeight kind, double p, double l, double spw) {
  switch (kind) {
    case PositionWeight::kNone:
      return 1.0;
    case PositionWeight::kExponential:
      return std::exp((p - l) / spw);
    case PositionWeight::kLinear:
      return std::max(0.0, 1.0 - 0.1 * (l - p));
    case PositionWeight::kDivide:
      return p / l;
    case PositionWeight::kQuadratic:
      return (p / l) * (p / l);
  }
  return 1.0;
}

double MatchDecayOf(MatchDecay kind, double step, double ipw) {
  switch (kind) {
    case MatchDecay::kNone:
      return 1.0;
    case MatchDecay::kExponential:
      return std::exp((1.0 - step) / ipw);
    case MatchDecay::kDivide:
      return 1.0 / step;
    case MatchDecay::kLinear:
      return std::max(0.0, 1.0 - 0.1 * step);
    case MatchDecay::kQuadratic:
      return 1.0 / (step * step);
  }
  return 1.0;
}

}  // namespace

SessionKnn::SessionKnn(SessionCorpus corpus, const SessionKnnOptions& options)
    : corpus_(std::move(corpus)),
      index_(corpus_, options.max_sessions_per_item),
      options_(options) {
  const double length = std::max(1.0, corpus_.AverageLength());
  spw_ = options.spw * length;
  inh_ = options.inh * length;
  ipw_ = options.ipw * length;
  snh_ = options.snh_days * 86400.0 / options.seconds_per_time_unit;
}

Result<std::unique_ptr<SessionKnn>> SessionKnn::Build(SessionCorpus corpus,
                                                      const SessionKnnOptions& options) {
  if (Status s = ValidateSessionKnnOptions(options); !s.ok()) return s;
  if (corpus.empty()) return Status::InvalidArgument("no training sessions");
  return std::unique_ptr<SessionKnn>(new SessionKnn(std::move(corpus), options));
}

void SessionKnn::Candidates(std::span<const ItemId> distinct, Scratch& scratch) const {
  scratch.candidates.clear();
  for (ItemId item : distinct) {
    for (SessionIndex s : index_.SessionsOf(item)) {
      if (scratch.session_stamp[s] == scratch.generation) continue;
      scratch.session_stamp[s] = scratch.generation;
      scratch.candidates.push_back(s);
    }
  }
  const std::size_t sample = options_.sample_size;
  if (sample == 0 || scratch.candidates.size() <= sample) return;
  auto more_recent = [this](SessionIndex a, SessionIndex b) {
    return corpus_.Time(a) != corpus_.Time(b) ? corpus_.Time(a) > corpus_.Time(b) : a > b;
  };
  std::nth_element(scratch.candidates.begin(),
                   scratch.candidates.begin() + static_cast<std::ptrdiff_t>(sample - 1),
                   scratch.candidates.end(), more_recent);
  scratch.candidates.resize(sample);
}

void SessionKnn::Neighbours(std::span<const ItemId> clicks, std::int64_t now,
                            Scratch& scratch) const {
  const double l = static_cast<double>(clicks.size());
  scratch.distinct.clear();
  for (std::size_t p = 0; p < clicks.size(); ++p) {
    const ItemId item = clicks[p];
    if (!scratch.InQuery(item)) {
      scratch.item_stamp[item] = scratch.generation;
      scratch.distinct.push_back(item);
    }
    scratch.item_weight[item] = static_cast<float>(
        PositionWeightOf(options_.position_weight, static_cast<double>(p + 1), l, spw_));
    scratch.item_last[item] = static_cast<std::uint32_t>(p + 1);
  }
  double norm = 0;
  for (ItemId item : scratch.distinct)
    norm += double{scratch.item_weight[item]} * scratch.item_weight[item];
  norm = std::sqrt(norm);
  Candidates(scratch.distinct, scratch);

  scratch.neighbours.clear();
  for (SessionIndex s : scratch.candidates) {
    const auto items = index_.DistinctItems(s);
    double overlap = 0;
    for (ItemId item : items) {
      if (scratch.InQuery(item)) overlap += scratch.item_weight[item];
    }
    if (overlap <= 0) continue;
    double similarity = options_.similarity == Similarity::kCosine
                            ? overlap / (norm * std::sqrt(static_cast<double>(items.size())))
                            : overlap / static_cast<double>(scratch.distinct.size());
    if (snh_ > 0) {
      const double age = std::max<double>(0.0, static_cast<double>(now - corpus_.Time(s)));
      similarity *= std::exp(-age / snh_);
    }
    if (similarity > 0) scratch.neighbours.push_back({s, static_cast<float>(similarity)});
  }
  auto better = [](const Neighbour& a, const Neighbour& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.session > b.session;
  };
  if (scratch.neighbours.size() > options_.k) {
    std::nth_element(scratch.neighbours.begin(),
                     scratch.neighbours.begin() + static_cast<std::ptrdiff_t>(options_.k - 1),
                     scratch.neighbours.end(), better);
    scratch.neighbours.resize(options_.k);
  }
}

void SessionKnn::Score(std::span<const ItemId> clicks, Scratch& scratch) const {
  const double l = static_cast<double>(clicks.size());
  for (const Neighbour& neighbour : scratch.neighbours) {
    const auto items = index_.Clicks(neighbour.session);
    // Most recent query position held by the neighbour -> match decay.
    std::uint32_t latest_match = 0;
    std::uint32_t star = 0;  // last position in the neighbour of any query item
    for (std::size_t p = 0; p < items.size(); ++p) {
      if (!scratch.InQuery(items[p])) continue;
      latest_match = std::max(latest_match, scratch.item_last[items[p]]);
      star = static_cast<std::uint32_t>(p + 1);
    }
    const double step = l - latest_match + 1;
    const double base = neighbour.similarity * MatchDecayOf(options_.match_decay, step, ipw_);
    scratch.NextSeen();
    // Walk backwards so the first visit of an item is its last position.
    for (std::size_t p = items.size(); p-- > 0;) {
      const ItemId item = items[p];
      if (scratch.seen_stamp[item] == scratch.seen_generation) continue;
      scratch.seen_stamp[item] = scratch.seen_generation;
      if (!options_.remind && scratch.InQuery(item)) continue;
      double score = base;
      if (inh_ > 0) {
        const double distance = std::abs(static_cast<double>(p + 1) - static_cast<double>(star));
        score *= std::exp(-distance / inh_);
      }
      if (options_.idf_weight > 0) score += score * index_.Idf(item) * options_.idf_weight;
      scratch.board.Add(item, static_cast<float>(score));
    }
  }
}

void SessionKnn::Recommend(const SessionQuery& query, std::size_t n,
                           std::vector<ScoredItem>& out) const {
  thread_local Scratch scratch;
  out.clear();
  scratch.Fit(index_.session_count(), index_.item_count());
  scratch.clicks.clear();
  for (ItemId item : query.items) {
    if (item < index_.item_count()) scratch.clicks.push_back(item);
  }
  if (scratch.clicks.empty() || n == 0) return;
  scratch.NextGeneration();
  Neighbours(scratch.clicks, query.now, scratch);
  Score(scratch.clicks, scratch);
  scratch.board.Drain(scratch.ranked);
  TakeTopN(scratch.ranked, n, out);
}

}  // namespace mercato::recommend
