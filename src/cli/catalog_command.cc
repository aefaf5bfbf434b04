// `mercato catalog import|get`: the product catalog of a stopped node's data directory.

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>

#include "catalog/catalog_csv.h"
#include "catalog/catalog_store.h"
#include "cli/commands.h"
#include "cli/node.h"

namespace mercato::cli {
namespace {

int Fail(const CatalogOptions& options, const Status& status) {
  std::fprintf(stderr, "mercato catalog %s: %s\n", options.action.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int RunCatalog(const CatalogOptions& options) {
  const Clock& clock = SystemClock::Instance();
  if (options.action == "get") {
    auto node = OpenReadOnlyNode(options.data_dir, options.privacy);
    if (!node.ok()) return Fail(options, node.status());
    catalog::CatalogStore catalog(*node->store, clock);
    auto item = catalog.Get(options.id);
    if (!item.ok()) return Fail(options, item.status());
    std::printf("%s\n", boost::json::serialize(item->ToApi()).c_str());
    return 0;
  }
  std::ifstream in(options.file, std::ios::binary);
  if (!in) return Fail(options, Status::IoError("cannot open " + options.file));
  auto items = catalog::ReadCatalogCsv(in);
  if (!items.ok()) {
    return Fail(options,
                Status(items.status().code(), options.file + ": " + items.status().message()));
  }
  auto node = OpenNode(options.data_dir, EventLogOptions{}, options.privacy, clock, nullptr);
  if (!node.ok()) return Fail(options, node.status());
  catalog::CatalogStore catalog(*node->store, clock);
  if (Status stored = catalog.Upsert(*items); !stored.ok()) return Fail(options, stored);
  std::printf("imported %zu items\n", items->size());
  return 0;
}

}  // namespace mercato::cli
