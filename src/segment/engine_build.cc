// SegmentEngine (segment_engine.h): batch evaluation of new and edited segments.
//
// One Step() evaluates a chunk of profiles for every segment building from the same position. The
// calling thread first reads the chunk's profile keys only, and cuts the chunk into ranges of equal
// counts; then every thread (`build_threads`, the calling one included) takes ranges in turn and
// both reads and evaluates them: the range's profiles, predictions, memberships (through the
// customer-first "c/" index: one run for every segment) and the re-check timers of time-dependent
// rules in customer id order (merge joins, no lookups), and the customers' histories with one
// forward scan per thread (history_scan.h). A rule that is not time-dependent leaves a timer of an
// earlier version alone: it goes when it fires, as with incremental evaluation. The results are
// then staged in profile order and written in one batch with the segments' new positions, so that
// a restart resumes after the last chunk written.

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "segment/engine_impl.h"
#include "segment/keys.h"

namespace mercato::segment {
namespace {

// Ranges per thread: a thread that finishes early takes another range.
constexpr size_t kRangesPerThread = 8;

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
};

using CursorIndex = std::map<std::string, size_t, std::less<>>;  // segment id -> cursor

// A decision that changes what is stored (a membership or a timer).
struct Change {
  size_t cursor;
  Known known;
  Decision decision;
};

// A live profile of a range whose decisions change something (most recomputes change nothing).
struct Item {
  profile::ProfileState state;
  std::vector<Change> changes;
};

// A membership or timer without a live profile: it goes silently.
struct Drop {
  size_t cursor;
  std::string customer;
  std::optional<int64_t> timer;  // the due time of a timer; nullopt: a membership
};

// Customers in (after, last], or every customer after `after` when `open` (the last range of the
// last chunk).
struct Range {
  std::string after;
  std::string last;
  bool open = false;
  std::vector<Item> items;
  std::vector<Drop> drops;
  Status status;
};

// Reads and evaluates ranges on one thread (in increasing order, for the history scan).
class RangeReader {
 public:
  // The iterators are made once and sought for each range.
  RangeReader(SegmentEngine::Impl& engine, const std::vector<Cursor>& cursors,
              const CursorIndex& cursor_of, int64_t now_us)
      : engine_(engine),
        cursors_(cursors),
        cursor_of_(cursor_of),
        now_us_(now_us),
        history_(engine.store_),
        profiles_(engine.store_.NewIterator(Cf::kProfiles)),
        members_{engine.store_.NewIterator(Cf::kSegments)},
        scores_{engine.store_.NewIterator(Cf::kModels), "p/"} {
    timers_.reserve(cursors_.size());
    for (const Cursor& cursor : cursors_) {  // an iterator for time-dependent rules only
      timers_.push_back(Run{cursor.timed ? engine.store_.NewIterator(Cf::kSegments) : nullptr,
                            TimerIndexPrefix(cursor.segment->def.id)});
    }
  }

  void Read(Range& range) { range.status = ReadRange(range); }

