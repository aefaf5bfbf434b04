#pragma once
// ProgressBar: a one-line terminal progress display for long imports, redrawn in place:
//   [=============>                ]  45% 21.6/48.0 MB  18.2 MB/s  ETA 2s
// It draws only when its stream is a terminal, so piped or logged stderr stays clean, and redraws
// at most every 100 ms. Plug it into ImportOptions::on_progress:
//   ProgressBar bar;  options.on_progress = [&](uint64_t d, uint64_t t) { bar.Update(d, t); };
// Other counts (e.g. customers scanned by `mercato analyze`) pass a ProgressUnit.
// Thread safety: none; call from the importing thread.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mercato {

// How amounts are shown: amount / scale with the label, e.g. {"MB", 1e6} or {"k customers", 1e3}.
struct ProgressUnit {
  const char* label = "MB";
  double scale = 1e6;
};

class ProgressBar {
 public:
  // Draws on `out` (stderr by default) when it is a TTY.
  explicit ProgressBar(std::FILE* out = stderr);
  // Draws on `out` when `enabled` (tests, or a caller that decides itself).
  ProgressBar(std::FILE* out, bool enabled);
  ProgressBar(std::FILE* out, bool enabled, ProgressUnit unit);
  ~ProgressBar();  // calls Finish()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(uint64_t bytes_done, uint64_t bytes_total);
  // Ends the line if anything was drawn. Idempotent.
  void Finish();
  bool enabled() const { return enabled_; }

 private:
  // const after construction
  std::FILE* const out_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point started_;
  const ProgressUnit unit_;

  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
  size_t last_width_ = 0;
};

// One frame of the bar (without '\r'), `cells` wide between the brackets. A total of 0 shows 100%.
std::string RenderProgress(uint64_t bytes_done, uint64_t bytes_total, double elapsed_seconds,
                           int cells = 30, ProgressUnit unit = {});

}  // namespace mercato
