// Tests for the MessagePack peer frame codec: round trips, the exact bytes of
// a small frame, and hostile input of every shape.
#include "agent/transport/peer_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace shadekv::agent {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Message;
using raft::MessageType;

Message AppendWithEntries() {
  Message m;
  m.type = MessageType::kApp;
  m.from = 1;
  m.to = 2;
  m.term = 7;
  m.log_term = 6;
  m.index = 41;
  m.commit = 40;
  m.entries = {Entry{7, 42, EntryType::kNormal, "put a=1"},
               Entry{7, 43, EntryType::kConfChange, std::string("\x00\x01\x02", 3)}};
  return m;
}

Message SnapshotChunk() {
  Message m;
  m.type = MessageType::kSnap;
  m.from = 1;
  m.to = 3;
  m.term = 9;
  m.snapshot.meta.index = 1000;
  m.snapshot.meta.term = 8;
  m.snapshot.meta.conf_state.voters = {1, 2, 3};
  m.snapshot.meta.conf_state.learners = {4};
  m.snapshot.data = std::string(5000, 'x');
  m.chunk_offset = 65536;
  m.chunk_last = false;
  return m;
}

PeerFrame FrameOf(std::vector<Message> messages) {
  PeerFrame f;
  f.cluster_id = 0xfeedbeefcafe;
  f.from = 1;
  f.messages = std::move(messages);
  return f;
}

TEST(PeerCodecTest, RoundTripsEveryField) {
  Message reject;
  reject.type = MessageType::kAppResp;
  reject.from = 1;
  reject.to = 2;
  reject.term = 7;
  reject.index = 12;
  reject.reject = true;
  reject.reject_hint = 9;
  reject.context = "read-ctx";
  PeerFrame in = FrameOf({AppendWithEntries(), SnapshotChunk(), reject});

  Result<PeerFrame> out = DecodePeerFrame(EncodePeerFrame(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->cluster_id, in.cluster_id);
  EXPECT_EQ(out->from, 1u);
  ASSERT_EQ(out->messages.size(), 3u);
  EXPECT_EQ(out->messages[0], in.messages[0]);
  EXPECT_EQ(out->messages[1], in.messages[1]);
  EXPECT_EQ(out->messages[2], in.messages[2]);
}

TEST(PeerCodecTest, RoundTripsAnEmptyBatch) {
  Result<PeerFrame> out = DecodePeerFrame(EncodePeerFrame(FrameOf({})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->messages.empty());
}

// The layout is a wire contract between members of different builds: these
// bytes must only change together with kPeerFrameVersion.
TEST(PeerCodecTest, HeartbeatHasGoldenBytes) {
  Message hb;
  hb.type = MessageType::kHeartbeat;
  hb.from = 1;
  hb.to = 2;
  hb.term = 3;
  hb.commit = 5;
  PeerFrame f;
  f.cluster_id = 7;
  f.from = 1;
  f.messages = {hb};
  const std::string expected(
      "\x94\x01\x07\x01\x91"                  // frame: version 1, cluster 7, from 1, 1 message
      "\x9e\x0a\x01\x02\x03\x00\x00\x90\x05"  // type 10, from, to, term, log_term, index, [],
                                              // commit
      "\xc2\x00\xc4\x00\xc0\x00\xc3",         // reject=false, hint, ctx bin(0), nil, offset, last
      21);
  EXPECT_EQ(EncodePeerFrame(f), expected);
}

TEST(PeerCodecTest, RejectsEveryTruncation) {
  std::string bytes = EncodePeerFrame(FrameOf({AppendWithEntries(), SnapshotChunk()}));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Result<PeerFrame> out = DecodePeerFrame(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(out.ok()) << "accepted a frame cut at " << cut;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(PeerCodecTest, RejectsTrailingBytes) {
  std::string bytes = EncodePeerFrame(FrameOf({AppendWithEntries()})) + "x";
  Result<PeerFrame> out = DecodePeerFrame(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "peer frame: 1 trailing bytes after the frame");
}

TEST(PeerCodecTest, RejectsOtherVersionsWithAdvice) {
  std::string bytes = EncodePeerFrame(FrameOf({}));
  bytes[1] = '\x02';
  Result<PeerFrame> out = DecodePeerFrame(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "peer frame: version 2 is not supported (this member speaks version 1): run the same "
            "shadekv version on every member");
}

TEST(PeerCodecTest, RejectsUnknownMessageType) {
  Message m = AppendWithEntries();
  m.type = static_cast<MessageType>(200);
  Result<PeerFrame> out = DecodePeerFrame(EncodePeerFrame(FrameOf({m})));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "peer frame: message 0.type: unknown message type 200");
}

TEST(PeerCodecTest, RejectsLocalOnlyMessageTypes) {
  Message m = AppendWithEntries();
  m.type = MessageType::kHup;
  Result<PeerFrame> out = DecodePeerFrame(EncodePeerFrame(FrameOf({m})));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "peer frame: message 0.type: message type 0 is local and never sent");
}

TEST(PeerCodecTest, RejectsSnapshotOnOtherMessageTypes) {
  std::string bytes = EncodePeerFrame(FrameOf({SnapshotChunk()}));
  // frame header: 0x94, version, cluster id (uint64: 9 bytes), from, 0x91, 0x9e; then the type.
  ASSERT_EQ(bytes[14], '\x09');
  bytes[14] = '\x03';  // kSnap -> kApp, snapshot field left in place
  Result<PeerFrame> out = DecodePeerFrame(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "peer frame: message 0.snapshot: only snapshot messages carry a snapshot");
}

TEST(PeerCodecTest, RejectsUnknownEntryType) {
  Message m = AppendWithEntries();
  m.entries[1].type = static_cast<EntryType>(9);
  Result<PeerFrame> out = DecodePeerFrame(EncodePeerFrame(FrameOf({m})));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "peer frame: message 0.entries[1].type: unknown entry type 9");
}

TEST(PeerCodecTest, RejectsMessageClaimingAnotherSender) {
  Message m = AppendWithEntries();
  m.from = 3;
  Result<PeerFrame> out = DecodePeerFrame(EncodePeerFrame(FrameOf({m})));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "peer frame: message 0.from: sender 3 differs from the frame's sender 1");
}

