// Lease printers against etcdctl 3.4's output for the same gateway answers
// (captured from etcd 3.4.23), and lease ID parsing.
#include "agent/ctl/lease_format.h"

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"
#include "tests/agent/ctl/json_input.h"

namespace shadekv::ctl {
namespace {

using testing::Json;

const std::string kHeader =
    R"("header":{"cluster_id":"10101560796677756362","member_id":"10221683743416816908",)"
    R"("revision":"4","raft_term":"2"})";
const std::string kFlatHeader =
    R"("cluster_id":10101560796677756362,"member_id":10221683743416816908,"revision":4,)"
    R"("raft_term":2)";

PrintOptions Json() {
  PrintOptions opts;
  opts.format = OutputFormat::kJson;
  return opts;
}

TEST(LeaseIdTest, PrintsSixteenHexDigits) {
  EXPECT_EQ(LeaseIdHex(0x1234), "0000000000001234");
  EXPECT_EQ(LeaseIdHex(1516765277936192263), "150ca1fbef088b07");
}

TEST(LeaseIdTest, ParsesHexAndRejectsTheRest) {
  EXPECT_EQ(*ParseLeaseIdArg("150ca1fbef088b07"), 1516765277936192263);
  EXPECT_EQ(*ParseLeaseIdArg("1234"), 0x1234);
  EXPECT_EQ(ParseLeaseIdArg("zz").status().message(),
            "bad lease ID arg (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting ID "
            "in Hex");
  EXPECT_EQ(ParseLeaseIdArg("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLeaseIdArg("ffffffffffffffffff").status().code(), StatusCode::kInvalidArgument);
}

TEST(LeaseFormatTest, Grant) {
  auto resp = Json("{" + kHeader + R"(,"ID":"1516765277936192292","TTL":"30"})");
  EXPECT_EQ(*FormatLeaseGrant(resp, PrintOptions{}),
            "lease 150ca1fbef088b24 granted with TTL(30s)\n");
  EXPECT_EQ(*FormatLeaseGrant(resp, Json()),
            "{" + kFlatHeader + R"(,"ID":1516765277936192292,"TTL":30,"Error":""})" + "\n");
}

TEST(LeaseFormatTest, Revoke) {
  auto resp = Json("{" + kHeader + "}");
  EXPECT_EQ(*FormatLeaseRevoke(0x150ca1fbef088b24, resp, PrintOptions{}),
            "lease 150ca1fbef088b24 revoked\n");
  EXPECT_EQ(*FormatLeaseRevoke(1, resp, Json()), "{\"header\":{" + kFlatHeader + "}}\n");
}

TEST(LeaseFormatTest, TimeToLiveWithAndWithoutKeys) {
  auto resp = Json("{" + kHeader +
                   R"(,"ID":"1516765277936192265","TTL":"99","grantedTTL":"100",)"
                   R"("keys":["azE=","azI="]})");
  EXPECT_EQ(*FormatLeaseTimeToLive(resp, false, PrintOptions{}),
            "lease 150ca1fbef088b09 granted with TTL(100s), remaining(99s)\n");
  EXPECT_EQ(*FormatLeaseTimeToLive(resp, true, PrintOptions{}),
            "lease 150ca1fbef088b09 granted with TTL(100s), remaining(99s), attached keys([k1 "
            "k2])\n");
  EXPECT_EQ(*FormatLeaseTimeToLive(resp, true, Json()),
            "{" + kFlatHeader +
                R"(,"id":1516765277936192265,"ttl":99,"granted-ttl":100,"keys":["azE=","azI="]})" +
                "\n");
}

TEST(LeaseFormatTest, TimeToLiveOfAnUnknownLease) {
  auto resp = Json("{" + kHeader + R"(,"ID":"4660","TTL":"-1"})");
  EXPECT_EQ(*FormatLeaseTimeToLive(resp, false, PrintOptions{}),
            "lease 0000000000001234 already expired\n");
  EXPECT_EQ(*FormatLeaseTimeToLive(resp, false, Json()),
            "{" + kFlatHeader + R"(,"id":4660,"ttl":-1,"granted-ttl":0,"keys":null})" + "\n");
}

TEST(LeaseFormatTest, List) {
  auto resp = Json("{" + kHeader + R"(,"leases":[{"ID":"1516765277936192292"},{"ID":"4660"}]})");
  EXPECT_EQ(*FormatLeaseList(resp, PrintOptions{}),
            "found 2 leases\n150ca1fbef088b24\n0000000000001234\n");
  EXPECT_EQ(*FormatLeaseList(resp, Json()),
            "{" + kFlatHeader + R"(,"leases":[{"id":1516765277936192292},{"id":4660}]})" + "\n");
  auto none = Json("{" + kHeader + "}");
  EXPECT_EQ(*FormatLeaseList(none, PrintOptions{}), "found 0 leases\n");
  EXPECT_EQ(*FormatLeaseList(none, Json()), "{" + kFlatHeader + R"(,"leases":[]})" + "\n");
}

TEST(LeaseFormatTest, KeepAlive) {
  auto resp = Json("{" + kHeader + R"(,"ID":"1516765277936192292","TTL":"30"})");
  EXPECT_EQ(*FormatLeaseKeepAlive(resp, PrintOptions{}),
            "lease 150ca1fbef088b24 keepalived with TTL(30)\n");
  EXPECT_EQ(*FormatLeaseKeepAlive(resp, Json()),
            "{" + kFlatHeader + R"(,"ID":1516765277936192292,"TTL":30})" + "\n");
}

TEST(LeaseFormatTest, TableIsUnsupportedLikeEtcdctl) {
  PrintOptions table;
  table.format = OutputFormat::kTable;
  auto resp = Json("{" + kHeader + "}");
  EXPECT_EQ(FormatLeaseGrant(resp, table).status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(FormatLeaseList(resp, table).status().message(),
            "table not supported as output format");
}

}  // namespace
}  // namespace shadekv::ctl
