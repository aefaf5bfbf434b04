#include "catalog/catalog_store.h"

#include <algorithm>
#include <map>
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
    const std::string& source = items[i].source;
    if (!source.empty() && source != "api" && source != "csv") {
      return Status::InvalidArgument("item " + std::to_string(i) + ": source '" +
                                     source.substr(0, 20) + "' is not \"api\" or \"csv\"");
    }
  }
  std::lock_guard lock(write_mu_);
  rocksdb::WriteBatch batch;
  const int64_t now = clock_.NowMicros();
  std::vector<CatalogItem> stored(items.begin(), items.end());
  for (CatalogItem& item : stored) {
    item.updated_us = now;
    if (item.source.empty()) item.source = "api";
    batch.Put(store_.cf(Cf::kCatalog), item.id, item.Serialize());
  }
  if (publisher_.put) RETURN_IF_ERROR(publisher_.put(stored));
  return Write(batch);
}

Status CatalogStore::Apply(const CatalogItem& item) {
  RETURN_IF_ERROR(ValidateCatalogItem(item));
  const std::string serialized = item.Serialize();
  std::lock_guard lock(write_mu_);
  auto existing = store_.Get(Cf::kCatalog, item.id);
  if (existing.ok() && *existing == serialized) return Status::Ok();
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(Cf::kCatalog), item.id, serialized);
  return Write(batch);
}

Status CatalogStore::Remove(std::string_view id) {
  std::lock_guard lock(write_mu_);
  auto existing = store_.Get(Cf::kCatalog, id);
  if (existing.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!existing.ok()) return existing.status();
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(Cf::kCatalog), rocksdb::Slice(id.data(), id.size()));
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
  if (limit == 0) return Status::InvalidArgument("'limit' must be at least 1");
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
  std::lock_guard lock(write_mu_);
  auto existing = store_.Get(Cf::kCatalog, id);
  if (!existing.ok()) {
    if (existing.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no catalog item '" + std::string(id.substr(0, 200)) + "'");
    }
    return existing.status();
  }
  if (publisher_.remove) RETURN_IF_ERROR(publisher_.remove(id));
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(Cf::kCatalog), rocksdb::Slice(id.data(), id.size()));
  return Write(batch);
}

Result<size_t> CatalogStore::LearnFromEvents(std::span<const ProductMention> mentions,
                                             int64_t time_us) {
  std::lock_guard lock(write_mu_);
  // The items this call changes, by id, so that a product mentioned twice merges both mentions.
  std::map<std::string, CatalogItem, std::less<>> changed;
  for (const ProductMention& mention : mentions) {
    CatalogItem item;
    bool known = false;
    if (auto pending = changed.find(mention.id); pending != changed.end()) {
      item = pending->second;
      known = true;
    } else if (auto stored = store_.Get(Cf::kCatalog, mention.id); stored.ok()) {
      ASSIGN_OR_RETURN(item, CatalogItem::Parse(*stored));
      known = true;
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    if (known && item.source != "events") continue;  // stated by the shop: never overwritten
    // An older mention than what the item holds only fills the fields it lacks.
    const bool newer = !known || time_us >= item.updated_us;
    auto merge = [newer](std::string& field, const std::string& value) {
      if (!value.empty() && (newer || field.empty())) field = value;
    };
    CatalogItem learned = item;
    learned.id = mention.id;
    learned.source = "events";
    merge(learned.name, mention.name);
    merge(learned.category, mention.category);
    merge(learned.currency, mention.currency);
    if (mention.price && (newer || !learned.price)) learned.price = mention.price;
    if (!ValidateCatalogItem(learned).ok()) continue;
    if (known && learned.Serialize() == item.Serialize()) continue;  // nothing new
    learned.updated_us = std::max(item.updated_us, time_us);
    changed.insert_or_assign(learned.id, std::move(learned));
  }
  if (changed.empty()) return size_t{0};
  rocksdb::WriteBatch batch;
  for (const auto& [id, item] : changed) {
    batch.Put(store_.cf(Cf::kCatalog), id, item.Serialize());
  }
  RETURN_IF_ERROR(Write(batch));
  return changed.size();
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
