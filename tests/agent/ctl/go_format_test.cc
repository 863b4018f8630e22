// Go formatting habits etcdctl's output relies on, checked against values
// printed by Go (tablewriter, go-humanize, time.Duration, strconv.Quote).
#include "agent/ctl/go_format.h"

#include <gtest/gtest.h>

namespace shadekv::ctl {
namespace {

TEST(GoFormatTest, HumanizeBytesLikeGoHumanize) {
  EXPECT_EQ(HumanizeBytes(0), "0 B");
  EXPECT_EQ(HumanizeBytes(9), "9 B");
  EXPECT_EQ(HumanizeBytes(999), "999 B");
  EXPECT_EQ(HumanizeBytes(1000), "1.0 kB");
  EXPECT_EQ(HumanizeBytes(16384), "16 kB");
  EXPECT_EQ(HumanizeBytes(20480), "20 kB");
  EXPECT_EQ(HumanizeBytes(1500000), "1.5 MB");
  EXPECT_EQ(HumanizeBytes(2147483648ULL), "2.1 GB");
}

TEST(GoFormatTest, GoDurationStrings) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(100), "100ns");
  EXPECT_EQ(FormatGoDuration(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(850000), "850\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(1485404), "1.485404ms");
  EXPECT_EQ(FormatGoDuration(1000000000), "1s");
  EXPECT_EQ(FormatGoDuration(5000968598), "5.000968598s");
  EXPECT_EQ(FormatGoDuration(90000000000), "1m30s");
  EXPECT_EQ(FormatGoDuration(3600000000000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(-2000000), "-2ms");
}

TEST(GoFormatTest, QuoteLikeStrconvQuote) {
  EXPECT_EQ(GoQuote("n2"), "\"n2\"");
  EXPECT_EQ(GoQuote("n2\"x\n\\"), "\"n2\\\"x\\n\\\\\"");
  EXPECT_EQ(GoQuote(std::string("a\x01"
                                "b")),
            "\"a\\x01b\"");
}

TEST(GoFormatTest, TableCentresHeadersAndRightAlignsCells) {
  EXPECT_EQ(RenderTable({"ENDPOINT", "HASH"}, {{"127.0.0.1:2379", "7"}, {"x", "123456"}}),
            "+----------------+--------+\n"
            "|    ENDPOINT    |  HASH  |\n"
            "+----------------+--------+\n"
            "| 127.0.0.1:2379 |      7 |\n"
            "|              x | 123456 |\n"
            "+----------------+--------+\n");
  EXPECT_EQ(RenderTable({"A", "ERRORS"}, {}),
            "+---+--------+\n"
            "| A | ERRORS |\n"
            "+---+--------+\n"
            "+---+--------+\n");
}

}  // namespace
}  // namespace shadekv::ctl
