// Gru4Rec on crafted sessions: it must learn a deterministic successor pattern, be reproducible
// from its seed, survive a storage round trip, and reject bad input with a Status.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "recommend/neural/gru4rec.h"
#include "recommend/session_corpus.h"

namespace mercato::recommend {
namespace {

constexpr ItemId kItems = 10;

// Sessions of 3..8 clicks where item i is followed by (i + 1) mod 10, except for one click in ten
// that jumps to a random item.
SessionCorpus SuccessorCorpus(std::size_t sessions, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<ItemId> any_item(0, kItems - 1);
  std::uniform_int_distribution<int> length(3, 8);
  std::uniform_int_distribution<int> percent(0, 99);
  SessionCorpus corpus(kItems);
  for (std::size_t s = 0; s < sessions; ++s) {
    std::vector<ItemId> items{any_item(rng)};
    const int clicks = length(rng);
    while (static_cast<int>(items.size()) < clicks) {
      items.push_back(percent(rng) < 10 ? any_item(rng) : (items.back() + 1) % kItems);
    }
    corpus.Add(items, static_cast<std::int64_t>(s));
  }
  return corpus;
}

Gru4RecOptions SmallOptions(Gru4RecLoss loss) {
  Gru4RecOptions options;
  options.hidden_size = 24;
  options.epochs = 15;
  options.batch_size = 16;
  options.learning_rate = 0.1f;
  options.loss = loss;
  options.negative_samples = 8;
  options.dropout_embedding = 0.0f;
  options.dropout_hidden = 0.0f;
  options.seed = 7;
  return options;
}

// The top-1 answer after the prefix {(i + 8) % 10, (i + 9) % 10, i} for every i.
std::vector<ItemId> TopOnePerItem(const Gru4Rec& model) {
  std::vector<ItemId> answers;
  std::vector<ScoredItem> out;
  for (ItemId item = 0; item < kItems; ++item) {
    const std::vector<ItemId> prefix{(item + 8) % kItems, (item + 9) % kItems, item};
    model.Recommend({prefix, 0}, 1, out);
    answers.push_back(out.empty() ? kItems : out[0].item);
  }
  return answers;
}

std::size_t CorrectSuccessors(const std::vector<ItemId>& answers) {
  std::size_t correct = 0;
  for (ItemId item = 0; item < kItems; ++item) correct += answers[item] == (item + 1) % kItems;
  return correct;
}

class Gru4RecLossTest : public ::testing::TestWithParam<Gru4RecLoss> {};

TEST_P(Gru4RecLossTest, LearnsTheSuccessorOfEveryItem) {
  const SessionCorpus corpus = SuccessorCorpus(400, 1);
  auto model = Gru4Rec::Train(corpus, SmallOptions(GetParam()));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->name(), "gru4rec");
  EXPECT_EQ((*model)->epochs_completed(), 15u);
  const std::vector<ItemId> answers = TopOnePerItem(**model);
  EXPECT_EQ(CorrectSuccessors(answers), kItems)
      << ::testing::PrintToString(answers) << " should be 1 2 3 ... 9 0";
}

INSTANTIATE_TEST_SUITE_P(Losses, Gru4RecLossTest,
                         ::testing::Values(Gru4RecLoss::kFullSoftmax, Gru4RecLoss::kSampledSoftmax,
                                           Gru4RecLoss::kBprMax));

TEST(Gru4RecTest, LearnsWithShapesLargeEnoughForOneDnn) {
  // The products here exceed the trainer's threshold for oneDNN's inner product, which the
  // small shapes above (reference BLAS) do not reach.
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kSampledSoftmax);
  options.hidden_size = 64;
  options.batch_size = 32;
  options.negative_samples = 64;
  options.epochs = 10;
  options.learning_rate = 0.05f;
  auto model = Gru4Rec::Train(SuccessorCorpus(400, 9), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(CorrectSuccessors(TopOnePerItem(**model)), kItems);
}

TEST(Gru4RecTest, AnUntrainedModelDoesNotKnowThePattern) {
  // The same network after a negligible amount of learning: the successor check above is not
  // something random weights pass.
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kFullSoftmax);
  options.epochs = 1;
  options.learning_rate = 1e-9f;
  auto model = Gru4Rec::Train(SuccessorCorpus(400, 1), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_LT(CorrectSuccessors(TopOnePerItem(**model)), 5u);
}

TEST(Gru4RecTest, SameSeedGivesTheSameModel) {
  const SessionCorpus corpus = SuccessorCorpus(200, 2);
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kSampledSoftmax);
  options.epochs = 3;
  options.dropout_embedding = 0.1f;
  options.dropout_hidden = 0.2f;
  auto first = Gru4Rec::Train(corpus, options);
  auto second = Gru4Rec::Train(corpus, options);
  options.seed = 8;
  auto other_seed = Gru4Rec::Train(corpus, options);
  ASSERT_TRUE(first.ok() && second.ok() && other_seed.ok());
  std::string first_bytes, second_bytes, other_bytes;
  ASSERT_TRUE((*first)->Serialize(first_bytes).ok());
  ASSERT_TRUE((*second)->Serialize(second_bytes).ok());
  ASSERT_TRUE((*other_seed)->Serialize(other_bytes).ok());
  EXPECT_EQ(first_bytes, second_bytes);
  EXPECT_NE(first_bytes, other_bytes);

