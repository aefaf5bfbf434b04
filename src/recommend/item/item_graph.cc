#include "recommend/item/item_graph.h"

#include <algorithm>
#include <cmath>

#include "recommend/top_n.h"

namespace mercato::recommend {

namespace {

// Sessions (distinct items) most recent first, per item, for the co-occurrence counts.
struct Postings {
  std::vector<std::vector<SessionIndex>> sessions;
  std::vector<std::vector<ItemId>> distinct;
};

Postings MakePostings(const SessionCorpus& corpus, std::size_t cap) {
  Postings p;
  p.sessions.resize(corpus.item_count());
  p.distinct.resize(corpus.size());
  for (SessionIndex s = 0; s < corpus.size(); ++s) {
    auto& d = p.distinct[s];
    const auto clicks = corpus.Session(s);
    d.assign(clicks.begin(), clicks.end());
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    for (ItemId item : d) p.sessions[item].push_back(s);
  }
  for (auto& list : p.sessions) {
    std::stable_sort(list.begin(), list.end(), [&corpus](SessionIndex a, SessionIndex b) {
      return corpus.Time(a) > corpus.Time(b);
    });
    if (cap != 0 && list.size() > cap) list.resize(cap);
  }
  return p;
}

}  // namespace

Result<ItemGraphOptions> ItemGraphPreset(std::string_view name) {
  ItemGraphOptions o;
  o.name = std::string(name);
  if (name == "iknn") return o;
  if (name == "sr") {
    o.kind = ItemGraphOptions::Kind::kSequentialRules;
    return o;
  }
  return Status::InvalidArgument("unknown item model \"" + std::string(name) +
                                 "\" (expected iknn or sr)");
}

Result<std::unique_ptr<ItemGraph>> ItemGraph::Build(const SessionCorpus& corpus,
                                                    const ItemGraphOptions& options) {
  if (corpus.empty()) return Status::InvalidArgument("no training sessions");
  if (options.neighbours == 0) return Status::InvalidArgument("neighbours must be at least 1");
  if (!std::isfinite(options.lambda) || options.lambda < 0) {
    return Status::InvalidArgument("lambda must be a finite number >= 0");
  }
  if (options.kind == ItemGraphOptions::Kind::kSequentialRules && options.max_steps == 0) {
    return Status::InvalidArgument("max_steps must be at least 1");
  }
  auto graph = std::unique_ptr<ItemGraph>(new ItemGraph());
  graph->options_ = options;
  graph->item_count_ = corpus.item_count();
  const std::size_t items = corpus.item_count();
  ScoreBoard board;
  board.Reset(items);
  std::vector<ScoredItem> row, top;
  graph->offsets_.push_back(0);
  const bool rules = options.kind == ItemGraphOptions::Kind::kSequentialRules;
  Postings postings = MakePostings(corpus, rules ? 0 : options.max_sessions_per_item);
  std::vector<double> support(items, 0);
  for (std::size_t i = 0; i < items; ++i) support[i] = double(postings.sessions[i].size());
  for (ItemId i = 0; i < items; ++i) {
    for (SessionIndex s : postings.sessions[i]) {
      if (!rules) {
        for (ItemId j : postings.distinct[s]) {
          if (j != i) board.Add(j, 1.0F);
        }
        continue;
      }
      const auto clicks = corpus.Session(s);
      for (std::size_t p = 0; p < clicks.size(); ++p) {
        if (clicks[p] != i) continue;
        const std::size_t last = std::min(clicks.size(), p + 1 + options.max_steps);
        for (std::size_t q = p + 1; q < last; ++q) {
          if (clicks[q] != i) board.Add(clicks[q], 1.0F / static_cast<float>(q - p));
        }
      }
    }
    board.Drain(row);
    if (!rules) {
      for (ScoredItem& e : row) {
        e.score = static_cast<float>(e.score / std::sqrt(support[i] * support[e.item]));
      }
    }
    TakeTopN(row, options.neighbours, top);
    graph->edges_.insert(graph->edges_.end(), top.begin(), top.end());
    graph->offsets_.push_back(graph->edges_.size());
  }
  return graph;
}

std::span<const ScoredItem> ItemGraph::Related(ItemId item) const {
  if (item >= item_count_) return {};
  return {edges_.data() + offsets_[item], edges_.data() + offsets_[item + 1]};
}

void ItemGraph::Recommend(const SessionQuery& query, std::size_t n,
                          std::vector<ScoredItem>& out) const {
  thread_local ScoreBoard board;
  thread_local std::vector<ScoredItem> ranked;
  out.clear();
  board.Reset(item_count_);
  const std::size_t l = query.items.size();
  for (std::size_t p = 0; p < l; ++p) {
    const bool last = p + 1 == l;
    if (!last && options_.lambda == 0) continue;
    const double weight =
        last ? 1.0
             : std::exp((static_cast<double>(p) + 1 - static_cast<double>(l)) / options_.lambda);
    for (const ScoredItem& e : Related(query.items[p])) {
      board.Add(e.item, static_cast<float>(weight * e.score));
    }
  }
  board.Drain(ranked);
  if (!options_.remind) {
    std::erase_if(ranked, [&query](const ScoredItem& c) {
      return std::find(query.items.begin(), query.items.end(), c.item) != query.items.end();
    });
  }
  TakeTopN(ranked, n, out);
}

}  // namespace mercato::recommend
