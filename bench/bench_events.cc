#include "bench/bench_events.h"

#include <cstdio>
#include <string_view>

namespace mercato::bench {
namespace {

// Placeholders replaced by digits once the text is built; neither byte can occur in the JSON.
constexpr char kCounterMark = '\x01';
constexpr char kUserMark = '\x02';

std::string Hex16(uint64_t value) {
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(value));
  return out;
}

std::string Common(uint64_t run_nonce) {
  return "\"userId\":\"user-" + std::string(kUserDigits, kUserMark) + "\",\"messageId\":\"lg-" +
         Hex16(run_nonce) + "-" + std::string(kCounterDigits, kCounterMark) + "\"";
}

constexpr std::string_view kContext =
    "\"context\":{\"ip\":\"203.0.113.42\",\"locale\":\"de-DE\",\"library\":{\"name\":"
    "\"analytics.js\",\"version\":\"4.1.0\"},\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36\"}";
constexpr std::string_view kTimestamp = "\"timestamp\":\"2024-05-01T12:34:56.789Z\"";

// Event kinds in rough proportion to a shop's traffic: mostly product views.
std::string EventTemplate(uint64_t run_nonce, uint64_t seed, bool track_only) {
  Rng rng(seed);
  const uint64_t kind = track_only ? rng.Uniform(6) : rng.Uniform(8);
  const std::string sku = "sku-" + std::to_string(10000 + rng.Uniform(90000));
  const std::string price = std::to_string(5 + rng.Uniform(200)) + ".99";
  const std::string common = Common(run_nonce);
  std::string out = "{";
  if (kind <= 3 || kind == 4) {
    out += "\"type\":\"track\",\"event\":\"";
    out += kind == 4 ? "Product Added" : "Product Viewed";
    out += "\"," + common + "," + std::string(kTimestamp) + ",\"properties\":{\"product_id\":\"" +
           sku + "\",\"price\":" + price + ",\"currency\":\"EUR\",\"category\":\"shoes\"," +
           "\"quantity\":1,\"url\":\"https://shop.example.com/p/" + sku + "\"}," +
           std::string(kContext);
  } else if (kind == 5) {
    out += "\"type\":\"track\",\"event\":\"Order Completed\"," + common + "," +
           std::string(kTimestamp) + ",\"properties\":{\"order_id\":\"ord-" +
           std::to_string(rng.Uniform(100'000'000)) + "\",\"total\":" + price +
           ",\"currency\":\"EUR\",\"products\":[{\"product_id\":\"" + sku +
           "\",\"price\":" + price + ",\"quantity\":1}]}," + std::string(kContext);
  } else if (kind == 6) {
    out += "\"type\":\"identify\"," + common + "," + std::string(kTimestamp) +
           ",\"traits\":{\"email\":\"customer" + std::to_string(rng.Uniform(1'000'000)) +
           "@example.com\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"plan\":\"gold\"}," +
           std::string(kContext);
  } else {
    out += "\"type\":\"page\",\"name\":\"Product\"," + common + "," + std::string(kTimestamp) +
           ",\"properties\":{\"path\":\"/p/" + sku + "\",\"url\":\"https://shop.example.com/p/" +
           sku + "\",\"referrer\":\"https://www.example.org/\"}," + std::string(kContext);
  }
  out += "}";
  return out;
}

PatchableBody Finish(std::string text) {
  PatchableBody body;
  for (size_t pos = 0; pos < text.size();) {
    if (text[pos] == kCounterMark) {
      body.message_id_offsets.push_back(pos);
      WriteMessageCounter(&text[pos], 0);
      pos += kCounterDigits;
    } else if (text[pos] == kUserMark) {
      body.user_id_offsets.push_back(pos);
      WriteFixedDecimal(&text[pos], kUserDigits, 0);
      pos += kUserDigits;
    } else {
      ++pos;
    }
  }
  body.text = std::move(text);
  return body;
}

}  // namespace

void WriteMessageCounter(char* out, uint64_t counter) {
  // splitmix64's finaliser: a bijection on 64-bit values.
  uint64_t z = counter + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t pos = kCounterDigits; pos > 0; --pos) {
    out[pos - 1] = kHex[z & 15];
    z >>= 4;
  }
}

void WriteFixedDecimal(char* out, size_t width, uint64_t value) {
  for (size_t pos = width; pos > 0; --pos) {
    out[pos - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

PatchableBody MakeBatchBody(size_t events, uint64_t run_nonce, uint64_t seed) {
  Rng rng(seed);
  std::string text = "{\"batch\":[";
  for (size_t event_idx = 0; event_idx < events; ++event_idx) {
    if (event_idx > 0) text += ",";
    text += EventTemplate(run_nonce, rng.Next(), /*track_only=*/false);
  }
  text += "],\"sentAt\":\"2024-05-01T12:34:57.000Z\"}";
  return Finish(std::move(text));
}

PatchableBody MakeTrackBody(uint64_t run_nonce, uint64_t seed) {
  return Finish(EventTemplate(run_nonce, seed, /*track_only=*/true));
}

std::string MakeEventText(uint64_t run_nonce, uint64_t counter, uint64_t user, uint64_t seed) {
  PatchableBody body = Finish(EventTemplate(run_nonce, seed, /*track_only=*/false));
  for (size_t offset : body.message_id_offsets) {
    WriteMessageCounter(&body.text[offset], counter);
  }
  for (size_t offset : body.user_id_offsets) {
    WriteFixedDecimal(&body.text[offset], kUserDigits, user);
  }
  return body.text;
}

void Patch(const PatchableBody& body, char* base, uint64_t first_counter, Rng& rng,
           uint64_t users) {
  uint64_t counter = first_counter;
  for (size_t offset : body.message_id_offsets) {
    WriteMessageCounter(base + offset, counter++);
  }
  for (size_t offset : body.user_id_offsets) {
    WriteFixedDecimal(base + offset, kUserDigits, rng.Uniform(users));
  }
}

}  // namespace mercato::bench