  std::vector<ScoredItem> a, b;
  const std::vector<ItemId> query{3, 4, 5};
  (*first)->Recommend({query, 0}, kItems, a);
  (*second)->Recommend({query, 0}, kItems, b);
  EXPECT_EQ(a, b);
}

TEST(Gru4RecTest, SerializeDeserializeKeepsTheAnswers) {
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kBprMax);
  options.epochs = 2;
  options.layers = 2;
  auto model = Gru4Rec::Train(SuccessorCorpus(200, 3), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::string bytes;
  ASSERT_TRUE((*model)->Serialize(bytes).ok());
  auto loaded = Gru4Rec::Deserialize(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->item_count(), kItems);
  EXPECT_EQ((*loaded)->options().layers, 2u);
  EXPECT_EQ((*loaded)->options().loss, Gru4RecLoss::kBprMax);
  EXPECT_EQ((*loaded)->epochs_completed(), 2u);
  std::string again;
  ASSERT_TRUE((*loaded)->Serialize(again).ok());
  EXPECT_EQ(again, bytes);

  std::vector<ScoredItem> before, after;
  for (ItemId item = 0; item < kItems; ++item) {
    const std::vector<ItemId> query{item, (item + 3) % kItems};
    (*model)->Recommend({query, 0}, 5, before);
    (*loaded)->Recommend({query, 0}, 5, after);
    EXPECT_EQ(before, after);
  }
}

TEST(Gru4RecTest, DamagedBlobsAreCorruption) {
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kSampledSoftmax);
  options.epochs = 1;
  auto model = Gru4Rec::Train(SuccessorCorpus(50, 4), options);
  ASSERT_TRUE(model.ok());
  std::string bytes;
  ASSERT_TRUE((*model)->Serialize(bytes).ok());

  for (std::size_t length : {std::size_t{0}, std::size_t{5}, std::size_t{8}, std::size_t{60},
                             bytes.size() / 2, bytes.size() - 9, bytes.size() - 1}) {
    auto loaded = Gru4Rec::Deserialize(std::string_view(bytes).substr(0, length));
    ASSERT_FALSE(loaded.ok()) << "length " << length;
    EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption) << "length " << length;
  }
  std::string longer = bytes + "x";
  EXPECT_EQ(Gru4Rec::Deserialize(longer).status().code(), StatusCode::kCorruption);
  // Flip one bit anywhere: header fields, parameters or the checksum itself.
  for (std::size_t position : {std::size_t{0}, std::size_t{9}, std::size_t{20}, std::size_t{90},
                               bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[position] = static_cast<char>(damaged[position] ^ 0x10);
    EXPECT_EQ(Gru4Rec::Deserialize(damaged).status().code(), StatusCode::kCorruption)
        << "position " << position;
  }
  EXPECT_EQ(Gru4Rec::Deserialize(std::string(bytes.size(), '\xff')).status().code(),
            StatusCode::kCorruption);
}

