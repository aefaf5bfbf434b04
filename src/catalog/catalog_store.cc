#include "catalog/catalog_store.h"

#include <memory>

namespace mercato::catalog {

Status CatalogStore::Write(rocksdb::WriteBatch& batch) {
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return Status::Ok();
}

Status CatalogStore::Upsert(std::span<const CatalogItem> items) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (Status valid = ValidateCatalogItem(items[i]); !valid.ok()) {
      return Status::InvalidArgument("item " + std::to_string(i) + ": " + valid.message());
    }
  }
  rocksdb::WriteBatch batch;
  const int64_t now = clock_.NowMicros();
  for (const CatalogItem& item : items) {
    CatalogItem stored = item;
    stored.updated_us = now;
    if (stored.source.empty()) stored.source = "api";
    batch.Put(store_.cf(Cf::kCatalog), stored.id, stored.Serialize());
  }
  return Write(batch);
}

Result<CatalogItem> CatalogStore::Get(std::string_view id) const {
  auto stored = store_.Get(Cf::kCatalog, id);
  if (stored.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no catalog item '" + std::string(id.substr(0, 200)) + "'");
  }
  if (!stored.ok()) return stored.status();
  return CatalogItem::Parse(*stored);
}

Result<CatalogStore::Page> CatalogStore::List(std::string_view cursor, size_t limit) const {
  Page page;
  std::unique_ptr<rocksdb::Iterator> it = store_.NewIterator(Cf::kCatalog);
  if (cursor.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(rocksdb::Slice(cursor.data(), cursor.size()));
    if (it->Valid() && it->key().ToStringView() == cursor) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    if (page.items.size() == limit) {
      page.next_cursor = page.items.back().id;
      break;
    }
    ASSIGN_OR_RETURN(CatalogItem item, CatalogItem::Parse(it->value().ToStringView()));
    page.items.push_back(std::move(item));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing the catalog"));
  return page;
}

Status CatalogStore::Delete(std::string_view id) {
  auto existing = store_.Get(Cf::kCatalog, id);
  if (!existing.ok()) {
    if (existing.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no catalog item '" + std::string(id.substr(0, 200)) + "'");
    }
    return existing.status();
  }
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(Cf::kCatalog), rocksdb::Slice(id.data(), id.size()));
  return Write(batch);
}

Result<size_t> CatalogStore::LearnFromEvents(std::span<const ProductMention> mentions,
                                             int64_t time_us) {
  rocksdb::WriteBatch batch;
  size_t written = 0;
  for (const ProductMention& mention : mentions) {
    CatalogItem item;
    auto stored = store_.Get(Cf::kCatalog, mention.id);
    if (stored.ok()) {
      ASSIGN_OR_RETURN(item, CatalogItem::Parse(*stored));
      if (item.source != "events") continue;  // stated by the shop: never overwritten
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    CatalogItem learned = item;
    learned.id = mention.id;
    learned.source = "events";
    if (!mention.name.empty()) learned.name = mention.name;
    if (!mention.category.empty()) learned.category = mention.category;
    if (mention.price) learned.price = mention.price;
    if (!mention.currency.empty()) learned.currency = mention.currency;
    if (!ValidateCatalogItem(learned).ok()) continue;
    learned.updated_us = item.updated_us;
    if (stored.ok() && learned.Serialize() == item.Serialize()) continue;  // nothing new
    learned.updated_us = time_us;
    batch.Put(store_.cf(Cf::kCatalog), learned.id, learned.Serialize());
    ++written;
  }
  if (written == 0) return written;
  RETURN_IF_ERROR(Write(batch));
  return written;
}

Result<size_t> CatalogStore::ForEach(const std::function<void(const CatalogItem&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it = store_.NewIterator(Cf::kCatalog);
  size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(CatalogItem item, CatalogItem::Parse(it->value().ToStringView()));
    fn(item);
    ++count;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the catalog"));
  return count;
}

}  // namespace mercato::catalog
