#include "privacy/dlp.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "event/json_writer.h"
#include "privacy/crypto.h"

namespace mercato {
namespace {

namespace json = boost::json;

// The text of a JSON string, or its serialisation in angle brackets for anything else.
std::string S(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : "<" + json::serialize(value) + ">";
}

// --- detection table ------------------------------------------------------------------------

struct Expected {
  PiiKind kind;
  std::string_view text;  // the matched substring; its position is searched after the previous
};

struct DetectionCase {
  std::string_view text;
  std::vector<Expected> matches;
};

std::string Describe(std::string_view text, const std::vector<PiiMatch>& matches) {
  std::string out;
  for (const PiiMatch& m : matches) {
    out +=
        std::string(PiiKindName(m.kind)) + "[" + std::string(text.substr(m.begin, m.length)) + "] ";
  }
  return out.empty() ? "(none)" : out;
}

constexpr PiiKind kEmail = PiiKind::kEmail;
constexpr PiiKind kPhone = PiiKind::kPhone;
constexpr PiiKind kCard = PiiKind::kPaymentCard;
constexpr PiiKind kIban = PiiKind::kIban;
constexpr PiiKind kPesel = PiiKind::kPesel;
constexpr PiiKind kIp = PiiKind::kIpAddress;

const std::vector<DetectionCase>& DetectionCases() {
  static const std::vector<DetectionCase> cases = {
      // E-mail addresses, in chat messages and in URLs.
      {"Please contact me at jan.kowalski@example.com tomorrow",
       {{kEmail, "jan.kowalski@example.com"}}},
      {"Email: Anna.Nowak+shop@mail.example.co.uk.",
       {{kEmail, "Anna.Nowak+shop@mail.example.co.uk"}}},
      {"https://shop.example.com/checkout?step=2&email=jan%40example.com&utm_source=news",
       {{kEmail, "jan%40example.com"}}},
      {"https://shop.example.com/reset?user=maria@example.org", {{kEmail, "maria@example.org"}}},
      {"<mailto:support-team_1@sklep.example.pl>", {{kEmail, "support-team_1@sklep.example.pl"}}},
      // Phones: Polish, German, UK and US formats.
      {"Call me: +48 600 123 456", {{kPhone, "+48 600 123 456"}}},
      {"tel. 600-123-456 after 5pm", {{kPhone, "600-123-456"}}},
      {"Mój numer to 600 123 456, proszę dzwonić po 17", {{kPhone, "600 123 456"}}},
      {"Biuro: (22) 123 45 67", {{kPhone, "(22) 123 45 67"}}},
      {"+48 22 123 45 67 (office)", {{kPhone, "+48 22 123 45 67"}}},
      {"Festnetz: +49 30 12345678", {{kPhone, "+49 30 12345678"}}},
      {"Handy 0171/1234567", {{kPhone, "0171/1234567"}}},
      {"Rufen Sie an: +49 (0)171 1234567", {{kPhone, "+49 (0)171 1234567"}}},
      {"UK office 020 7946 0958", {{kPhone, "020 7946 0958"}}},
      {"mobile 07700 900123", {{kPhone, "07700 900123"}}},
      {"Reach us on +44 (0)20 7946 0958.", {{kPhone, "+44 (0)20 7946 0958"}}},
      {"US support: (555) 123-4567", {{kPhone, "(555) 123-4567"}}},
      {"Text 555.123.4567 anytime", {{kPhone, "555.123.4567"}}},
      {"Toll free 1-800-555-0199", {{kPhone, "1-800-555-0199"}}},
      {"My number is 07700900123", {{kPhone, "07700900123"}}},
      {"phone: 600123456", {{kPhone, "600123456"}}},
      {"0048 600 123 456", {{kPhone, "0048 600 123 456"}}},
      {"tel:+48600123456", {{kPhone, "+48600123456"}}},
      {"Phone no. 600 123 456", {{kPhone, "600 123 456"}}},
      {"Call 600 123 456 or 601 234 567", {{kPhone, "600 123 456"}, {kPhone, "601 234 567"}}},
      {"Tel.: +48 (22) 123-45-67", {{kPhone, "+48 (22) 123-45-67"}}},
      {"Meine Handynummer ist 0151 23456789", {{kPhone, "0151 23456789"}}},
      {"US: +1-555-123-4567", {{kPhone, "+1-555-123-4567"}}},
      // Payment cards.
      {"Card 4111 1111 1111 1111 exp 12/25", {{kCard, "4111 1111 1111 1111"}}},
      {"paid with 4111-1111-1111-1111", {{kCard, "4111-1111-1111-1111"}}},
      {"5555555555554444", {{kCard, "5555555555554444"}}},
      {"Amex 3782 822463 10005 please refund", {{kCard, "3782 822463 10005"}}},
      {"4111 1111 1111 1111 12/25", {{kCard, "4111 1111 1111 1111"}}},
      {"JCB 3530111333300000, Diners 30569309025904",
       {{kCard, "3530111333300000"}, {kCard, "30569309025904"}}},
      // IBANs, spaced and compact.
      {"IBAN: PL61 1090 1014 0000 0712 1981 2874", {{kIban, "PL61 1090 1014 0000 0712 1981 2874"}}},
      {"Überweisung an DE89370400440532013000 bitte", {{kIban, "DE89370400440532013000"}}},
      {"GB82 WEST 1234 5698 7654 32", {{kIban, "GB82 WEST 1234 5698 7654 32"}}},
      {"refund to FR1420041010050500013M02606.", {{kIban, "FR1420041010050500013M02606"}}},
      // PESEL.
      {"PESEL 44051401458", {{kPesel, "44051401458"}}},
      {"pesel: 05231512348, urodzony 2005", {{kPesel, "05231512348"}}},
      {"born 1899: 99822856784", {{kPesel, "99822856784"}}},
      // IP addresses.
      {"Login from 192.168.1.77 failed", {{kIp, "192.168.1.77"}}},
      {"client=2001:db8:85a3::8a2e:370:7334", {{kIp, "2001:db8:85a3::8a2e:370:7334"}}},
      {"http://[2001:db8::1]:8080/admin", {{kIp, "2001:db8::1"}}},
      {"::ffff:192.0.2.1 connected", {{kIp, "::ffff:192.0.2.1"}}},
      {"from 10.0.0.1:8443", {{kIp, "10.0.0.1"}}},
      // Several kinds in one message.
      {"Jan, jan@example.com, +48 600 123 456, card 4111111111111111",
       {{kEmail, "jan@example.com"}, {kPhone, "+48 600 123 456"}, {kCard, "4111111111111111"}}},

      // Hard negatives: order numbers, dates, times, prices, versions, UUIDs, tracking numbers.
      {"Order #123456789 shipped", {}},
      {"Order ORD123456789 was delivered", {}},
      {"Your order ORD-2024-000123456 is ready", {}},
      {"Delivered on 2024-03-01 at 12:30", {}},
      {"2024-03-01T12:30:00.000Z", {}},
      {"ISO 2024-03-01 12:30:15", {}},
      {"Meeting 01.03.2024 10.30", {}},
      {"Date range 2024-03-01 - 2024-03-31", {}},
      {"between 01/03/2024 and 05/03/2024", {}},
      {"Delivered 2024-03-01 15 items", {}},
      {"Total: 1 299,99 zł", {}},
      {"Price $1,299.99 (was $1,499.99)", {}},
      {"Cena 123 456 789 PLN", {}},
      {"Qty 3 x 129.99 = 389.97", {}},
      {"UUID 550e8400-e29b-41d4-a716-446655440000", {}},
      {"id 12345678-1234-1234-1234-123456789012", {}},
      {"Upgraded to v2.14.1 and version 10.2.45.1234", {}},
      {"version 1.2.3.4", {}},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0", {}},
      {"Card 4111 1111 1111 1112 declined", {}},
      {"Luhn valid but no network: 1234567812345670", {}},
      {"Transfer to PL61 1090 1014 0000 0712 1981 2875", {}},
      {"Konto DE89370400440532013001", {}},
      {"PESEL 44051401459", {}},
      {"PESEL 01222943216", {}},
      {"Tracking: 1Z999AA10123456784", {}},
      {"USPS 9400 1000 0000 0000 0000 00", {}},
      {"FedEx tracking 123456789012", {}},
      {"EAN 5901234123457", {}},
      {"Barcode 4006381333931", {}},
      {"SKU 1234-5678-90", {}},
      {"Meeting at 10:30:45 in room 12", {}},
      {"MAC 00:1a:2b:3c:4d:5e", {}},
      {"Use std::vector<int> here", {}},
      {"Address: ul. Marszałkowska 12/5, 00-950 Warszawa", {}},
      {"221B Baker Street, London NW1 6XE", {}},
      {"1600 Amphitheatre Pkwy, Mountain View, CA 94043", {}},
      {"Nike Air Max 270 size 42.5", {}},
      {"Invoice no. 2024/03/000123", {}},
      {"ISBN 978-3-16-148410-0", {}},
      {"Timestamp 1709251200000", {}},
      {"Population 38 386 000", {}},
      {"jan(at)example(dot)com", {}},
      {"user@localhost is not an address", {}},
      {"Order 12345 was 129.99 EUR, ref 2024-000123", {}},
      {"Zamówienie nr 123456789 zostało wysłane", {}},
      {"Bestellnummer 4711-0815-12", {}},
      {"Preis: 1.299,00 €", {}},
      {"Coordinates 52.2297, 21.0122", {}},
      {"IP 256.1.1.1 is not an address", {}},
  };
  return cases;
}

TEST(DetectPiiTest, Table) {
  const auto& cases = DetectionCases();
  ASSERT_GE(cases.size(), 50u);
  for (const DetectionCase& c : cases) {
    std::vector<PiiMatch> expected;
    size_t from = 0;
    for (const Expected& e : c.matches) {
      size_t begin = c.text.find(e.text, from);
      ASSERT_NE(begin, std::string_view::npos) << e.text << " not in " << c.text;
      expected.push_back(PiiMatch{e.kind, begin, e.text.size()});
      from = begin + e.text.size();
    }
    std::vector<PiiMatch> actual = DetectPii(c.text);
    EXPECT_EQ(actual, expected) << "text: " << c.text
                                << "\n  expected: " << Describe(c.text, expected)
                                << "\n  actual:   " << Describe(c.text, actual);
  }
}

TEST(DetectPiiTest, KindNames) {
  EXPECT_EQ(PiiKindName(kEmail), "email");
  EXPECT_EQ(PiiKindName(kPhone), "phone");
  EXPECT_EQ(PiiKindName(kCard), "card");
  EXPECT_EQ(PiiKindName(kIban), "iban");
  EXPECT_EQ(PiiKindName(kPesel), "pesel");
  EXPECT_EQ(PiiKindName(kIp), "ip");
  EXPECT_EQ(PiiKindFromName("card"), kCard);
  EXPECT_EQ(PiiKindFromName("ssn"), std::nullopt);
}

TEST(DetectPiiTest, Validators) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_FALSE(LuhnValid("4111a11111111111"));
  EXPECT_TRUE(PlausibleCardPrefix("378282246310005"));
  EXPECT_FALSE(PlausibleCardPrefix("3782822463100050"));  // Amex has 15 digits
  EXPECT_TRUE(IbanValid("PL61 1090 1014 0000 0712 1981 2874"));
  EXPECT_TRUE(IbanValid("NO9386011117947"));
  EXPECT_FALSE(IbanValid("NO93860111179470"));  // wrong length for Norway
  EXPECT_FALSE(IbanValid("XX61109010140000071219812874"));
  EXPECT_TRUE(PeselValid("44051401458"));
  EXPECT_TRUE(PeselValid("00222943219"));   // 2000-02-29, a leap day
  EXPECT_FALSE(PeselValid("01222943216"));  // 2001-02-29 does not exist
  EXPECT_FALSE(PeselValid("90130111114"));  // month 13
  EXPECT_EQ(IbanLength("pl"), 28u);
  EXPECT_EQ(IbanLength("US"), 0u);
}

TEST(DetectPiiTest, SkipsTextWithoutCandidates) {
  EXPECT_TRUE(DetectPii("").empty());
  EXPECT_TRUE(DetectPii("Blue T-shirt, size M, 2 pcs").empty());
  EXPECT_TRUE(DetectPii(std::string(10000, 'a')).empty());
}

// Random strings over the characters the scanners care about: matches stay in bounds, ordered and
// disjoint, and nothing crashes.
TEST(DetectPiiTest, RandomTextKeepsInvariants) {
  std::mt19937 random(20240301);
  const std::string alphabet = "0123456789 +-.()/:@%4abcdefXYZ[]#$";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 80);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    size_t n = length(random);
    for (size_t i = 0; i < n; ++i) text.push_back(alphabet[pick(random)]);
    std::vector<PiiMatch> matches = DetectPii(text);
    size_t end = 0;
    for (const PiiMatch& m : matches) {
      ASSERT_GE(m.begin, end) << text;
      ASSERT_GT(m.length, 0u) << text;
      ASSERT_LE(m.begin + m.length, text.size()) << text;
      end = m.begin + m.length;
    }
  }
}

