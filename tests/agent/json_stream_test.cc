// JsonValueStream: splitting streaming request bodies into JSON values.
#include "agent/api/json_stream.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace shadekv::api {
namespace {

// Every value the stream yields until its end, or the error.
Result<std::vector<std::string>> SplitAll(const std::string& body, size_t max_bytes = 1024) {
  std::istringstream in(body);
  JsonValueStream stream(in, max_bytes);
  std::vector<std::string> values;
  for (int i = 0; i < 100; ++i) {
    Result<std::optional<std::string>> next = stream.Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) return values;
    values.push_back(**next);
  }
  ADD_FAILURE() << "stream did not end";
  return values;
}

TEST(JsonValueStreamTest, SplitsConcatenatedAndWhitespaceSeparatedObjects) {
  auto values = SplitAll(" {\"a\":1}\n{\"b\":{\"c\":[1,2]}}{\"d\":2}  \n");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*values, (std::vector<std::string>{"{\"a\":1}", "{\"b\":{\"c\":[1,2]}}", "{\"d\":2}"}));
}

TEST(JsonValueStreamTest, BracketsAndEscapedQuotesInsideStringsDoNotCount) {
  auto values = SplitAll(R"({"k":"}{[\"]"} {"x":"\\"})");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{R"({"k":"}{[\"]"})", R"({"x":"\\"})"}));
}

TEST(JsonValueStreamTest, EmptyAndWhitespaceOnlyBodiesHaveNoValues) {
  EXPECT_TRUE(SplitAll("")->empty());
  EXPECT_TRUE(SplitAll(" \r\n\t ")->empty());
}

TEST(JsonValueStreamTest, TruncatedValueIsReturnedForTheParserToReject) {
  auto values = SplitAll("{\"a\":1}{\"create_request\":{\"key\"");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"{\"a\":1}", "{\"create_request\":{\"key\""}));
}

TEST(JsonValueStreamTest, ScalarsAndGarbageEndAtTheNextDelimiter) {
  auto values = SplitAll("12 true xyz{\"a\":1}");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"12", "true", "xyz", "{\"a\":1}"}));
}

TEST(JsonValueStreamTest, OversizedValueIsRefusedAndEndsTheStream) {
  std::istringstream in("{\"v\":\"" + std::string(100, 'x') + "\"} {\"a\":1}");
  JsonValueStream stream(in, 32);
  auto first = stream.Next();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().message(), "etcdserver: request is too large");
  auto after = stream.Next();
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST(JsonValueStreamTest, ReadsNoByteBeyondTheValue) {
  // An interactive client waits for the answer before sending more: the
  // splitter must return as soon as the value is complete.
  std::istringstream in("{\"a\":1}REST");
  JsonValueStream stream(in, 1024);
  auto value = stream.Next();
  ASSERT_TRUE(value.ok() && value->has_value());
  std::string rest;
  in >> rest;
  EXPECT_EQ(rest, "REST");
}

}  // namespace
}  // namespace shadekv::api
