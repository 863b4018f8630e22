// Tests for the Raft entry codec: round trips of every op and field, the
// exact bytes of a small put, and hostile input of every shape.
#include "agent/server/entry_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <random>
#include <string>

namespace shadekv::agent {
namespace {

using store::CompactionRequest;
using store::Compare;
using store::DeleteRangeRequest;
using store::PutRequest;
using store::RangeRequest;
using store::RequestOp;
using store::TxnRequest;

RangeRequest FullRange() {
  RangeRequest r;
  r.key = std::string("k\x00\xff", 3);
  r.range_end = "z";
  r.limit = 10;
  r.revision = -1;
  r.sort_order = store::SortOrder::kDescend;
  r.sort_target = store::SortTarget::kValue;
  r.serializable = true;
  r.keys_only = true;
  r.count_only = true;
  r.min_mod_revision = 1;
  r.max_mod_revision = std::numeric_limits<int64_t>::max();
  r.min_create_revision = std::numeric_limits<int64_t>::min();
  r.max_create_revision = 4;
  return r;
}

PutRequest FullPut() {
  PutRequest p;
  p.key = "key";
  p.value = std::string(70000, 'v');  // bin32
  p.lease = 0x1234567890;
  p.prev_kv = true;
  p.ignore_value = true;
  p.ignore_lease = true;
  return p;
}

Compare FullCompare() {
  Compare c;
  c.result = Compare::Result::kNotEqual;
  c.target = Compare::Target::kLease;
  c.key = "ck";
  c.range_end = "cz";
  c.version = 1;
  c.create_revision = 2;
  c.mod_revision = 3;
  c.value = "cv";
  c.lease = 5;
  return c;
}

TxnRequest NestedTxn(int levels) {
  TxnRequest t;
  t.success.push_back(RequestOp{PutRequest{"k", "v", 0, false, false, false}});
  for (int i = 0; i < levels; ++i) {
    TxnRequest outer;
    outer.failure.push_back(RequestOp{std::make_shared<const TxnRequest>(std::move(t))});
    t = std::move(outer);
  }
  return t;
}

RaftEntry EntryOf(EntryOp op) {
  RaftEntry e;
  e.request_id = 0xfeedfacecafebeef;
  e.origin = 42;
  e.user = "alice";
  e.client_address = "127.0.0.1:51234";
  e.leader_time_ms = 1763683200123;
  e.op = std::move(op);
  return e;
}

Result<RaftEntry> RoundTrip(const RaftEntry& e) { return DecodeRaftEntry(EncodeRaftEntry(e)); }

void ExpectEnvelopeEq(const RaftEntry& a, const RaftEntry& b) {
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.client_address, b.client_address);
  EXPECT_EQ(a.leader_time_ms, b.leader_time_ms);
}

void ExpectRangeEq(const RangeRequest& a, const RangeRequest& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.range_end, b.range_end);
  EXPECT_EQ(a.limit, b.limit);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.sort_order, b.sort_order);
  EXPECT_EQ(a.sort_target, b.sort_target);
  EXPECT_EQ(a.serializable, b.serializable);
  EXPECT_EQ(a.keys_only, b.keys_only);
  EXPECT_EQ(a.count_only, b.count_only);
  EXPECT_EQ(a.min_mod_revision, b.min_mod_revision);
  EXPECT_EQ(a.max_mod_revision, b.max_mod_revision);
  EXPECT_EQ(a.min_create_revision, b.min_create_revision);
  EXPECT_EQ(a.max_create_revision, b.max_create_revision);
}

void ExpectPutEq(const PutRequest& a, const PutRequest& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.lease, b.lease);
  EXPECT_EQ(a.prev_kv, b.prev_kv);
  EXPECT_EQ(a.ignore_value, b.ignore_value);
  EXPECT_EQ(a.ignore_lease, b.ignore_lease);
}

void ExpectDeleteEq(const DeleteRangeRequest& a, const DeleteRangeRequest& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.range_end, b.range_end);
  EXPECT_EQ(a.prev_kv, b.prev_kv);
}

void ExpectCompareEq(const Compare& a, const Compare& b) {
  EXPECT_EQ(a.result, b.result);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.range_end, b.range_end);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.create_revision, b.create_revision);
  EXPECT_EQ(a.mod_revision, b.mod_revision);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.lease, b.lease);
}

void ExpectTxnEq(const TxnRequest& a, const TxnRequest& b);

