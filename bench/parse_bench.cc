// CPU cost of validation and normalisation: ParseBatch of a realistic 100-event /v1/batch body and
// ParseSingleEvent of one /v1/track body, the work the ingestion path does per request before the
// log write. items_per_second in the output is events per second on one core.

#include <benchmark/benchmark.h>

#include "bench/bench_events.h"
#include "event/parser.h"

namespace mercato::bench {
namespace {

void BM_ParseBatch(benchmark::State& state) {
  const size_t events = static_cast<size_t>(state.range(0));
  PatchableBody body = MakeBatchBody(events, 0xB0D1ull, 7);
  Rng rng(1);
  Patch(body, body.text.data(), 0, rng, kDefaultUsers);
  IngestLimits limits;
  std::vector<EventError> errors;
  for (auto _ : state) {
    errors.clear();
    auto parsed = ParseBatch(body.text, 1'714'566'896'000'000, limits, errors);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.text.size()));
}
BENCHMARK(BM_ParseBatch)->Arg(100);

void BM_ParseSingleTrack(benchmark::State& state) {
  PatchableBody body = MakeTrackBody(0xB0D1ull, 7);
  IngestLimits limits;
  std::vector<EventError> errors;
  for (auto _ : state) {
    errors.clear();
    auto parsed =
        ParseSingleEvent(body.text, EventType::kTrack, 1'714'566'896'000'000, limits, errors);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.text.size()));
}
BENCHMARK(BM_ParseSingleTrack);

}  // namespace
}  // namespace mercato::bench

BENCHMARK_MAIN();
