// Flag parsing as cobra/pflag does it, and Go's number and duration parsers.
#include "agent/ctl/flags.h"

#include <gtest/gtest.h>

namespace shadekv::ctl {
namespace {

const std::vector<FlagSpec> kSpecs = {{"prefix", 0, FlagKind::kBool},
                                      {"limit", 0, FlagKind::kInt64},
                                      {"write-out", 'w', FlagKind::kString},
                                      {"interactive", 'i', FlagKind::kBool},
                                      {"command-timeout", 0, FlagKind::kDuration}};

TEST(ParseFlagsTest, AcceptsSpaceAndEqualsFormsAnywhere) {
  Result<ParsedFlags> f =
      ParseFlags({"--limit", "5", "get", "k", "--prefix", "-w", "json", "end"}, kSpecs);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->positionals, (std::vector<std::string>{"get", "k", "end"}));
  EXPECT_EQ(f->Get("limit"), "5");
  EXPECT_TRUE(f->GetBool("prefix"));
  EXPECT_EQ(f->Get("write-out"), "json");

  f = ParseFlags({"--limit=7", "-w=table", "--prefix=false"}, kSpecs);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("limit"), "7");
  EXPECT_EQ(f->Get("write-out"), "table");
  EXPECT_FALSE(f->GetBool("prefix"));
  EXPECT_TRUE(f->Has("prefix"));
}

TEST(ParseFlagsTest, ShorthandRunsAndAttachedValues) {
  Result<ParsedFlags> f = ParseFlags({"-iwjson"}, kSpecs);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->GetBool("interactive"));
  EXPECT_EQ(f->Get("write-out"), "json");
}

TEST(ParseFlagsTest, BoolFlagDoesNotConsumeTheNextWord) {
  Result<ParsedFlags> f = ParseFlags({"--prefix", "true"}, kSpecs);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->positionals, (std::vector<std::string>{"true"}));
}

TEST(ParseFlagsTest, DoubleDashEndsFlags) {
  Result<ParsedFlags> f = ParseFlags({"get", "--", "--prefix", "-w"}, kSpecs);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->positionals, (std::vector<std::string>{"get", "--prefix", "-w"}));
  EXPECT_FALSE(f->Has("prefix"));
}

TEST(ParseFlagsTest, RepeatedFlagKeepsAllValuesAndLastWins) {
  Result<ParsedFlags> f = ParseFlags({"-w", "json", "--write-out", "table"}, kSpecs);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("write-out"), "table");
  EXPECT_EQ(f->GetAll("write-out"), (std::vector<std::string>{"json", "table"}));
}

TEST(ParseFlagsTest, RejectsUnknownFlagsWithPflagWording) {
  EXPECT_EQ(ParseFlags({"--bogus"}, kSpecs).status(),
            Status::InvalidArgument("unknown flag: --bogus"));
  EXPECT_EQ(ParseFlags({"--bogus=1"}, kSpecs).status(),
            Status::InvalidArgument("unknown flag: --bogus"));
  EXPECT_EQ(ParseFlags({"-x"}, kSpecs).status(),
            Status::InvalidArgument("unknown shorthand flag: 'x' in -x"));
}

TEST(ParseFlagsTest, RejectsMissingAndMistypedValues) {
  EXPECT_EQ(ParseFlags({"--limit"}, kSpecs).status(),
            Status::InvalidArgument("flag needs an argument: --limit"));
  EXPECT_EQ(ParseFlags({"-w"}, kSpecs).status(),
            Status::InvalidArgument("flag needs an argument: 'w' in -w"));
  EXPECT_EQ(ParseFlags({"--limit=x"}, kSpecs).status(),
            Status::InvalidArgument("invalid argument \"x\" for \"--limit\" flag: "
                                    "strconv.ParseInt: parsing \"x\": invalid syntax"));
  EXPECT_EQ(ParseFlags({"--prefix=maybe"}, kSpecs).status(),
            Status::InvalidArgument("invalid argument \"maybe\" for \"--prefix\" flag: "
                                    "strconv.ParseBool: parsing \"maybe\": invalid syntax"));
  EXPECT_EQ(ParseFlags({"--command-timeout", "5"}, kSpecs).status(),
            Status::InvalidArgument("invalid argument \"5\" for \"--command-timeout\" flag: "
                                    "time: missing unit in duration \"5\""));
}

TEST(GoParsersTest, ParseBoolAcceptsGoSpellings) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_TRUE(*ParseGoBool(t)) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    EXPECT_FALSE(*ParseGoBool(f)) << f;
  }
  EXPECT_FALSE(ParseGoBool("yes").ok());
}

TEST(GoParsersTest, ParseDurationAcceptsGoSyntax) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(*ParseGoDuration("5s"), nanoseconds(5'000'000'000));
  EXPECT_EQ(*ParseGoDuration("250ms"), nanoseconds(250'000'000));
  EXPECT_EQ(*ParseGoDuration("1m30s"), nanoseconds(90'000'000'000));
  EXPECT_EQ(*ParseGoDuration("1.5h"), nanoseconds(5'400'000'000'000));
  EXPECT_EQ(*ParseGoDuration("10us"), nanoseconds(10'000));
  EXPECT_EQ(*ParseGoDuration("0"), nanoseconds(0));
  EXPECT_EQ(ParseGoDuration("x").status(), Status::InvalidArgument("time: invalid duration \"x\""));
  EXPECT_EQ(ParseGoDuration("3parsecs").status(),
            Status::InvalidArgument("time: unknown unit \"parsecs\" in duration \"3parsecs\""));
  EXPECT_FALSE(ParseGoDuration("").ok());
}

TEST(GoParsersTest, ParseIntegersWithGoErrors) {
  EXPECT_EQ(*ParseGoInt64("-42", 10), -42);
  EXPECT_EQ(*ParseGoInt64("1234", 16), 0x1234);
  EXPECT_EQ(*ParseGoInt64("9223372036854775807", 10), INT64_MAX);
  EXPECT_EQ(ParseGoInt64("9223372036854775808", 10).status(),
            Status::InvalidArgument(
                "strconv.ParseInt: parsing \"9223372036854775808\": value out of range"));
  EXPECT_EQ(ParseGoInt64("abc", 10).status(),
            Status::InvalidArgument("strconv.ParseInt: parsing \"abc\": invalid syntax"));
  EXPECT_EQ(*ParseGoUint64("bdae9bbc11dd390d", 16), 0xbdae9bbc11dd390dULL);
  EXPECT_EQ(ParseGoUint64("zz", 16).status(),
            Status::InvalidArgument("strconv.ParseUint: parsing \"zz\": invalid syntax"));
}

}  // namespace
}  // namespace shadekv::ctl
