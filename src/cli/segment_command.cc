// `mercato segment ...`: segment definitions and memberships of a stopped server's data directory.

#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/node.h"
#include "cli/process_profiles.h"
#include "core/time_format.h"
#include "importer/progress_bar.h"
#include "profile/profile_builder.h"
#include "profile/profile_store.h"
#include "segment/segment_engine.h"

namespace mercato::cli {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato segment: %s\n", status.ToString().c_str());
  return 1;
}

// Catches the profiles and then the segments up with the log, then finishes any batch evaluation.
Status RunToEnd(Node& node, segment::SegmentEngine& engine, const Clock& clock, bool progress) {
  RETURN_IF_ERROR(ProcessProfilesToEnd(node, clock).status());
  ProfileStore profiles(*node.store, *node.vault, clock);
  ASSIGN_OR_RETURN(ProfileStore::Counts counts, profiles.CountCustomers());
  ProgressBar bar(stderr, progress && isatty(fileno(stderr)) == 1, ProgressUnit{"customers", 1});
  uint64_t done = 0;
  for (;;) {
    ASSIGN_OR_RETURN(size_t work, engine.Step(4096));
    if (work == 0) break;
    done += work;
    bar.Update(std::min<uint64_t>(done, counts.customers), counts.customers);
  }
  bar.Finish();
  return Status::Ok();
}

segment::SegmentSpec SpecOf(const SegmentOptions& options) {
  segment::SegmentSpec spec;
  if (!options.id.empty() && options.action == "create") spec.id = options.id;
  if (options.has_name) spec.name = options.name;
  if (options.has_description) spec.description = options.description;
  if (options.has_rule) spec.rule = options.rule;
  return spec;
}

}  // namespace

int RunSegment(const SegmentOptions& options) {
  const Clock& clock = SystemClock::Instance();
  auto node = OpenStartedNode(options.data_dir, 0, options.privacy, clock);
  if (!node.ok()) {
    return Fail(Status(
        node.status().code(),
        node.status().message() + " (while a server runs on this directory, use /v1/segments)"));
  }
  ProfileBuilder builder(*node->store, *node->log, *node->vault, clock, nullptr);
  segment::SegmentEngineOptions engine_options;
  engine_options.upstream_cursors = [&builder] { return builder.Cursors(); };
  auto opened = segment::SegmentEngine::Open(*node->store, *node->log, *node->vault, clock, nullptr,
                                             engine_options);
  if (!opened.ok()) return Fail(opened.status());
  segment::SegmentEngine& engine = **opened;
  const std::string& action = options.action;

  if (action == "list") {
    for (const segment::SegmentView& view : engine.List()) {
      std::printf("%s\n", view.ToJson().c_str());
    }
    return 0;
  }
  if (action == "show") {
    auto view = engine.Get(options.id);
    if (!view.ok()) return Fail(view.status());
    std::printf("%s\n", view->ToJson().c_str());
    return 0;
  }
  if (action == "create" || action == "update") {
    // Existing segments catch up first, so that the new rule is evaluated once, by its build.
    if (Status status = RunToEnd(*node, engine, clock, false); !status.ok()) return Fail(status);
    auto view = action == "create" ? engine.Create(SpecOf(options))
                                   : engine.Update(options.id, SpecOf(options));
    if (!view.ok()) return Fail(view.status());
    if (Status status = RunToEnd(*node, engine, clock, options.progress); !status.ok()) {
      return Fail(status);
    }
    auto built = engine.Get(view->definition.id);
    if (!built.ok()) return Fail(built.status());
    std::printf("%s\n", built->ToJson().c_str());
    return 0;
  }
  if (action == "delete") {
    if (Status status = engine.Delete(options.id); !status.ok()) return Fail(status);
    std::printf("deleted segment %s\n", options.id.c_str());
    return 0;
  }
  if (action == "members") {
    auto page = engine.Members(options.id, options.cursor, options.limit);
    if (!page.ok()) return Fail(page.status());
    for (const segment::Member& member : page->members) {
      std::printf("%s\t%s\n", member.customer_id.c_str(),
                  FormatTimestamp(member.entered_at_us).c_str());
    }
    if (!page->next_cursor.empty()) {
      std::fprintf(stderr, "more: --cursor %s\n", page->next_cursor.c_str());
    }
    return 0;
  }
  if (action == "history") {
    auto points = engine.History(options.id);
    if (!points.ok()) return Fail(points.status());
    for (const segment::SizePoint& point : *points) {
      std::printf("%s\t%llu\tversion %llu\t%s\n", FormatTimestamp(point.at_us).c_str(),
                  static_cast<unsigned long long>(point.size),
                  static_cast<unsigned long long>(point.version), point.reason.c_str());
    }
    return 0;
  }
  if (action == "preview") {
    if (Status status = ProcessProfilesToEnd(*node, clock).status(); !status.ok()) {
      return Fail(status);
    }
    auto preview = engine.Preview(options.rule, options.sample);
    if (!preview.ok()) return Fail(preview.status());
    std::printf("rule: %s\nsize: %llu of %llu customers\n", preview->rule.c_str(),
                static_cast<unsigned long long>(preview->matched),
                static_cast<unsigned long long>(preview->total));
    for (const std::string& id : preview->sample) std::printf("  %s\n", id.c_str());
    return 0;
  }
  return Fail(Status::InvalidArgument("unknown action '" + action + "'"));
}

}  // namespace mercato::cli
