// The catalog module: item validation, CSV import, product mentions in events, and the store's
// precedence (the shop's own items are never overwritten by events) and atomicity.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <span>
#include <sstream>
#include <thread>

#include "catalog/catalog_csv.h"
#include "catalog/catalog_store.h"
#include "catalog/event_products.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;
using catalog::CatalogItem;
using catalog::CatalogStore;

Result<CatalogItem> Parse(const char* text) {
  return catalog::ParseCatalogItem(json::parse(text).as_object());
}

TEST(CatalogItemTest, ParsesValidItemsAndNamesTheBadField) {
  auto item = Parse(R"({"id":"sku-1","name":"Boots","category":"shoes","price":"59.90",
                        "currency":"PLN","available":true,"tags":["Winter","SNOW"]})");
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(item->name, "Boots");
  EXPECT_DOUBLE_EQ(*item->price, 59.9);
  EXPECT_EQ(item->tags, (std::vector<std::string>{"winter", "snow"}));
  auto minimal = Parse(R"({"id":"x","price":null,"available":null})");
  ASSERT_TRUE(minimal.ok());
  EXPECT_FALSE(minimal->price.has_value());
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& bad :
       {Case{R"({})", "'id'"}, Case{R"({"id":""})", "'id'"}, Case{R"({"id":7})", "'id'"},
        Case{R"({"id":"a\u0001"})", "'id'"}, Case{R"({"id":"a","price":-1})", "'price'"},
        Case{R"({"id":"a","price":"cheap"})", "'price'"},
        Case{R"({"id":"a","currency":"eur"})", "'currency'"},
        Case{R"({"id":"a","currency":"EURO"})", "'currency'"},
        Case{R"({"id":"a","available":"yes"})", "'available'"},
        Case{R"({"id":"a","tags":"rain"})", "'tags'"}, Case{R"({"id":"a","tags":[""]})", "'tags'"},
        Case{R"({"id":"a","colour":"red"})", "'colour'"}}) {
    auto parsed = Parse(bad.json);
    ASSERT_FALSE(parsed.ok()) << bad.json;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(bad.field), std::string::npos)
        << bad.json << ": " << parsed.status().message();
  }
  std::string long_id(201, 'x');
  EXPECT_FALSE(catalog::ParseCatalogItem(json::object{{"id", long_id}}).ok());
}

TEST(CatalogItemTest, StoredFormRoundTrips) {
  auto item = Parse(R"({"id":"sku-1","name":"Boots","price":5,"available":false,"tags":["a"]})");
  ASSERT_TRUE(item.ok());
  item->source = "api";
  item->updated_us = 1234;
  auto back = CatalogItem::Parse(item->Serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Serialize(), item->Serialize());
  EXPECT_EQ(CatalogItem::Parse("{}").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(CatalogItem::Parse("garbage").status().code(), StatusCode::kCorruption);
}

// Found by the catalog fuzzer: a price of 2.2e60 came back one ulp off through the JSON number
// reader, so the stored form keeps prices as exact text.
TEST(CatalogItemTest, StoredPricesComeBackBitForBit) {
  for (double price : {78.99, 0.1, 2222222222222222222222222222222222222222222222222222222222278.99,
                       5e-324, 1.7976931348623157e308}) {
    CatalogItem item;
    item.id = "sku";
    item.price = price;
    auto back = CatalogItem::Parse(item.Serialize());
    ASSERT_TRUE(back.ok()) << price;
    ASSERT_TRUE(back->price.has_value());
    EXPECT_EQ(*back->price, price);
  }
  EXPECT_EQ(CatalogItem::Parse(R"({"v":1,"id":"sku","price":"12x"})").status().code(),
            StatusCode::kCorruption);
}

TEST(CatalogCsvTest, ReadsQuotedFieldsInAnyColumnOrder) {
  std::istringstream in(
      "\xEF\xBB\xBFtags,ID,price,name,available\r\n"
      "rain;Autumn,sku-1,19.99,\"Umbrella, \"\"large\"\"\",yes\r\n"
      "\n"
      ",sku-2,,\"two, words\",0\r\n");
  auto items = catalog::ReadCatalogCsv(in);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].name, "Umbrella, \"large\"");
  EXPECT_EQ((*items)[0].tags, (std::vector<std::string>{"rain", "autumn"}));
  EXPECT_TRUE(*(*items)[0].available);
  EXPECT_EQ((*items)[0].source, "csv");
  EXPECT_EQ((*items)[1].name, "two, words");
  EXPECT_FALSE((*items)[1].price.has_value());
  EXPECT_FALSE(*(*items)[1].available);
}

