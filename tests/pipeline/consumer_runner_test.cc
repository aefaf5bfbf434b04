#include "pipeline/consumer_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "support/test_support.h"

namespace mercato {
namespace {

using testing::WaitFor;

// A fake consumer with `pending` units of work; each step takes up to 10.
struct FakeConsumer {
  std::atomic<int> pending{0};
  std::atomic<int> processed{0};
  std::atomic<int> steps{0};
  std::atomic<int> fail_next{0};

  Result<size_t> Step() {
    steps.fetch_add(1);
    if (fail_next.load() > 0) {
      fail_next.fetch_sub(1);
      return Status::IoError("injected");
    }
    int take = std::min(10, pending.load());
    pending.fetch_sub(take);
    processed.fetch_add(take);
    return static_cast<size_t>(take);
  }
};

TEST(ConsumerRunnerTest, DrainsWorkThenReportsCaughtUp) {
  FakeConsumer consumer;
  consumer.pending = 95;
  ConsumerRunner runner("fake", [&] { return consumer.Step(); });
  runner.Start();
  ASSERT_TRUE(WaitFor([&] { return runner.caught_up(); }));
  EXPECT_EQ(consumer.processed.load(), 95);
  EXPECT_GE(consumer.steps.load(), 10);  // 10 steps with work, at least one that found none
  runner.Stop();
}

TEST(ConsumerRunnerTest, NotifyWakesTheRunnerForNewWork) {
  FakeConsumer consumer;
  ConsumerRunner runner("fake", [&] { return consumer.Step(); });
  runner.Start();
  ASSERT_TRUE(WaitFor([&] { return runner.caught_up(); }));
  consumer.pending = 30;
  runner.Notify();
  ASSERT_TRUE(WaitFor([&] { return consumer.processed.load() == 30 && runner.caught_up(); }));
  runner.Stop();
}

TEST(ConsumerRunnerTest, ErrorsAreRetriedAndCounted) {
  FakeConsumer consumer;
  consumer.pending = 20;
  consumer.fail_next = 2;
  ConsumerRunner runner("fake", [&] { return consumer.Step(); });
  runner.Start();
  ASSERT_TRUE(WaitFor([&] { return consumer.processed.load() == 20 && runner.caught_up(); }));
  EXPECT_EQ(runner.errors(), 2u);
  runner.Stop();
}

TEST(ConsumerRunnerTest, StopJoinsPromptlyWhileIdle) {
  FakeConsumer consumer;
  ConsumerRunner runner("fake", [&] { return consumer.Step(); });
  runner.Start();
  ASSERT_TRUE(WaitFor([&] { return runner.caught_up(); }));
  auto started = std::chrono::steady_clock::now();
  runner.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  int steps = consumer.steps.load();
  consumer.pending = 5;
  runner.Notify();  // a stopped runner does nothing
  EXPECT_EQ(consumer.steps.load(), steps);
}

}  // namespace
}  // namespace mercato