TEST(NormalisePiiTest, EqualValuesInDifferentNotations) {
  EXPECT_EQ(NormalisePii(kEmail, "Jan.Kowalski@Example.COM"), "jan.kowalski@example.com");
  EXPECT_EQ(NormalisePii(kEmail, "jan%40example.com"), "jan@example.com");
  EXPECT_EQ(NormalisePii(kPhone, "+48 600 123 456"), "+48600123456");
  EXPECT_EQ(NormalisePii(kPhone, "0048 600-123-456"), "+48600123456");
  EXPECT_EQ(NormalisePii(kPhone, "+44 (0)20 7946 0958"), "+442079460958");
  EXPECT_EQ(NormalisePii(kPhone, "(555) 123-4567"), "5551234567");
  EXPECT_EQ(NormalisePii(kCard, "4111-1111-1111-1111"), "4111111111111111");
  EXPECT_EQ(NormalisePii(kIban, "pl61 1090 1014 0000 0712 1981 2874"),
            "PL61109010140000071219812874");
  EXPECT_EQ(NormalisePii(kIp, "2001:DB8:0:0::1"), "2001:db8::1");
}

TEST(TruncateIpTest, V4AndV6) {
  EXPECT_EQ(TruncateIp("192.168.1.77"), "192.168.1.0");
  EXPECT_EQ(TruncateIp("8.8.8.8"), "8.8.8.0");
  EXPECT_EQ(TruncateIp("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::");
  EXPECT_EQ(TruncateIp("2001:db8::1"), "2001:db8::");
  EXPECT_EQ(TruncateIp("[2a00:1450:4001:82a::200e]"), "2a00:1450:4001::");
  EXPECT_EQ(TruncateIp("::ffff:192.0.2.77"), "::ffff:192.0.2.0");
  EXPECT_EQ(TruncateIp("not an ip"), std::nullopt);
  EXPECT_EQ(TruncateIp("256.1.1.1"), std::nullopt);
  EXPECT_EQ(TruncateIp(""), std::nullopt);
}

TEST(MaskPiiTest, ExactOutputs) {
  EXPECT_EQ(MaskPii(kEmail, "jan.kowalski@example.com"), "j***@example.com");
  EXPECT_EQ(MaskPii(kEmail, "jan%40example.com"), "j***%40example.com");
  EXPECT_EQ(MaskPii(kCard, "4111 1111 1111 1234"), "**** **** **** 1234");
  EXPECT_EQ(MaskPii(kCard, "4111-1111-1111-1111"), "****-****-****-1111");
  EXPECT_EQ(MaskPii(kCard, "378282246310005"), "***********0005");
  EXPECT_EQ(MaskPii(kPhone, "+48 600 123 456"), "+** *** *** *56");
  EXPECT_EQ(MaskPii(kPhone, "(555) 123-4567"), "(***) ***-**67");
  EXPECT_EQ(MaskPii(kIban, "PL61 1090 1014 0000 0712 1981 2874"),
            "PL** **** **** **** **** **** 2874");
  EXPECT_EQ(MaskPii(kIban, "DE89370400440532013000"), "DE****************3000");
  EXPECT_EQ(MaskPii(kPesel, "44051401458"), "***********");
  EXPECT_EQ(MaskPii(kIp, "192.168.1.77"), "192.168.1.0");
  EXPECT_EQ(MaskPii(kIp, "2001:db8:85a3::8a2e:370:7334"), "2001:db8:85a3::");
}

const std::string kKey(32, 'k');
const std::string kOtherKey(32, 'o');

TEST(PiiTokenTest, StableAndKeyed) {
  std::string token = PiiToken(kEmail, "jan@example.com", kKey);
  ASSERT_EQ(token.size(), std::string("[email:]").size() + 16);
  EXPECT_EQ(token.substr(0, 7), "[email:");
  EXPECT_EQ(token, PiiToken(kEmail, "jan@example.com", kKey));
  EXPECT_EQ(token, PiiToken(kEmail, "JAN@Example.com", kKey));  // normalised
  EXPECT_EQ(token, PiiToken(kEmail, "jan%40example.com", kKey));
  EXPECT_NE(token, PiiToken(kEmail, "jan@example.com", kOtherKey));
  EXPECT_NE(token, PiiToken(kEmail, "ann@example.com", kKey));
  EXPECT_EQ(PiiToken(kPhone, "+48 600 123 456", kKey), PiiToken(kPhone, "0048600123456", kKey));
  // The token is the first 8 bytes of HMAC-SHA-256 over the normalised value.
  EXPECT_EQ(PiiToken(kCard, "4111 1111 1111 1111", kKey),
            "[card:" +
                crypto::HexEncode(crypto::HmacSha256(kKey, "4111111111111111").substr(0, 8)) + "]");
}

// --- policy ---------------------------------------------------------------------------------

TEST(DlpPolicyTest, Defaults) {
  DlpPolicy policy;
  EXPECT_EQ(policy.DetectAction(kEmail), DlpAction::kHash);
  EXPECT_EQ(policy.DetectAction(kPhone), DlpAction::kHash);
  EXPECT_EQ(policy.DetectAction(kCard), DlpAction::kMask);
  EXPECT_EQ(policy.DetectAction(kIban), DlpAction::kMask);
  EXPECT_EQ(policy.DetectAction(kPesel), DlpAction::kHash);
  EXPECT_EQ(policy.DetectAction(kIp), DlpAction::kMask);
  EXPECT_EQ(policy.ip_mode(), IpMode::kEncrypt);
  for (std::string_view trait :
       {"email", "phone", "name", "firstName", "lastName", "address", "birthday", "username"}) {
    EXPECT_EQ(policy.FieldAction("traits." + std::string(trait)), DlpAction::kEncrypt) << trait;
    EXPECT_EQ(policy.FieldAction("context.traits." + std::string(trait)), DlpAction::kEncrypt);
  }
  EXPECT_EQ(policy.FieldAction("traits.plan"), std::nullopt);
  EXPECT_EQ(policy.FieldAction("properties.email"), std::nullopt);
}

TEST(DlpPolicyTest, FromJson) {
  auto policy = DlpPolicy::FromJson(R"({
      "detect": {"email": "mask", "card": "drop"},
      "fields": {"properties.note": "drop", "context.traits.*": "hash", "traits.email": "keep"},
      "ip": "truncate"})");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->DetectAction(kEmail), DlpAction::kMask);
  EXPECT_EQ(policy->DetectAction(kCard), DlpAction::kDrop);
  EXPECT_EQ(policy->DetectAction(kPhone), DlpAction::kHash);  // default kept
  EXPECT_EQ(policy->FieldAction("properties.note"), DlpAction::kDrop);
  EXPECT_EQ(policy->FieldAction("traits.email"), DlpAction::kKeep);
  EXPECT_EQ(policy->FieldAction("traits.phone"), DlpAction::kEncrypt);  // built-in
  // The exact built-in rule wins over the wildcard.
  EXPECT_EQ(policy->FieldAction("context.traits.email"), DlpAction::kEncrypt);
  EXPECT_EQ(policy->FieldAction("context.traits.plan"), DlpAction::kHash);
  EXPECT_EQ(policy->FieldAction("context.traits.plan.level"), std::nullopt);
  EXPECT_EQ(policy->ip_mode(), IpMode::kTruncate);

  auto bare = DlpPolicy::FromJson(R"({"defaults": false, "fields": {"traits.ssn": "drop"}})");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->FieldAction("traits.email"), std::nullopt);
  EXPECT_EQ(bare->FieldAction("traits.ssn"), DlpAction::kDrop);
  EXPECT_EQ(bare->field_rules().size(), 1u);

  auto empty = DlpPolicy::FromJson("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->field_rules().size(), DlpPolicy().field_rules().size());
}

