#include "core/time_zone.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/big_endian.h"

namespace mercato {
namespace {

constexpr size_t kHeaderBytes = 44;
constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxNameBytes = 64;

struct Counts {
  uint32_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

bool ReadHeader(std::string_view data, size_t at, char& version, Counts& counts) {
  if (data.size() < at + kHeaderBytes || data.substr(at, 4) != "TZif") return false;
  version = data[at + 4];
  const std::string_view c = data.substr(at + 20, 24);
  counts.isut = GetFixed32BE(c.substr(0, 4));
  counts.isstd = GetFixed32BE(c.substr(4, 4));
  counts.leap = GetFixed32BE(c.substr(8, 4));
  counts.time = GetFixed32BE(c.substr(12, 4));
  counts.type = GetFixed32BE(c.substr(16, 4));
  counts.chars = GetFixed32BE(c.substr(20, 4));
  // Bounds that no real zone comes near keep the size arithmetic far from overflow.
  return counts.type >= 1 && counts.type <= 256 && counts.time <= 100'000 &&
         counts.leap <= 10'000 && counts.chars <= 10'000 && counts.isut <= counts.type &&
         counts.isstd <= counts.type;
}

uint64_t BlockBytes(const Counts& counts, size_t time_bytes) {
  return uint64_t{counts.time} * time_bytes + counts.time + uint64_t{counts.type} * 6 +
         counts.chars + uint64_t{counts.leap} * (time_bytes + 4) + counts.isstd + counts.isut;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || name.front() == '/' || name.back() == '/') {
    return false;
  }
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '+';
      if (!ok) return false;
    }
    start = slash + 1;
  }
  return true;
}

}  // namespace

int32_t TzifZone::OffsetAt(int64_t utc_seconds) const {
  auto after = std::upper_bound(transitions.begin(), transitions.end(), utc_seconds);
  if (after == transitions.begin()) return initial;
  return offsets[static_cast<size_t>(after - transitions.begin()) - 1];
}

Result<TzifZone> ParseTzif(std::string_view data) {
  const Status bad = Status::InvalidArgument("not a valid TZif file");
  char version = 0;
  Counts counts;
  if (!ReadHeader(data, 0, version, counts)) return bad;
  size_t at = kHeaderBytes;
  size_t time_bytes = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit header and block follow.
    const uint64_t skip = BlockBytes(counts, 4);
    if (data.size() < at + skip) return bad;
    at += static_cast<size_t>(skip);
    char version2 = 0;
    if (!ReadHeader(data, at, version2, counts)) return bad;
    at += kHeaderBytes;
    time_bytes = 8;
  }
  if (data.size() < at + BlockBytes(counts, time_bytes)) return bad;
  const std::string_view times = data.substr(at, size_t{counts.time} * time_bytes);
  const std::string_view indices = data.substr(at + times.size(), counts.time);
  const std::string_view types =
      data.substr(at + times.size() + indices.size(), size_t{counts.type} * 6);
  std::vector<int32_t> type_offsets(counts.type);
  for (uint32_t t = 0; t < counts.type; ++t) {
    const int32_t offset = static_cast<int32_t>(GetFixed32BE(types.substr(size_t{t} * 6, 4)));
    if (offset < -25 * 3600 || offset > 26 * 3600) return bad;
    type_offsets[t] = offset;
  }
  TzifZone zone;
  zone.initial = type_offsets[0];
  zone.transitions.reserve(counts.time);
  zone.offsets.reserve(counts.time);
  for (uint32_t i = 0; i < counts.time; ++i) {
    const int64_t when =
        time_bytes == 8 ? static_cast<int64_t>(GetFixed64BE(times.substr(size_t{i} * 8, 8)))
                        : static_cast<int64_t>(
                              static_cast<int32_t>(GetFixed32BE(times.substr(size_t{i} * 4, 4))));
    const auto index = static_cast<unsigned char>(indices[i]);
    if (index >= counts.type) return bad;
    if (!zone.transitions.empty() && when <= zone.transitions.back()) return bad;
    zone.transitions.push_back(when);
    zone.offsets.push_back(type_offsets[index]);
  }
  return zone;
}

std::optional<int> TimeZones::OffsetMinutes(std::string_view zone, int64_t utc_us) const {
  if (!ValidName(zone)) return std::nullopt;
  std::shared_ptr<const TzifZone> parsed;
  {
    std::lock_guard lock(mu_);
    auto found = cache_.find(zone);
    if (found != cache_.end()) {
      parsed = found->second;
    } else {
      std::ifstream in(root_ + "/" + std::string(zone), std::ios::binary);
      std::string bytes;
      if (in) {
        std::ostringstream text;
        text << in.rdbuf();
        bytes = std::move(text).str();
      }
      if (!bytes.empty() && bytes.size() <= kMaxFileBytes) {
        Result<TzifZone> read = ParseTzif(bytes);
        if (read.ok()) parsed = std::make_shared<const TzifZone>(std::move(*read));
      }
      // Names that are not zones are remembered too, up to a bound, so lookups stay cheap.
      if (cache_.size() < 4096) cache_.emplace(std::string(zone), parsed);
    }
  }
  if (parsed == nullptr) return std::nullopt;
  const int64_t seconds = utc_us >= 0 ? utc_us / 1'000'000 : -((-utc_us + 999'999) / 1'000'000);
  return parsed->OffsetAt(seconds) / 60;
}

const TimeZones& TimeZones::System() {
  static const TimeZones* zones = new TimeZones();
  return *zones;
}

}  // namespace mercato
