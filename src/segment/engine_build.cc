// SegmentEngine (segment_engine.h): batch evaluation of new and edited segments.
//
// One Step() evaluates a chunk of profiles for every segment building from the same position. The
// chunk's profiles, predictions, memberships (through the customer-first "c/" index: one run for
// every segment) and the re-check timers of time-dependent rules are read in customer id order by
// the calling thread (merge joins, no lookups). A rule that is not time-dependent leaves a timer of
// an earlier version alone: it goes when it fires, as with incremental evaluation. Evaluation
// overlaps the reading: `build_threads` - 1 workers take each profile as soon as it is read, and
// the calling thread joins them when it has read the chunk, each with its own history iterator. The
// results are then staged in profile order and written in one batch with the segments' new
// positions, so that a restart resumes after the last chunk written.

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include "segment/engine_impl.h"
#include "segment/keys.h"

namespace mercato::segment {
namespace {

// Keys under `prefix` whose remainder is a customer id, read in order alongside the profiles.
struct Run {
  std::unique_ptr<rocksdb::Iterator> it;
  std::string prefix;
  bool Valid() const { return it->Valid() && it->key().starts_with(prefix); }
  std::string_view Customer() const {
    return {it->key().data() + prefix.size(), it->key().size() - prefix.size()};
  }
  void SeekAfter(std::string_view after) {
    it->Seek(prefix + std::string(after));
    if (!after.empty() && Valid() && Customer() == after) it->Next();
  }
};

// The customer-first membership index, "c/" customer "/" segment (segment/keys.h).
struct MembershipRun {
  std::unique_ptr<rocksdb::Iterator> it;
  bool Valid() const { return it->Valid() && it->key().starts_with("c/"); }
  std::string_view Key() const { return it->key().ToStringView(); }
  std::string_view Customer() const {
    const std::string_view key = Key();
    const size_t slash = key.find('/', 2);
    return key.substr(2, slash == std::string_view::npos ? std::string_view::npos : slash - 2);
  }
  std::string_view Segment() const {
    const std::string_view key = Key();
    const size_t slash = key.find('/', 2);
    return slash == std::string_view::npos ? std::string_view() : key.substr(slash + 1);
  }
  // Positions on the first membership of a customer after `after` (all, when empty).
  void SeekAfter(std::string_view after) {
    it->Seek("c/" + std::string(after));
    while (!after.empty() && Valid() && Customer() <= after) it->Next();
  }
};

struct Cursor {
  CompiledSegment* segment;
  bool timed;  // the rule is time-dependent: its timers are read
  Run timers;
};

// One live profile of the chunk: its inputs, and the decisions of the evaluation threads.
struct Item {
  std::string id;
  std::string profile;
  std::string predictions;   // empty: not scored
  std::vector<Known> known;  // per cursor
  std::optional<profile::ProfileState> state;
  std::vector<Decision> decisions;  // per cursor
  Status status;
};

}  // namespace

Result<size_t> SegmentEngine::Impl::StepBuild(int64_t now_us) {
  // The building segments at the same position go through the profiles together.
  std::vector<CompiledSegment*> group;
  for (auto& [id, segment] : segments_) {
    if (!segment->def.building) continue;
    if (group.empty() || segment->def.build_after == group.front()->def.build_after) {
      group.push_back(segment.get());
    }
  }
  if (group.empty()) return 0;
  const std::string after = group.front()->def.build_after;

  std::vector<Cursor> cursors;
  std::map<std::string, size_t, std::less<>> cursor_of;  // segment id -> index in `cursors`
  for (CompiledSegment* segment : group) {
    const bool timed = segment->rule.dependencies().time_dependent;
    Cursor cursor{segment, timed,
                  Run{store_.NewIterator(Cf::kSegments), TimerIndexPrefix(segment->def.id)}};
    if (timed) cursor.timers.SeekAfter(after);
    cursor_of.emplace(segment->def.id, cursors.size());
    cursors.push_back(std::move(cursor));
  }
  MembershipRun members{store_.NewIterator(Cf::kSegments)};
  members.SeekAfter(after);
  Run scores{store_.NewIterator(Cf::kModels), "p/"};
  scores.SeekAfter(after);
  MembershipBatch batch(*this);
  // Members and timers before `limit` (null: all) have no live profile: they go silently.
  auto drop_before = [&](const std::string_view* limit) {
    for (; members.Valid() && (limit == nullptr || members.Customer() < *limit);
         members.it->Next()) {
      if (auto found = cursor_of.find(members.Segment()); found != cursor_of.end()) {
        batch.Exit(*cursors[found->second].segment, members.Customer(), nullptr, now_us, "build",
                   "");
      }
    }
    for (Cursor& cursor : cursors) {
      if (!cursor.timed) continue;
      while (cursor.timers.Valid() && (limit == nullptr || cursor.timers.Customer() < *limit)) {
        batch.SetTimer(cursor.segment->def.id, cursor.timers.Customer(),
                       DecodeMicros(cursor.timers.it->value().ToStringView()), std::nullopt);
        cursor.timers.it->Next();
      }
    }
  };

  // The workers evaluate while the chunk is read: items[0, ready) are read; `next` hands out the
  // item each thread evaluates next. Items are never moved once read (the vector is sized first).
  std::vector<Item> items(std::max<size_t>(options_.build_chunk, 1));
  std::atomic<size_t> ready{0};
  std::atomic<bool> reading{true};
  std::atomic<size_t> next{0};
  // Changes whenever `ready` or `reading` does (in steps): what a waiting worker sleeps on.
  std::atomic<uint64_t> signal{0};
  auto wake = [&signal] {
    signal.fetch_add(1, std::memory_order_release);
    signal.notify_all();
  };
  auto evaluate = [&](bool wait_for_reader) {
    auto history = store_.NewIterator(Cf::kEvents);
    for (;;) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      for (;;) {
        const uint64_t seen = signal.load(std::memory_order_acquire);
        if (i < ready.load(std::memory_order_acquire)) break;
        if (!reading.load(std::memory_order_acquire)) {
          if (i >= ready.load(std::memory_order_acquire)) return;
          break;
        }
        if (!wait_for_reader) return;
        signal.wait(seen, std::memory_order_acquire);
      }
      Item& item = items[i];
      Result<profile::ProfileState> state =
          profile::ProfileState::ParseRuleFields(item.id, item.profile);
      Result<Predictions> predictions =
          item.predictions.empty() ? Predictions{} : Predictions::Parse(item.predictions);
      if (!state.ok() || !predictions.ok()) {
        item.status = !state.ok() ? state.status() : predictions.status();
        continue;
      }
      CustomerContext context(store_, vault_, std::move(*state), std::move(*predictions),
                              history.get());
      for (const Cursor& cursor : cursors) {
        Result<Decision> decision = Decide(*cursor.segment, context, now_us);
        if (!decision.ok()) {
          item.status = decision.status();
          break;
        }
        item.decisions.push_back(*decision);
      }
      item.state = std::move(context).ReleaseProfile();
    }
  };
  const size_t threads = options_.build_threads > 0
                             ? options_.build_threads
                             : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(evaluate, true);
  // Stops the workers (also on an early return) before `items` goes away.
  struct Join {
    std::atomic<bool>& reading;
    const std::function<void()> wake;
    std::vector<std::thread>& workers;
    ~Join() {
      reading.store(false, std::memory_order_release);
      wake();
      for (std::thread& worker : workers) {
        if (worker.joinable()) worker.join();
      }
    }
  } join{reading, wake, workers};

