#include "generator/shop.h"

#include <cstdio>
#include <memory>

#include "generator/catalog.h"
#include "generator/customers.h"
#include "generator/simulator.h"

namespace mercato {
namespace {

Status Validate(const ShopOptions& options) {
  if (options.customers < 1 || options.customers > 10'000'000) {
    return Status::InvalidArgument("customers must be between 1 and 10,000,000");
  }
  if (options.products < 1 || options.products > 1'000'000) {
    return Status::InvalidArgument("products must be between 1 and 1,000,000");
  }
  if (options.days < 1 || options.days > 3650) {
    return Status::InvalidArgument("days must be between 1 and 3650");
  }
  return Status::Ok();
}

}  // namespace

std::string_view ShopSegmentName(ShopSegment segment) {
  switch (segment) {
    case ShopSegment::kLoyalBigSpender:
      return "loyal_big_spender";
    case ShopSegment::kBargainHunter:
      return "bargain_hunter";
    case ShopSegment::kWindowShopper:
      return "window_shopper";
    case ShopSegment::kOneTimeBuyer:
      return "one_time_buyer";
    case ShopSegment::kChurner:
      return "churner";
  }
  return "unknown";
}

Result<std::vector<ShopProduct>> ShopCatalog(const ShopOptions& options) {
  RETURN_IF_ERROR(Validate(options));
  return generator::Catalog(options).products();
}

Result<std::vector<ShopCustomer>> ShopCustomers(const ShopOptions& options) {
  RETURN_IF_ERROR(Validate(options));
  std::vector<ShopCustomer> out;
  for (generator::CustomerSeed& seed : generator::BuildCustomers(options))
    out.push_back(std::move(seed.customer));
  return out;
}

Status GenerateShop(const ShopOptions& options, const std::function<Status(Event&&)>& sink) {
  RETURN_IF_ERROR(Validate(options));
  return generator::SimulateShop(options, generator::BuildCustomers(options), sink);
}

Status WriteJsonl(const ShopOptions& options, const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"),
                                                       &std::fclose);
  if (!file) return Status::IoError("cannot create " + path);
  RETURN_IF_ERROR(GenerateShop(options, [&](Event&& event) -> Status {
    event.payload.push_back('\n');
    if (std::fwrite(event.payload.data(), 1, event.payload.size(), file.get()) !=
        event.payload.size()) {
      return Status::IoError("cannot write " + path);
    }
    return Status::Ok();
  }));
  if (std::fclose(file.release()) != 0) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

}  // namespace mercato
