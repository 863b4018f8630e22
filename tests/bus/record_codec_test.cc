// REQUEST and ALERT bodies: golden bytes written by hand from PROTOCOL.md,
// round trips, and hostile input (every truncation, unknown outcome, seeded
// mutations) that must fail with a clear error and never crash.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "shadekv/bus/codec.h"

namespace shadekv::bus {
namespace {

std::string FromHex(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits += c;
  }
  std::string out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return out;
}

RequestRecord GoldenRequest() {
  RequestRecord r;
  r.time_ms = 1700000000000;
  r.member_id = 2;
  r.request_id = 7;
  r.user = "root";
  r.client_address = "10.0.0.1:1";
  r.operation = "/v3/kv/put";
  r.key = "k";
  r.outcome = RequestOutcome::kDenied;
  r.code = 7;  // kPermissionDenied
  r.message = "denied";
  return r;
}

// array(14) version kind(10) time_ms member request user address operation
// key(bin 1) range_end(bin 0) outcome code message revision
const char* kGoldenRequestRecordHex =
    "9e 01 0a cf0000018bcfe56800 02 07 a4726f6f74 aa31302e302e302e313a31"
    " aa2f76332f6b762f707574 c4016b c400 01 07 a664656e696564 00";

Alert GoldenAlert() {
  Alert a;
  a.time_ms = 5;
  a.rule = "r";
  a.rule_type = "t";
  a.severity = "high";
  a.summary = "s";
  a.events = {"E"};
  a.requests = {};
  return a;
}

// array(9) version kind(11) time rule rule_type severity summary [bin "E"] []
const char* kGoldenAlertHex = "99 01 0b 05 a172 a174 a468696768 a173 91c40145 90";

TEST(BusRecordCodecTest, RequestRecordMatchesGoldenBytesAndRoundTrips) {
  EXPECT_EQ(EncodeRequestRecord(GoldenRequest()), FromHex(kGoldenRequestRecordHex));
  Result<RequestRecord> decoded = DecodeRequestRecord(FromHex(kGoldenRequestRecordHex));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, GoldenRequest());
  EXPECT_EQ(RequestOutcomeName(decoded->outcome), "DENIED");
  Result<MessageKind> kind = PeekKind(FromHex(kGoldenRequestRecordHex));
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, MessageKind::kRequest);
  EXPECT_EQ(MessageKindName(10), "REQUEST");
}

TEST(BusRecordCodecTest, AlertMatchesGoldenBytesAndRoundTrips) {
  EXPECT_EQ(EncodeAlert(GoldenAlert()), FromHex(kGoldenAlertHex));
  Result<Alert> decoded = DecodeAlert(FromHex(kGoldenAlertHex));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, GoldenAlert());
  EXPECT_EQ(MessageKindName(11), "ALERT");

  Alert big = GoldenAlert();
  big.events = {std::string("\0\xff", 2), EncodeRequestRecord(GoldenRequest())};
  big.requests = {EncodeRequestRecord(GoldenRequest())};
  Result<Alert> again = DecodeAlert(EncodeAlert(big));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, big);
}

TEST(BusRecordCodecTest, EveryTruncationIsRejected) {
  for (const std::string& golden : {FromHex(kGoldenRequestRecordHex), EncodeAlert(GoldenAlert())}) {
    for (size_t n = 0; n < golden.size(); ++n) {
      std::string cut = golden.substr(0, n);
      Status request = DecodeRequestRecord(cut).status();
      Status alert = DecodeAlert(cut).status();
      EXPECT_EQ(request.code(), StatusCode::kInvalidArgument) << n;
      EXPECT_EQ(alert.code(), StatusCode::kInvalidArgument) << n;
      EXPECT_FALSE(request.message().empty());
    }
  }
}

TEST(BusRecordCodecTest, NamesTheFieldThatIsWrong) {
  RequestRecord bad = GoldenRequest();
  bad.outcome = static_cast<RequestOutcome>(3);
  Status s = DecodeRequestRecord(EncodeRequestRecord(bad)).status();
  EXPECT_EQ(s.message(), "bus REQUEST: outcome: unknown outcome 3 (0 OK, 1 DENIED, 2 FAILED)");
  EXPECT_EQ(RequestOutcomeName(bad.outcome), "outcome 3");

  bad = GoldenRequest();
  bad.revision = -1;
  s = DecodeRequestRecord(EncodeRequestRecord(bad)).status();
  EXPECT_EQ(s.message(), "bus REQUEST: revision: -1 is below the minimum of 0");

  s = DecodeRequestRecord(FromHex(kGoldenAlertHex)).status();
  EXPECT_EQ(s.message(), "bus REQUEST: kind: got ALERT instead");
  s = DecodeAlert(FromHex("93 01 0c 00")).status();
  EXPECT_EQ(s.message(), "bus ALERT: kind: unknown kind 12");
  // key as str instead of bin: the 9th element.
  std::string hex = kGoldenRequestRecordHex;
  size_t at = hex.find("c4016b");
  ASSERT_NE(at, std::string::npos);
  hex.replace(at, 6, "a16b");
  s = DecodeRequestRecord(FromHex(hex)).status();
  EXPECT_EQ(s.message(), "bus REQUEST: key: expected bin, got str");
}

TEST(BusRecordCodecTest, MutatedBodiesNeverCrash) {
  std::mt19937_64 rng(1121);
  const std::string goldens[] = {FromHex(kGoldenRequestRecordHex), FromHex(kGoldenAlertHex)};
  for (int i = 0; i < 4000; ++i) {
    std::string bytes = goldens[i % 2];
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] ^= static_cast<char>(1u << (rng() % 8));
    }
    for (const Status& s : {DecodeRequestRecord(bytes).status(), DecodeAlert(bytes).status()}) {
      if (!s.ok()) {
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
      }
    }
  }
}

}  // namespace
}  // namespace shadekv::bus