TEST(Gru4RecTest, QueriesOutsideTheCatalogue) {
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kFullSoftmax);
  options.epochs = 1;
  auto model = Gru4Rec::Train(SuccessorCorpus(50, 5), options);
  ASSERT_TRUE(model.ok());
  std::vector<ScoredItem> out{{1, 1.0f}};
  (*model)->Recommend({{}, 0}, 5, out);
  EXPECT_TRUE(out.empty());
  const std::vector<ItemId> unknown{kItems, 1000};
  (*model)->Recommend({unknown, 0}, 5, out);
  EXPECT_TRUE(out.empty());

  // Unknown ids are skipped, not fed as some other item.
  const std::vector<ItemId> mixed{kItems, 4, 999999};
  const std::vector<ItemId> known{4};
  std::vector<ScoredItem> expected;
  (*model)->Recommend({mixed, 0}, 3, out);
  (*model)->Recommend({known, 0}, 3, expected);
  EXPECT_EQ(out, expected);

  (*model)->Recommend({known, 0}, 0, out);
  EXPECT_TRUE(out.empty());
  (*model)->Recommend({known, 0}, 100, out);
  ASSERT_EQ(out.size(), kItems);
  for (std::size_t rank = 1; rank < out.size(); ++rank) {
    EXPECT_TRUE(out[rank - 1].score > out[rank].score ||
                (out[rank - 1].score == out[rank].score && out[rank - 1].item < out[rank].item));
  }
}

TEST(Gru4RecTest, ConcurrentRecommendAgreesWithSerial) {
  auto model = Gru4Rec::Train(SuccessorCorpus(200, 6), SmallOptions(Gru4RecLoss::kFullSoftmax));
  ASSERT_TRUE(model.ok());
  const Gru4Rec& shared = **model;
  std::vector<std::vector<ScoredItem>> serial(kItems);
  for (ItemId item = 0; item < kItems; ++item) {
    const std::vector<ItemId> query{item, (item + 1) % kItems};
    shared.Recommend({query, 0}, 4, serial[item]);
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t thread_idx = 0; thread_idx < mismatches.size(); ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      std::vector<ScoredItem> out;
      for (int round = 0; round < 50; ++round) {
        for (ItemId item = 0; item < kItems; ++item) {
          const std::vector<ItemId> query{item, (item + 1) % kItems};
          shared.Recommend({query, 0}, 4, out);
          mismatches[thread_idx] += out != serial[item];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(Gru4RecTest, TimeBudgetStopsTrainingAndReportsProgress) {
  Gru4RecOptions options = SmallOptions(Gru4RecLoss::kSampledSoftmax);
  options.epochs = 1000000;
  options.max_train_seconds = 0.3;
  std::vector<Gru4RecProgress> reports;
  options.progress = [&reports](const Gru4RecProgress& progress) { reports.push_back(progress); };
  auto model = Gru4Rec::Train(SuccessorCorpus(100, 7), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_LT((*model)->epochs_completed(), options.epochs);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.size(), (*model)->epochs_completed() + 1);  // + the interrupted epoch
  EXPECT_EQ(reports.front().epoch, 1u);
  EXPECT_GT(reports.front().events, 0u);
  EXPECT_GT(reports.front().mean_loss, 0.0);
  EXPECT_GE(reports.back().elapsed_seconds, 0.3);
  EXPECT_LT(reports.back().elapsed_seconds, 30.0);
}

TEST(Gru4RecTest, RejectsEmptyCorporaAndBadOptions) {
  EXPECT_EQ(Gru4Rec::Train(SessionCorpus{}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Gru4Rec::Train(SessionCorpus(5), {}).status().code(), StatusCode::kInvalidArgument);
  SessionCorpus singletons;
  for (ItemId item = 0; item < 5; ++item) singletons.Add(std::vector<ItemId>{item}, item);
  EXPECT_EQ(Gru4Rec::Train(singletons, {}).status().code(), StatusCode::kInvalidArgument);

  const SessionCorpus corpus = SuccessorCorpus(20, 8);
  auto rejected = [&corpus](auto change) {
    Gru4RecOptions options = SmallOptions(Gru4RecLoss::kSampledSoftmax);
    change(options);
    return Gru4Rec::Train(corpus, options).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.hidden_size = 0; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.hidden_size = 5000; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.layers = 0; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.epochs = 0; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.batch_size = 0; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.learning_rate = 0; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.dropout_hidden = 1.0f; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.dropout_embedding = -0.1f; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.sample_alpha = -1; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.threads = 0; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.max_train_seconds = -1; }));
  EXPECT_TRUE(rejected([](Gru4RecOptions& o) { o.loss = static_cast<Gru4RecLoss>(9); }));
}

}  // namespace
}  // namespace mercato::recommend
