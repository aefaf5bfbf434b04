#include "journey/definition_graph.h"

#include <map>

namespace mercato::journey {
namespace {

bool Waits(Step::Kind kind) {
  return kind == Step::Kind::kWait || kind == Step::Kind::kWaitUntil ||
         kind == Step::Kind::kWaitForEvent;
}

}  // namespace

std::vector<int> Successors(const JourneyDefinition& def, size_t index) {
  const Step& step = def.steps[index];
  const int following = index + 1 < def.steps.size() ? static_cast<int>(index + 1) : -1;
  auto target = [&](const std::string& id) { return id.empty() ? following : def.StepIndex(id); };
  switch (step.kind) {
    case Step::Kind::kExit:
      return {};
    case Step::Kind::kBranch:
      return {target(step.then_step), target(step.else_step)};
    case Step::Kind::kSplit: {
      std::vector<int> out;
      for (const Variant& variant : step.variants) out.push_back(def.StepIndex(variant.next));
      if (step.control_percent > 0) out.push_back(-1);
      return out;
    }
    case Step::Kind::kWaitForEvent:
      return {target(step.next), step.on_timeout.empty() ? -1 : def.StepIndex(step.on_timeout)};
    default:
      return {target(step.next)};
  }
}

void CheckStepGraph(const JourneyDefinition& def,
                    const std::function<void(const std::string&, std::string)>& error) {
  const size_t n = def.steps.size();
  auto path = [](size_t i) { return "steps[" + std::to_string(i) + "]"; };
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < n; ++i) {
    auto [it, fresh] = first.emplace(def.steps[i].id, i);
    if (!fresh) {
      error(path(i) + ".id", "'" + def.steps[i].id + "' is also the id of " + path(it->second));
    }
  }
  bool broken = first.size() != n;
  for (size_t i = 0; i < n; ++i) {
    const Step& step = def.steps[i];
    auto check = [&](const std::string& id, const std::string& field) {
      if (!id.empty() && def.StepIndex(id) < 0) {
        error(path(i) + "." + field, "no step has the id '" + id + "'");
        broken = true;
      }
    };
    check(step.next, "next");
    check(step.then_step, "then");
    check(step.else_step, "else");
    check(step.on_timeout, "onTimeout");
    for (size_t v = 0; v < step.variants.size(); ++v) {
      check(step.variants[v].next, "split.variants[" + std::to_string(v) + "].next");
    }
  }
  if (broken) return;

  std::vector<bool> reached(n, false);
  std::vector<size_t> stack = {0};
  reached[0] = true;
  while (!stack.empty()) {
    const size_t at = stack.back();
    stack.pop_back();
    for (int next : Successors(def, at)) {
      if (next >= 0 && !reached[static_cast<size_t>(next)]) {
        reached[static_cast<size_t>(next)] = true;
        stack.push_back(static_cast<size_t>(next));
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!reached[i])
      error(path(i), "'" + def.steps[i].id + "' is never reached from the first step");
  }

  // A loop among steps that do not wait runs without time passing: depth-first search over the
  // edges that leave non-wait steps, reporting the step where each such loop closes.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> mark(n, Mark::kNew);
  std::function<void(size_t)> visit = [&](size_t at) {
    mark[at] = Mark::kOnPath;
    if (!Waits(def.steps[at].kind)) {
      for (int next : Successors(def, at)) {
        if (next < 0) continue;
        const auto to = static_cast<size_t>(next);
        if (mark[to] == Mark::kOnPath) {
          error(path(at), "'" + def.steps[at].id + "' loops back to '" + def.steps[to].id +
                              "' without a wait step in between");
        } else if (mark[to] == Mark::kNew) {
          visit(to);
        }
      }
    }
    mark[at] = Mark::kDone;
  };
  for (size_t i = 0; i < n; ++i) {
    if (mark[i] == Mark::kNew) visit(i);
  }
}

}  // namespace mercato::journey
