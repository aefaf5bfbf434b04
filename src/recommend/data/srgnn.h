#pragma once
// Reader of the SR-GNN Diginetica benchmark split (Wu et al., AAAI 2019; the plain-text files in
// shared/data/diginetica_srgnn_split, see its PROVENANCE.txt). The split is already filtered and
// renumbered: item ids are 1..N in order of first appearance in train, so dense id = file id - 1
// and item_count = the largest id in train.
//
// Files: train_sessions.txt, one session per line, item ids separated by single spaces, sessions
// in date order; test_pairs.tsv, "prefix items<TAB>target" per evaluation case. Neither has a
// header; blank lines are skipped; a malformed line is an InvalidArgument naming it.
// Thread safety: pure functions.

#include <istream>
#include <vector>

#include "core/status.h"
#include "recommend/eval/evaluator.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend::data {

struct SrGnnSplit {
  // Session time = its 0-based position in the file (the file is in date order), so a model's
  // "more recent" is "later in the file". Test cases carry no time: query with
  // now = train.size(), after every training session.
  SessionCorpus train;
  std::vector<NextItemCase> test;  // file order; NextItemCase is eval/evaluator.h's
};

// The training sessions. InvalidArgument on an id that is not an integer >= 1.
Result<SessionCorpus> ReadSrGnnTrainSessions(std::istream& in);

// The test cases in the ids of `train`. InvalidArgument on a malformed line, an empty prefix or
// an item that occurs in no training session (the split guarantees there is none).
Result<std::vector<NextItemCase>> ReadSrGnnTestPairs(std::istream& in, const SessionCorpus& train);

// Both files.
Result<SrGnnSplit> ReadSrGnnSplit(std::istream& train_sessions, std::istream& test_pairs);

}  // namespace mercato::recommend::data