TEST(CatalogCsvTest, RejectsBadFilesNamingTheLine) {
  struct Case {
    const char* csv;
    const char* message;
  };
  for (const Case& bad :
       {Case{"", "empty"}, Case{"name\nx\n", "'id' column"},
        Case{"id,colour\nx,red\n", "unknown column 'colour'"}, Case{"id,id\nx,y\n", "twice"},
        Case{"id,price\nx,1,2\n", "line 2"}, Case{"id,price\nx,1\ny,abc\n", "line 3"},
        Case{"id\nx\nx\n", "appears twice"}, Case{"id,available\nx,maybe\n", "line 2"},
        Case{"id,name\nx,\"open\n", "not closed"}, Case{"id,name\nx,a\"b\n", "quote"}}) {
    std::istringstream in(bad.csv);
    auto items = catalog::ReadCatalogCsv(in);
    ASSERT_FALSE(items.ok()) << bad.csv;
    EXPECT_NE(items.status().message().find(bad.message), std::string::npos)
        << bad.csv << ": " << items.status().message();
  }
  std::istringstream many("id\na\nb\nc\n");
  EXPECT_FALSE(catalog::ReadCatalogCsv(many, 2).ok());
}

TEST(EventProductsTest, FindsProductsAsTheEcommerceSpecNamesThem) {
  EXPECT_EQ(catalog::ActionOf("Product Viewed"), catalog::ProductAction::kView);
  EXPECT_EQ(catalog::ActionOf("Product Clicked"), catalog::ProductAction::kView);
  EXPECT_EQ(catalog::ActionOf("Product Added"), catalog::ProductAction::kCart);
  EXPECT_EQ(catalog::ActionOf("Order Completed"), catalog::ProductAction::kPurchase);
  EXPECT_EQ(catalog::ActionOf("Signed Up"), catalog::ProductAction::kOther);

  json::object viewed = json::parse(R"({"sku":"S-9","name":"Hat","category":"caps",
                                        "price":"12.5","currency":"EUR"})")
                            .as_object();
  auto one = catalog::ProductsOf("Product Viewed", &viewed);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, "S-9");
  EXPECT_EQ(one[0].category, "caps");
  EXPECT_DOUBLE_EQ(*one[0].price, 12.5);
  EXPECT_EQ(one[0].currency, "EUR");

  json::object order = json::parse(R"({"currency":"PLN","products":[
      {"product_id":"a","price":3},{"id":42},{"name":"no id"},"junk",{"product_id":"b",
       "sku":"ignored","price":-2}]})")
                           .as_object();
  auto many = catalog::ProductsOf("Order Completed", &order);
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[0].id, "a");
  EXPECT_EQ(many[0].currency, "PLN");
  EXPECT_EQ(many[1].id, "42");
  EXPECT_EQ(many[2].id, "b");
  EXPECT_FALSE(many[2].price.has_value());  // negative prices are not prices
  EXPECT_TRUE(catalog::ProductsOf("Product Viewed", nullptr).empty());
}

class CatalogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.path = dir_.str();
    store_ = std::move(Store::Open(options)).value();
    catalog_ = std::make_unique<CatalogStore>(*store_, clock_);
  }
  TempDir dir_;
  FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<CatalogStore> catalog_;
};

TEST_F(CatalogStoreTest, UpsertsAllOrNothingAndPagesInIdOrder) {
  std::vector<CatalogItem> items(3);
  items[0].id = "c";
  items[1].id = "a";
  items[2].id = "b";
  items[2].price = -1;  // invalid: nothing is stored
  Status refused = catalog_->Upsert(items);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("item 2"), std::string::npos) << refused.message();
  EXPECT_EQ(catalog_->Get("c").status().code(), StatusCode::kNotFound);

  items[2].price = 1;
  store_->FailWritesAfter(0);
  EXPECT_FALSE(catalog_->Upsert(items).ok());
  store_->FailWritesAfter(-1);
  EXPECT_EQ(catalog_->Get("a").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(catalog_->Upsert(items).ok());
  auto first = catalog_->List("", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, "a");
  EXPECT_EQ(first->items[0].source, "api");
  EXPECT_EQ(first->next_cursor, "b");
  auto rest = catalog_->List(first->next_cursor, 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "c");
  EXPECT_TRUE(rest->next_cursor.empty());
  EXPECT_TRUE(catalog_->Delete("b").ok());
  EXPECT_EQ(catalog_->Delete("b").code(), StatusCode::kNotFound);
  auto counted = catalog_->ForEach([](const CatalogItem&) {});
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(*counted, 2u);
}