TEST(DlpPolicyTest, FromJsonErrorsNameTheEntry) {
  struct Bad {
    std::string_view json;
    std::string_view mentions;
  };
  const std::vector<Bad> bad = {
      {"{", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"detekt": {}})", "detekt: unknown member"},
      {R"({"detect": []})", "detect: must be an object"},
      {R"({"detect": {"ssn": "drop"}})", "detect.ssn: unknown kind"},
      {R"({"detect": {"phone": "shred"}})", "detect.phone: unknown action \"shred\""},
      {R"({"detect": {"phone": 1}})", "detect.phone: the action must be a string"},
      {R"({"fields": {"traits..email": "drop"}})", "fields[\"traits..email\"]: empty path segment"},
      {R"({"fields": {"": "drop"}})", "fields[\"\"]: empty path"},
      {R"({"fields": {"traits.*.x": "drop"}})", "fields[\"traits.*.x\"]: '*' is allowed only"},
      {R"({"fields": {"traits.e*": "drop"}})", "fields[\"traits.e*\"]: '*' is allowed only"},
      {R"({"fields": {"*": "drop"}})", "fields[\"*\"]: a top-level wildcard"},
      {R"({"fields": {"userId": "hash"}})", "fields[\"userId\"]: userId is an identity field"},
      {R"({"fields": {"messageId.x": "drop"}})", "fields[\"messageId.x\"]: messageId"},
      {R"({"fields": {"context.ip": "drop"}})", "fields[\"context.ip\"]: context.ip is governed"},
      {R"({"fields": {"traits.a": "erase"}})", "fields[\"traits.a\"]: unknown action \"erase\""},
      {R"({"ip": "anonymise"})", "ip: must be one of"},
      {R"({"defaults": "no"})", "defaults: must be true or false"},
  };
  for (const Bad& b : bad) {
    auto policy = DlpPolicy::FromJson(b.json);
    ASSERT_FALSE(policy.ok()) << b.json;
    EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument) << b.json;
    EXPECT_NE(policy.status().message().find(b.mentions), std::string::npos)
        << b.json << " -> " << policy.status().message();
  }
}

