// Data-set readers and the session-rec protocol (src/recommend/data/): small inline inputs for
// the rules and edge cases, then the real data sets under MERCATO_DATA_DIR.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "recommend/data/delimited_reader.h"
#include "recommend/data/diginetica.h"
#include "recommend/data/online_retail.h"
#include "recommend/data/protocol.h"
#include "recommend/data/retailrocket.h"
#include "recommend/data/srgnn.h"
#include "support/test_support.h"

namespace mercato::recommend::data {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kMinute = 60;

Click View(const std::string& key, const std::string& item, std::int64_t time) {
  return {key, item, time, ClickKind::kView};
}

// The external ids of a session of `log`, for readable assertions.
std::vector<std::string> Items(const ItemDictionary& items, const ReplaySession& session) {
  std::vector<std::string> out;
  for (ItemId item : session.items) out.push_back(items.External(item));
  return out;
}

std::size_t ClickCount(const std::vector<ReplaySession>& sessions) {
  std::size_t clicks = 0;
  for (const ReplaySession& session : sessions) clicks += session.items.size();
  return clicks;
}

std::size_t DistinctItems(const std::vector<ReplaySession>& sessions) {
  std::set<ItemId> items;
  for (const ReplaySession& session : sessions)
    items.insert(session.items.begin(), session.items.end());
  return items.size();
}

// ---------------------------------------------------------------------------------------------
// Line splitting

TEST(SplitFieldsTest, QuotesAndEmptyFields) {
  std::vector<std::string> fields;
  ASSERT_TRUE(SplitFields(R"(a,"b,""c""",,d,)", ',', fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"a", R"(b,"c")", "", "d", ""}));
  EXPECT_FALSE(SplitFields(R"("x"y,z)", ',', fields));
  EXPECT_FALSE(SplitFields(R"(a,"open)", ',', fields));
}

TEST(ParseInt64Test, WholeTextOnly) {
  EXPECT_EQ(ParseInt64(" -42 "), -42);
  EXPECT_EQ(ParseInt64("+7"), 7);
  EXPECT_FALSE(ParseInt64("12abc").has_value());
  EXPECT_FALSE(ParseInt64("+-5").has_value());
  EXPECT_FALSE(ParseInt64("").has_value());
}

// ---------------------------------------------------------------------------------------------
// Readers

TEST(RetailRocketTest, EventsWithHeaderMillisecondsAndKinds) {
  std::istringstream in(
      "timestamp,visitorid,event,itemid,transactionid\r\n"
      "1433221332117,257597,view,355908,\r\n"
      "1433224214164,992329,addtocart,248676,\n"
      "\n"
      "1433221999999,257597,transaction,355908,4000\n");
  auto log = ReadRetailRocketEvents(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->clicks.size(), 3u);
  EXPECT_EQ(log->clicks[0].key, "257597");
  EXPECT_EQ(log->clicks[0].item, "355908");
  EXPECT_EQ(log->clicks[0].time_seconds, 1433221332);  // milliseconds floored
  EXPECT_EQ(log->clicks[0].kind, ClickKind::kView);
  EXPECT_EQ(log->clicks[1].kind, ClickKind::kCart);
  EXPECT_EQ(log->clicks[2].kind, ClickKind::kPurchase);
  EXPECT_EQ(log->clicks[2].time_seconds, 1433221999);
}

TEST(RetailRocketTest, EventsBadLinesNameTheirLine) {
  std::istringstream unknown_event(
      "timestamp,visitorid,event,itemid,transactionid\n"
      "1433221332117,257597,view,355908,\n"
      "1433221332117,257597,click,355908,\n");
  auto log = ReadRetailRocketEvents(unknown_event);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(log.status().message(), HasSubstr("line 3: unknown event 'click'"));

  std::istringstream short_line("1433221332117,257597,view\n");  // no header: line 1 is data
  log = ReadRetailRocketEvents(short_line);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("line 1: expected 5 fields, found 3"));
}

TEST(RetailRocketTest, SessionSampleKeysBySession) {
  std::istringstream in(
      "timestamp\tuser_id\titem_id\tsession_id\n"
      "1442004589\t0\t285930\t0\n"
      "1438969904\t2\t325215\t2\n");
  auto log = ReadRetailRocketSessionSample(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->clicks.size(), 2u);
  EXPECT_EQ(log->clicks[1].key, "2");
  EXPECT_EQ(log->clicks[1].item, "325215");
  EXPECT_EQ(log->clicks[1].time_seconds, 1438969904);

  std::istringstream bad("timestamp\tuser_id\titem_id\tsession_id\n14420045x9\t0\t285930\t0\n");
  log = ReadRetailRocketSessionSample(bad);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("line 2: timestamp: '14420045x9'"));
}

TEST(DigineticaTest, TimeIsDatePlusTimeframeSeconds) {
  // No trailing newline, as the real sample.
  std::istringstream in(
      "session_id;user_id;item_id;timeframe;eventdate\n"
      "1;NA;81766;526309;2016-05-09\n"
      "1;NA;31331;1031018;2016-05-09");
  auto log = ReadDigineticaItemViews(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->clicks.size(), 2u);
  constexpr std::int64_t kMay9 = 1462752000;  // 2016-05-09T00:00:00Z
  EXPECT_EQ(log->clicks[0].time_seconds, kMay9 + 526);
  EXPECT_EQ(log->clicks[1].time_seconds, kMay9 + 1031);
  EXPECT_EQ(log->clicks[1].key, "1");
  EXPECT_EQ(log->clicks[1].item, "31331");
}

TEST(DigineticaTest, BadDateAndTimeframe) {
  std::istringstream bad_date(
      "session_id;user_id;item_id;timeframe;eventdate\n1;NA;5;0;2016-13-01\n");
  auto log = ReadDigineticaItemViews(bad_date);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("line 2:"));

  std::istringstream negative("1;NA;5;0;2016-01-01\n1;NA;5;-1;2016-01-01\n");
  log = ReadDigineticaItemViews(negative);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("line 2: timeframe '-1'"));
}

TEST(SrGnnTest, DenseIdsAreFileIdsMinusOne) {
  std::istringstream train("1 2\n3 4 5\n2 3\n");
  std::istringstream test("1 2\t3\n5\t4\n");
  auto split = ReadSrGnnSplit(train, test);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->train.size(), 3u);
  EXPECT_EQ(split->train.item_count(), 5u);
  EXPECT_EQ(std::vector<ItemId>(split->train.Session(1).begin(), split->train.Session(1).end()),
            (std::vector<ItemId>{2, 3, 4}));
  EXPECT_EQ(split->train.Time(0), 0);
  EXPECT_EQ(split->train.Time(2), 2);
  ASSERT_EQ(split->test.size(), 2u);
  EXPECT_EQ(split->test[0].prefix, (std::vector<ItemId>{0, 1}));
  EXPECT_EQ(split->test[0].next, 2u);
  EXPECT_EQ(split->test[1].prefix, (std::vector<ItemId>{4}));
  EXPECT_EQ(split->test[1].next, 3u);
}

TEST(SrGnnTest, TestItemAbsentFromTrainIsAnError) {
  std::istringstream train("1 3\n");  // item 2 is below the largest id but in no session
  std::istringstream test("1\t3\n1\t2\n");
  auto split = ReadSrGnnSplit(train, test);
  ASSERT_FALSE(split.ok());
  EXPECT_THAT(split.status().message(), HasSubstr("line 2: item 2 is not in train"));
}

TEST(SrGnnTest, BadIdsAndLines) {
  std::istringstream zero("1 0\n");
  auto corpus = ReadSrGnnTrainSessions(zero);
  ASSERT_FALSE(corpus.ok());
  EXPECT_THAT(corpus.status().message(), HasSubstr("line 1: item '0'"));

  SessionCorpus train;
  const ItemId items[] = {0, 1};
  train.Add(items, 0);
  std::istringstream no_target("1 2\n");
  auto cases = ReadSrGnnTestPairs(no_target, train);
  ASSERT_FALSE(cases.ok());
  EXPECT_THAT(cases.status().message(), HasSubstr("line 1: expected 2 fields"));
}

TEST(OnlineRetailTest, PurchasesOnlyWithQuotedFieldsAndBothDateFormats) {
  std::istringstream in(
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
      "910365,40123A,\"LANTERN, \"\"STAR\"\"\",6,2010-12-01 08:26:00,2.55,27850.0,United Kingdom\n"
      "C910379,D,Discount,-1,2010-12-01 09:41:00,27.5,24527.0,United Kingdom\n"
      "910380,42961,BAKING,0,2010-12-01 09:41:00,1.45,,United Kingdom\n"
      "910366,42633,WOOL MITTENS,6,12/1/2010 8:28,1.85,27850.0,United Kingdom\n");
  auto log = ReadOnlineRetailPurchases(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->skipped_rows, 2u);  // the cancellation and the zero quantity
  ASSERT_EQ(log->clicks.size(), 2u);
  EXPECT_EQ(log->clicks[0].key, "910365");
  EXPECT_EQ(log->clicks[0].item, "40123A");
  EXPECT_EQ(log->clicks[0].kind, ClickKind::kPurchase);
  constexpr std::int64_t kDec1 = 1291161600;  // 2010-12-01T00:00:00Z
  EXPECT_EQ(log->clicks[0].time_seconds, kDec1 + (8 * 60 + 26) * kMinute);
  EXPECT_EQ(log->clicks[1].time_seconds, kDec1 + (8 * 60 + 28) * kMinute);
}

TEST(OnlineRetailTest, BadRowsNameTheirLine) {
  std::istringstream quantity(
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
      "910365,40123A,X,six,2010-12-01 08:26:00,2.55,27850.0,United Kingdom\n");
  auto log = ReadOnlineRetailPurchases(quantity);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("line 2: Quantity: 'six'"));

  EXPECT_FALSE(ParseUsDateTime("13/1/2010 8:26").ok());
  EXPECT_FALSE(ParseUsDateTime("12/1/2010").ok());
  EXPECT_EQ(ParseUsDateTime("12/9/2011 12:50").value(), 1323435000);  // 2011-12-09T12:50:00Z
}

// ---------------------------------------------------------------------------------------------
// Sessionize

TEST(SessionizeTest, GapOfExactlyThirtyMinutesKeepsTheSession) {
  ClickLog log{{View("v", "a", 0), View("v", "b", 30 * kMinute), View("v", "c", 60 * kMinute + 1)}};
  SessionLog sessions = Sessionize(log);
  ASSERT_EQ(sessions.sessions.size(), 2u);
  EXPECT_EQ(Items(sessions.items, sessions.sessions[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Items(sessions.items, sessions.sessions[1]), (std::vector<std::string>{"c"}));
  EXPECT_EQ(sessions.sessions[1].times, (std::vector<std::int64_t>{60 * kMinute + 1}));
}

TEST(SessionizeTest, SortsStablyPerKeyAndOrdersSessionsByEnd) {
  ClickLog log{{View("late", "x", 500), View("early", "b", 20), View("early", "a", 10),
                View("early", "c", 20), View("late", "y", 400)}};
  SessionLog sessions = Sessionize(log);
  ASSERT_EQ(sessions.sessions.size(), 2u);
  EXPECT_EQ(Items(sessions.items, sessions.sessions[0]), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Items(sessions.items, sessions.sessions[1]), (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(sessions.sessions[1].times, (std::vector<std::int64_t>{400, 500}));
}

TEST(SessionizeTest, KindFilterAndNoGapSplit) {
  ClickLog log{{View("v", "a", 0), {"v", "b", 10, ClickKind::kCart}, View("v", "c", 100'000)}};
  EXPECT_EQ(Sessionize(log).sessions.size(), 2u);  // views only, split by the day-long gap
  SessionLog whole = Sessionize(log, {kNoGapSplit, std::nullopt});
  ASSERT_EQ(whole.sessions.size(), 1u);
  EXPECT_EQ(Items(whole.items, whole.sessions[0]), (std::vector<std::string>{"a", "b", "c"}));
}

// ---------------------------------------------------------------------------------------------
// Filters

TEST(FilterSessionsTest, SingletonClicksDoNotCountTowardSupport) {
  // x has 5 clicks, but one is in a single-click session that step 1 drops first, so x falls
  // to support 4 and goes; the four [x, a] sessions shrink to [a] and step 3 drops them. Counting
  // support before step 1 would have kept x and those four sessions.
  ClickLog log;
  for (std::int64_t s = 0; s < 4; ++s) {
    const std::string key = "s" + std::to_string(s);
    log.clicks.push_back(View(key, "x", s * 10));
    log.clicks.push_back(View(key, "a", s * 10 + 1));
  }
  log.clicks.push_back(View("single", "x", 100));
  log.clicks.push_back(View("pair", "a", 200));
  log.clicks.push_back(View("pair", "a", 201));  // repeats count: a has support 6
  SessionLog filtered = FilterSessions(Sessionize(log, {kNoGapSplit, ClickKind::kView}));
  ASSERT_EQ(filtered.sessions.size(), 1u);
  EXPECT_EQ(Items(filtered.items, filtered.sessions[0]), (std::vector<std::string>{"a", "a"}));
}

TEST(FilterSessionsTest, DroppedLastClickReordersByNewEnd) {
  ClickLog log{{View("u", "a", 10), View("u", "a", 20), View("u", "rare", 500), View("v", "a", 30),
                View("v", "a", 40), View("w", "a", 50), View("w", "a", 60)}};
  SessionLog filtered = FilterSessions(Sessionize(log, {kNoGapSplit, ClickKind::kView}));
  ASSERT_EQ(filtered.sessions.size(), 3u);
  EXPECT_EQ(EndTime(filtered.sessions[0]), 20);  // u, now ending at its second click
  EXPECT_EQ(EndTime(filtered.sessions[1]), 40);
  EXPECT_EQ(EndTime(filtered.sessions[2]), 60);
}

// ---------------------------------------------------------------------------------------------
// Windows

// One two-click session per (key, end time), items given.
SessionLog TwoClickSessions(
    const std::vector<std::tuple<std::string, std::string, std::int64_t>>& sessions) {
  ClickLog log;
  for (const auto& [first, second, end] : sessions) {
    const std::string key = first + second + std::to_string(end);
    log.clicks.push_back(View(key, first, end - 1));
    log.clicks.push_back(View(key, second, end));
  }
  return Sessionize(log, {kNoGapSplit, ClickKind::kView});
}

TEST(SplitWindowTest, BoundariesByEndTimeAndUnseenTestItemsRemoved) {
  SessionLog log = TwoClickSessions({{"too", "early", 99},
                                     {"a", "b", 100},
                                     {"b", "c", 199},
                                     {"a", "new", 200},  // 'new' removed -> length 1 -> dropped
                                     {"c", "a", 300},
                                     {"too", "late", 301}});
  TrainTestSplit split = SplitWindow(log, {100, 200, 300});
  ASSERT_EQ(split.train.size(), 2u);
  EXPECT_EQ(split.train.Time(0), 100);
  EXPECT_EQ(split.train.Time(1), 199);
  ASSERT_EQ(split.items.size(), 3u);  // first-seen train order: a b c
  EXPECT_EQ(split.items.External(0), "a");
  EXPECT_EQ(split.items.External(2), "c");
  ASSERT_EQ(split.test.size(), 1u);
  EXPECT_EQ(Items(split.items, split.test[0]), (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(split.test[0].times, (std::vector<std::int64_t>{299, 300}));
}

TEST(SplitWindowTest, RemovalKeepsTheRemainingClickTimes) {
  ClickLog log;
  log.clicks = {View("t", "a", 10), View("t", "b", 11), View("q", "a", 20), View("q", "zz", 21),
                View("q", "b", 22)};
  TrainTestSplit split = SplitWindow(Sessionize(log, {kNoGapSplit, ClickKind::kView}), {0, 15});
  ASSERT_EQ(split.test.size(), 1u);
  EXPECT_EQ(Items(split.items, split.test[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split.test[0].times, (std::vector<std::int64_t>{20, 22}));
}

TEST(SplitLastDaysTest, SessionEndingExactlyAtTheCutIsTest) {
  constexpr std::int64_t kLast = 10 * kSecondsPerDay;
  constexpr std::int64_t kCut = kLast - kSecondsPerDay;
  SessionLog log = TwoClickSessions({{"a", "b", kCut - 1}, {"a", "b", kCut}, {"b", "a", kLast}});
  auto split = SplitLastDays(log, 1);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->window.test_from, kCut);
  EXPECT_EQ(split->train.size(), 1u);
  EXPECT_EQ(split->test.size(), 2u);
  EXPECT_EQ(SplitLastDays(log, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitLastDays(SessionLog{}, 1).status().code(), StatusCode::kFailedPrecondition);
}

TEST(SliceByTimeTest, ContiguousSlicesShareTheBoundarySession) {
  constexpr std::int64_t kDay = kSecondsPerDay;
  // First click at 0 (the first session starts at end - 1 = 0). Slices of 2 train + 1 test day.
  SessionLog log = TwoClickSessions({{"a", "b", 1},
                                     {"a", "b", 2 * kDay - 1},  // slice 0 train
                                     {"b", "a", 2 * kDay},      // slice 0 test (first second)
                                     {"a", "b", 3 * kDay},      // slice 0 test and slice 1 train
                                     {"b", "a", 5 * kDay}});    // slice 1 test
  SliceOptions options;
  options.slices = 3;
  options.train_days = 2;
  options.test_days = 1;
  auto slices = SliceByTime(log, options);
  ASSERT_TRUE(slices.ok()) << slices.status().ToString();
  ASSERT_EQ(slices->size(), 3u);
  const TrainTestSplit& first = (*slices)[0];
  EXPECT_EQ(first.window.train_from, 0);
  EXPECT_EQ(first.window.test_from, 2 * kDay);
  EXPECT_EQ(first.window.test_until, 3 * kDay);
  EXPECT_EQ(first.train.size(), 2u);
  EXPECT_EQ(first.test.size(), 2u);
  const TrainTestSplit& second = (*slices)[1];
  EXPECT_EQ(second.window.train_from, 3 * kDay);
  EXPECT_EQ(second.train.size(), 1u);
  EXPECT_EQ(second.test.size(), 1u);
  EXPECT_TRUE((*slices)[2].train.empty());  // past the data
  EXPECT_TRUE((*slices)[2].test.empty());

  options.slices = 0;
  EXPECT_EQ(SliceByTime(log, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(NextPurchaseSplitTest, InvoiceIsOneSessionOfPurchases) {
  ClickLog log;
  auto buy = [&](const std::string& invoice, const std::string& item, std::int64_t time) {
    log.clicks.push_back({invoice, item, time, ClickKind::kPurchase});
  };
  // Five invoices of {a, b} on days 0..4 (one spread over two hours: still one session).
  for (int day = 0; day < 5; ++day) {
    buy("i" + std::to_string(day), "a", day * kSecondsPerDay);
    buy("i" + std::to_string(day), "b", day * kSecondsPerDay + (day == 0 ? 7200 : 0));
  }
  log.clicks.push_back(View("i4", "a", 4 * kSecondsPerDay));  // not a purchase: ignored
  auto split = NextPurchaseSplit(log, 1);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->train.size(), 3u);  // days 0..2; day 3 ends exactly at the cut
  EXPECT_EQ(split->train.click_count(), 6u);
  ASSERT_EQ(split->test.size(), 2u);
  EXPECT_EQ(Items(split->items, split->test[1]), (std::vector<std::string>{"a", "b"}));
}

// ---------------------------------------------------------------------------------------------
// The real data sets. Expected counts were computed independently of this code: SR-GNN with
// `awk '{n++; c+=NF; for(i=1;i<=NF;i++) if($i>m) m=$i} END{print n,c,m}' train_sessions.txt`
// and `wc -l test_pairs.tsv` (they match PROVENANCE.txt and the SR-GNN paper); the others with a
// short Python script (csv module; per key a stable sort by time; filters len >= 2, click support
// >= 5, len >= 2; split by session end time, test items restricted to train, test len >= 2).

std::ifstream Open(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << path;
  return in;
}

TEST(DataSetTest, SrGnnDigineticaSplit) {
  REQUIRE_DATA_FILE(train_path, "diginetica_srgnn_split/train_sessions.txt");
  REQUIRE_DATA_FILE(test_path, "diginetica_srgnn_split/test_pairs.tsv");
  std::ifstream train = Open(train_path);
  std::ifstream test = Open(test_path);
  auto split = ReadSrGnnSplit(train, test);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->train.size(), 186'670u);
  EXPECT_EQ(split->train.click_count(), 906'140u);
  EXPECT_EQ(split->test.size(), 60'858u);
  EXPECT_EQ(split->train.item_count(), 43'097u);
}

TEST(DataSetTest, RetailRocketSample) {
  REQUIRE_DATA_FILE(path, "retailrocket_sample/sample_retailrocket.csv");
  std::ifstream in = Open(path);
  auto log = ReadRetailRocketSessionSample(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->clicks.size(), 10'080u);
  EXPECT_EQ(Sessionize(*log, {kNoGapSplit, ClickKind::kView}).sessions.size(), 2'950u);

  SessionLog sessions = PrepareSessions(*log, {kNoGapSplit, ClickKind::kView});
  EXPECT_EQ(sessions.sessions.size(), 470u);
  EXPECT_EQ(ClickCount(sessions.sessions), 1'708u);
  EXPECT_EQ(DistinctItems(sessions.sessions), 278u);

  auto slices = SliceByTime(sessions);  // session-rec RetailRocket: 5 x (25 train + 2 test days)
  ASSERT_TRUE(slices.ok()) << slices.status().ToString();
  ASSERT_EQ(slices->size(), 5u);
  // {train sessions, train clicks, items, test sessions, test clicks} per slice.
  const std::size_t expected[5][5] = {{101, 412, 97, 6, 14},
                                      {69, 247, 66, 2, 6},
                                      {91, 357, 87, 3, 7},
                                      {100, 323, 90, 5, 15},
                                      {57, 181, 50, 3, 7}};
  for (std::size_t slice = 0; slice < 5; ++slice) {
    const TrainTestSplit& split = (*slices)[slice];
    SCOPED_TRACE("slice " + std::to_string(slice));
    EXPECT_EQ(split.train.size(), expected[slice][0]);
    EXPECT_EQ(split.train.click_count(), expected[slice][1]);
    EXPECT_EQ(split.items.size(), expected[slice][2]);
    EXPECT_EQ(split.test.size(), expected[slice][3]);
    EXPECT_EQ(ClickCount(split.test), expected[slice][4]);
  }
}

TEST(DataSetTest, DigineticaSample) {
  REQUIRE_DATA_FILE(path, "diginetica_sample/sample_train-item-views.csv");
  std::ifstream in = Open(path);
  auto log = ReadDigineticaItemViews(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->clicks.size(), 12'391u);
  EXPECT_EQ(Sessionize(*log, {kNoGapSplit, ClickKind::kView}).sessions.size(), 2'986u);

  SessionLog sessions = PrepareSessions(*log, {kNoGapSplit, ClickKind::kView});
  EXPECT_EQ(sessions.sessions.size(), 525u);
  EXPECT_EQ(ClickCount(sessions.sessions), 1'877u);
  EXPECT_EQ(DistinctItems(sessions.sessions), 317u);

  auto split = SplitLastDays(sessions, 7);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->train.size(), 478u);
  EXPECT_EQ(split->train.click_count(), 1'712u);
  EXPECT_EQ(split->items.size(), 312u);
  EXPECT_EQ(split->test.size(), 41u);
  EXPECT_EQ(ClickCount(split->test), 143u);
}

TEST(DataSetTest, OnlineRetailNextPurchase) {
  REQUIRE_DATA_FILE(path, "online_retail/online_retail_I_from_spark_guide_by_day.csv");
  std::ifstream in = Open(path);
  auto log = ReadOnlineRetailPurchases(in);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->clicks.size(), 531'285u);
  EXPECT_EQ(log->skipped_rows, 10'624u);  // cancellations and non-positive quantities

  auto split = NextPurchaseSplit(*log, 30);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->train.size(), 15'677u);
  EXPECT_EQ(split->train.click_count(), 439'689u);
  EXPECT_EQ(split->items.size(), 3'450u);
  EXPECT_EQ(split->test.size(), 2'650u);
  EXPECT_EQ(ClickCount(split->test), 87'487u);
}

}  // namespace
}  // namespace mercato::recommend::data
