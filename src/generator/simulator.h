#pragma once
// The shop's behaviour simulation (internal to the generator): day by day, each active customer's
// sessions (page, product views, cart, checkout, order, identify) are generated from the customer's
// own random stream, sorted by time and emitted as normalised events. shop.h describes the output.

#include <functional>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "generator/customers.h"
#include "generator/shop.h"

namespace mercato::generator {

// Runs the simulation for validated `options` over `customers` (BuildCustomers). Returns the sink's
// first error, Internal when the parser rejects a generated event (a bug), Ok otherwise.
Status SimulateShop(const ShopOptions& options, std::vector<CustomerSeed> customers,
                    const std::function<Status(Event&&)>& sink);

}  // namespace mercato::generator