// --- ApplyDlp -------------------------------------------------------------------------------

// A stand-in for the field cipher: {"enc": "<JSON text of the value>"}.
Result<json::value> FakeEncrypt(const json::value& value) {
  json::object sealed;
  sealed["enc"] = SerializeJson(value);
  return json::value(std::move(sealed));
}

DlpContext Context() {
  DlpContext ctx;
  ctx.hmac_key = kKey;
  ctx.encrypt = FakeEncrypt;
  return ctx;
}

json::object Parse(std::string_view text) { return json::parse(text).as_object(); }

json::object Apply(std::string_view event_json, const DlpPolicy& policy,
                   DlpStats* stats = nullptr) {
  json::object event = Parse(event_json);
  Status status = ApplyDlp(event, policy, Context(), stats);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return event;
}

std::string Token(PiiKind kind, std::string_view value) { return PiiToken(kind, value, kKey); }

TEST(ApplyDlpTest, DefaultPolicyOnAnIdentify) {
  DlpStats stats;
  json::object event = Apply(R"({
      "type": "identify", "userId": "jan@example.com", "messageId": "m-1",
      "timestamp": "2024-03-01T10:00:00.000Z",
      "traits": {"email": "jan@example.com", "plan": "gold",
                 "bio": "Reach me at jan@example.com or +48 600 123 456"},
      "context": {"ip": "192.168.1.77", "userAgent": "Mozilla/5.0 from 10.0.0.1",
                  "traits": {"firstName": "Jan"}}})",
                             DlpPolicy(), &stats);
  EXPECT_EQ(S(event.at("userId")), "jan@example.com");  // identity fields are never touched
  EXPECT_EQ(event.at("messageId"), "m-1");
  EXPECT_EQ(S(event.at("traits").at("email").at("enc")), "\"jan@example.com\"");
  EXPECT_EQ(S(event.at("traits").at("plan")), "gold");
  EXPECT_EQ(S(event.at("traits").at("bio")), "Reach me at " + Token(kEmail, "jan@example.com") +
                                                 " or " + Token(kPhone, "+48 600 123 456"));
  EXPECT_EQ(S(event.at("context").at("ip").at("enc")), "\"192.168.1.77\"");
  EXPECT_EQ(S(event.at("context").at("userAgent")), "Mozilla/5.0 from 10.0.0.1");  // not scanned
  EXPECT_EQ(event.at("context").at("traits").at("firstName").at("enc"), "\"Jan\"");
  EXPECT_EQ(stats.Detected(kEmail), 1u);
  EXPECT_EQ(stats.Detected(kPhone), 1u);
  EXPECT_EQ(stats.fields_encrypted, 3u);
  EXPECT_EQ(stats.spans_hashed, 2u);
}

