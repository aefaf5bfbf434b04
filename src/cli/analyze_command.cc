// `mercato analyze rfm|cluster|cohorts|predict`: a model run over a data directory's customers
// (docs/analytics.md, "Model runs"), printed as a table or as the run record's JSON. The store is
// opened read-write to write predictions, so no server may run on the directory meanwhile.

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/node.h"
#include "event/json_writer.h"
#include "importer/progress_bar.h"
#include "scoring/runs.h"

namespace mercato::cli {
namespace {

namespace json = boost::json;

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato analyze: %s\n", status.ToString().c_str());
  return 1;
}

// "name=value": value as JSON when it parses (5, 0.5, "x", true), else as a string.
Result<json::object> ParseParams(const AnalyzeOptions& options) {
  json::object params;
  for (const std::string& item : options.params) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::InvalidArgument("--param must be NAME=VALUE, got '" + item + "'");
    }
    const std::string value = item.substr(equals + 1);
    boost::system::error_code ec;
    json::value parsed = json::parse(value, ec);
    params[item.substr(0, equals)] = ec ? json::value(value) : parsed;
  }
  if (!options.as_of.empty()) params["as_of"] = options.as_of;
  return params;
}

double Number(const json::value* value) {
  return value != nullptr && value->is_number() ? value->to_number<double>() : 0.0;
}

std::string Percent(const json::value* value) {
  if (value == nullptr || !value->is_number()) return "-";
  char text[16];
  std::snprintf(text, sizeof(text), "%.1f%%", 100 * value->to_number<double>());
  return text;
}

void PrintRfm(const json::object& result) {
  std::printf("%-20s %10s %8s %14s %9s\n", "segment", "customers", "share", "revenue", "rev.share");
  for (const json::value& entry : result.at("segments").as_array()) {
    const json::object& segment = entry.as_object();
    std::printf(
        "%-20s %10.0f %8s %14.2f %9s\n", std::string(segment.at("name").as_string()).c_str(),
        Number(segment.if_contains("customers")), Percent(segment.if_contains("share")).c_str(),
        Number(segment.if_contains("revenue")),
        Percent(segment.if_contains("revenue_share")).c_str());
  }
}

void PrintClusters(const json::object& result) {
  std::printf("%-8s %8s %8s", "cluster", "size", "share");
  const json::array& features = result.at("features").as_array();
  for (const json::value& name : features) {
    std::printf(" %14s", std::string(name.as_string()).c_str());
  }
  std::printf(" %9s\n", "rev.share");
  for (const json::value& entry : result.at("clusters").as_array()) {
    const json::object& cluster = entry.as_object();
    std::printf("%-8.0f %8.0f %8s", Number(cluster.if_contains("cluster")),
                Number(cluster.if_contains("size")), Percent(cluster.if_contains("share")).c_str());
    const json::object& columns = cluster.at("columns").as_object();
    for (const json::value& name : features) {
      const json::value* column = columns.if_contains(name.as_string());
      std::printf(" %14.2f", column ? Number(column->as_object().if_contains("mean")) : 0.0);
    }
    std::printf(" %9s\n", Percent(cluster.if_contains("revenue_share")).c_str());
  }
  std::printf("(columns: mean of the cluster's customers in original units)\n");
}

void PrintCohorts(const json::object& result) {
  std::printf("%-8s %6s  retention by months since acquisition\n", "cohort", "size");
  for (const json::value& entry : result.at("cohorts").as_array()) {
    const json::object& cohort = entry.as_object();
    std::printf("%-8s %6.0f ", std::string(cohort.at("cohort").as_string()).c_str(),
                Number(cohort.if_contains("size")));
    for (const json::value& retention : cohort.at("retention").as_array()) {
      std::printf(" %6s", Percent(&retention).c_str());
    }
    std::printf("\n");
  }
}

void PrintPredict(const json::object& result) {
  std::printf("customers %.0f, repeat buyers %.0f\n", Number(result.if_contains("customers")),
              Number(result.if_contains("repeat_buyers")));
  for (const char* part : {"bgnbd", "gamma_gamma", "clv", "churn"}) {
    if (const json::value* value = result.if_contains(part)) {
      std::printf("%-12s %s\n", part, SerializeJson(*value).c_str());
    }
  }
}

void PrintTable(const scoring::RunRecord& record) {
  const json::object& result = record.result.as_object();
  std::printf("run %s (%s) as of %s: %.0f customers with profiling consent, %.0f excluded\n",
              record.id.c_str(), record.kind.c_str(),
              std::string(record.params.at("as_of").as_string()).c_str(),
              Number(result.if_contains("customers_with_consent")),
              Number(result.if_contains("excluded_without_consent")));
  if (record.kind == "rfm") PrintRfm(result);
  if (record.kind == "cluster") PrintClusters(result);
  if (record.kind == "cohorts") PrintCohorts(result);
  if (record.kind == "predict") PrintPredict(result);
  std::printf("%.0f customers' predictions written, %.0f deleted (consent withdrawn)\n",
              Number(result.if_contains("predictions_written")),
              Number(result.if_contains("predictions_deleted")));
}

Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

}  // namespace

int RunAnalyze(const AnalyzeOptions& options) {
  if (!std::filesystem::is_directory(options.data_dir)) {
    return Fail(Status::NotFound("no data directory " + options.data_dir));
  }
  if ((!options.csv_file.empty() || !options.svg_file.empty()) && options.kind != "cohorts") {
    return Fail(Status::InvalidArgument("--csv and --svg are for `analyze cohorts` only"));
  }
  auto params = ParseParams(options);
  if (!params.ok()) return Fail(params.status());
  const Clock& clock = SystemClock::Instance();
  auto node = OpenNode(options.data_dir, EventLogOptions{}, options.privacy, clock, nullptr);
  if (!node.ok()) {
    return Fail(Status(node.status().code(),
                       node.status().message() +
                           " (analyze writes predictions, so no server may run on " +
                           options.data_dir + "; use POST /v1/analytics/runs while it runs)"));
  }
  scoring::ModelRunner runner(*node->store, clock);
  ProgressBar bar(stderr, options.progress && isatty(fileno(stderr)) == 1,
                  ProgressUnit{"k customers", 1e3});
  auto record = runner.Run(options.kind, *params,
                           [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); });
  bar.Finish();
  if (!record.ok()) return Fail(record.status());
  if (options.kind == "cohorts") {
    for (const auto& [name, path] :
         {std::pair{"csv", options.csv_file}, {"svg", options.svg_file}}) {
      if (path.empty()) continue;
      auto content = runner.runs().GetArtifact(record->id, name);
      if (!content.ok()) return Fail(content.status());
      if (Status status = WriteFile(path, *content); !status.ok()) return Fail(status);
      std::fprintf(stderr, "wrote %s\n", path.c_str());
    }
  }
  if (options.json) {
    std::printf("%s\n", SerializeJson(record->ToApi()).c_str());
  } else {
    try {
      PrintTable(*record);
    } catch (const std::exception& error) {  // Boost.JSON accessors throw on a shape not expected
      std::printf("%s\n", SerializeJson(record->ToApi()).c_str());
    }
  }
  return 0;
}

}  // namespace mercato::cli
