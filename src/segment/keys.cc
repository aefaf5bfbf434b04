#include "segment/keys.h"

#include "core/big_endian.h"

namespace mercato::segment {
namespace {

std::string Join(std::string_view prefix, std::string_view a, std::string_view b = {}) {
  std::string key;
  key.reserve(prefix.size() + a.size() + b.size() + 1);
  key.append(prefix).append(a);
  if (!b.empty()) key.append("/").append(b);
  return key;
}

}  // namespace

std::string DefinitionKey(std::string_view id) { return Join("d/", id); }
std::string CountKey(std::string_view id) { return Join("n/", id); }
std::string MemberPrefix(std::string_view id) { return Join("m/", id) + "/"; }
std::string MemberKey(std::string_view id, std::string_view customer) {
  return Join("m/", id, customer);
}
std::string CustomerPrefix(std::string_view customer) { return Join("c/", customer) + "/"; }
std::string CustomerKey(std::string_view customer, std::string_view id) {
  return Join("c/", customer, id);
}
std::string HistoryPrefix(std::string_view id) { return Join("h/", id) + "/"; }
std::string HistoryKey(std::string_view id, int64_t at_us) {
  std::string key = HistoryPrefix(id);
  PutInt64Ordered(key, at_us);
  return key;
}
std::string TimerKey(int64_t due_us, std::string_view id, std::string_view customer) {
  std::string key(kTimerPrefix);
  PutInt64Ordered(key, due_us);
  key.append(id).append("/").append(customer);
  return key;
}
std::string TimerIndexPrefix(std::string_view id) { return Join("u/", id) + "/"; }
std::string TimerIndexKey(std::string_view id, std::string_view customer) {
  return Join("u/", id, customer);
}
std::string CursorKey(uint32_t partition) {
  std::string key = "cursor/segments/";
  PutFixed32BE(key, partition);
  return key;
}

std::string SeenKey(std::string_view customer) { return Join("e/", customer); }

bool ParseTimerKey(std::string_view key, int64_t& due_us, std::string_view& id,
                   std::string_view& customer) {
  if (!key.starts_with(kTimerPrefix) || key.size() < kTimerPrefix.size() + 8 + 3) return false;
  due_us = GetInt64Ordered(key.substr(kTimerPrefix.size(), 8));
  std::string_view rest = key.substr(kTimerPrefix.size() + 8);
  const size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return false;
  id = rest.substr(0, slash);
  customer = rest.substr(slash + 1);
  return true;
}

std::string EncodeMicros(int64_t micros) {
  std::string value;
  PutInt64Ordered(value, micros);
  return value;
}

int64_t DecodeMicros(std::string_view value) {
  return value.size() == 8 ? GetInt64Ordered(value) : 0;
}

}  // namespace mercato::segment
