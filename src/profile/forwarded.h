#pragma once
// Reading the cluster's identity records (docs/adr/0018-cross-partition-identity-merges.md) from
// the consumers that follow the profile builder (segments, journeys).
//
// Thread safety: reads the store only.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "profile/event_view.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::profile {

// True when the record at (partition, offset) is a copy (EventView::forwarded) whose origin was
// already folded in from an earlier copy: the profile builder skipped it, and so should they.
// Call only for records the profile builder has processed.
Result<bool> IsRepeatedCopy(Store& store, uint32_t partition, uint64_t offset,
                            const EventView& event);

// The customer an identity link (EventView::link) turned into a stub, if it did: its id. Call
// only for records the profile builder has processed.
Result<std::optional<std::string>> LinkedStub(Store& store, std::string_view pseudonym_key,
                                              const EventView& event);

// The "Identity Erase" records that erasing customer `customer_id` (a live customer) sends in
// routed mode: one per identity of another partition that its own events linked (identify's
// anonymousId, alias's previousId), read from its history rows, to that identity's partition.
// `partition_for` maps a routing value to its partition. Empty for an unknown customer.
Result<std::vector<AppendItem>> ErasureMessages(
    Store& store, std::string_view customer_id,
    const std::function<uint32_t(std::string_view)>& partition_for, int64_t now_us);

}  // namespace mercato::profile
