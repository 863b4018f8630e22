// The bus codec: golden bytes written out by hand from PROTOCOL.md's
// grammar, round trips of every message kind, and hostile input (every
// truncation, trailing bytes, version bump, wrong kind, mistyped fields,
// oversize, seeded garbage) that must fail with a clear error, never crash.
#include "shadekv/bus/codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace shadekv::bus {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ' && c != '\n') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

store::KeyValue Kv(std::string key, std::string value, int64_t create, int64_t mod, int64_t version,
                   int64_t lease = 0) {
  return store::KeyValue{std::move(key), std::move(value), create, mod, version, lease};
}

// Revision 5: put a=1 (new key), delete b (was "x" at revision 4).
ChangeEvent GoldenEvent() {
  ChangeEvent e;
  e.revision = 5;
  e.leader_time_ms = 1700000000000;
  e.member_id = 2;
  e.request_id = 7;
  e.user = "root";
  e.client_address = "127.0.0.1:5000";
  store::KeyChange put;
  put.type = store::KeyChange::Type::kPut;
  put.kv = Kv("a", "1", 5, 5, 1);
  store::KeyChange del;
  del.type = store::KeyChange::Type::kDelete;
  del.kv = Kv("b", "", 0, 5, 0);
  del.prev_kv = Kv("b", "x", 3, 4, 2);
  e.changes = {put, del};
  return e;
}

// array(9) version kind revision leader_time_ms(uint64) member request
// user(fixstr 4) address(fixstr 14) changes(array 2)
const char* kGoldenEventHex =
    "99 01 01 05 cf0000018bcfe56800 02 07"
    " a4 726f6f74"
    " ae 3132372e302e302e313a35303030"
    " 92"
    "  93 00 96 c40161 c40131 05 05 01 00 c0"
    "  93 01 96 c40162 c400 00 05 00 00 96 c40162 c40178 03 04 02 00";

Heartbeat GoldenHeartbeat() { return Heartbeat{1, 0x1234, 42, 10, "tcp://127.0.0.1:2391", 1000}; }
const char* kGoldenHeartbeatHex =
    "98 01 02 01 cd1234 2a 0a b4 7463703a2f2f3132372e302e302e313a32333931 cd03e8";

CatchupRequest GoldenRequest() { return CatchupRequest{9, 100, 1000, 1u << 20}; }
const char* kGoldenRequestHex = "96 01 03 09 64 cd03e8 ce00100000";

TEST(BusCodecTest, EventEncodesToGoldenBytesAndBack) {
  std::string golden = FromHex(kGoldenEventHex);
  EXPECT_EQ(ToHex(EncodeEvent(GoldenEvent())), ToHex(golden));
  Result<ChangeEvent> decoded = DecodeEvent(golden);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, GoldenEvent());
}

TEST(BusCodecTest, HeartbeatEncodesToGoldenBytesAndBack) {
  std::string golden = FromHex(kGoldenHeartbeatHex);
  EXPECT_EQ(ToHex(EncodeHeartbeat(GoldenHeartbeat())), ToHex(golden));
  Result<Heartbeat> decoded = DecodeHeartbeat(golden);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, GoldenHeartbeat());
}

TEST(BusCodecTest, CatchupRequestEncodesToGoldenBytesAndBack) {
  std::string golden = FromHex(kGoldenRequestHex);
  EXPECT_EQ(ToHex(EncodeCatchupRequest(GoldenRequest())), ToHex(golden));
  Result<CatchupRequest> decoded = DecodeCatchupRequest(golden);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, GoldenRequest());
}

TEST(BusCodecTest, CatchupRepliesRoundTrip) {
  CatchupEvents events{3, 0, {EncodeEvent(GoldenEvent()), std::string("\x00\xff", 2)}};
  Result<CatchupEvents> e = DecodeCatchupEvents(EncodeCatchupEvents(events));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(*e, events);

  SnapshotBegin begin{3, 1, 77, 1u << 30};
  Result<SnapshotBegin> b = DecodeSnapshotBegin(EncodeSnapshotBegin(begin));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*b, begin);

  SnapshotChunk chunk{3, 2, std::string("snap\x00shot", 9)};
  Result<SnapshotChunk> c = DecodeSnapshotChunk(EncodeSnapshotChunk(chunk));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, chunk);

  SnapshotEnd end{3, 3, 0xE3069283u};
  Result<SnapshotEnd> se = DecodeSnapshotEnd(EncodeSnapshotEnd(end));
  ASSERT_TRUE(se.ok()) << se.status().ToString();
  EXPECT_EQ(*se, end);

  CatchupEnd done{3, 4, 90};
  Result<CatchupEnd> d = DecodeCatchupEnd(EncodeCatchupEnd(done));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, done);

  ErrorReply error{0, 3, "bus CATCHUP_REQUEST: truncated (3 bytes)"};
  Result<ErrorReply> er = DecodeErrorReply(EncodeErrorReply(error));
  ASSERT_TRUE(er.ok()) << er.status().ToString();
  EXPECT_EQ(*er, error);
}

