#include "analytics/rules/recheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/time_format.h"

namespace mercato::analytics::rules {
namespace {

constexpr double kMicrosPerDayDouble = 86'400.0 * 1'000'000.0;
// Days-since roots further than this from their base (2^53 us, about 285 years) are not
// scheduled: beyond it a double no longer holds every microsecond.
constexpr double kFarthestDelta = 9'007'199'254'740'992.0;

bool Moves(const Node& operand) {
  return operand.kind == NodeKind::kNow ||
         (operand.kind == NodeKind::kField && operand.scope == FieldScope::kDaysSince);
}

// Adds root + delta for delta in [low, high], skipping what overflows.
void AddAround(int64_t root, int64_t low, int64_t high, std::vector<int64_t>& out) {
  for (int64_t delta = low; delta <= high; ++delta) {
    int64_t candidate = 0;
    if (!__builtin_add_overflow(root, delta, &candidate)) out.push_back(candidate);
  }
}

class Rechecker {
 public:
  Rechecker(const RuleContext& context, int64_t now_us) : context_(context), now_us_(now_us) {}

  Status Walk(const Node& node) {
    switch (node.kind) {
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kNot:
        for (const Node& child : node.children) RETURN_IF_ERROR(Walk(child));
        return Status::Ok();
      default:
        return Atom(node);
    }
  }

  std::optional<int64_t> next() const { return next_; }

 private:
  void Offer(int64_t t) {
    if (t > now_us_ && (!next_ || t < *next_)) next_ = t;
  }

  // The instants around which `moving` (now ± d, or a days-since feature) equals `other`.
  Status Roots(const Node& moving, const Node& other, std::vector<int64_t>& out) {
    ASSIGN_OR_RETURN(const Value value, EvaluateOperand(other, context_, now_us_));
    if (moving.kind == NodeKind::kNow) {
      std::optional<int64_t> time;
      if (value.type() == ValueType::kTime) {
        time = value.time();
      } else if (value.type() == ValueType::kString) {
        auto parsed = ParseTimestamp(value.string());
        if (parsed.ok()) time = *parsed;
      }
      // now + offset == time  <=>  now == time - offset: the value changes at the root or just
      // after it.
      int64_t root = 0;
      if (time && !__builtin_sub_overflow(*time, moving.NowOffsetMicros(), &root)) {
        AddAround(root, 0, 1, out);
      }
      return Status::Ok();
    }
    const std::optional<double> days = NumericValue(value);
    const std::optional<Value> base = context_.Feature(moving.canonical);
    if (!days || !base || base->type() != ValueType::kTime) return Status::Ok();
    // (now - base) / day == days  <=>  now == base + days * day, up to the rounding of doubles
    // (a microsecond or two either way; the caller keeps the candidates where the value differs).
    const double delta = *days * kMicrosPerDayDouble;
    int64_t root = 0;
    if (std::fabs(delta) < kFarthestDelta &&
        !__builtin_add_overflow(base->time(), static_cast<int64_t>(std::floor(delta)), &root)) {
      AddAround(root, -2, 2, out);
    }
    return Status::Ok();
  }

  static void CollectWindows(const Node& node, std::vector<const Node*>& out) {
    if (node.kind == NodeKind::kAggregate) {
      if (node.duration) out.push_back(&node);
      return;
    }
    for (const Node& child : node.children) CollectWindows(child, out);
  }

  Status Atom(const Node& atom) {
    std::vector<int64_t> candidates;
    if (atom.kind == NodeKind::kCompare) {
      const Node& lhs = atom.children[0];
      const Node& rhs = atom.children[1];
      if (Moves(lhs) && !Moves(rhs)) RETURN_IF_ERROR(Roots(lhs, rhs, candidates));
      if (Moves(rhs) && !Moves(lhs)) RETURN_IF_ERROR(Roots(rhs, lhs, candidates));
    } else if (atom.kind == NodeKind::kIn && Moves(atom.children[0])) {
      for (size_t k = 1; k < atom.children.size(); ++k) {
        RETURN_IF_ERROR(Roots(atom.children[0], atom.children[k], candidates));
      }
    }
    std::vector<const Node*> windows;
    CollectWindows(atom, windows);
    if (!windows.empty()) {
      // The aggregate changes when its oldest event leaves the window; the other candidates move
      // with it, so they are offered unfiltered (an early re-check is harmless).
      for (const Node* aggregate : windows) {
        const EventQuery query = EventQuery::Of(*aggregate);
        const int64_t window = *query.window_us;
        const int64_t after = now_us_ >= std::numeric_limits<int64_t>::min() + window
                                  ? now_us_ - window
                                  : std::numeric_limits<int64_t>::min();
        ASSIGN_OR_RETURN(const std::optional<int64_t> oldest,
                         context_.OldestEventTime(query, after));
        if (oldest && *oldest <= std::numeric_limits<int64_t>::max() - window) {
          Offer(*oldest + window);
        }
      }
      for (int64_t c : candidates) Offer(c);
      return Status::Ok();
    }
    if (candidates.empty()) return Status::Ok();
    // Keep the first candidate at which the condition's value differs from its value now: the
    // value is constant between the instants around each root.
    std::sort(candidates.begin(), candidates.end());
    ASSIGN_OR_RETURN(const Truth current, Evaluate(atom, context_, now_us_));
    for (int64_t c : candidates) {
      if (c <= now_us_ || (next_ && c >= *next_)) continue;
      ASSIGN_OR_RETURN(const Truth then, Evaluate(atom, context_, c));
      if (then != current) {
        Offer(c);
        break;
      }
    }
    return Status::Ok();
  }

  const RuleContext& context_;
  int64_t now_us_;
  std::optional<int64_t> next_;
};

}  // namespace

Result<std::optional<int64_t>> NextRecheckTime(const Node& root, const RuleContext& context,
                                               int64_t now_us) {
  Rechecker rechecker(context, now_us);
  RETURN_IF_ERROR(rechecker.Walk(root));
  return rechecker.next();
}

}  // namespace mercato::analytics::rules
