// The alarm op of the Raft entry codec (tag 80): round trips, golden bytes
// (the layout is persisted) and hostile input (unknown action or type, wrong
// arity, mistyped fields), each a clear error naming the field.
#include <gtest/gtest.h>

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

// Envelope: version 1, request 1, origin 2, user "", address "", time 3.
const std::string kEnvelope("\x97\x01\x01\x02\xa0\xa0\x03", 7);

Status DecodeBody(const std::string& body) {
  return DecodeRaftEntry(kEnvelope + std::string("\x92\x50", 2) + body).status();
}

TEST(EntryCodecAlarmTest, RoundTripsActivateAndDeactivate) {
  for (const AlarmChange& change :
       {AlarmChange{AlarmChange::Action::kActivate, 0xffffffffffffffffu, AlarmType::kNoSpace},
        AlarmChange{AlarmChange::Action::kDeactivate, 0, AlarmType::kCorrupt}}) {
    Result<RaftEntry> out = DecodeRaftEntry(EncodeRaftEntry(EntryWith(change)));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_TRUE(std::holds_alternative<AlarmChange>(out->op));
    EXPECT_EQ(std::get<AlarmChange>(out->op), change);
  }
}

TEST(EntryCodecAlarmTest, AlarmHasGoldenBytes) {
  AlarmChange change{AlarmChange::Action::kActivate, 0x1122334455667788u, AlarmType::kNoSpace};
  EXPECT_EQ(EncodeRaftEntry(EntryWith(change)),
            kEnvelope + std::string("\x92\x50"                              // op: tag 80 (alarm)
                                    "\x93\x01"                              // action 1 (activate)
                                    "\xcf\x11\x22\x33\x44\x55\x66\x77\x88"  // member id
                                    "\x01",                                 // type 1 (NOSPACE)
                                    14));
  AlarmChange clear{AlarmChange::Action::kDeactivate, 7, AlarmType::kCorrupt};
  EXPECT_EQ(EncodeRaftEntry(EntryWith(clear)),
            kEnvelope + std::string("\x92\x50\x93\x02\x07\x02", 6));
}

TEST(EntryCodecAlarmTest, RefusesUnknownActionsAndTypes) {
  EXPECT_EQ(DecodeBody(std::string("\x93\x00\x07\x01", 4)),
            Status::InvalidArgument(
                "raft entry: op.body.action: alarm action 0 is neither 1 (activate) nor 2 "
                "(deactivate)"));
  EXPECT_EQ(DecodeBody(std::string("\x93\x03\x07\x01", 4)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeBody(std::string("\x93\x01\x07\x00", 4)),
            Status::InvalidArgument(
                "raft entry: op.body.type: alarm type 0 is neither 1 (NOSPACE) nor 2 (CORRUPT)"));
  EXPECT_EQ(DecodeBody(std::string("\x93\x01\x07\x03", 4)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeBody(std::string("\x93\x01\x07\xff", 4)).code(), StatusCode::kInvalidArgument);
}

TEST(EntryCodecAlarmTest, RefusesWrongShapes) {
  for (const std::string& body : {
           std::string("\x92\x01\x07", 3),          // two fields
           std::string("\x94\x01\x07\x01\x01", 5),  // four fields
           std::string("\x93\xa1x\x07\x01", 5),     // action is a string
           std::string("\x93\x01\xff\x01", 4),      // negative member id
           std::string("\x93\x01\x07\xc3", 4),      // type is a bool
           std::string("\xc0", 1),                  // nil body
       }) {
    Status s = DecodeBody(body);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("op.body"), std::string::npos) << s.ToString();
  }
  // Truncated anywhere: an error, never a crash.
  std::string whole = EncodeRaftEntry(
      EntryWith(AlarmChange{AlarmChange::Action::kActivate, 99, AlarmType::kCorrupt}));
  for (size_t n = 0; n < whole.size(); ++n) {
    EXPECT_FALSE(DecodeRaftEntry(whole.substr(0, n)).ok()) << n;
  }
}

}  // namespace
}  // namespace shadekv::agent