 private:
  Status ReadRange(Range& range) {
    Store& store = engine_.store_;
    rocksdb::Iterator* profiles = profiles_.get();
    if (range.after.empty()) {
      profiles->SeekToFirst();
    } else {
      profiles->Seek(range.after);
      if (profiles->Valid() && profiles->key() == range.after) profiles->Next();
    }
    MembershipRun& members = members_;
    members.SeekAfter(range.after);
    Run& scores = scores_;
    scores.SeekAfter(range.after);
    std::vector<Run>& timers = timers_;
    for (Run& run : timers) {
      if (run.it) run.SeekAfter(range.after);
    }
    // Members and timers before `limit` (null: all) have no live profile.
    auto drop_before = [&](const std::string_view* limit) {
      for (; members.Valid() && (limit == nullptr || members.Customer() < *limit);
           members.it->Next()) {
        if (auto found = cursor_of_.find(members.Segment()); found != cursor_of_.end()) {
          range.drops.push_back(Drop{found->second, std::string(members.Customer()), std::nullopt});
        }
      }
      for (size_t c = 0; c < cursors_.size(); ++c) {
        if (!cursors_[c].timed) continue;
        for (Run& run = timers[c]; run.Valid() && (limit == nullptr || run.Customer() < *limit);
             run.it->Next()) {
          range.drops.push_back(
              Drop{c, std::string(run.Customer()), DecodeMicros(run.it->value().ToStringView())});
        }
      }
    };
    auto drop_through = [&](std::string_view id) {
      const std::string beyond = std::string(id) + '\0';
      const std::string_view limit(beyond);
      drop_before(&limit);
    };

    for (; profiles->Valid(); profiles->Next()) {
      const std::string_view id = profiles->key().ToStringView();
      if (!range.open && id > range.last) break;
      drop_before(&id);
      const std::string_view value = profiles->value().ToStringView();
      if (engine_.erased_.contains(id)) {
        drop_through(id);
        continue;
      }
      Result<profile::ProfileState> state = profile::ProfileState::ParseRuleFields(id, value);
      if (!state.ok() && value.find("\"mergedInto\"") == std::string_view::npos) {
        return state.status();
      }
      if (!state.ok() || !state->merged_into.empty()) {
        // A redirect: whatever it still holds goes.
        drop_through(id);
        continue;
      }
      while (scores.Valid() && scores.Customer() < id) scores.it->Next();
      Predictions predictions;
      if (scores.Valid() && scores.Customer() == id) {
        ASSIGN_OR_RETURN(predictions, Predictions::Parse(scores.it->value().ToStringView()));
      }
      known_.assign(cursors_.size(), Known{false, true, std::nullopt});
      for (; members.Valid() && members.Customer() == id; members.it->Next()) {
        if (auto found = cursor_of_.find(members.Segment()); found != cursor_of_.end()) {
          known_[found->second].member = true;
        }
      }
      for (size_t c = 0; c < cursors_.size(); ++c) {
        Run& run = timers[c];
        if (cursors_[c].timed && run.Valid() && run.Customer() == id) {
          known_[c].timer = DecodeMicros(run.it->value().ToStringView());
          run.it->Next();
        }
      }
      CustomerContext context(store, engine_.vault_, std::move(*state), std::move(predictions),
                              &history_);
      Item item;
      for (size_t c = 0; c < cursors_.size(); ++c) {
        ASSIGN_OR_RETURN(Decision decision, engine_.Decide(*cursors_[c].segment, context, now_us_));
        // What Apply would leave as it is.
        if (decision.member == known_[c].member.value_or(false) &&
            decision.recheck_at == known_[c].timer) {
          continue;
        }
        item.changes.push_back(Change{c, known_[c], decision});
      }
      if (item.changes.empty()) continue;
      item.state = std::move(context).ReleaseProfile();
      range.items.push_back(std::move(item));
    }
    RETURN_IF_ERROR(FromRocks(profiles->status(), "scanning profiles"));
    if (range.open) {
      drop_before(nullptr);
    } else {
      drop_through(range.last);
    }
    RETURN_IF_ERROR(FromRocks(members.it->status(), "reading segment members"));
    for (const Run& run : timers) {
      if (run.it) RETURN_IF_ERROR(FromRocks(run.it->status(), "reading segment timers"));
    }
    return FromRocks(scores.it->status(), "reading predictions");
  }

  SegmentEngine::Impl& engine_;
  const std::vector<Cursor>& cursors_;
  const CursorIndex& cursor_of_;
  const int64_t now_us_;
  HistoryScan history_;
  std::unique_ptr<rocksdb::Iterator> profiles_;
  MembershipRun members_;
  Run scores_;
  std::vector<Run> timers_;   // per cursor; no iterator for rules that are not time-dependent
  std::vector<Known> known_;  // of the profile being read, per cursor
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
  CursorIndex cursor_of;
  for (CompiledSegment* segment : group) {
    cursor_of.emplace(segment->def.id, cursors.size());
    cursors.push_back(Cursor{segment, segment->rule.dependencies().time_dependent});
  }

