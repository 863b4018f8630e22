// The lease ops of the Raft entry codec (tags 16-18): round trips, golden
// bytes (the layout is persisted), and truncated or mistyped input.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "agent/server/entry_codec.h"

namespace shadekv::agent {
namespace {

RaftEntry EntryWith(EntryOp op) {
  RaftEntry e;
  e.request_id = 1;
  e.origin = 2;
  e.leader_time_ms = 3;
  e.op = std::move(op);
  return e;
}

template <typename Op>
void ExpectRoundTrip(const Op& op) {
  Result<RaftEntry> out = DecodeRaftEntry(EncodeRaftEntry(EntryWith(op)));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(std::holds_alternative<Op>(out->op));
  EXPECT_EQ(std::get<Op>(out->op), op);
}

// Envelope: version 1, request 1, origin 2, user "", address "", time 3.
const std::string kEnvelope("\x97\x01\x01\x02\xa0\xa0\x03", 7);

TEST(EntryCodecLeaseTest, RoundTripsEveryLeaseOp) {
  ExpectRoundTrip(LeaseGrant{0x7fffffffffffffff, 9'000'000'000});
  ExpectRoundTrip(LeaseGrant{-7, 2});
  ExpectRoundTrip(LeaseRevoke{std::numeric_limits<int64_t>::min()});
  ExpectRoundTrip(LeaseCheckpoint{});
  ExpectRoundTrip(LeaseCheckpoint{{{1, 100}, {-2, 0}, {300000, 299}}});
}

TEST(EntryCodecLeaseTest, LeaseGrantHasGoldenBytes) {
  EXPECT_EQ(EncodeRaftEntry(EntryWith(LeaseGrant{5, 2})),
            kEnvelope + std::string("\x92\x10"       // op: tag 16 (lease grant)
                                    "\x92\x05\x02",  // id 5, ttl 2
                                    5));
}

TEST(EntryCodecLeaseTest, LeaseRevokeHasGoldenBytes) {
  EXPECT_EQ(EncodeRaftEntry(EntryWith(LeaseRevoke{-1})),
            kEnvelope + std::string("\x92\x11"   // op: tag 17 (lease revoke)
                                    "\x91\xff",  // id -1
                                    4));
}

TEST(EntryCodecLeaseTest, LeaseCheckpointHasGoldenBytes) {
  EXPECT_EQ(EncodeRaftEntry(EntryWith(LeaseCheckpoint{{{1, 200}, {2, 0}}})),
            kEnvelope + std::string("\x92\x12"          // op: tag 18 (lease checkpoint)
                                    "\x91\x92"          // one field: a list of 2 checkpoints
                                    "\x92\x01\xcc\xc8"  // id 1, remaining 200
                                    "\x92\x02\x00",     // id 2, remaining 0
                                    11));
}

TEST(EntryCodecLeaseTest, RejectsEveryTruncationOfEveryLeaseOp) {
  for (const EntryOp& op : {EntryOp{LeaseGrant{123456789, 60}}, EntryOp{LeaseRevoke{99}},
                            EntryOp{LeaseCheckpoint{{{1, 2}, {3, 4}}}}}) {
    const std::string bytes = EncodeRaftEntry(EntryWith(op));
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      Result<RaftEntry> out = DecodeRaftEntry(std::string_view(bytes).substr(0, cut));
      ASSERT_FALSE(out.ok()) << "accepted an entry cut at " << cut;
      EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(EntryCodecLeaseTest, NamesThePathOfMistypedLeaseFields) {
  Result<RaftEntry> out = DecodeRaftEntry(kEnvelope + std::string("\x92\x10\x92\xa1x\x02", 6));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: op.body.id: expected int, got str");

  out = DecodeRaftEntry(kEnvelope + std::string("\x92\x10\x91\x05", 4));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: op.body: expected 2 fields, got 1");

  out = DecodeRaftEntry(kEnvelope +
                        std::string("\x92\x11\x91\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 12));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.body.id: 18446744073709551615 is out of int64 range");

  out = DecodeRaftEntry(kEnvelope + std::string("\x92\x12\x91\x91\x92\x01\xc3", 7));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.body.checkpoints[0].remaining_ttl: expected int, got bool");

  out = DecodeRaftEntry(kEnvelope + std::string("\x92\x12\x91\x05", 4));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: op.body.checkpoints: expected array, got uint");
}

TEST(EntryCodecLeaseTest, LeaseOpsAreNotAllowedInsideATxn) {
  // txn { compare [], success [ [16, [1, 2]] ], failure [] }
  Result<RaftEntry> out =
      DecodeRaftEntry(kEnvelope + std::string("\x92\x04\x93\x90\x91\x92\x10\x92\x01\x02\x90", 11));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.body.success[0].tag: op tag 16 is not allowed in a txn");
}

}  // namespace
}  // namespace shadekv::agent
