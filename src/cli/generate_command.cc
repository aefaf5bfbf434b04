// `mercato generate`: the deterministic synthetic shop, to a JSONL file or straight into a store.

#include <cstdio>

#include "cli/commands.h"
#include "cli/node.h"
#include "cli/process_profiles.h"
#include "generator/shop.h"

namespace mercato::cli {

int RunGenerate(const GenerateOptions& options) {
  auto fail = [](const Status& status) {
    std::fprintf(stderr, "mercato generate: %s\n", status.ToString().c_str());
    return 1;
  };
  ShopOptions shop;
  shop.seed = options.seed;
  shop.customers = options.customers;
  shop.products = options.products;
  shop.days = options.days;
  if (!options.out.empty()) {
    Status status = WriteJsonl(shop, options.out);
    if (!status.ok()) return fail(status);
    std::printf("wrote %s\n", options.out.c_str());
    return 0;
  }
  const Clock& clock = SystemClock::Instance();
  auto node = OpenStartedNode(options.data_dir, options.partitions, options.privacy, clock);
  if (!node.ok()) return fail(node.status());
  shop.transform = node->filter->AsTransform();
  std::vector<AppendItem> pending;
  uint64_t appended = 0, duplicates = 0;
  auto flush = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(AppendResult result, node->log->Append(std::move(pending)));
    pending.clear();
    appended += result.appended;
    duplicates += result.duplicates;
    return Status::Ok();
  };
  Status status = GenerateShop(shop, [&](Event&& event) -> Status {
    // The dedupe window counts from now, not from the synthetic receivedAt (which is the event's
    // own time), so that generating the same shop twice stores it once.
    pending.push_back(AppendItem{std::string(event.RoutingKey()), std::move(event.message_id),
                                 clock.NowMicros(), std::move(event.payload)});
    if (pending.size() >= 2000) return flush();
    return Status::Ok();
  });
  if (status.ok()) status = flush();
  node->log->Stop();
  if (!status.ok()) return fail(status);
  std::printf("generated %llu events (%llu already present)\n",
              static_cast<unsigned long long>(appended),
              static_cast<unsigned long long>(duplicates));
  return ProcessProfilesAndReport(*node, clock, "mercato generate");
}

}  // namespace mercato::cli