TEST(ApplyDlpTest, EachActionInFreeText) {
  auto run = [](std::string_view message, DlpAction email, DlpAction card) {
    DlpPolicy policy;
    policy.SetDetectAction(kEmail, email);
    policy.SetDetectAction(kCard, card);
    json::object event = Parse(R"({"type": "track", "event": "Support Message"})");
    event["properties"].emplace_object()["message"] = message;
    EXPECT_TRUE(ApplyDlp(event, policy, Context(), nullptr).ok());
    return event.at("properties").as_object();
  };
  const std::string_view message = "mail jan@example.com, card 4111 1111 1111 1111 ok";
  EXPECT_EQ(S(run(message, DlpAction::kMask, DlpAction::kMask).at("message")),
            "mail j***@example.com, card **** **** **** 1111 ok");
  EXPECT_EQ(S(run(message, DlpAction::kHash, DlpAction::kKeep).at("message")),
            "mail " + Token(kEmail, "jan@example.com") + ", card 4111 1111 1111 1111 ok");
  EXPECT_EQ(S(run(message, DlpAction::kKeep, DlpAction::kHash).at("message")),
            "mail jan@example.com, card " + Token(kCard, "4111111111111111") + " ok");
  // Encrypt takes the whole string; drop removes the field and wins over encrypt.
  EXPECT_EQ(S(run(message, DlpAction::kEncrypt, DlpAction::kMask).at("message").at("enc")),
            "\"mail jan@example.com, card 4111 1111 1111 1111 ok\"");
  EXPECT_FALSE(run(message, DlpAction::kEncrypt, DlpAction::kDrop).contains("message"));
  // A number that fails the Luhn check is not a card and stays.
  EXPECT_EQ(
      S(run("mail jan@example.com, card 4111 1111 1111 1234 ok", DlpAction::kMask, DlpAction::kDrop)
            .at("message")),
      "mail j***@example.com, card 4111 1111 1111 1234 ok");
}

