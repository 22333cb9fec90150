// ScriptCallOrder: the order of script calls across a NOSCRIPT recovery.
// Calls are ints (the order they were asked for); answers come in send order.
#include "broker/script_call_order.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wshub::broker {
namespace {

using Order = ScriptCallOrder<int>;

// Asks for `call` and returns whether it went out.
bool ask(Order& o, int call) { return o.admit(call); }

TEST(ScriptCallOrder, CallsGoOutWhileNothingFailed) {
  Order o;
  EXPECT_TRUE(ask(o, 1));
  EXPECT_TRUE(ask(o, 2));
  EXPECT_EQ(o.in_flight(), 2u);
  EXPECT_TRUE(o.on_answer(true).empty());
  EXPECT_TRUE(o.on_answer(false).empty());
  EXPECT_EQ(o.in_flight(), 0u);
  EXPECT_FALSE(o.recovering());
  EXPECT_FALSE(o.resume().has_value());
}

// 1, 2, 3 in flight; all meet NOSCRIPT; 4 is asked for meanwhile. The retry
// is 1, 2, 3 and only then 4, whatever order the answers were read in.
TEST(ScriptCallOrder, FailedCallsGoAgainAheadOfTheOnesAskedMeanwhile) {
  Order o;
  for (int c : {1, 2, 3}) ASSERT_TRUE(ask(o, c));
  o.on_noscript(1);
  EXPECT_TRUE(o.recovering());
  EXPECT_FALSE(ask(o, 4)) << "held while 2 and 3 are unanswered";
  EXPECT_FALSE(o.resume().has_value());
  o.on_noscript(2);
  EXPECT_FALSE(o.resume().has_value());
  o.on_noscript(3);
  auto r = o.resume();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->retry, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r->held, (std::vector<int>{4}));
  EXPECT_FALSE(o.recovering());
  EXPECT_EQ(o.in_flight(), 4u) << "what resume() returns counts as sent";
  EXPECT_TRUE(ask(o, 5));
}

// 1 meets NOSCRIPT, 2 succeeds (another connection loaded the script between
// them): 1 can only run after 2 now, so it is handed back to fail.
TEST(ScriptCallOrder, AFailedCallOvertakenByALaterSuccessFails) {
  Order o;
  for (int c : {1, 2, 3}) ASSERT_TRUE(ask(o, c));
  o.on_noscript(1);
  EXPECT_EQ(o.on_answer(true), (std::vector<int>{1}));
  o.on_noscript(3);
  auto r = o.resume();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->retry, (std::vector<int>{3})) << "3 was overtaken by nothing";
  EXPECT_TRUE(r->held.empty());
}

// An error answer (Redis refused the call, or the link broke) did not run it,
// so it overtakes nothing.
TEST(ScriptCallOrder, AnErrorAnswerOvertakesNothing) {
  Order o;
  for (int c : {1, 2}) ASSERT_TRUE(ask(o, c));
  o.on_noscript(1);
  EXPECT_TRUE(o.on_answer(false).empty());
  auto r = o.resume();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->retry, (std::vector<int>{1}));
}

// A held call that meets NOSCRIPT again starts a second recovery.
TEST(ScriptCallOrder, ASecondFlushStartsASecondRecovery) {
  Order o;
  ASSERT_TRUE(ask(o, 1));
  o.on_noscript(1);
  EXPECT_FALSE(ask(o, 2));
  auto r = o.resume();
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(o.on_answer(true).empty());  // 1, sent as EVAL
  o.on_noscript(2);                        // 2, EVALSHA, flushed again
  EXPECT_FALSE(ask(o, 3));
  r = o.resume();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->retry, (std::vector<int>{2}));
  EXPECT_EQ(r->held, (std::vector<int>{3}));
}

TEST(ScriptCallOrder, ResetHandsBackWhatWasKeptAndHeld) {
  Order o;
  for (int c : {1, 2}) ASSERT_TRUE(ask(o, c));
  o.on_noscript(1);
  EXPECT_FALSE(ask(o, 3));
  EXPECT_EQ(o.reset(), (std::vector<int>{1, 3}));
  EXPECT_FALSE(o.recovering());
  EXPECT_EQ(o.in_flight(), 0u);
  EXPECT_TRUE(ask(o, 4)) << "a new connection starts clean";
}

}  // namespace
}  // namespace wshub::broker
