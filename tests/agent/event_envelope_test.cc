// The event envelope record: round trip, canonical bytes, and every kind of
// bad input refused with a clear error.
#include "agent/server/event_envelope.h"

#include <gtest/gtest.h>

#include <limits>

namespace shadekv::agent {
namespace {

bus::EventOrigin Sample() {
  bus::EventOrigin origin;
  origin.leader_time_ms = 1763700000123;
  origin.member_id = std::numeric_limits<uint64_t>::max();
  origin.request_id = 42;
  origin.user = "root";
  origin.client_address = "127.0.0.1:52000";
  return origin;
}

void ExpectSame(const bus::EventOrigin& a, const bus::EventOrigin& b) {
  EXPECT_EQ(a.leader_time_ms, b.leader_time_ms);
  EXPECT_EQ(a.member_id, b.member_id);
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.client_address, b.client_address);
}

TEST(EventEnvelopeTest, RoundTripsEveryField) {
  Result<bus::EventOrigin> decoded = DecodeEventEnvelope(EncodeEventEnvelope(Sample()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSame(*decoded, Sample());
  Result<bus::EventOrigin> empty = DecodeEventEnvelope(EncodeEventEnvelope({}));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  ExpectSame(*empty, {});
}

TEST(EventEnvelopeTest, GoldenBytes) {
  bus::EventOrigin origin;
  origin.leader_time_ms = 5;
  origin.member_id = 7;
  origin.request_id = 300;
  origin.user = "u";
  origin.client_address = "a:1";
  // fixarray(6) [1, 5, 7, uint16 300, fixstr "u", fixstr "a:1"]
  const std::string golden(
      "\x96\x01\x05\x07\xcd\x01\x2c\xa1u\xa3"
      "a:1",
      13);
  EXPECT_EQ(EncodeEventEnvelope(origin), golden);
}

TEST(EventEnvelopeTest, EnvelopeOfTakesTheEntrysFields) {
  RaftEntry entry;
  entry.request_id = 9;
  entry.origin = 11;
  entry.user = "alice";
  entry.client_address = "10.0.0.1:4000";
  entry.leader_time_ms = 123;
  const bus::EventOrigin origin = EnvelopeOf(entry);
  EXPECT_EQ(origin.request_id, 9u);
  EXPECT_EQ(origin.member_id, 11u);
  EXPECT_EQ(origin.user, "alice");
  EXPECT_EQ(origin.client_address, "10.0.0.1:4000");
  EXPECT_EQ(origin.leader_time_ms, 123);
}

TEST(EventEnvelopeTest, RefusesEveryTruncationAndGarbage) {
  const std::string bytes = EncodeEventEnvelope(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<bus::EventOrigin> decoded = DecodeEventEnvelope(bytes.substr(0, n));
    ASSERT_FALSE(decoded.ok()) << n;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << n;
    EXPECT_EQ(decoded.status().message().rfind("event envelope", 0), 0u)
        << decoded.status().message();
  }
  EXPECT_EQ(DecodeEventEnvelope(bytes + "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeEventEnvelope("\xc1").status().code(), StatusCode::kInvalidArgument);
  // A 5-field array, a string where the version goes, and version 2.
  EXPECT_EQ(DecodeEventEnvelope(std::string("\x95\x01\x05\x07\x01\xa0", 6)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeEventEnvelope(std::string("\x96\xa1x\x05\x07\x01\xa0\xa0", 8)).status().code(),
            StatusCode::kInvalidArgument);
  Result<bus::EventOrigin> v2 = DecodeEventEnvelope(std::string("\x96\x02\x05\x07\x01\xa0\xa0", 7));
  EXPECT_EQ(v2.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v2.status().message().find("version 2 is not supported"), std::string::npos)
      << v2.status().message();
}

}  // namespace
}  // namespace shadekv::agent
