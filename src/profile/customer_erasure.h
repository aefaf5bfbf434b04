#pragma once
// Erasure of one customer from the profile module's state (the right to erasure, GDPR art. 17).
// ProfileBuilder::Erase runs it serialised with profile batches; pipeline/erasure_service.h drives
// requests end to end.
//
// Thread safety: must not run concurrently with a ProfileBuilder batch on the same store.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "privacy/key_vault.h"
#include "storage/store.h"

namespace mercato {

// What one erasure removed.
struct CustomerErasure {
  std::string customer_id;    // the live customer erased
  size_t profiles = 0;        // profile records, redirects of merged customers included
  size_t identities = 0;      // identity index entries
  size_t events = 0;          // history rows
  size_t log_records = 0;     // log records those rows came from
  size_t keys_destroyed = 0;  // data keys
};

// Destroys the data keys of all identities of the customer `customer_id` resolves to (following
// merges), then deletes in one synced write its profile, the redirects of customers merged into
// it, its identity index entries, its history rows and the log records they came from. NotFound
// when there is no such customer. After a crash between the two writes, running it again
// completes the erasure.
Result<CustomerErasure> EraseCustomer(Store& store, KeyVault& vault, std::string_view customer_id);

}  // namespace mercato