TEST(PeerCodecTest, RejectsWrongFieldTypes) {
  // A frame whose cluster id is a string.
  const std::string bytes("\x94\x01\xa1x\x01\x90", 6);
  Result<PeerFrame> out = DecodePeerFrame(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "peer frame: cluster_id: expected uint, got str");

  // A top-level map instead of an array.
  out = DecodePeerFrame(std::string("\x81\x01\x02", 3));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(PeerCodecTest, EnforcesLimits) {
  PeerFrameLimits small;
  small.max_messages = 1;
  Result<PeerFrame> out =
      DecodePeerFrame(EncodePeerFrame(FrameOf({AppendWithEntries(), AppendWithEntries()})), small);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "peer frame: messages: too many messages (2)");

  small = PeerFrameLimits{};
  small.max_frame_bytes = 10;
  out = DecodePeerFrame(EncodePeerFrame(FrameOf({AppendWithEntries()})), small);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);

  // A forged array header claiming 2^32-1 elements in a 9-byte buffer.
  out = DecodePeerFrame(std::string("\xdd\xff\xff\xff\xff\x01\x02\x03\x04", 9));
  ASSERT_FALSE(out.ok());
}

TEST(PeerCodecTest, SurvivesRandomGarbageAndBitFlips) {
  std::mt19937_64 rng(20261120);
  const std::string valid = EncodePeerFrame(FrameOf({AppendWithEntries(), SnapshotChunk()}));
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    if (i % 2 == 0) {
      input.resize(rng() % 64);
      for (char& c : input) c = static_cast<char>(rng());
    } else {
      input = valid;
      for (int flips = 1 + rng() % 4; flips > 0; --flips) {
        input[rng() % input.size()] ^= static_cast<char>(1 + rng() % 255);
      }
    }
    Result<PeerFrame> out = DecodePeerFrame(input);
    // A flip inside a data byte can still be a valid frame; what matters is
    // that decoding either fails cleanly or yields a well-formed frame, one
    // that survives its own round trip unchanged.
    if (out.ok()) {
      ++accepted;
      Result<PeerFrame> again = DecodePeerFrame(EncodePeerFrame(*out));
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      EXPECT_EQ(again->messages, out->messages);
    } else {
      EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_LT(accepted, 20000);
}

}  // namespace
}  // namespace shadekv::agent