// Cluster mode: the items are published as they are to be stored before they are stored here; a
// failed publish changes nothing; another node applies them exactly (source and time kept).
TEST_F(CatalogStoreTest, PublishedChangesAreAppliedExactlyElsewhere) {
  std::vector<CatalogItem> published;
  std::vector<std::string> deleted;
  bool refuse = false;
  catalog_->SetPublisher(CatalogStore::Publisher{[&](std::span<const CatalogItem> items) {
                                                   if (refuse)
                                                     return Status::Unavailable("kafka is away");
                                                   published.insert(published.end(), items.begin(),
                                                                    items.end());
                                                   return Status::Ok();
                                                 },
                                                 [&](std::string_view id) {
                                                   if (refuse)
                                                     return Status::Unavailable("kafka is away");
                                                   deleted.emplace_back(id);
                                                   return Status::Ok();
                                                 }});
  std::vector<CatalogItem> items(2);
  items[0].id = "a";
  items[0].name = "Boots";
  items[1].id = "b";
  items[1].source = "csv";
  refuse = true;
  EXPECT_EQ(catalog_->Upsert(items).code(), StatusCode::kUnavailable);
  EXPECT_EQ(catalog_->Get("a").status().code(), StatusCode::kNotFound);
  refuse = false;
  ASSERT_TRUE(catalog_->Upsert(items).ok());
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].source, "api");
  EXPECT_EQ(published[0].updated_us, clock_.NowMicros());
  EXPECT_EQ(published[0].Serialize(), catalog_->Get("a")->Serialize());
  refuse = true;
  EXPECT_EQ(catalog_->Delete("a").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(catalog_->Get("a").ok());
  refuse = false;
  EXPECT_EQ(catalog_->Delete("absent").code(), StatusCode::kNotFound);
  ASSERT_TRUE(catalog_->Delete("a").ok());
  EXPECT_EQ(deleted, std::vector<std::string>{"a"});

  // Another node.
  TempDir other_dir;
  StoreOptions options;
  options.path = other_dir.str();
  auto other_store = std::move(Store::Open(options)).value();
  FakeClock other_clock{1'800'000'000'000'000};
  CatalogStore other(*other_store, other_clock);
  for (const CatalogItem& item : published) ASSERT_TRUE(other.Apply(item).ok());
  EXPECT_EQ(other.Get("b")->Serialize(), published[1].Serialize());
  const uint64_t generation = other.generation();
  ASSERT_TRUE(other.Apply(published[1]).ok());
  EXPECT_EQ(other.generation(), generation);  // equal: not written again
  ASSERT_TRUE(other.Remove("a").ok());
  EXPECT_EQ(other.Get("a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(other.Remove("a").ok());
  CatalogItem invalid = published[1];
  invalid.price = -1;
  EXPECT_EQ(other.Apply(invalid).code(), StatusCode::kInvalidArgument);
}

TEST_F(CatalogStoreTest, EventsNeverOverwriteTheShopsOwnItems) {
  CatalogItem stated;
  stated.id = "sku-1";
  stated.name = "Stated name";
  stated.source = "csv";
  ASSERT_TRUE(catalog_->Upsert(std::span(&stated, 1)).ok());
  std::vector<catalog::ProductMention> mentions(2);
  mentions[0].id = "sku-1";
  mentions[0].name = "From an event";
  mentions[1].id = "sku-2";
  mentions[1].category = "hats";
  mentions[1].price = 9;
  auto written = catalog_->LearnFromEvents(mentions, 5);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 1u);
  EXPECT_EQ(catalog_->Get("sku-1")->name, "Stated name");
  auto learned = catalog_->Get("sku-2");
  ASSERT_TRUE(learned.ok());
  EXPECT_EQ(learned->source, "events");
  EXPECT_EQ(learned->category, "hats");
  // A later event updates an event-sourced item field by field; the same event changes nothing.
  mentions[1].category.clear();
  mentions[1].name = "Hat";
  written = catalog_->LearnFromEvents(std::span(&mentions[1], 1), 6);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 1u);
  learned = catalog_->Get("sku-2");
  EXPECT_EQ(learned->name, "Hat");
  EXPECT_EQ(learned->category, "hats");
  EXPECT_EQ(learned->updated_us, 6);
  written = catalog_->LearnFromEvents(std::span(&mentions[1], 1), 7);
  EXPECT_EQ(*written, 0u);
}

TEST(CatalogItemTest, RefusesTextThatIsNotUtf8) {
  // A Latin-1 file: stored, it could not be read back (stored items are JSON).
  std::istringstream latin1("id,name\nsku-1,Caf\xE9\n");
  auto items = catalog::ReadCatalogCsv(latin1);
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find("line 2: 'name' is not valid UTF-8"), std::string::npos)
      << items.status().message();
  for (const char* bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
    CatalogItem item;
    item.id = std::string("a") + bad;
    EXPECT_FALSE(catalog::ValidateCatalogItem(item).ok()) << item.id;
  }
  CatalogItem accented;
  accented.id = "caf\xC3\xA9-\xE2\x82\xAC-\xF0\x9F\x8C\x82";  // "café-€-🌂"
  accented.tags = {"\xC3\xA9t\xC3\xA9"};
  EXPECT_TRUE(catalog::ValidateCatalogItem(accented).ok());
}

