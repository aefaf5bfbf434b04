#include "recommend/data/srgnn.h"

#include <limits>

#include "recommend/data/delimited_reader.h"

namespace mercato::recommend::data {
namespace {

Result<ItemId> ParseFileItem(std::string_view text) {
  auto id = ParseInt64(text);
  if (!id || *id < 1 || *id > std::numeric_limits<ItemId>::max()) {
    return Status::InvalidArgument("item '" + std::string(text) + "' is not an id >= 1");
  }
  return static_cast<ItemId>(*id - 1);
}

Status ParseItems(std::span<const std::string> texts, std::vector<ItemId>& items) {
  items.clear();
  for (const std::string& text : texts) {
    ASSIGN_OR_RETURN(ItemId item, ParseFileItem(text));
    items.push_back(item);
  }
  return Status::Ok();
}

// Items that occur in at least one training session.
std::vector<bool> TrainItems(const SessionCorpus& train) {
  std::vector<bool> seen(train.item_count(), false);
  for (SessionIndex s = 0; s < train.size(); ++s) {
    for (ItemId item : train.Session(s)) seen[item] = true;
  }
  return seen;
}

Status RequireTrainItem(const std::vector<bool>& seen, ItemId item) {
  if (item < seen.size() && seen[item]) return Status::Ok();
  return Status::InvalidArgument("item " + std::to_string(item + 1ULL) + " is not in train");
}

}  // namespace

Result<SessionCorpus> ReadSrGnnTrainSessions(std::istream& in) {
  SessionCorpus corpus;
  std::vector<ItemId> items;
  RETURN_IF_ERROR(ReadDelimited(in, {' ', "", 0}, [&](const std::vector<std::string>& fields) {
    RETURN_IF_ERROR(ParseItems(fields, items));
    corpus.Add(items, static_cast<std::int64_t>(corpus.size()));
    return Status::Ok();
  }));
  return corpus;
}

Result<std::vector<NextItemCase>> ReadSrGnnTestPairs(std::istream& in, const SessionCorpus& train) {
  const std::vector<bool> seen = TrainItems(train);
  std::vector<NextItemCase> cases;
  std::vector<std::string> prefix_texts;
  RETURN_IF_ERROR(ReadDelimited(in, {'\t', "", 2}, [&](const std::vector<std::string>& fields) {
    NextItemCase& test_case = cases.emplace_back();
    if (fields[0].empty() || !SplitFields(fields[0], ' ', prefix_texts)) {
      return Status::InvalidArgument("empty prefix");
    }
    RETURN_IF_ERROR(ParseItems(prefix_texts, test_case.prefix));
    ASSIGN_OR_RETURN(test_case.next, ParseFileItem(fields[1]));
    for (ItemId item : test_case.prefix) RETURN_IF_ERROR(RequireTrainItem(seen, item));
    return RequireTrainItem(seen, test_case.next);
  }));
  return cases;
}

Result<SrGnnSplit> ReadSrGnnSplit(std::istream& train_sessions, std::istream& test_pairs) {
  SrGnnSplit split;
  ASSIGN_OR_RETURN(split.train, ReadSrGnnTrainSessions(train_sessions));
  ASSIGN_OR_RETURN(split.test, ReadSrGnnTestPairs(test_pairs, split.train));
  return split;
}

}  // namespace mercato::recommend::data
