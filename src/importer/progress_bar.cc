#include "importer/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace mercato {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string Format(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

}  // namespace

std::string RenderProgress(uint64_t bytes_done, uint64_t bytes_total, double elapsed_seconds,
                           int cells, ProgressUnit unit) {
  const double fraction =
      bytes_total == 0
          ? 1.0
          : std::min(1.0, static_cast<double>(bytes_done) / static_cast<double>(bytes_total));
  const int filled = static_cast<int>(fraction * cells);
  std::string bar = "[";
  for (int cell = 0; cell < cells; ++cell) {
    bar += cell < filled ? '=' : (cell == filled && fraction < 1.0 ? '>' : ' ');
  }
  bar += "] ";
  bar += Format("%3.0f%%", std::floor(fraction * 100));
  const std::string label = unit.label;
  const double mb_done = static_cast<double>(bytes_done) / unit.scale;
  bar += Format(" %.1f", mb_done) + Format("/%.1f", static_cast<double>(bytes_total) / unit.scale) +
         " " + label;
  if (elapsed_seconds > 0.05) {
    const double rate = mb_done / elapsed_seconds;
    bar += Format("  %.1f", rate) + " " + label + "/s";
    if (fraction < 1.0 && rate > 0) {
      const double remaining =
          static_cast<double>(bytes_total - std::min(bytes_done, bytes_total)) / unit.scale / rate;
      bar += Format("  ETA %.0fs", std::ceil(remaining));
    }
  }
  return bar;
}

ProgressBar::ProgressBar(std::FILE* out) : ProgressBar(out, isatty(fileno(out)) == 1) {}

ProgressBar::ProgressBar(std::FILE* out, bool enabled)
    : ProgressBar(out, enabled, ProgressUnit{}) {}

ProgressBar::ProgressBar(std::FILE* out, bool enabled, ProgressUnit unit)
    : out_(out), enabled_(enabled), started_(std::chrono::steady_clock::now()), unit_(unit) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(uint64_t bytes_done, uint64_t bytes_total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && bytes_done < bytes_total && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  std::string frame = RenderProgress(
      bytes_done, bytes_total, std::chrono::duration<double>(now - started_).count(), 30, unit_);
  // Pad over the tail of a longer previous frame (the ETA can disappear).
  const size_t width = frame.size();
  if (width < last_width_) frame.append(last_width_ - width, ' ');
  last_width_ = width;
  std::fprintf(out_, "\r%s", frame.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  std::fputc('\n', out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace mercato
