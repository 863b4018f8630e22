// Bad requests against a real 3-member cluster: each gets etcd's exact error
// and none of them moves the revision on any member.
#include <string>

#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using std::chrono::milliseconds;

class MalformedRequestsTest : public ClusterFixture {
 protected:
  void ExpectReply(int i, const std::string& path, const std::string& body, int status,
                   const std::string& want_body) {
    Result<HttpReply> reply = Call(i, path, body);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->status, status) << path << " " << body.substr(0, 100);
    EXPECT_EQ(reply->body, want_body) << path << " " << body.substr(0, 100);
  }

  static std::string Error(const std::string& message, int code) {
    return "{\"error\":\"" + message + "\",\"message\":\"" + message +
           "\",\"code\":" + std::to_string(code) + "}";
  }
};

TEST_F(MalformedRequestsTest, MalformedRequestsChangeNothing) {
  StartCluster(3, {"--max-request-bytes", "4096"});
  int leader = WaitForLeader({0, 1, 2}, milliseconds(20000));
  ASSERT_GE(leader, 0);
  for (int n = 0; n < 4; ++n) ASSERT_TRUE(Put(n % 3, "k" + std::to_string(n), "v").ok());
  ASSERT_TRUE(HashKv(leader, 0).ok());
  Result<HttpReply> compacted =
      Call(leader, "/v3/kv/compaction", "{\"revision\":\"3\",\"physical\":true}");
  ASSERT_TRUE(compacted.ok() && compacted->status == 200)
      << (compacted.ok() ? compacted->body : compacted.status().ToString());
  const int64_t revision = WaitForConvergence({0, 1, 2}, milliseconds(30000));
  ASSERT_EQ(revision, 5);
  // A compaction makes no revision: a linearizable read on each member makes
  // sure each has applied it too.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Get(i, "k0").ok());

  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("via member " + agents_[i].name);
    // Not JSON, and JSON of the wrong shape.
    ExpectReply(i, "/v3/kv/put", "{bad", 400,
                Error("invalid character 'b' looking for beginning of object key string", 3));
    // Unpadded and non-alphabet base64.
    ExpectReply(i, "/v3/kv/put", "{\"key\":\"eA\",\"value\":\"eA==\"}", 400,
                Error("illegal base64 data at input byte 0", 3));
    ExpectReply(i, "/v3/kv/put", "{\"key\":\"!!!!\",\"value\":\"eA==\"}", 400,
                Error("illegal base64 data at input byte 0", 3));
    // Missing and empty keys.
    ExpectReply(i, "/v3/kv/put", "{\"value\":\"eA==\"}", 400,
                Error("etcdserver: key is not provided", 3));
    ExpectReply(i, "/v3/kv/put", "{\"key\":\"\",\"value\":\"eA==\"}", 400,
                Error("etcdserver: key is not provided", 3));
    ExpectReply(i, "/v3/kv/range", "{}", 400, Error("etcdserver: key is not provided", 3));
    ExpectReply(i, "/v3/kv/deleterange", "{\"key\":\"\"}", 400,
                Error("etcdserver: key is not provided", 3));
    // A value over --max-request-bytes.
    ExpectReply(
        i, "/v3/kv/put",
        "{\"key\":\"" + Base64("big") + "\",\"value\":\"" + Base64(std::string(8192, 'x')) + "\"}",
        400, Error("etcdserver: request is too large", 3));
    // Compaction ahead of the store, and a read below the compaction.
    ExpectReply(i, "/v3/kv/compaction", "{\"revision\":\"100\"}", 400,
                Error("etcdserver: mvcc: required revision is a future revision", 11));
    ExpectReply(i, "/v3/kv/range", "{\"key\":\"" + Base64("k1") + "\",\"revision\":\"2\"}", 400,
                Error("etcdserver: mvcc: required revision has been compacted", 11));
    // Unknown paths and wrong methods.
    Result<HttpReply> unknown = Call(i, "/v3/kv/nothing", "{}");
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->status, 404);
    EXPECT_EQ(unknown->body, "Not Found\n");
    Result<HttpReply> get =
        HttpCall(agents_[i].client_port, "GET", "/v3/kv/put", "", milliseconds(5000));
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->status, 405);
    EXPECT_EQ(get->body, "Method Not Allowed\n");
  }

  // Nothing moved: same revision and hash everywhere, no "big" key.
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, milliseconds(30000)), revision);
  for (int i = 0; i < 3; ++i) {
    Result<StatusInfo> status = GetStatus(i);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->revision, revision);
    Result<std::optional<KeyValue>> big = Get(i, "big");
    ASSERT_TRUE(big.ok());
    EXPECT_FALSE(big->has_value());
  }
  // And the cluster still works.
  Result<int64_t> next = Put(1, "after", "errors");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, revision + 1);
}

}  // namespace
}  // namespace shadekv::cluster_testing
