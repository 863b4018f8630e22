// Gateway JSON in, etcdctl JSON out: base64, int64 fields, key order, Go quoting.
#include "agent/ctl/json_util.h"

#include <gtest/gtest.h>

namespace shadekv::ctl {
namespace {

TEST(JsonUtilTest, Base64RoundTripsWithoutLineBreaks) {
  const std::string long_value(200, 'x');
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("k"), "aw==");
  EXPECT_EQ(Base64Encode(std::string("\0", 1)), "AA==");
  EXPECT_EQ(Base64Encode(long_value).find('\n'), std::string::npos);
  EXPECT_EQ(*Base64Decode(Base64Encode(long_value)), long_value);
  EXPECT_EQ(*Base64Decode("aGVsbG8K"), "hello\n");
  EXPECT_EQ(Base64Decode("eA").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("e!==").status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonUtilTest, ReadsInt64FieldsFromStringsOrNumbers) {
  auto obj = ParseJsonObject(R"({"a":"15118495548433857066","b":12,"c":"-1","d":"x"})");
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(GetUint64(*obj, "a"), 15118495548433857066ULL);
  EXPECT_EQ(GetInt64(*obj, "b"), 12);
  EXPECT_EQ(GetInt64(*obj, "c"), -1);
  EXPECT_EQ(GetInt64(*obj, "d"), 0);
  EXPECT_EQ(GetInt64(*obj, "missing"), 0);
}

TEST(JsonUtilTest, RejectsTextThatIsNotAnObject) {
  EXPECT_EQ(ParseJsonObject("[1]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJsonObject("Not Found").status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonUtilTest, EtcdctlJsonKeepsOrderAndUnquotesInt64Fields) {
  auto obj = ParseJsonObject(
      R"({"zeta":"1","revision":"5","version":"3.4.23","count":"2","name":"7","ok":true,)"
      R"("list":[{"ID":"9"}],"hash":3698640785})");
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(EtcdctlJson(*obj),
            R"({"zeta":"1","revision":5,"version":"3.4.23","count":2,"name":"7","ok":true,)"
            R"("list":[{"ID":9}],"hash":3698640785})");
}

TEST(JsonUtilTest, QuotesLikeGoEncodingJson) {
  EXPECT_EQ(GoJsonQuote("<a&b>\"\\\n\x01"), "\"\\u003ca\\u0026b\\u003e\\\"\\\\\\n\\u0001\"");
  EXPECT_EQ(GoJsonQuote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(GoJsonQuote("\xE2\x80\xA8"), "\"\\u2028\"");
  // Invalid UTF-8 becomes U+FFFD and DEL passes through, as in Go.
  EXPECT_EQ(GoJsonQuote("a\xFF"
                        "b\xC3"),
            "\"a\\ufffdb\\ufffd\"");
  EXPECT_EQ(GoJsonQuote("\x7F"), "\"\x7F\"");
}

}  // namespace
}  // namespace shadekv::ctl
