#include "core/metrics.h"

#include <gtest/gtest.h>

namespace mercato {
namespace {

TEST(MetricsTest, RendersPrometheusText) {
  MetricsRegistry registry;
  registry.GetCounter("requests_total", "Requests", {{"route", "/v1/track"}, {"code", "200"}})
      .Inc(3);
  registry.GetGauge("queue_depth", "Depth").Set(7);
  Histogram& h = registry.GetHistogram("latency_seconds", "Latency", {{"route", "a"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  registry.AddGaugeCallback("lag", "Lag", {}, [] { return 42.0; });
  std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("requests_total{route=\"/v1/track\",code=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("queue_depth 7\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"a\",le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"a\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"a\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count{route=\"a\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_sum{route=\"a\"} 5.55\n"), std::string::npos);
  EXPECT_NE(text.find("lag 42\n"), std::string::npos);
}

TEST(MetricsTest, SameSeriesIsReturnedTwice) {
  MetricsRegistry registry;
  Counter& a = registry.GetCounter("c", "h", {{"k", "v"}});
  Counter& b = registry.GetCounter("c", "h", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  Counter& other = registry.GetCounter("c", "h", {{"k", "w"}});
  EXPECT_NE(&a, &other);
}

TEST(MetricsTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.GetCounter("c", "h", {{"path", "a\"b\\c\nd"}}).Inc();
  EXPECT_NE(registry.RenderPrometheus().find("c{path=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace mercato
