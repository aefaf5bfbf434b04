#pragma once
// A weighted blend of models: each member ranks `depth` candidates, its scores are divided by its
// best score (so every member speaks on a 0..1 scale), and an item's blended score is the
// weighted sum over members.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/model.h"

namespace mercato::recommend {

class Hybrid final : public SessionModel {
 public:
  struct Member {
    const SessionModel* model = nullptr;
    double weight = 1;
  };
  // Weights must be finite and >= 0 with a positive sum; depth >= 1.
  static Result<std::unique_ptr<Hybrid>> Build(std::string name, std::vector<Member> members,
                                               std::size_t depth = 100);
  std::string_view name() const override { return name_; }
  void Recommend(const SessionQuery& query, std::size_t n,
                 std::vector<ScoredItem>& out) const override;

 private:
  std::string name_;
  std::vector<Member> members_;
  std::size_t depth_ = 100;
};

}  // namespace mercato::recommend
