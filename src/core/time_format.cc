#include "core/time_format.h"

#include <cstdio>

#include "core/clock.h"

namespace mercato {
namespace {

bool ReadDigits(std::string_view text, size_t& pos, size_t count, int64_t& out) {
  if (pos + count > text.size()) return false;
  int64_t value = 0;
  for (size_t k = 0; k < count; ++k) {
    char c = text[pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Result<int64_t> ParseTimestamp(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument(std::string("invalid timestamp '") +
                                   std::string(text.substr(0, 64)) + "': " + why);
  };
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0;
  if (!ReadDigits(text, pos, 4, year)) return bad("expected YYYY");
  if (pos >= text.size() || text[pos++] != '-') return bad("expected '-'");
  if (!ReadDigits(text, pos, 2, month)) return bad("expected MM");
  if (pos >= text.size() || text[pos++] != '-') return bad("expected '-'");
  if (!ReadDigits(text, pos, 2, day)) return bad("expected DD");
  if (month < 1 || month > 12) return bad("month out of range");
  if (day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month))) {
    return bad("day out of range");
  }
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    if (!ReadDigits(text, pos, 2, hour)) return bad("expected HH");
    if (pos >= text.size() || text[pos++] != ':') return bad("expected ':'");
    if (!ReadDigits(text, pos, 2, minute)) return bad("expected MM");
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, second)) return bad("expected SS");
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        size_t digits = 0;
        int64_t scale = 100000;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (digits < 6) micros += (text[pos] - '0') * scale;
          scale /= 10;
          ++digits;
          ++pos;
        }
        if (digits == 0) return bad("empty fraction");
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return bad("time out of range");
  }
  int64_t offset_seconds = 0;
  if (pos < text.size()) {
    char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
    } else if (zone == '+' || zone == '-') {
      ++pos;
      int64_t zh = 0, zm = 0;
      if (!ReadDigits(text, pos, 2, zh)) return bad("expected zone hours");
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (pos < text.size()) {
        if (!ReadDigits(text, pos, 2, zm)) return bad("expected zone minutes");
      }
      if (zh > 23 || zm > 59) return bad("zone out of range");
      offset_seconds = (zh * 3600 + zm * 60) * (zone == '+' ? 1 : -1);
    } else {
      return bad("unexpected character");
    }
  }
  if (pos != text.size()) return bad("trailing characters");
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * kMicrosPerSecond + micros;
}

std::string FormatTimestamp(int64_t micros) {
  // Floor division without negating `micros`, which overflows near INT64_MIN.
  int64_t seconds = micros / kMicrosPerSecond;
  int64_t sub_micros = micros % kMicrosPerSecond;
  if (sub_micros < 0) {
    sub_micros += kMicrosPerSecond;
    --seconds;
  }
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t in_day = seconds - days * 86400;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, year, month, day);
  if (year < 0 || year > 9999) {
    // Outside what four digits hold: rare, so the slow general path is fine.
    char wide[64];
    std::snprintf(wide, sizeof(wide), "%lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(year), month, day, static_cast<long long>(in_day / 3600),
                  static_cast<long long>((in_day / 60) % 60), static_cast<long long>(in_day % 60),
                  static_cast<long long>(sub_micros / 1000));
    return wide;
  }
  // Written digit by digit: this runs for every ingested event, and snprintf was a fifth of the
  // parser's instructions.
  char out[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&out](int position, int64_t value, int width) {
    for (int k = width - 1; k >= 0; --k) {
      out[position + k] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, year, 4);
  put(5, month, 2);
  put(8, day, 2);
  put(11, in_day / 3600, 2);
  put(14, (in_day / 60) % 60, 2);
  put(17, in_day % 60, 2);
  put(20, sub_micros / 1000, 3);
  return std::string(out, 24);
}

}  // namespace mercato