  // The chunk: the next `build_chunk` profile keys, cut into ranges of equal counts.
  const size_t threads = options_.build_threads > 0
                             ? options_.build_threads
                             : std::max(1u, std::thread::hardware_concurrency());
  const size_t chunk = std::max<size_t>(options_.build_chunk, 1);
  const size_t per_range = std::max<size_t>(1, chunk / (threads * kRangesPerThread));
  // Threads take ranges as soon as they are cut, while the calling thread reads the keys on.
  // `cut` is twice the number of ranges ready, plus one once the last is.
  std::vector<Range> ranges;
  ranges.reserve(chunk / per_range + 2);  // never reallocated while the workers read it
  std::atomic<uint64_t> cut{0};
  auto publish = [&](size_t ready, bool done) {
    cut.store(ready * 2 + (done ? 1 : 0), std::memory_order_release);
    cut.notify_all();
  };
  std::atomic<size_t> next{0};
  auto work = [&] {
    RangeReader reader(*this, cursors, cursor_of, now_us);
    for (;;) {
      const size_t r = next.fetch_add(1);
      uint64_t state = cut.load(std::memory_order_acquire);
      while (r >= state / 2 && state % 2 == 0) {
        cut.wait(state, std::memory_order_acquire);
        state = cut.load(std::memory_order_acquire);
      }
      if (r >= state / 2) return;
      reader.Read(ranges[r]);
    }
  };
  std::vector<std::thread> workers;
  // Stops the workers (also on an early return) before `ranges` goes away.
  struct Join {
    std::vector<std::thread>& workers;
    std::atomic<uint64_t>& cut;
    ~Join() {
      cut.fetch_or(1, std::memory_order_release);
      cut.notify_all();
      for (std::thread& worker : workers) {
        if (worker.joinable()) worker.join();
      }
    }
  } join{workers, cut};
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);

  size_t scanned = 0;
  std::string last;
  {
    auto keys = store_.NewIterator(Cf::kProfiles);
    if (after.empty()) {
      keys->SeekToFirst();
    } else {
      keys->Seek(after);
      if (keys->Valid() && keys->key() == after) keys->Next();
    }
    std::string range_after = after;
    for (; keys->Valid() && scanned < chunk; keys->Next()) {
      last.assign(keys->key().data(), keys->key().size());
      if (++scanned % per_range == 0) {
        // The range before this one is ready (this one may still become the open last one).
        if (!ranges.empty()) publish(ranges.size(), false);
        ranges.push_back(Range{range_after, last});
        range_after = last;
      }
    }
    RETURN_IF_ERROR(FromRocks(keys->status(), "scanning profiles"));
    if (scanned % per_range != 0 || scanned == 0) ranges.push_back(Range{range_after, last});
    if (!keys->Valid()) ranges.back().open = true;  // the last chunk: what follows goes too
  }
  const bool finished = ranges.back().open;
  publish(ranges.size(), true);
  work();
  for (std::thread& worker : workers) worker.join();

  // Stage in profile order.
  MembershipBatch batch(*this);
  for (Range& range : ranges) {
    RETURN_IF_ERROR(range.status);
    for (const Drop& drop : range.drops) {
      CompiledSegment& segment = *cursors[drop.cursor].segment;
      if (drop.timer) {
        batch.SetTimer(segment.def.id, drop.customer, drop.timer, std::nullopt);
      } else {
        batch.Exit(segment, drop.customer, nullptr, now_us, "build", "");
      }
    }
    for (const Item& item : range.items) {
      for (const Change& change : item.changes) {
        Apply(*cursors[change.cursor].segment, item.state, change.decision, change.known, now_us,
              "build", "build", batch);
      }
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