TEST(EventProductsTest, OnlyProductEventsDescribeAProductWithTheirProperties) {
  json::object signed_up = json::parse(R"({"id":17,"plan":"pro"})").as_object();
  EXPECT_TRUE(catalog::ProductsOf("Signed Up", &signed_up).empty());
  json::object order = json::parse(R"({"order_id":"o1","id":"o1","revenue":3})").as_object();
  EXPECT_TRUE(catalog::ProductsOf("Order Completed", &order).empty());
  // Segment's examples write "usd"; the catalog keeps ISO codes and drops what is not one.
  json::object added = json::parse(R"({"product_id":"p","currency":"usd"})").as_object();
  auto mentions = catalog::ProductsOf("Product Added", &added);
  ASSERT_EQ(mentions.size(), 1u);
  EXPECT_EQ(mentions[0].currency, "USD");
  json::object odd = json::parse(R"({"product_id":"p","currency":"$$$"})").as_object();
  EXPECT_EQ(catalog::ProductsOf("Product Viewed", &odd).at(0).currency, "");
}

TEST_F(CatalogStoreTest, LearningHonoursTimeAndMergesRepeatedIds) {
  catalog::ProductMention mention;
  mention.id = "x";
  mention.name = "New name";
  ASSERT_TRUE(catalog_->LearnFromEvents(std::span(&mention, 1), 2000).ok());
  // An older mention fills what the item lacks and changes nothing else.
  mention.name = "Old name";
  mention.category = "hats";
  ASSERT_TRUE(catalog_->LearnFromEvents(std::span(&mention, 1), 1000).ok());
  auto item = catalog_->Get("x");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->name, "New name");
  EXPECT_EQ(item->category, "hats");
  EXPECT_EQ(item->updated_us, 2000);

  std::vector<catalog::ProductMention> twice(2);
  twice[0].id = twice[1].id = "y";
  twice[0].name = "Hat";
  twice[1].category = "caps";
  twice[1].currency = "EUR";
  auto written = catalog_->LearnFromEvents(twice, 5);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 1u);
  item = catalog_->Get("y");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->name, "Hat");
  EXPECT_EQ(item->category, "caps");
  EXPECT_EQ(item->currency, "EUR");
}

TEST_F(CatalogStoreTest, ALearnerNeverOverwritesItemsTheApiStoresMeanwhile) {
  for (int round = 0; round < 100; ++round) {
    const std::string id = "r" + std::to_string(round);
    catalog::ProductMention mention;
    mention.id = id;
    mention.name = "from events";
    CatalogItem stated;
    stated.id = id;
    stated.name = "from the API";
    std::thread learner([&] { (void)catalog_->LearnFromEvents(std::span(&mention, 1), 1); });
    std::thread api([&] { ASSERT_TRUE(catalog_->Upsert(std::span(&stated, 1)).ok()); });
    learner.join();
    api.join();
    auto item = catalog_->Get(id);
    ASSERT_TRUE(item.ok());
    ASSERT_EQ(item->source, "api") << "round " << round;
  }
}

TEST_F(CatalogStoreTest, RefusesForeignSourcesAndEmptyPages) {
  CatalogItem item;
  item.id = "a";
  item.source = "events";
  EXPECT_EQ(catalog_->Upsert(std::span(&item, 1)).code(), StatusCode::kInvalidArgument);
  item.source = "";
  ASSERT_TRUE(catalog_->Upsert(std::span(&item, 1)).ok());
  EXPECT_EQ(catalog_->List("", 0).status().code(), StatusCode::kInvalidArgument);
}

// A data directory written before the catalog family existed: a read-only open (what `mercato
// catalog get` and `mercato profile` use while a server runs) cannot create the family, and the
// catalog reads as empty.
TEST(CatalogOnOlderStoreTest, ReadOnlyOpenSeesAnEmptyCatalog) {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.str(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (const char* name : {"log", "dedupe", "events", "identities", "profiles", "meta", "keys",
                             "segments", "models"}) {
      rocksdb::ColumnFamilyHandle* handle = nullptr;
      ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), name, &handle).ok());
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
  }
  StoreOptions options;
  options.path = dir.str();
  options.read_only = true;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  FakeClock clock(1);
  CatalogStore catalog(**store, clock);
  EXPECT_EQ(catalog.Get("a").status().code(), StatusCode::kNotFound);
  auto page = catalog.List("", 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  // Opened read-write, the family is created.
  store->reset();
  options.read_only = false;
  auto writable = Store::Open(options);
  ASSERT_TRUE(writable.ok()) << writable.status().ToString();
  CatalogStore created(**writable, clock);
  CatalogItem item;
  item.id = "a";
  EXPECT_TRUE(created.Upsert(std::span(&item, 1)).ok());
}

}  // namespace
}  // namespace mercato::testing