TEST(ApplyDlpTest, MasksOfEveryKind) {
  DlpPolicy policy;
  for (PiiKind kind : {kEmail, kPhone, kCard, kIban, kPesel, kIp}) {
    policy.SetDetectAction(kind, DlpAction::kMask);
  }
  json::object event = Apply(R"({"type": "track", "event": "Order Note", "properties": {
      "a": "tel +48 600 123 456", "b": "IBAN PL61 1090 1014 0000 0712 1981 2874",
      "c": "PESEL 44051401458", "d": "from 2001:db8:85a3::8a2e:370:7334 and 192.168.1.77",
      "e": "amex 3782 822463 10005"}})",
                             policy);
  const json::object& p = event.at("properties").as_object();
  EXPECT_EQ(S(p.at("a")), "tel +** *** *** *56");
  EXPECT_EQ(S(p.at("b")), "IBAN PL** **** **** **** **** **** 2874");
  EXPECT_EQ(S(p.at("c")), "PESEL ***********");
  EXPECT_EQ(S(p.at("d")), "from 2001:db8:85a3:: and 192.168.1.0");
  EXPECT_EQ(S(p.at("e")), "amex **** ****** *0005");
}

TEST(ApplyDlpTest, ScopeOfFreeTextScanning) {
  json::object event = Apply(R"({
      "type": "page", "name": "Thanks jan@example.com", "userId": "u-1",
      "anonymousId": "+48 600 123 456", "event": "x",
      "properties": {"nested": {"deep": ["see ann@example.com", 5, {"k": "tel 600 123 456"}]}},
      "context": {"page": {"url": "https://shop.example/?email=ann%40example.com",
                           "referrer": "https://mail.example/?to=ann@example.com"},
                  "library": {"name": "analytics.js", "version": "4.1.0"},
                  "campaign": {"content": "ann@example.com"}},
      "integrations": {"note": "ann@example.com"}})",
                             DlpPolicy());
  EXPECT_EQ(S(event.at("name")), "Thanks " + Token(kEmail, "jan@example.com"));
  EXPECT_EQ(S(event.at("anonymousId")), "+48 600 123 456");
  const json::array& deep = event.at("properties").at("nested").at("deep").as_array();
  EXPECT_EQ(S(deep[0]), "see " + Token(kEmail, "ann@example.com"));
  EXPECT_EQ(deep[1], 5);
  EXPECT_EQ(S(deep[2].at("k")), "tel " + Token(kPhone, "600 123 456"));
  EXPECT_EQ(S(event.at("context").at("page").at("url")),
            "https://shop.example/?email=" + Token(kEmail, "ann@example.com"));
  EXPECT_EQ(S(event.at("context").at("page").at("referrer")),
            "https://mail.example/?to=" + Token(kEmail, "ann@example.com"));
  // Outside the scanned scopes, only field rules apply.
  EXPECT_EQ(S(event.at("context").at("campaign").at("content")), "ann@example.com");
  EXPECT_EQ(S(event.at("integrations").at("note")), "ann@example.com");
}

