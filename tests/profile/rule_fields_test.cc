// ProfileState::ParseRuleFields against ProfileState::Parse: the same fields for every stored form,
// the same errors for every malformed one it reads.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "profile/profile_state.h"

namespace mercato {
namespace {

namespace json = boost::json;
using profile::ProfileState;

constexpr std::string_view kId = "0123456789abcdef";

ProfileState Rich() {
  ProfileState p;
  p.id = std::string(kId);
  p.identities = {"u:42", "a:anon-\"1\"", "e:pseudonym"};
  p.merged_from = {"fedcba9876543210"};
  p.traits["plan"] = {json::value("pro"), 5};
  p.traits["quote"] = {json::value("say \"hi\"\\ \xc5\xbc\xc3\xb3\xc5\x82w"), 6};
  p.traits["age"] = {json::value(42), 7};
  p.traits["score"] = {json::value(-1.25), 8};
  p.traits["vip"] = {json::value(true), 9};
  p.traits["gone"] = {json::value(nullptr), 10};
  p.traits["address"] = {json::parse(R"({"country":"PL","lines":["a","b"],"n":{"x":[]}})"), 11};
  p.traits["tags"] = {json::parse(R"(["a",1,{"b":null}])"), -12};
  p.first_seen_us = -1'000;
  p.last_seen_us = 1'794'727'439'791'480;
  p.event_counts = {7, 1, 3, 0, 2, 1};
  p.track_events = {{"Product Viewed", 10},
                    {"Order Completed", 2},
                    {"Zam\xc3\xb3wienie", 1},
                    {"with \"quote\"", 3}};
  p.orders = 2;
  p.refunds = 1;
  p.revenue_micros = -57'073'562;
  p.last_order_at_us = 1'787'210'639'791'480;
  p.categories = {{"shoes", 4}};
  p.devices = {{"mobile", 3}, {"desktop", 1}};
  p.countries = {{"PL", 5}};
  p.consent.decisions[static_cast<size_t>(Purpose::kProfiling)] =
      ConsentDecision{false, 123, "api"};
  p.consent.decisions[static_cast<size_t>(Purpose::kEmailMarketing)] =
      ConsentDecision{true, 124, "event"};
  p.email_values["e:pseudonym"] = json::value("encrypted");
  p.active_hours[3] = 4;
  return p;
}

// The fields ParseRuleFields promises to read.
void ExpectSameRuleFields(const ProfileState& fast, const ProfileState& full) {
  EXPECT_EQ(fast.id, full.id);
  EXPECT_EQ(fast.merged_into, full.merged_into);
  EXPECT_EQ(fast.identities, full.identities);
  ASSERT_EQ(fast.traits.size(), full.traits.size());
  for (const auto& [name, trait] : full.traits) {
    auto it = fast.traits.find(name);
    ASSERT_NE(it, fast.traits.end()) << name;
    EXPECT_EQ(it->second.value, trait.value) << name;
    EXPECT_EQ(it->second.value.kind(), trait.value.kind()) << name;
    EXPECT_EQ(it->second.updated_us, trait.updated_us) << name;
  }
  EXPECT_EQ(fast.first_seen_us, full.first_seen_us);
  EXPECT_EQ(fast.last_seen_us, full.last_seen_us);
  EXPECT_EQ(fast.event_counts, full.event_counts);
  EXPECT_EQ(fast.track_events, full.track_events);
  EXPECT_EQ(fast.orders, full.orders);
  EXPECT_EQ(fast.refunds, full.refunds);
  EXPECT_EQ(fast.revenue_micros, full.revenue_micros);
  EXPECT_EQ(fast.last_order_at_us, full.last_order_at_us);
  EXPECT_EQ(fast.devices, full.devices);
  EXPECT_EQ(fast.countries, full.countries);
  for (Purpose purpose : kAllPurposes) {
    const auto& a = fast.consent.decisions[static_cast<size_t>(purpose)];
    const auto& b = full.consent.decisions[static_cast<size_t>(purpose)];
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
      EXPECT_EQ(a->granted, b->granted);
      EXPECT_EQ(a->at_us, b->at_us);
      EXPECT_EQ(a->source, b->source);
    }
  }
}

void ExpectSame(const std::string& stored) {
  SCOPED_TRACE(stored);
  auto full = ProfileState::Parse(kId, stored);
  auto fast = ProfileState::ParseRuleFields(kId, stored);
  ASSERT_EQ(fast.ok(), full.ok()) << fast.status().ToString() << " / " << full.status().ToString();
  if (!full.ok()) {
    EXPECT_EQ(fast.status().code(), full.status().code());
    return;
  }
  ExpectSameRuleFields(*fast, *full);
}

// JSON text with whitespace around every token, as a hand-edited or other writer's file may be.
std::string Spaced(const std::string& compact) {
  std::string out;
  bool in_string = false;
  for (size_t k = 0; k < compact.size(); ++k) {
    const char c = compact[k];
    if (in_string) {
      out += c;
      if (c == '\\') {
        out += compact[++k];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[' || c == ',' || c == ':') {
      out += c;
      out += "\n  ";
    } else if (c == '}' || c == ']') {
      out += " \t";
      out += c;
    } else {
      out += c;
    }
  }
  return " " + out + "\r\n";
}

TEST(ProfileRuleFieldsTest, ReadsWhatParseReads) {
  ExpectSame(Rich().Serialize());
  ExpectSame(Spaced(Rich().Serialize()));
  ProfileState empty;
  empty.id = std::string(kId);
  ExpectSame(empty.Serialize());
  ExpectSame(ProfileState::SerializeRedirect("fedcba9876543210"));
  ExpectSame("{}");
}

TEST(ProfileRuleFieldsTest, OlderAndReorderedDocuments) {
  json::object stored = json::parse(Rich().Serialize()).as_object();
  stored.erase("hours");
  stored.erase("counts");
  stored.erase("consent");
  ExpectSame(json::serialize(stored));
  // Members in another order, unknown members, a trait without a time, extra members in a trait.
  ExpectSame(R"({"orders":3,"zzz":{"a":[1,2,{"b":"}]"}]},"traits":{"t":{"x":1,"v":[1,{"}":"{"}]}},)"
             R"("lastOrderAt":null,"identities":[],"counts":{"track":2,"other":"x"},"v":1})");
  ExpectSame(R"({"traits":{"n":{"v":1e3,"t":1},"m":{"v":-0,"t":2},"s":{"v":"\u00e9\n"}}})");
  ExpectSame(R"({"orders":18446744073709551615,"revenueMicros":-9223372036854775808})");
}

TEST(ProfileRuleFieldsTest, MalformedValuesFailAsInParse) {
  const std::vector<std::string> bad = {
      "",
      "[]",
      "{",
      R"({"orders":1.5})",
      R"({"orders":-1})",
      R"({"orders":"1"})",
      R"({"orders":18446744073709551616})",
      R"({"firstSeen":9223372036854775808})",
      R"({"lastOrderAt":"x"})",
      R"({"traits":[]})",
      R"({"traits":{"a":{"t":1}}})",
      R"({"traits":{"a":1}})",
      R"({"identities":["u:1",2]})",
      R"({"trackEvents":{"a":-2}})",
      R"({"devices":[]})",
      R"({"counts":{"track":1.0}})",
      R"({"consent":{"nonsense":{}}})",
      R"({"consent":{"profiling":{"granted":1,"source":"x"}}})",
      R"({"consent":[]})",
      R"({"mergedInto":"not-a-customer"})",
      R"({"orders":1,})",
      R"({"orders":01})",
      R"({"orders":1} x)",
  };
  for (const std::string& stored : bad) ExpectSame(stored);
}

TEST(ProfileRuleFieldsTest, DuplicateMembersReadAsParseReadsThem) {
  ExpectSame(R"({"orders":1,"orders":2})");
  ExpectSame(R"({"trackEvents":{"a":1,"a":2}})");
  ExpectSame(R"({"traits":{"a":{"v":1,"v":2}}})");
  ExpectSame(R"({"counts":{"track":1,"track":2}})");
}

}  // namespace
}  // namespace mercato