void ExpectOpsEq(const std::vector<RequestOp>& a, const std::vector<RequestOp>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].request.index(), b[i].request.index()) << "op " << i;
    switch (a[i].request.index()) {
      case 0:
        ExpectRangeEq(std::get<0>(a[i].request), std::get<0>(b[i].request));
        break;
      case 1:
        ExpectPutEq(std::get<1>(a[i].request), std::get<1>(b[i].request));
        break;
      case 2:
        ExpectDeleteEq(std::get<2>(a[i].request), std::get<2>(b[i].request));
        break;
      default:
        ExpectTxnEq(*std::get<3>(a[i].request), *std::get<3>(b[i].request));
    }
  }
}

void ExpectTxnEq(const TxnRequest& a, const TxnRequest& b) {
  ASSERT_EQ(a.compare.size(), b.compare.size());
  for (size_t i = 0; i < a.compare.size(); ++i) ExpectCompareEq(a.compare[i], b.compare[i]);
  ExpectOpsEq(a.success, b.success);
  ExpectOpsEq(a.failure, b.failure);
}

TEST(EntryCodecTest, RoundTripsPutWithEveryField) {
  RaftEntry in = EntryOf(FullPut());
  Result<RaftEntry> out = RoundTrip(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectEnvelopeEq(*out, in);
  ASSERT_TRUE(std::holds_alternative<PutRequest>(out->op));
  ExpectPutEq(std::get<PutRequest>(out->op), std::get<PutRequest>(in.op));
}

TEST(EntryCodecTest, RoundTripsDeleteRange) {
  RaftEntry in = EntryOf(DeleteRangeRequest{"a", std::string(1, '\0'), true});
  Result<RaftEntry> out = RoundTrip(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(std::holds_alternative<DeleteRangeRequest>(out->op));
  ExpectDeleteEq(std::get<DeleteRangeRequest>(out->op), std::get<DeleteRangeRequest>(in.op));
}

TEST(EntryCodecTest, RoundTripsCompaction) {
  Result<RaftEntry> out = RoundTrip(EntryOf(CompactionRequest{77, true}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(std::holds_alternative<CompactionRequest>(out->op));
  EXPECT_EQ(std::get<CompactionRequest>(out->op).revision, 77);
  EXPECT_TRUE(std::get<CompactionRequest>(out->op).physical);
}

TEST(EntryCodecTest, RoundTripsTxnWithEveryOpKindNested) {
  TxnRequest inner;
  inner.compare.push_back(FullCompare());
  inner.success.push_back(RequestOp{FullRange()});
  TxnRequest t;
  t.compare = {FullCompare(), Compare{}};
  t.success = {RequestOp{FullRange()}, RequestOp{FullPut()},
               RequestOp{DeleteRangeRequest{"d", "e", true}},
               RequestOp{std::make_shared<const TxnRequest>(inner)}};
  t.failure = {RequestOp{PutRequest{"f", "", 0, false, false, false}}};
  RaftEntry in = EntryOf(t);
  Result<RaftEntry> out = RoundTrip(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectEnvelopeEq(*out, in);
  ASSERT_TRUE(std::holds_alternative<TxnRequest>(out->op));
  ExpectTxnEq(std::get<TxnRequest>(out->op), t);
}

TEST(EntryCodecTest, RoundTripsEmptyTxnAndEmptyEnvelope) {
  RaftEntry in;
  in.op = TxnRequest{};
  Result<RaftEntry> out = RoundTrip(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectEnvelopeEq(*out, in);
  ExpectTxnEq(std::get<TxnRequest>(out->op), TxnRequest{});
}

TEST(EntryCodecTest, RoundTripsExtremeIntegersAndUnknownEnumNumbers) {
  RaftEntry in = EntryOf(PutRequest{});
  in.request_id = std::numeric_limits<uint64_t>::max();
  in.leader_time_ms = std::numeric_limits<int64_t>::min();
  TxnRequest t;
  RangeRequest r;
  r.sort_order = static_cast<store::SortOrder>(-7);  // etcd keeps unknown enum numbers
  r.sort_target = static_cast<store::SortTarget>(std::numeric_limits<int32_t>::max());
  t.success.push_back(RequestOp{r});
  in.op = t;
  Result<RaftEntry> out = RoundTrip(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectEnvelopeEq(*out, in);
  ExpectTxnEq(std::get<TxnRequest>(out->op), t);
}

// The layout is persisted in every Raft log: these bytes change only together
// with kEntryFormatVersion.
TEST(EntryCodecTest, SmallPutHasGoldenBytes) {
  RaftEntry e;
  e.request_id = 1;
  e.origin = 2;
  e.user = "u";
  e.client_address = "";
  e.leader_time_ms = 3;
  e.op = PutRequest{"a", "b", 0, true, false, false};
  const std::string expected(
      "\x97\x01\x01\x02\xa1u\xa0\x03"  // entry: version 1, request 1, origin 2, "u", "", time 3
      "\x92\x02"                       // op: tag 2 (put)
      "\x96\xc4\x01"
      "a\xc4\x01"
      "b\x00\xc3\xc2\xc2",  // key, value, lease 0, prev_kv, ignore_value, ignore_lease
      21);
  EXPECT_EQ(EncodeRaftEntry(e), expected);
}

TEST(EntryCodecTest, RoundTripsMemberAttributes) {
  MemberAttributes attributes{
      0x1234567890abcdef, "edge-7", {"http://10.0.0.7:2379", "http://[::1]:2379"}};
  Result<RaftEntry> out = RoundTrip(EntryOf(attributes));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(std::holds_alternative<MemberAttributes>(out->op));
  EXPECT_EQ(std::get<MemberAttributes>(out->op), attributes);
}

TEST(EntryCodecTest, MemberAttributesHaveGoldenBytes) {
  RaftEntry e;
  e.request_id = 1;
  e.origin = 2;
  e.leader_time_ms = 3;
  e.op = MemberAttributes{2, "b", {"u"}};
  const std::string expected(
      "\x97\x01\x01\x02\xa0\xa0\x03"  // entry: version 1, request 1, origin 2, "", "", time 3
      "\x92\x40"                      // op: tag 64 (member attributes)
      "\x93\x02\xa1"
      "b\x91\xa1"
      "u",  // member 2, name "b", client URLs ["u"]
      16);
  EXPECT_EQ(EncodeRaftEntry(e), expected);
}

TEST(EntryCodecTest, RejectsMistypedMemberAttributes) {
  std::string bytes = EncodeRaftEntry(EntryOf(MemberAttributes{2, "b", {"u"}}));
  // The client URL list's only element is "u" (0xa1 'u'); make it a bin.
  ASSERT_EQ(bytes.substr(bytes.size() - 2), "\xa1u");
  bytes[bytes.size() - 2] = '\xc4';
  bytes.insert(bytes.size() - 1, 1, '\x01');
  Result<RaftEntry> out = DecodeRaftEntry(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: op.body.client_urls[0]: expected str, got bin");
}

TEST(EntryCodecTest, RejectsEveryTruncation) {
  TxnRequest t;
  t.compare = {FullCompare()};
  t.success = {RequestOp{FullRange()}, RequestOp{PutRequest{"k", "v", 1, true, false, false}}};
  std::string bytes = EncodeRaftEntry(EntryOf(t));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Result<RaftEntry> out = DecodeRaftEntry(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(out.ok()) << "accepted an entry cut at " << cut;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(EntryCodecTest, RejectsTruncationWithMessage) {
  std::string bytes = EncodeRaftEntry(EntryOf(FullPut()));
  Result<RaftEntry> out = DecodeRaftEntry(std::string_view(bytes).substr(0, 10));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: truncated (10 bytes)");
}

TEST(EntryCodecTest, RejectsTrailingBytes) {
  std::string bytes = EncodeRaftEntry(EntryOf(FullPut())) + "xy";
  Result<RaftEntry> out = DecodeRaftEntry(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: 2 trailing bytes after the entry");
}

TEST(EntryCodecTest, RejectsOtherVersionsWithAdvice) {
  std::string bytes = EncodeRaftEntry(EntryOf(FullPut()));
  bytes[1] = '\x02';
  Result<RaftEntry> out = DecodeRaftEntry(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: version 2 is not supported (this member reads version 1): run the same "
            "shadekv version on every member");
}

// Builds entry bytes by hand to put a wrong value in one place.
std::string Envelope(const std::string& op_bytes, const std::string& user = "\xa0") {
  return std::string("\x97\x01\x01\x02", 4) + user + "\xa0\x03" + op_bytes;
}

TEST(EntryCodecTest, RejectsUnknownAndMisplacedOpTags) {
  Result<RaftEntry> out = DecodeRaftEntry(Envelope(std::string("\x92\x13\x90", 3)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.tag: unknown op tag 19 (written by a newer shadekv? run one version "
            "on every member)");

  out = DecodeRaftEntry(Envelope(std::string("\x92\x01\x90", 3)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.tag: op tag 1 (range) is only allowed inside a txn");

  // A compaction inside a txn's success branch.
  out = DecodeRaftEntry(Envelope(std::string("\x92\x04\x93\x90\x91\x92\x05\x92\x01\xc2\x90", 11)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.body.success[0].tag: op tag 5 is not allowed in a txn");
}

TEST(EntryCodecTest, NamesThePathOfAMistypedField) {
  // put whose value is a str instead of bin.
  Result<RaftEntry> out =
      DecodeRaftEntry(Envelope(std::string("\x92\x02\x96\xc4\x01k\xa1v\x00\xc2\xc2\xc2", 12)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: op.body.value: expected bin, got str");

  // user is a bin instead of str.
  out =
      DecodeRaftEntry(Envelope(std::string("\x92\x05\x92\x01\xc2", 5), std::string("\xc4\x00", 2)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: user: expected str, got bin");

  // A put with 5 fields.
  out = DecodeRaftEntry(Envelope(std::string("\x92\x02\x95\xc4\x00\xc4\x00\x00\xc2\xc2", 10)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "raft entry: op.body: expected 6 fields, got 5");

  // compaction revision above int64.
  out = DecodeRaftEntry(
      Envelope(std::string("\x92\x05\x92\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xc2", 13)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.body.revision: 18446744073709551615 is out of int64 range");

  // A txn compare whose target does not fit int32.
  std::string compare("\x99\x00\xce\x80\x00\x00\x00\xc4\x00\xc4\x00\x00\x00\x00\xc4\x00\x00", 17);
  out = DecodeRaftEntry(Envelope(std::string("\x92\x04\x93\x91", 4) + compare + "\x90\x90"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "raft entry: op.body.compare[0].target: 2147483648 is out of int32 range");

  // The envelope is not an array.
  out = DecodeRaftEntry(std::string("\x81\x01\x02", 3));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(EntryCodecTest, AcceptsTxnNestedToTheLimitAndRejectsDeeper) {
  Result<RaftEntry> out = RoundTrip(EntryOf(NestedTxn(kMaxEntryTxnNesting)));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTxnEq(std::get<TxnRequest>(out->op), NestedTxn(kMaxEntryTxnNesting));

  out = RoundTrip(EntryOf(NestedTxn(kMaxEntryTxnNesting + 1)));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("txn nested deeper than 64 levels"), std::string::npos)
      << out.status().message();
}

TEST(EntryCodecTest, RejectsAbsurdNestingWithoutRecursingForever) {
  // 100000 nested arrays: the unpack depth limit stops it.
  std::string bytes(100000, '\x91');
  bytes += '\xc0';
  Result<RaftEntry> out = DecodeRaftEntry(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(EntryCodecTest, RejectsOversizedInputAndForgedLengths) {
  EntryLimits limits;
  limits.max_entry_bytes = 16;
  Result<RaftEntry> out = DecodeRaftEntry(EncodeRaftEntry(EntryOf(FullPut())), limits);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("exceeds the limit of 16"), std::string::npos);

  // An array claiming 4 billion items, with nothing behind it.
  out = DecodeRaftEntry(std::string("\xdd\xff\xff\xff\xff", 5));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);

  // A user name over the string limit.
  EntryLimits small;
  small.max_string_bytes = 3;
  RaftEntry e = EntryOf(FullPut());
  e.user = "mallory";
  out = DecodeRaftEntry(EncodeRaftEntry(e), small);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

// Under ASan/UBSan: random garbage and bit flips must give a clean error or a
// valid entry, never a crash.
TEST(EntryCodecTest, SurvivesRandomGarbageAndBitFlips) {
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 3000; ++i) {
    std::string garbage(rng() % 64, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    Result<RaftEntry> out = DecodeRaftEntry(garbage);
    if (!out.ok()) {
      EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    }
  }
  TxnRequest t;
  t.compare = {FullCompare()};
  t.success = {RequestOp{FullRange()}, RequestOp{DeleteRangeRequest{"d", "e", true}}};
  t.failure = {RequestOp{std::make_shared<const TxnRequest>(NestedTxn(3))}};
  const std::string good = EncodeRaftEntry(EntryOf(t));
  int accepted = 0;
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = good;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      Result<RaftEntry> out = DecodeRaftEntry(flipped);
      if (out.ok()) {
        ++accepted;  // a flip inside a value yields another valid entry
        EXPECT_TRUE(DecodeRaftEntry(EncodeRaftEntry(*out)).ok());
      } else {
        EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
      }
    }
  }
  EXPECT_GT(accepted, 0);  // the loop did exercise both outcomes
}

}  // namespace
}  // namespace shadekv::agent
