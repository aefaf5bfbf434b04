#pragma once
// CatalogStore: the shop's product catalog in the catalog column family (item id -> stored
// CatalogItem JSON, catalog/catalog_item.h).
//
// Sources and precedence: items put through the API or a CSV import replace the stored item
// whole; items learned from events (LearnFromEvents) only create items or update items that
// themselves came from events — what a shop states explicitly is never overwritten by what its
// events happen to carry.
//
// Thread safety: safe from any thread. Reads go straight to RocksDB; writes (Upsert, Delete,
// LearnFromEvents) are serialised by one mutex, so a learner's read-modify-write never overwrites
// an item the API stored meanwhile. Each write is one atomic, synced WriteBatch. Writes through
// another CatalogStore or process on the same Store are not serialised with this one's.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog_item.h"
#include "catalog/event_products.h"
#include "core/clock.h"
#include "core/status.h"
#include "storage/store.h"

namespace mercato::catalog {

class CatalogStore {
 public:
  CatalogStore(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Validates every item first (InvalidArgument naming the index and field; nothing stored),
  // then writes all of them in one synced batch with updated_us = now. An item without a source
  // gets "api"; a source other than "api" or "csv" is InvalidArgument (events go through
  // LearnFromEvents). A failed write stores nothing. An id given twice: the later item wins.
  Status Upsert(std::span<const CatalogItem> items);
  // Cluster mode: what Upsert and Delete change is passed on first (the items as they are to be
  // stored; the id of a deletion), under the write mutex; when that fails nothing is changed here
  // and its error is returned. Items learned from events are not passed on. Set before the store
  // is used from other threads.
  struct Publisher {
    std::function<Status(std::span<const CatalogItem> items)> put;
    std::function<Status(std::string_view id)> remove;
  };
  void SetPublisher(Publisher publisher) { publisher_ = std::move(publisher); }
  // Stores an item changed on another node as it is (its source and updated time kept); an equal
  // stored item changes nothing. InvalidArgument for an item that does not validate.
  Status Apply(const CatalogItem& item);
  // Deletes an item deleted on another node; an absent one changes nothing.
  Status Remove(std::string_view id);

  // NotFound for an unknown id.
  Result<CatalogItem> Get(std::string_view id) const;
  struct Page {
    std::vector<CatalogItem> items;
    std::string next_cursor;  // empty on the last page
  };
  // Items in id order after `cursor` (an id; empty = from the start), at most `limit` (>= 1, else
  // InvalidArgument). Corruption when a stored item cannot be decoded.
  Result<Page> List(std::string_view cursor, size_t limit) const;
  // NotFound when absent.
  Status Delete(std::string_view id);
  // Creates items (source "events") for mentioned products not yet in the catalog, and updates
  // event-sourced items with the mention's non-empty fields: a mention at `time_us` at or after
  // the item's updated_us overwrites them, an older one only fills fields the item lacks. Items
  // from "api" or "csv" are never changed. Mentions of one id in one call merge in order.
  // Mentions that fail validation are skipped. Returns how many items were written (one batch).
  Result<size_t> LearnFromEvents(std::span<const ProductMention> mentions, int64_t time_us);
  // Calls `fn` for every item in id order (one snapshot); returns the count.
  Result<size_t> ForEach(const std::function<void(const CatalogItem&)>& fn) const;
  // Grows by one with every successful write through this object (so readers holding a copy of
  // the catalog know when it is stale). Writes of other processes are not counted.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  Status Write(rocksdb::WriteBatch& batch);

  // Const after construction.
  Store& store_;
  const Clock& clock_;
  Publisher publisher_;
  // Held by every write, across a learner's reads and its batch.
  std::mutex write_mu_;
  // Atomic.
  std::atomic<uint64_t> generation_{0};
};

}  // namespace mercato::catalog
