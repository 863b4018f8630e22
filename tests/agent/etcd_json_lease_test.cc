// The lease part of the etcd JSON codec, against bodies observed on etcd
// 3.4.23's gateway.
#include <gtest/gtest.h>

#include "agent/api/etcd_json.h"

namespace shadekv::api {
namespace {

ResponseHeader Header() {
  return ResponseHeader{14841639068965178418u, 10276657743932975437u, 3, 2};
}
const std::string kHeader =
    R"("header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"3","raft_term":"2"})";

TEST(EtcdJsonLeaseTest, ParsesGrantRequests) {
  Result<LeaseGrantRequest> r = ParseLeaseGrantRequest(R"({"TTL":30,"ID":"100"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ttl, 30);
  EXPECT_EQ(r->id, 100);
  r = ParseLeaseGrantRequest(R"({"TTL":"-5","ID":-7})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ttl, -5);
  EXPECT_EQ(r->id, -7);
  r = ParseLeaseGrantRequest("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ttl, 0);
  EXPECT_EQ(r->id, 0);
  // etcd: {"TTL":"abc"} -> 400 "invalid character 'a' looking for beginning of value".
  EXPECT_EQ(ParseLeaseGrantRequest(R"({"TTL":"abc"})").status(),
            Status::InvalidArgument("invalid character 'a' looking for beginning of value"));
  EXPECT_EQ(ParseLeaseGrantRequest("xx").status(),
            Status::InvalidArgument("invalid character 'x' looking for beginning of value"));
}

TEST(EtcdJsonLeaseTest, ParsesIdRequests) {
  EXPECT_EQ(ParseLeaseRevokeRequest(R"({"ID":"5"})")->id, 5);
  EXPECT_EQ(ParseLeaseRevokeRequest("null")->id, 0);
  EXPECT_EQ(ParseLeaseKeepAliveRequest(R"({"ID":9223372036854775807})")->id, 9223372036854775807);
  EXPECT_FALSE(ParseLeaseKeepAliveRequest(R"({"ID":9223372036854775808})").ok());
  EXPECT_EQ(ParseLeaseKeepAliveRequest(R"([1])").status().code(), StatusCode::kInvalidArgument);
  Result<LeaseTimeToLiveRequest> t = ParseLeaseTimeToLiveRequest(R"({"ID":"5","keys":true})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->id, 5);
  EXPECT_TRUE(t->keys);
  EXPECT_EQ(ParseLeaseTimeToLiveRequest(R"({"ID":"x"})").status(),
            Status::InvalidArgument("invalid character 'x' looking for beginning of value"));
  EXPECT_TRUE(ParseLeaseLeasesRequest("{}").ok());
  EXPECT_EQ(ParseLeaseLeasesRequest("xx").status(),
            Status::InvalidArgument("invalid character 'x' looking for beginning of value"));
}

TEST(EtcdJsonLeaseTest, EncodesGrantAndRevokeLikeEtcd) {
  EXPECT_EQ(EncodeLeaseGrantResponse(Header(), 5685691158018573317, 2),
            "{" + kHeader + R"(,"ID":"5685691158018573317","TTL":"2"})");
  EXPECT_EQ(EncodeLeaseGrantResponse(Header(), -7, 30),
            "{" + kHeader + R"(,"ID":"-7","TTL":"30"})");
  EXPECT_EQ(EncodeLeaseRevokeResponse(Header()), "{" + kHeader + "}");
}

TEST(EtcdJsonLeaseTest, EncodesKeepAliveMessagesLikeEtcd) {
  EXPECT_EQ(EncodeLeaseKeepAliveMessage(Header(), 5, 100),
            R"({"result":{)" + kHeader + R"(,"ID":"5","TTL":"100"}})");
  // Unknown lease: no TTL. Lease 0 (an empty request): header only.
  EXPECT_EQ(EncodeLeaseKeepAliveMessage(Header(), 999, 0),
            R"({"result":{)" + kHeader + R"(,"ID":"999"}})");
  EXPECT_EQ(EncodeLeaseKeepAliveMessage(Header(), 0, 0), R"({"result":{)" + kHeader + "}}");
}

TEST(EtcdJsonLeaseTest, EncodesTimeToLiveLikeEtcd) {
  EXPECT_EQ(
      EncodeLeaseTimeToLiveResponse(Header(), 5, 8999999999, 9000000000, {"a", "b"}),
      "{" + kHeader +
          R"(,"ID":"5","TTL":"8999999999","grantedTTL":"9000000000","keys":["YQ==","Yg=="]})");
  EXPECT_EQ(EncodeLeaseTimeToLiveResponse(Header(), 100, 1, 2, {}),
            "{" + kHeader + R"(,"ID":"100","TTL":"1","grantedTTL":"2"})");
  EXPECT_EQ(EncodeLeaseTimeToLiveResponse(Header(), 999, -1, 0, {}),
            "{" + kHeader + R"(,"ID":"999","TTL":"-1"})");
  EXPECT_EQ(EncodeLeaseTimeToLiveResponse(Header(), 0, -1, 0, {}),
            "{" + kHeader + R"(,"TTL":"-1"})");
}

TEST(EtcdJsonLeaseTest, EncodesLeaseListsLikeEtcd) {
  EXPECT_EQ(EncodeLeaseLeasesResponse(Header(), {-7, 100}),
            "{" + kHeader + R"(,"leases":[{"ID":"-7"},{"ID":"100"}]})");
  EXPECT_EQ(EncodeLeaseLeasesResponse(Header(), {}), "{" + kHeader + "}");
}

}  // namespace
}  // namespace shadekv::api
