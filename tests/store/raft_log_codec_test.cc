// Golden bytes and damaged-input handling of the Raft log codec
// (store/raft_log_codec.h). A golden test failing means the on-disk layout
// changed: that breaks every existing member's data. Fix the code, not the test.
#include "store/raft_log_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace shadekv::store::raftlog {
namespace {

using raft::ConfState;
using raft::Entry;
using raft::EntryType;
using raft::HardState;
using raft::SnapshotMeta;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

void ExpectDataLossNaming(const Status& status, const std::string& what) {
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_NE(status.message().find(what), std::string::npos) << status.ToString();
}

TEST(RaftLogCodecTest, EntryKeyIsPrefixByteAndBigEndianIndex) {
  EXPECT_EQ(EntryKey(0x0102030405060708),
            Bytes({0x02, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
  EXPECT_LT(EntryKey(255), EntryKey(256));
  EXPECT_LT(EntryKey(1), EntryKey(UINT64_MAX));
  EXPECT_TRUE(IsEntryKey(EntryKey(7)));
  EXPECT_FALSE(IsEntryKey(std::string(kHardStateKey)));
  EXPECT_EQ(*DecodeEntryKey(EntryKey(0x0102030405060708)), 0x0102030405060708u);
}

TEST(RaftLogCodecTest, MetadataKeyGoldenBytes) {
  EXPECT_EQ(std::string(kHardStateKey), std::string(1, '\x01') + "hard_state");
  EXPECT_EQ(std::string(kConfStateKey), std::string(1, '\x01') + "conf_state");
  EXPECT_EQ(std::string(kSnapshotMetaKey), std::string(1, '\x01') + "snapshot_meta");
  EXPECT_EQ(std::string(kLogBaseKey), std::string(1, '\x01') + "log_base");
}

TEST(RaftLogCodecTest, MetadataKeysSortBeforeEntriesAndAfterFormatMarker) {
  const std::string marker("\x00shadekv-format", 15);
  for (std::string_view key : {kHardStateKey, kConfStateKey, kSnapshotMetaKey, kLogBaseKey}) {
    EXPECT_LT(marker, std::string(key));
    EXPECT_LT(std::string(key), EntryKey(0));
  }
}

TEST(RaftLogCodecTest, DecodeEntryKeyRejectsMalformedKeys) {
  EXPECT_EQ(DecodeEntryKey("").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeEntryKey(EntryKey(3).substr(0, 8)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeEntryKey(EntryKey(3) + "x").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeEntryKey(std::string(kLogBaseKey)).status().code(), StatusCode::kDataLoss);
}

TEST(RaftLogCodecTest, EntryGoldenBytes) {
  Entry e{0x0A, 0x0102, EntryType::kConfChange, "hi"};
  EXPECT_EQ(EncodeEntry(e), Bytes({0x01,                              // version
                                   0,    0,  0, 0, 0, 0, 0,    0x0A,  // term
                                   0,    0,  0, 0, 0, 0, 0x01, 0x02,  // index
                                   0x01,                              // type
                                   0,    0,  0, 2,                    // data_len
                                   'h',  'i'}));
  EXPECT_EQ(*DecodeEntry(EncodeEntry(e), "e"), e);
  Entry empty{1, 1, EntryType::kNormal, ""};
  EXPECT_EQ(EncodeEntry(empty).size(), 22u);
  EXPECT_EQ(*DecodeEntry(EncodeEntry(empty), "e"), empty);
}

TEST(RaftLogCodecTest, EntryHeaderMatchesEntry) {
  Entry e{7, 9, EntryType::kNormal, std::string(300, 'x')};
  Result<EntryHeader> header = DecodeEntryHeader(EncodeEntry(e), "e");
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->term, 7u);
  EXPECT_EQ(header->index, 9u);
  EXPECT_EQ(header->type, EntryType::kNormal);
  EXPECT_EQ(header->data_len, 300u);
}

TEST(RaftLogCodecTest, HardStateGoldenBytes) {
  HardState hs{5, 3, 0x0100};
  EXPECT_EQ(EncodeHardState(hs), Bytes({0x01,                             //
                                        0,    0, 0, 0, 0, 0, 0,    5,     // term
                                        0,    0, 0, 0, 0, 0, 0,    3,     // vote
                                        0,    0, 0, 0, 0, 0, 0x01, 0}));  // commit
  EXPECT_EQ(*DecodeHardState(EncodeHardState(hs), "hs"), hs);
}

TEST(RaftLogCodecTest, ConfStateGoldenBytes) {
  ConfState cs{{1, 2}, {9}};
  EXPECT_EQ(EncodeConfState(cs), Bytes({0x01,                       //
                                        0,    0, 0, 2,              // voter_count
                                        0,    0, 0, 0, 0, 0, 0, 1,  //
                                        0,    0, 0, 0, 0, 0, 0, 2,  //
                                        0,    0, 0, 1,              // learner_count
                                        0,    0, 0, 0, 0, 0, 0, 9}));
  EXPECT_EQ(*DecodeConfState(EncodeConfState(cs), "cs"), cs);
  EXPECT_EQ(EncodeConfState(ConfState{}), Bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(RaftLogCodecTest, SnapshotMetaGoldenBytes) {
  SnapshotMeta meta{0x20, 4, ConfState{{3}, {}}};
  EXPECT_EQ(EncodeSnapshotMeta(meta), Bytes({0x01,                          //
                                             0,    0, 0, 0, 0, 0, 0, 0x20,  // index
                                             0,    0, 0, 0, 0, 0, 0, 4,     // term
                                             0,    0, 0, 1,                 // voter_count
                                             0,    0, 0, 0, 0, 0, 0, 3,     //
                                             0,    0, 0, 0}));              // learner_count
  EXPECT_EQ(*DecodeSnapshotMeta(EncodeSnapshotMeta(meta), "meta"), meta);
}

TEST(RaftLogCodecTest, LogBaseGoldenBytes) {
  LogBase base{0x11, 2};
  EXPECT_EQ(EncodeLogBase(base), Bytes({0x01,                       //
                                        0, 0, 0, 0, 0, 0, 0, 0x11,  // index
                                        0, 0, 0, 0, 0, 0, 0, 2}));  // term
  EXPECT_EQ(*DecodeLogBase(EncodeLogBase(base), "base"), base);
}

TEST(RaftLogCodecTest, EveryTruncationOfEveryValueIsDataLossNamingTheKey) {
  const std::string entry = EncodeEntry(Entry{3, 4, EntryType::kNormal, "data"});
  const std::string hs = EncodeHardState(HardState{1, 2, 3});
  const std::string cs = EncodeConfState(ConfState{{1, 2, 3}, {4}});
  const std::string meta = EncodeSnapshotMeta(SnapshotMeta{5, 6, ConfState{{1}, {2}}});
  const std::string base = EncodeLogBase(LogBase{7, 8});
  for (size_t n = 0; n < entry.size(); ++n) {
    ExpectDataLossNaming(DecodeEntry(entry.substr(0, n), "raft log entry 4").status(),
                         "raft log entry 4");
    ExpectDataLossNaming(DecodeEntryHeader(entry.substr(0, n), "raft log entry 4").status(),
                         "raft log entry 4");
  }
  for (size_t n = 0; n < hs.size(); ++n) {
    ExpectDataLossNaming(DecodeHardState(hs.substr(0, n), "raft hard state").status(),
                         "raft hard state");
  }
  for (size_t n = 0; n < cs.size(); ++n) {
    ExpectDataLossNaming(DecodeConfState(cs.substr(0, n), "raft conf state").status(),
                         "raft conf state");
  }
  for (size_t n = 0; n < meta.size(); ++n) {
    ExpectDataLossNaming(DecodeSnapshotMeta(meta.substr(0, n), "raft snapshot meta").status(),
                         "raft snapshot meta");
  }
  for (size_t n = 0; n < base.size(); ++n) {
    ExpectDataLossNaming(DecodeLogBase(base.substr(0, n), "raft log base").status(),
                         "raft log base");
  }
}

TEST(RaftLogCodecTest, TruncationMessageSaysWhereAndHowMuch) {
  const std::string hs = EncodeHardState(HardState{1, 2, 3});
  Status s = DecodeHardState(hs.substr(0, 12), "raft hard state").status();
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("offset 9"), std::string::npos) << s.ToString();
}

TEST(RaftLogCodecTest, TrailingBytesAreDataLoss) {
  ExpectDataLossNaming(
      DecodeEntry(EncodeEntry(Entry{1, 1, EntryType::kNormal, "x"}) + "z", "e1").status(),
      "trailing");
  ExpectDataLossNaming(DecodeHardState(EncodeHardState(HardState{}) + "z", "hs").status(),
                       "trailing");
  ExpectDataLossNaming(DecodeConfState(EncodeConfState(ConfState{}) + "z", "cs").status(),
                       "trailing");
  ExpectDataLossNaming(DecodeLogBase(EncodeLogBase(LogBase{}) + "z", "b").status(), "trailing");
}

TEST(RaftLogCodecTest, UnknownVersionIsDataLoss) {
  std::string hs = EncodeHardState(HardState{1, 2, 3});
  hs[0] = 2;
  ExpectDataLossNaming(DecodeHardState(hs, "raft hard state").status(), "unknown layout version 2");
  std::string entry = EncodeEntry(Entry{1, 1, EntryType::kNormal, ""});
  entry[0] = 0;
  ExpectDataLossNaming(DecodeEntry(entry, "raft log entry 1").status(), "raft log entry 1");
}

TEST(RaftLogCodecTest, UnknownEntryTypeIsDataLoss) {
  std::string entry = EncodeEntry(Entry{1, 1, EntryType::kNormal, ""});
  entry[17] = 9;  // the type byte
  ExpectDataLossNaming(DecodeEntry(entry, "raft log entry 1").status(), "unknown entry type 9");
}

TEST(RaftLogCodecTest, HugeCountsAndLengthsAreDataLossNotAllocations) {
  // voter_count = 0xFFFFFFFF with nothing behind it.
  ExpectDataLossNaming(
      DecodeConfState(Bytes({0x01, 0xFF, 0xFF, 0xFF, 0xFF}), "raft conf state").status(),
      "id count 4294967295");
  // data_len = 0xFFFFFFFF with two bytes of data.
  std::string entry = EncodeEntry(Entry{1, 1, EntryType::kNormal, "ab"});
  entry[18] = entry[19] = entry[20] = entry[21] = static_cast<char>(0xFF);
  ExpectDataLossNaming(DecodeEntry(entry, "raft log entry 1").status(), "truncated");
}

TEST(RaftLogCodecTest, GarbageIsDataLoss) {
  const std::string garbage = "this is not a raft value at all";
  EXPECT_EQ(DecodeEntry(garbage, "e").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeHardState(garbage, "hs").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeConfState(garbage, "cs").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeSnapshotMeta(garbage, "m").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeLogBase(garbage, "b").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace shadekv::store::raftlog