TEST(ApplyDlpTest, WithoutFieldRulesContextIsStillScanned) {
  auto policy = DlpPolicy::FromJson(R"({"defaults": false, "ip": "truncate"})");
  ASSERT_TRUE(policy.ok());
  json::object event = Apply(R"({"type": "page", "context": {"ip": "10.1.2.3",
      "page": {"search": "?q=jan@example.com"}, "traits": {"email": "jan@example.com"}}})",
                             *policy);
  EXPECT_EQ(S(event.at("context").at("ip")), "10.1.2.0");
  EXPECT_EQ(S(event.at("context").at("page").at("search")),
            "?q=" + Token(kEmail, "jan@example.com"));
  EXPECT_EQ(S(event.at("context").at("traits").at("email")), Token(kEmail, "jan@example.com"));
}

TEST(ApplyDlpTest, NeverTouchesIdentityFields) {
  DlpPolicy policy;
  for (PiiKind kind : {kEmail, kPhone, kCard, kIban, kPesel, kIp}) {
    policy.SetDetectAction(kind, DlpAction::kDrop);
  }
  const std::string identity = R"({"type": "alias", "userId": "jan@example.com",
      "anonymousId": "+48 600 123 456", "previousId": "44051401458", "groupId": "10.0.0.1",
      "messageId": "4111111111111111", "event": "ann@example.com",
      "timestamp": "2024-03-01T10:00:00.000Z", "originalTimestamp": "2024-03-01T10:00:00.000Z",
      "sentAt": "2024-03-01T10:00:00.000Z", "receivedAt": "2024-03-01T10:00:00.000Z"})";
  json::object event = Apply(identity, policy);
  EXPECT_EQ(event, Parse(identity));
}

TEST(ApplyDlpTest, FieldRules) {
  auto policy = DlpPolicy::FromJson(R"({"fields": {
      "properties.note": "drop", "properties.card": "mask", "properties.ref": "hash",
      "properties.products.sku": "keep", "context.device.*": "drop",
      "traits.address": "mask", "traits.phone": "hash", "traits.email": "keep"}})");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  DlpStats stats;
  json::object event = Apply(R"({"type": "track", "event": "Order Completed",
      "properties": {"note": "anything", "card": "4111 1111 1111 1111", "ref": "ORD-1",
                     "products": [{"sku": "tel 600 123 456", "name": "tel 600 123 456"}]},
      "traits": {"address": {"street": "Prosta 51", "zip": "00-838", "geo": [52.2, 21.0],
                             "verified": true},
                 "phone": 48600123456, "email": "jan@example.com"},
      "context": {"device": {"id": "d-1", "model": "Pixel"}, "os": {"name": "Android"}}})",
                             *policy, &stats);
  const json::object& p = event.at("properties").as_object();
  EXPECT_FALSE(p.contains("note"));
  EXPECT_EQ(S(p.at("card")), "**** **** **** 1111");  // the whole value is one card
  EXPECT_EQ(S(p.at("ref")),
            "[hash:" + crypto::HexEncode(crypto::HmacSha256(kKey, "ORD-1").substr(0, 8)) + "]");
  const json::object& product = p.at("products").as_array()[0].as_object();
  EXPECT_EQ(S(product.at("sku")), "tel 600 123 456");  // keep: not scanned
  EXPECT_EQ(S(product.at("name")), "tel " + Token(kPhone, "600 123 456"));
  const json::object& address = event.at("traits").at("address").as_object();
  EXPECT_EQ(S(address.at("street")), "***");
  EXPECT_EQ(S(address.at("zip")), "***");
  EXPECT_EQ(S(address.at("geo").as_array()[0]), "***");
  EXPECT_EQ(address.at("verified"), true);
  EXPECT_EQ(
      S(event.at("traits").at("phone")),
      "[hash:" + crypto::HexEncode(crypto::HmacSha256(kKey, "48600123456").substr(0, 8)) + "]");
  EXPECT_EQ(S(event.at("traits").at("email")), "jan@example.com");
  EXPECT_TRUE(event.at("context").at("device").as_object().empty());
  EXPECT_EQ(S(event.at("context").at("os").at("name")), "Android");
  EXPECT_EQ(stats.fields_dropped, 3u);
}

