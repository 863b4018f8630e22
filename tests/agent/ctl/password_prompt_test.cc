// AskPassword away from a terminal: what etcdctl's speakeasy prints and
// reads when stdin is a pipe. (The terminal path, echo off, is exercised on a
// real pseudo-terminal in auth_e2e_test.cc.)
#include "agent/ctl/password_prompt.h"

#include <sstream>

#include <gtest/gtest.h>

namespace shadekv::ctl {
namespace {

TEST(AskPasswordTest, PrintsThePromptReadsOneLineThenPrintsANewline) {
  std::istringstream in("first pw\r\nsecond\n");
  std::ostringstream out;
  EXPECT_EQ(AskPassword("Password: ", in, out), "first pw");
  EXPECT_EQ(out.str(), "Password: \n");
  EXPECT_EQ(AskPassword("Again: ", in, out), "second");
  EXPECT_EQ(out.str(), "Password: \nAgain: \n");
}

TEST(AskPasswordTest, ClosedInputReadsAsEmpty) {
  std::istringstream in("");
  std::ostringstream out;
  EXPECT_EQ(AskPassword("Password: ", in, out), "");
  EXPECT_EQ(out.str(), "Password: \n");
  std::istringstream partial("no-newline");
  EXPECT_EQ(AskPassword("Password: ", partial, out), "no-newline");
}

}  // namespace
}  // namespace shadekv::ctl
