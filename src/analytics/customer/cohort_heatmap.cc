// The SVG rendering of a cohort table (cohorts.h): one row per cohort, one column per age, the
// value written in each cell, a sequential blue scale and a vertical legend at the right.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "analytics/customer/cohorts.h"

namespace mercato::analytics::customer {
namespace {

constexpr int kCellWidth = 50;
constexpr int kCellHeight = 24;
constexpr int kLeft = 150;  // row labels
constexpr int kTop = 84;    // title, axis title, column labels
constexpr int kLegendGap = 30;
constexpr int kLegendWidth = 16;
constexpr int kLegendLabels = 80;
constexpr int kBottom = 24;

// ColorBrewer "Blues", light to dark.
constexpr std::array<std::array<int, 3>, 9> kBlues = {{{247, 251, 255},
                                                       {222, 235, 247},
                                                       {198, 219, 239},
                                                       {158, 202, 225},
                                                       {107, 174, 214},
                                                       {66, 146, 198},
                                                       {33, 113, 181},
                                                       {8, 81, 156},
                                                       {8, 48, 107}}};

// The colour of t in [0, 1] as "#rrggbb", interpolated linearly between the stops.
std::string Colour(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double position = t * static_cast<double>(kBlues.size() - 1);
  const auto low = static_cast<size_t>(std::floor(position));
  const size_t high = std::min(low + 1, kBlues.size() - 1);
  const double frac = position - static_cast<double>(low);
  char text[8];
  int rgb[3];
  for (size_t c = 0; c < 3; ++c) {
    rgb[c] =
        static_cast<int>(std::lround(kBlues[low][c] + frac * (kBlues[high][c] - kBlues[low][c])));
  }
  std::snprintf(text, sizeof(text), "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return text;
}

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

// "38%", "4.5%".
std::string Percent(double fraction) {
  const double percent = 100.0 * fraction;
  return Format(percent >= 9.95 || percent == 0 ? "%.0f%%" : "%.1f%%", percent);
}

// "950", "12.3k", "1.25M" (currency units).
std::string Compact(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e6) return Format("%.2fM", value / 1e6);
  if (magnitude >= 1e4) return Format("%.0fk", value / 1e3);
  if (magnitude >= 1e3) return Format("%.1fk", value / 1e3);
  return Format("%.0f", value);
}

std::string Text(int x, int y, std::string_view anchor, std::string_view extra,
                 std::string_view content) {
  return "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" text-anchor=\"" +
         std::string(anchor) + "\"" + std::string(extra) + ">" + Escape(content) + "</text>\n";
}

}  // namespace

std::string CohortHeatmapSvg(const CohortTable& table, const HeatmapOptions& options) {
  const bool retention = options.metric == CohortMetric::kRetention;
  auto value_of = [&](const CohortCell& cell) {
    return retention ? cell.retention : static_cast<double>(cell.revenue_micros) / 1e6;
  };
  auto label_of = [&](double value) { return retention ? Percent(value) : Compact(value); };
  const std::string title = !options.title.empty()
                                ? options.title
                                : (retention ? "Customer retention by acquisition cohort"
                                             : "Net revenue by acquisition cohort");

  // Scale: 0 .. the largest value at age >= 1 (1 for retention and 1 for revenue when none).
  double top = 0;
  for (const Cohort& cohort : table.cohorts) {
    for (size_t age = 1; age < cohort.by_age.size(); ++age) {
      top = std::max(top, value_of(cohort.by_age[age]));
    }
  }
  if (top <= 0) top = 1;

  const int columns = static_cast<int>(table.max_age) + 1;
  const int rows = static_cast<int>(table.cohorts.size());
  const int grid_right = kLeft + columns * kCellWidth;
  const int grid_bottom = kTop + rows * kCellHeight;
  const int legend_x = grid_right + kLegendGap;
  const int legend_height = std::max(rows * kCellHeight, 120);
  const int width = legend_x + kLegendWidth + kLegendLabels;
  const int height = kTop + std::max(rows * kCellHeight, legend_height) + kBottom;

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
         " " + std::to_string(height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n";
  svg += "<title>" + Escape(title) + "</title>\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" fill=\"#ffffff\"/>\n";
  svg += Text(kLeft, 22, "start", " font-size=\"15\" font-weight=\"bold\"", title);
  svg += Text(kLeft + columns * kCellWidth / 2, 46, "middle", " font-size=\"12\"",
              "Months since first purchase");
  svg += Text(kLeft - 8, kTop - 8, "end", " font-weight=\"bold\"", "Cohort (customers)");
  for (int age = 0; age < columns; ++age) {
    svg += Text(kLeft + age * kCellWidth + kCellWidth / 2, kTop - 8, "middle", "",
                std::to_string(age));
  }

  for (int row = 0; row < rows; ++row) {
    const Cohort& cohort = table.cohorts[static_cast<size_t>(row)];
    const int y = kTop + row * kCellHeight;
    svg += Text(kLeft - 8, y + kCellHeight / 2 + 4, "end", "",
                cohort.label + " (" + std::to_string(cohort.size) + ")");
    for (size_t age = 0; age < cohort.by_age.size(); ++age) {
      const double value = value_of(cohort.by_age[age]);
      const double t = value / top;
      const int x = kLeft + static_cast<int>(age) * kCellWidth;
      svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
             std::to_string(kCellWidth) + "\" height=\"" + std::to_string(kCellHeight) +
             "\" fill=\"" + Colour(t) + "\" stroke=\"#ffffff\"/>\n";
      svg += Text(x + kCellWidth / 2, y + kCellHeight / 2 + 4, "middle",
                  t > 0.55 ? " fill=\"#ffffff\"" : " fill=\"#1a1a1a\"", label_of(value));
    }
  }

  // Legend: a vertical gradient, top colour at the top.
  svg += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (size_t i = 0; i < kBlues.size(); ++i) {
    const double offset = static_cast<double>(i) / static_cast<double>(kBlues.size() - 1);
    svg +=
        "<stop offset=\"" + Format("%.3f", offset) + "\" stop-color=\"" + Colour(offset) + "\"/>";
  }
  svg += "</linearGradient></defs>\n";
  svg += "<rect x=\"" + std::to_string(legend_x) + "\" y=\"" + std::to_string(kTop) +
         "\" width=\"" + std::to_string(kLegendWidth) + "\" height=\"" +
         std::to_string(legend_height) + "\" fill=\"url(#scale)\" stroke=\"#999999\"/>\n";
  const int label_x = legend_x + kLegendWidth + 6;
  svg += Text(label_x, kTop + 4, "start", "", label_of(top) + (retention ? " or more" : "+"));
  svg += Text(label_x, kTop + legend_height / 2 + 4, "start", "", label_of(top / 2));
  svg += Text(label_x, kTop + legend_height + 4, "start", "", label_of(0));
  svg += Text(legend_x, kTop - 8, "start", " font-weight=\"bold\"",
              retention ? "Retention" : "Revenue");
  if (rows == 0) {
    svg += Text(kLeft, grid_bottom + 16, "start", "", "No purchases");
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace mercato::analytics::customer