TEST(BusCodecTest, CatchupEndGoldenBytes) {
  // array(5) version kind tag seq last_revision (300 -> uint16)
  EXPECT_EQ(ToHex(EncodeCatchupEnd(CatchupEnd{1, 2, 300})), "9501080102cd012c");
}

TEST(BusCodecTest, EventWithoutChangesAndLargeValuesRoundTrips) {
  ChangeEvent e;
  e.revision = std::numeric_limits<int64_t>::max();
  e.leader_time_ms = -1;  // before 1970 is odd but representable
  e.member_id = std::numeric_limits<uint64_t>::max();
  Result<ChangeEvent> decoded = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, e);
}

TEST(BusCodecTest, MakeChangeEventTakesTheStoreChangesAndTheEnvelope) {
  store::ChangeEvent applied;
  applied.revision = 5;
  applied.changes = GoldenEvent().changes;
  EventOrigin origin{1700000000000, 2, 7, "root", "127.0.0.1:5000"};
  EXPECT_EQ(MakeChangeEvent(applied, origin), GoldenEvent());
}

TEST(BusCodecTest, PeekKindNamesTheMessage) {
  Result<MessageKind> kind = PeekKind(FromHex(kGoldenHeartbeatHex));
  ASSERT_TRUE(kind.ok()) << kind.status().ToString();
  EXPECT_EQ(*kind, MessageKind::kHeartbeat);
  Result<MessageKind> unknown = PeekKind(FromHex("93 01 2a 00"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "bus message: kind: unknown kind 42");
}

// ---------------------------------------------------------------- hostile input

void ExpectInvalid(const Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(status.message(), message);
}

TEST(BusCodecTest, EveryTruncationOfEveryGoldenFailsCleanly) {
  struct Case {
    const char* hex;
    Status (*decode)(std::string_view);
    std::string what;
  };
  const Case cases[] = {
      {kGoldenEventHex, [](std::string_view b) { return DecodeEvent(b).status(); }, "bus EVENT"},
      {kGoldenHeartbeatHex, [](std::string_view b) { return DecodeHeartbeat(b).status(); },
       "bus HEARTBEAT"},
      {kGoldenRequestHex, [](std::string_view b) { return DecodeCatchupRequest(b).status(); },
       "bus CATCHUP_REQUEST"},
  };
  for (const Case& c : cases) {
    std::string golden = FromHex(c.hex);
    ASSERT_TRUE(c.decode(golden).ok());
    for (size_t n = 0; n < golden.size(); ++n) {
      ExpectInvalid(c.decode(golden.substr(0, n)),
                    c.what + ": truncated (" + std::to_string(n) + " bytes)");
    }
  }
}

TEST(BusCodecTest, RejectsTrailingBytes) {
  ExpectInvalid(DecodeEvent(FromHex(kGoldenEventHex) + "x").status(),
                "bus EVENT: 1 trailing bytes after the body");
}

TEST(BusCodecTest, RejectsAVersionBump) {
  std::string bumped = FromHex(kGoldenEventHex);
  bumped[1] = 2;
  ExpectInvalid(DecodeEvent(bumped).status(),
                "bus EVENT: version 2 is not supported (this build speaks version 1): upgrade "
                "the subscriber or the publisher");
  // A newer version may have more fields: the version is still what is named.
  ExpectInvalid(DecodeHeartbeat(FromHex("93 02 02 00")).status(),
                "bus HEARTBEAT: version 2 is not supported (this build speaks version 1): "
                "upgrade the subscriber or the publisher");
}

TEST(BusCodecTest, RejectsAnotherKind) {
  ExpectInvalid(DecodeEvent(FromHex(kGoldenHeartbeatHex)).status(),
                "bus EVENT: kind: got HEARTBEAT instead");
}

TEST(BusCodecTest, RejectsWrongShapes) {
  ExpectInvalid(DecodeEvent(FromHex("c0")).status(), "bus EVENT: body: expected array, got nil");
  ExpectInvalid(DecodeEvent(FromHex("91 01")).status(),
                "bus EVENT: body: expected [version, kind, ...], got 1 elements");
  ExpectInvalid(DecodeEvent(FromHex("92 a131 01")).status(),
                "bus EVENT: version: expected uint, got str");
  ExpectInvalid(DecodeEvent(FromHex("93 01 01 05")).status(),
                "bus EVENT: body: expected 7 fields after version and kind, got 1");
  ExpectInvalid(DecodeEvent(FromHex("81 01 01")).status(),
                "bus EVENT: not valid MessagePack: map size overflow");
}

TEST(BusCodecTest, NamesTheFieldPathOfAMistypedField) {
  std::string golden = ToHex(FromHex(kGoldenEventHex));
  // changes[0].kv.key as str instead of bin.
  std::string hex = golden;
  size_t at = hex.find("c40161");
  ASSERT_NE(at, std::string::npos);
  hex.replace(at, 6, "a161");
  ExpectInvalid(DecodeEvent(FromHex(hex)).status(),
                "bus EVENT: changes[0].kv.key: expected bin, got str");
  // changes[1].type 2 does not exist.
  hex = golden;
  at = hex.find("9301");
  ASSERT_NE(at, std::string::npos);
  hex.replace(at, 4, "9302");
  ExpectInvalid(DecodeEvent(FromHex(hex)).status(),
                "bus EVENT: changes[1].type: unknown change type 2 (0 PUT, 1 DELETE)");
  // changes[1].prev_kv with 5 fields.
  hex = golden;
  at = hex.rfind("96c40162");
  ASSERT_NE(at, std::string::npos);
  hex.replace(at, 2, "95");
  hex.resize(hex.size() - 2);
  ExpectInvalid(DecodeEvent(FromHex(hex)).status(),
                "bus EVENT: changes[1].prev_kv: expected 6 fields, got 5");
}

TEST(BusCodecTest, RejectsOutOfRangeValues) {
  ChangeEvent e = GoldenEvent();
  e.revision = 0;
  ExpectInvalid(DecodeEvent(EncodeEvent(e)).status(),
                "bus EVENT: revision: 0 is below the minimum of 1");
  ExpectInvalid(DecodeCatchupRequest(EncodeCatchupRequest({1, 1, 0, 1})).status(),
                "bus CATCHUP_REQUEST: max_events: 0 is below the minimum of 1");
  // crc32 wider than 32 bits: 96 01 07 tag seq uint64
  ExpectInvalid(DecodeSnapshotEnd(FromHex("95 01 07 01 02 cf0000000100000000")).status(),
                "bus SNAPSHOT_END: crc32: 4294967296 does not fit in 32 bits");
  // uint64 above int64 for an int field (revision).
  ExpectInvalid(DecodeCatchupEnd(FromHex("95 01 08 01 02 cf8000000000000000")).status(),
                "bus CATCHUP_END: last_revision: 9223372036854775808 is out of int64 range");
}

TEST(BusCodecTest, EnforcesSizeLimits) {
  CodecLimits limits;
  limits.max_body_bytes = 16;
  std::string golden = FromHex(kGoldenEventHex);
  ExpectInvalid(DecodeEvent(golden, limits).status(),
                "bus EVENT: " + std::to_string(golden.size()) + " bytes exceeds the limit of 16");
  limits = CodecLimits{};
  limits.max_list_items = 1;
  EXPECT_EQ(DecodeEvent(golden, limits).status().code(), StatusCode::kInvalidArgument);
  limits = CodecLimits{};
  limits.max_string_bytes = 3;
  Status s = DecodeEvent(golden, limits).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bus EVENT: not valid MessagePack"), std::string::npos)
      << s.ToString();
}

TEST(BusCodecTest, RejectsDeepNestingWithoutRecursingIntoIt) {
  std::string bomb(100000, '\x91');
  bomb += '\xc0';
  Status s = DecodeEvent(bomb).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bus EVENT: not valid MessagePack"), std::string::npos)
      << s.ToString();
}

// Decodes `bytes` as every message kind; each either succeeds or fails with a
// non-empty kInvalidArgument. Returns how many decoders accepted.
int DecodeAsEverything(std::string_view bytes) {
  int accepted = 0;
  auto check = [&](const Status& s) {
    if (s.ok()) {
      ++accepted;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
      EXPECT_FALSE(s.message().empty());
    }
  };
  check(DecodeEvent(bytes).status());
  check(DecodeHeartbeat(bytes).status());
  check(DecodeCatchupRequest(bytes).status());
  check(DecodeCatchupEvents(bytes).status());
  check(DecodeSnapshotBegin(bytes).status());
  check(DecodeSnapshotChunk(bytes).status());
  check(DecodeSnapshotEnd(bytes).status());
  check(DecodeCatchupEnd(bytes).status());
  check(DecodeErrorReply(bytes).status());
  check(DecodeRequestRecord(bytes).status());
  check(DecodeAlert(bytes).status());
  check(PeekKind(bytes).status());
  return accepted;
}

TEST(BusCodecTest, SeededGarbageNeverCrashes) {
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (!bytes.empty() && i % 2 == 0) bytes[0] = static_cast<char>(0x90 | (rng() % 16));
    DecodeAsEverything(bytes);
  }
}

TEST(BusCodecTest, MutatedGoldensNeverCrashAndDecodeAtMostAsOneKind) {
  std::mt19937_64 rng(6);
  const std::string goldens[] = {FromHex(kGoldenEventHex), FromHex(kGoldenHeartbeatHex),
                                 FromHex(kGoldenRequestHex),
                                 EncodeCatchupEvents({1, 0, {FromHex(kGoldenEventHex)}})};
  for (int i = 0; i < 4000; ++i) {
    std::string bytes = goldens[i % 4];
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] ^= static_cast<char>(1u << (rng() % 8));
    }
    // PeekKind and the decoder of the body's own kind may both accept.
    EXPECT_LE(DecodeAsEverything(bytes), 2);
  }
}

}  // namespace
}  // namespace shadekv::bus