TEST(ApplyDlpTest, DropInFreeTextRemovesArrayElements) {
  DlpPolicy policy;
  policy.SetDetectAction(kPesel, DlpAction::kDrop);
  json::object event = Apply(R"({"type": "track", "event": "Form",
      "properties": {"answers": ["yes", "PESEL 44051401458", "no"], "pesel": "44051401458"}})",
                             policy);
  EXPECT_EQ(event.at("properties"), Parse(R"({"answers": ["yes", "no"]})"));
}

TEST(ApplyDlpTest, IpModes) {
  auto run = [](IpMode mode, std::string_view ip) {
    DlpPolicy policy;
    policy.set_ip_mode(mode);
    json::object event = Parse(R"({"type": "track", "event": "x", "context": {}})");
    event["context"].as_object()["ip"] = ip;
    EXPECT_TRUE(ApplyDlp(event, policy, Context(), nullptr).ok());
    return event.at("context").as_object();
  };
  EXPECT_EQ(S(run(IpMode::kKeep, "192.168.1.77").at("ip")), "192.168.1.77");
  EXPECT_EQ(S(run(IpMode::kTruncate, "192.168.1.77").at("ip")), "192.168.1.0");
  EXPECT_EQ(S(run(IpMode::kTruncate, "2001:db8:85a3:8d3:1319:8a2e:370:7348").at("ip")),
            "2001:db8:85a3::");
  EXPECT_FALSE(run(IpMode::kTruncate, "unknown").contains("ip"));
  EXPECT_EQ(S(run(IpMode::kEncrypt, "192.168.1.77").at("ip").at("enc")), "\"192.168.1.77\"");
  EXPECT_FALSE(run(IpMode::kDrop, "192.168.1.77").contains("ip"));
}

TEST(ApplyDlpTest, ContextErrorsLeaveTheEventUntouched) {
  const std::string text = R"({"type": "identify", "traits": {"email": "jan@example.com"}})";
  json::object event = Parse(text);
  DlpContext no_encryptor;
  no_encryptor.hmac_key = kKey;
  Status status = ApplyDlp(event, DlpPolicy(), no_encryptor, nullptr);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("encryptor"), std::string::npos);
  EXPECT_EQ(event, Parse(text));

  DlpContext short_key = Context();
  short_key.hmac_key = "short";
  status = ApplyDlp(event, DlpPolicy(), short_key, nullptr);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(event, Parse(text));

  // A policy that neither hashes nor encrypts needs neither.
  auto plain = DlpPolicy::FromJson(R"({"defaults": false, "ip": "truncate", "detect": {
      "email": "mask", "phone": "mask", "pesel": "mask"}})");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(ApplyDlp(event, *plain, DlpContext{}, nullptr).ok());
}

TEST(ApplyDlpTest, EncryptorErrorsAreReturned) {
  DlpContext ctx = Context();
  ctx.encrypt = [](const json::value&) -> Result<json::value> {
    return Status::Unavailable("vault locked");
  };
  json::object event = Parse(R"({"type": "identify", "traits": {"email": "jan@example.com"}})");
  Status status = ApplyDlp(event, DlpPolicy(), ctx, nullptr);
  EXPECT_EQ(status, Status::Unavailable("vault locked"));
}

TEST(ApplyDlpTest, DepthIsBounded) {
  std::string text = R"({"type": "track", "event": "x", "properties": )";
  for (int i = 0; i < 40; ++i) text += R"({"a": )";
  text += "\"deep\"";
  for (int i = 0; i < 40; ++i) text += "}";
  text += "}";
  json::parse_options options;
  options.max_depth = 64;
  json::object event = json::parse(text, {}, options).as_object();
  Status status = ApplyDlp(event, DlpPolicy(), Context(), nullptr);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("deeper"), std::string::npos);
}

TEST(ApplyDlpTest, StatsAccumulate) {
  DlpStats total;
  for (int i = 0; i < 3; ++i) {
    DlpStats one;
    Apply(R"({"type": "track", "event": "x", "properties": {"m": "a@example.com b@example.com"}})",
          DlpPolicy(), &one);
    EXPECT_EQ(one.Detected(kEmail), 2u);
    total.Add(one);
  }
  EXPECT_EQ(total.Detected(kEmail), 6u);
  EXPECT_EQ(total.spans_hashed, 6u);
}

}  // namespace
}  // namespace mercato