  // Read the chunk.
  auto profiles = store_.NewIterator(Cf::kProfiles);
  if (after.empty()) {
    profiles->SeekToFirst();
  } else {
    profiles->Seek(after);
    if (profiles->Valid() && profiles->key() == after) profiles->Next();
  }
  size_t count = 0;
  size_t scanned = 0;
  std::string last;
  for (; profiles->Valid() && scanned < items.size(); profiles->Next(), ++scanned) {
    const std::string_view id(profiles->key().data(), profiles->key().size());
    last.assign(id);
    drop_before(&id);
    const std::string_view value = profiles->value().ToStringView();
    if (value.find("\"mergedInto\"") != std::string_view::npos || erased_.contains(id)) {
      // A redirect (or an erased customer): whatever it still holds goes.
      const std::string beyond = std::string(id) + '\0';
      const std::string_view limit(beyond);
      drop_before(&limit);
      continue;
    }
    Item& item = items[count];
    item.id.assign(id);
    item.profile.assign(value);
    while (scores.Valid() && scores.Customer() < id) scores.it->Next();
    if (scores.Valid() && scores.Customer() == id) item.predictions = scores.it->value().ToString();
    item.known.assign(cursors.size(), Known{false, true, std::nullopt});
    for (; members.Valid() && members.Customer() == id; members.it->Next()) {
      if (auto found = cursor_of.find(members.Segment()); found != cursor_of.end()) {
        item.known[found->second].member = true;
      }
    }
    for (size_t c = 0; c < cursors.size(); ++c) {
      Run& timers = cursors[c].timers;
      if (cursors[c].timed && timers.Valid() && timers.Customer() == id) {
        item.known[c].timer = DecodeMicros(timers.it->value().ToStringView());
        timers.it->Next();
      }
    }
    ++count;
    ready.store(count, std::memory_order_release);
    if (count % 32 == 0) wake();
  }
  reading.store(false, std::memory_order_release);
  wake();
  RETURN_IF_ERROR(FromRocks(profiles->status(), "scanning profiles"));
  const bool finished = !profiles->Valid();
  if (finished) drop_before(nullptr);
  RETURN_IF_ERROR(FromRocks(members.it->status(), "reading segment members"));
  for (Cursor& cursor : cursors) {
    RETURN_IF_ERROR(FromRocks(cursor.timers.it->status(), "reading segment timers"));
  }
  RETURN_IF_ERROR(FromRocks(scores.it->status(), "reading predictions"));

  // The calling thread evaluates what the workers have not taken, then waits for them.
  evaluate(false);
  for (std::thread& worker : workers) worker.join();
  items.resize(count);

  // Stage in profile order.
  for (Item& item : items) {
    RETURN_IF_ERROR(item.status);
    for (size_t c = 0; c < cursors.size(); ++c) {
      Apply(*cursors[c].segment, *item.state, item.decisions[c], item.known[c], now_us, "build",
            "build", batch);
    }
  }
  std::vector<SegmentDefinition> updated;
  for (CompiledSegment* segment : group) {
    SegmentDefinition def = segment->def;
    if (finished) {
      def.building = false;
      def.build_after.clear();
      def.built_version = def.version;
      def.built_at_us = now_us;
    } else {
      def.build_after = last;
    }
    batch.batch().Put(store_.cf(Cf::kSegments), DefinitionKey(def.id), def.Serialize());
    updated.push_back(std::move(def));
  }
  RETURN_IF_ERROR(batch.Commit());
  for (size_t i = 0; i < group.size(); ++i) group[i]->def = std::move(updated[i]);
  if (finished) {
    rocksdb::WriteBatch points;
    for (CompiledSegment* segment : group) MaybeRecordSize(*segment, now_us, true, points);
    RETURN_IF_ERROR(store_.Write(points, false));
  }
  return std::max<size_t>(scanned, 1);
}

}  // namespace mercato::segment
