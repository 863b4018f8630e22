// Golden outputs captured from etcdctl 3.4.23 (ETCDCTL_API=3) against a local
// etcd 3.4.23; the inputs are the JSON gateway's answers for the same state.
#include "agent/ctl/output_format.h"

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"
#include "tests/agent/ctl/json_input.h"

namespace shadekv::ctl {
namespace {

using testing::Json;

PrintOptions Format(OutputFormat f) {
  PrintOptions opts;
  opts.format = f;
  return opts;
}

const char kHeader[] =
    R"("header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
    R"("revision":"19","raft_term":"2"})";
const char kHeaderOut[] =
    R"("header":{"cluster_id":15118495548433857066,"member_id":13668033151171901709,)"
    R"("revision":19,"raft_term":2})";

TEST(OutputFormatTest, RangeSimpleJsonAndHex) {
  auto resp = Json(std::string("{") + kHeader +
                   R"(,"kvs":[{"key":"YQ==","create_revision":"4","mod_revision":"4",)"
                   R"("version":"1","value":"MQ=="},{"key":"aw==","create_revision":"13",)"
                   R"("mod_revision":"15","version":"3","value":"aGVsbG8K"}],"count":"2"})");
  EXPECT_EQ(*FormatRange(resp, Format(OutputFormat::kSimple)), "a\n1\nk\nhello\n\n");
  PrintOptions value_only = Format(OutputFormat::kSimple);
  value_only.value_only = true;
  EXPECT_EQ(*FormatRange(resp, value_only), "1\nhello\n\n");
  PrintOptions hex = Format(OutputFormat::kSimple);
  hex.hex = true;
  EXPECT_EQ(*FormatRange(resp, hex), "\\x61\n\\x31\n\\x6b\n\\x68\\x65\\x6c\\x6c\\x6f\\x0a\n");
  PrintOptions count = Format(OutputFormat::kSimple);
  count.count_only = true;
  EXPECT_EQ(*FormatRange(resp, count), "2\n");
  EXPECT_EQ(*FormatRange(resp, Format(OutputFormat::kJson)),
            std::string("{") + kHeaderOut +
                R"(,"kvs":[{"key":"YQ==","create_revision":4,"mod_revision":4,"version":1,)"
                R"("value":"MQ=="},{"key":"aw==","create_revision":13,"mod_revision":15,)"
                R"("version":3,"value":"aGVsbG8K"}],"count":2})"
                "\n");
  EXPECT_EQ(FormatRange(resp, Format(OutputFormat::kTable)).status(),
            Status::Unimplemented("table not supported as output format"));
}

TEST(OutputFormatTest, EmptyRangePrintsNothingOrTheHeader) {
  auto resp = Json(std::string("{") + kHeader + "}");
  EXPECT_EQ(*FormatRange(resp, Format(OutputFormat::kSimple)), "");
  EXPECT_EQ(*FormatRange(resp, Format(OutputFormat::kJson)), std::string("{") + kHeaderOut + "}\n");
}

TEST(OutputFormatTest, PutAndDelete) {
  auto put = Json(std::string("{") + kHeader +
                  R"(,"prev_kv":{"key":"Zm9v","create_revision":"2","mod_revision":"3",)"
                  R"("version":"2","value":"YmFyMg=="}})");
  EXPECT_EQ(*FormatPut(put, Format(OutputFormat::kSimple)), "OK\nfoo\nbar2\n");
  EXPECT_EQ(*FormatPut(put, Format(OutputFormat::kJson)),
            std::string("{") + kHeaderOut +
                R"(,"prev_kv":{"key":"Zm9v","create_revision":2,"mod_revision":3,"version":2,)"
                R"("value":"YmFyMg=="}})"
                "\n");
  EXPECT_EQ(*FormatPut(Json(std::string("{") + kHeader + "}"), Format(OutputFormat::kSimple)),
            "OK\n");
  auto del = Json(std::string("{") + kHeader +
                  R"(,"deleted":"1","prev_kvs":[{"key":"eA==","create_revision":"7",)"
                  R"("mod_revision":"7","version":"1","value":"eQ=="}]})");
  EXPECT_EQ(*FormatDelete(del, Format(OutputFormat::kSimple)), "1\nx\ny\n");
  EXPECT_EQ(*FormatDelete(Json(std::string("{") + kHeader + "}"), Format(OutputFormat::kSimple)),
            "0\n");
  EXPECT_EQ(FormatDelete(del, Format(OutputFormat::kTable)).status().code(),
            StatusCode::kUnimplemented);
}

const char kTxnResponse[] =
    R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
    R"("revision":"19","raft_term":"2"},"succeeded":true,"responses":[{"response_put":)"
    R"({"header":{"revision":"19"},"prev_kv":{"key":"azI=","create_revision":"17",)"
    R"("mod_revision":"18","version":"2","value":"djI="}}},{"response_range":{"header":)"
    R"({"revision":"19"},"kvs":[{"key":"aw==","create_revision":"13","mod_revision":"15",)"
    R"("version":"3","value":"aGVsbG8K"}],"count":"1"}},{"response_delete_range":)"
    R"({"header":{"revision":"19"}}}]})";

TEST(OutputFormatTest, TxnSimpleAndJson) {
  auto resp = Json(kTxnResponse);
  EXPECT_EQ(*FormatTxn(resp, Format(OutputFormat::kSimple)),
            "SUCCESS\n\nOK\nk2\nv2\n\nk\nhello\n\n\n0\n");
  EXPECT_EQ(*FormatTxn(resp, Format(OutputFormat::kJson)),
            R"({"header":{"cluster_id":15118495548433857066,"member_id":13668033151171901709,)"
            R"("revision":19,"raft_term":2},"succeeded":true,"responses":[{"Response":)"
            R"({"ResponsePut":{"header":{"revision":19},"prev_kv":{"key":"azI=",)"
            R"("create_revision":17,"mod_revision":18,"version":2,"value":"djI="}}}},)"
            R"({"Response":{"ResponseRange":{"header":{"revision":19},"kvs":[{"key":"aw==",)"
            R"("create_revision":13,"mod_revision":15,"version":3,"value":"aGVsbG8K"}],)"
            R"("count":1}}},{"Response":{"ResponseDeleteRange":{"header":{"revision":19}}}}]})"
            "\n");
  EXPECT_EQ(*FormatTxn(Json(std::string("{") + kHeader + "}"), Format(OutputFormat::kSimple)),
            "FAILURE\n");
}

const char kMembers[] =
    R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
    R"("raft_term":"2"},"members":[{"ID":"6299209900899574294","peerURLs":)"
    R"(["http://127.0.0.1:23805","http://127.0.0.1:23806"],"isLearner":true},)"
    R"({"ID":"13668033151171901709","name":"n1","peerURLs":["http://127.0.0.1:23801"],)"
    R"("clientURLs":["http://127.0.0.1:23791"]}]})";

TEST(OutputFormatTest, MemberListAllFormats) {
  auto resp = Json(kMembers);
  EXPECT_EQ(*FormatMemberList(resp, Format(OutputFormat::kSimple)),
            "576b4a07bcbe2216, unstarted, , http://127.0.0.1:23805,http://127.0.0.1:23806, , "
            "true\n"
            "bdae9bbc11dd390d, started, n1, http://127.0.0.1:23801, http://127.0.0.1:23791, "
            "false\n");
  EXPECT_EQ(
      *FormatMemberList(resp, Format(OutputFormat::kTable)),
      "+------------------+-----------+------+-----------------------------------------------+-"
      "-----------------------+------------+\n"
      "|        ID        |  STATUS   | NAME |                  PEER ADDRS                   | "
      "     CLIENT ADDRS      | IS LEARNER |\n"
      "+------------------+-----------+------+-----------------------------------------------+-"
      "-----------------------+------------+\n"
      "| 576b4a07bcbe2216 | unstarted |      | http://127.0.0.1:23805,http://127.0.0.1:23806 | "
      "                       |       true |\n"
      "| bdae9bbc11dd390d |   started |   n1 |                        http://127.0.0.1:23801 | "
      "http://127.0.0.1:23791 |      false |\n"
      "+------------------+-----------+------+-----------------------------------------------+-"
      "-----------------------+------------+\n");
  EXPECT_EQ(*FormatMemberList(resp, Format(OutputFormat::kJson)),
            R"({"header":{"cluster_id":15118495548433857066,"member_id":13668033151171901709,)"
            R"("raft_term":2},"members":[{"ID":6299209900899574294,"peerURLs":)"
            R"(["http://127.0.0.1:23805","http://127.0.0.1:23806"],"isLearner":true},)"
            R"({"ID":13668033151171901709,"name":"n1","peerURLs":["http://127.0.0.1:23801"],)"
            R"("clientURLs":["http://127.0.0.1:23791"]}]})"
            "\n");
}

TEST(OutputFormatTest, MemberAddAndChanges) {
  auto added = Json(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
      R"("raft_term":"2"},"member":{"ID":"385482511143504597","peerURLs":)"
      R"(["http://127.0.0.1:23802"],"isLearner":true},"members":[{"ID":"385482511143504597",)"
      R"("peerURLs":["http://127.0.0.1:23802"],"isLearner":true},{"ID":"13668033151171901709",)"
      R"("name":"n1","peerURLs":["http://127.0.0.1:23801"],"clientURLs":)"
      R"(["http://127.0.0.1:23791"]}]})");
  EXPECT_EQ(
      *FormatMemberAdd(added, "n2", {"http://127.0.0.1:23802"}, Format(OutputFormat::kSimple)),
      "Member  559824d2fd58ad5 added to cluster d1cfaf999eb97a2a\n"
      "\n"
      "ETCD_NAME=\"n2\"\n"
      "ETCD_INITIAL_CLUSTER=\"n2=http://127.0.0.1:23802,n1=http://127.0.0.1:23801\"\n"
      "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"http://127.0.0.1:23802\"\n"
      "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n");
  EXPECT_EQ(FormatMemberAdd(added, "n2", {}, Format(OutputFormat::kTable)).status().code(),
            StatusCode::kUnimplemented);
  auto members = Json(kMembers);
  EXPECT_EQ(*FormatMemberChange(members, 0x559824d2fd58ad5ULL, "removed from",
                                Format(OutputFormat::kSimple)),
            "Member  559824d2fd58ad5 removed from cluster d1cfaf999eb97a2a\n");
  EXPECT_EQ(*FormatMemberChange(members, 0x54a40dcab60a532cULL, "updated in",
                                Format(OutputFormat::kSimple)),
            "Member 54a40dcab60a532c updated in cluster d1cfaf999eb97a2a\n");
}

TEST(OutputFormatTest, EndpointStatusAllFormats) {
  std::vector<EndpointStatusRow> rows = {
      {"127.0.0.1:23791",
       Json(R"({"header":{"cluster_id":"15118495548433857066","member_id":)"
            R"("13668033151171901709","revision":"20","raft_term":"2"},"version":"3.4.23",)"
            R"("dbSize":"20480","leader":"13668033151171901709","raftIndex":"26",)"
            R"("raftTerm":"2","raftAppliedIndex":"26","dbSizeInUse":"16384"})")}};
  EXPECT_EQ(FormatEndpointStatus(rows, Format(OutputFormat::kSimple)),
            "127.0.0.1:23791, bdae9bbc11dd390d, 3.4.23, 20 kB, true, false, 2, 26, 26, \n");
  EXPECT_EQ(FormatEndpointStatus(rows, Format(OutputFormat::kTable)),
            "+-----------------+------------------+---------+---------+-----------+------------+"
            "-----------+------------+--------------------+--------+\n"
            "|    ENDPOINT     |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER |"
            " RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |\n"
            "+-----------------+------------------+---------+---------+-----------+------------+"
            "-----------+------------+--------------------+--------+\n"
            "| 127.0.0.1:23791 | bdae9bbc11dd390d |  3.4.23 |   20 kB |      true |      false |"
            "         2 |         26 |                 26 |        |\n"
            "+-----------------+------------------+---------+---------+-----------+------------+"
            "-----------+------------+--------------------+--------+\n");
  EXPECT_EQ(FormatEndpointStatus(rows, Format(OutputFormat::kJson)),
            R"([{"Endpoint":"127.0.0.1:23791","Status":{"header":{"cluster_id":)"
            R"(15118495548433857066,"member_id":13668033151171901709,"revision":20,)"
            R"("raft_term":2},"version":"3.4.23","dbSize":20480,"leader":13668033151171901709,)"
            R"("raftIndex":26,"raftTerm":2,"raftAppliedIndex":26,"dbSizeInUse":16384}}])"
            "\n");
}

TEST(OutputFormatTest, EndpointHealthAllFormats) {
  std::vector<EndpointHealthRow> rows = {{"127.0.0.1:23791", true, "1.290258ms", ""}};
  PrintedText simple = FormatEndpointHealth(rows, Format(OutputFormat::kSimple));
  EXPECT_EQ(simple.out, "");
  EXPECT_EQ(simple.err,
            "127.0.0.1:23791 is healthy: successfully committed proposal: took = 1.290258ms\n");
  EXPECT_EQ(FormatEndpointHealth(rows, Format(OutputFormat::kTable)).out,
            "+-----------------+--------+------------+-------+\n"
            "|    ENDPOINT     | HEALTH |    TOOK    | ERROR |\n"
            "+-----------------+--------+------------+-------+\n"
            "| 127.0.0.1:23791 |   true | 1.290258ms |       |\n"
            "+-----------------+--------+------------+-------+\n");
  std::vector<EndpointHealthRow> bad = {
      {"127.0.0.1:1", false, "5.000968598s", "context deadline exceeded"}};
  EXPECT_EQ(FormatEndpointHealth(bad, Format(OutputFormat::kJson)).out,
            R"([{"endpoint":"127.0.0.1:1","health":false,"took":"5.000968598s",)"
            R"("error":"context deadline exceeded"}])"
            "\n");
  EXPECT_EQ(FormatEndpointHealth(bad, Format(OutputFormat::kSimple)).err,
            "127.0.0.1:1 is unhealthy: failed to commit proposal: context deadline exceeded\n");
}

TEST(OutputFormatTest, EndpointHashKvAllFormats) {
  std::vector<EndpointHashRow> rows = {
      {"127.0.0.1:23791",
       Json(R"({"header":{"cluster_id":"15118495548433857066","member_id":)"
            R"("13668033151171901709","revision":"20","raft_term":"2"},"hash":3698640785,)"
            R"("compact_revision":"-1"})")}};
  EXPECT_EQ(FormatEndpointHash(rows, Format(OutputFormat::kSimple)),
            "127.0.0.1:23791, 3698640785\n");
  EXPECT_EQ(FormatEndpointHash(rows, Format(OutputFormat::kTable)),
            "+-----------------+------------+\n"
            "|    ENDPOINT     |    HASH    |\n"
            "+-----------------+------------+\n"
            "| 127.0.0.1:23791 | 3698640785 |\n"
            "+-----------------+------------+\n");
  EXPECT_EQ(FormatEndpointHash(rows, Format(OutputFormat::kJson)),
            R"([{"Endpoint":"127.0.0.1:23791","HashKV":{"header":{"cluster_id":)"
            R"(15118495548433857066,"member_id":13668033151171901709,"revision":20,)"
            R"("raft_term":2},"hash":3698640785,"compact_revision":-1}}])"
            "\n");
}

TEST(OutputFormatTest, OutputFormatNames) {
  EXPECT_EQ(*ParseOutputFormat("simple"), OutputFormat::kSimple);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(ParseOutputFormat("fields").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shadekv::ctl
