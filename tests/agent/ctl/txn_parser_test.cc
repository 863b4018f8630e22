// etcdctl's txn language: every compare target and operator, every request
// kind, quoting, and the errors for each kind of bad input.
#include "agent/ctl/txn_parser.h"

#include <sstream>

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {
namespace {

// Compact JSON with keys sorted (Poco's default object order).
std::string CompareJson(std::string_view line) {
  Result<Poco::JSON::Object::Ptr> cmp = ParseTxnCompare(line);
  if (!cmp.ok()) return "error: " + cmp.status().message();
  return Stringify(*cmp);
}

std::string RequestJson(std::string_view line) {
  Result<Poco::JSON::Object::Ptr> op = ParseTxnRequest(line);
  if (!op.ok()) return "error: " + op.status().message();
  return Stringify(*op);
}

TEST(TxnCompareTest, ValueTargetsAndOperators) {
  EXPECT_EQ(CompareJson("value(\"k\") = \"v\""),
            R"({"key":"aw==","result":"EQUAL","target":"VALUE","value":"dg=="})");
  EXPECT_EQ(CompareJson("val(\"k\") != \"v\""),
            R"({"key":"aw==","result":"NOT_EQUAL","target":"VALUE","value":"dg=="})");
  EXPECT_EQ(CompareJson("value(\"k\") > \"a\""),
            R"({"key":"aw==","result":"GREATER","target":"VALUE","value":"YQ=="})");
  EXPECT_EQ(CompareJson("value(\"k\") < \"\""),
            R"({"key":"aw==","result":"LESS","target":"VALUE","value":""})");
}

TEST(TxnCompareTest, RevisionAndVersionTargets) {
  EXPECT_EQ(CompareJson("mod(\"k\") > \"3\""),
            R"({"key":"aw==","mod_revision":"3","result":"GREATER","target":"MOD"})");
  EXPECT_EQ(CompareJson("m(\"k\") = \"3\""),
            R"({"key":"aw==","mod_revision":"3","result":"EQUAL","target":"MOD"})");
  EXPECT_EQ(CompareJson("version(\"k\") < \"1\""),
            R"({"key":"aw==","result":"LESS","target":"VERSION","version":"1"})");
  EXPECT_EQ(CompareJson("ver(\"k\") != \"2\""),
            R"({"key":"aw==","result":"NOT_EQUAL","target":"VERSION","version":"2"})");
  EXPECT_EQ(CompareJson("create(\"k\") = \"0\""),
            R"({"create_revision":"0","key":"aw==","result":"EQUAL","target":"CREATE"})");
  EXPECT_EQ(CompareJson("c(\"k\") > \"-1\""),
            R"({"create_revision":"-1","key":"aw==","result":"GREATER","target":"CREATE"})");
}

TEST(TxnCompareTest, LeaseTargetTakesAHexLeaseId) {
  EXPECT_EQ(CompareJson("lease(\"k\") = \"694d77aa9e38260f\""),
            R"({"key":"aw==","lease":"7587852521871779343","result":"EQUAL","target":"LEASE"})");
  EXPECT_EQ(CompareJson("lease(\"k\") = \"0\""),
            R"({"key":"aw==","lease":"0","result":"EQUAL","target":"LEASE"})");
}

TEST(TxnCompareTest, GoQuotingAndSpacing) {
  EXPECT_EQ(CompareJson("value(\"a\\tb\") = \"x\\ny\""),
            R"({"key":"YQli","result":"EQUAL","target":"VALUE","value":"eAp5"})");
  EXPECT_EQ(CompareJson("value(`raw\\n`) = `v`"),
            R"({"key":"cmF3XG4=","result":"EQUAL","target":"VALUE","value":"dg=="})");
  EXPECT_EQ(CompareJson("value( \"k\")   =    \"v\""),
            R"({"key":"aw==","result":"EQUAL","target":"VALUE","value":"dg=="})");
  EXPECT_EQ(CompareJson("value(\"\\x41\\u00e9\\101\") = \"\""),
            R"({"key":"QcOpQQ==","result":"EQUAL","target":"VALUE","value":""})");
}

TEST(TxnCompareTest, MalformedComparisonsSayWhatWasParsed) {
  EXPECT_EQ(CompareJson("value"), "error: malformed comparison: value");
  EXPECT_EQ(CompareJson("value(k) = \"v\""),
            "error: malformed comparison: value(k) = \"v\"; got value(\"\")  \"\"");
  EXPECT_EQ(CompareJson("value(\"k\") = v"),
            "error: malformed comparison: value(\"k\") = v; got value(\"k\") = \"\"");
  EXPECT_EQ(CompareJson("value(\"k\")"),
            "error: malformed comparison: value(\"k\"); got value(\"k\")  \"\"");
  EXPECT_EQ(CompareJson("value(\"k\" ) = \"v\""),
            "error: malformed comparison: value(\"k\" ) = \"v\"; got value(\"k\")  \"\"");
  EXPECT_EQ(CompareJson("value(\"k\")=\"v\""),
            "error: malformed comparison: value(\"k\")=\"v\"; got value(\"k\") =\"v\" \"\"");
  EXPECT_EQ(CompareJson("size(\"k\") = \"1\""),
            "error: malformed comparison: size(\"k\") = \"1\" (unknown target size)");
  EXPECT_EQ(CompareJson("value(\"k\") ~ \"1\""),
            "error: malformed comparison: value(\"k\") ~ \"1\" (unknown operator ~; use =, !=, "
            "> or <)");
  EXPECT_EQ(CompareJson("mod(\"k\") > \"x\""),
            "error: invalid txn compare request: mod(\"k\") > \"x\"");
  EXPECT_EQ(CompareJson("lease(\"k\") = \"xyz\""),
            "error: invalid txn compare request: lease(\"k\") = \"xyz\"");
}

TEST(TxnRequestTest, PutForms) {
  EXPECT_EQ(RequestJson("put k v"), R"({"request_put":{"key":"aw==","value":"dg=="}})");
  EXPECT_EQ(RequestJson("put k v --prev-kv --lease=1234"),
            R"({"request_put":{"key":"aw==","lease":"4660","prev_kv":true,"value":"dg=="}})");
  EXPECT_EQ(RequestJson("put k --ignore-value --ignore-lease"),
            R"({"request_put":{"ignore_lease":true,"ignore_value":true,"key":"aw=="}})");
  EXPECT_EQ(RequestJson("put \"a key\" 'a value'"),
            R"({"request_put":{"key":"YSBrZXk=","value":"YSB2YWx1ZQ=="}})");
  EXPECT_EQ(RequestJson("put k \"line\\nbreak\""),
            R"({"request_put":{"key":"aw==","value":"bGluZQpicmVhaw=="}})");
}

TEST(TxnRequestTest, GetForms) {
  EXPECT_EQ(RequestJson("get k"), R"({"request_range":{"key":"aw=="}})");
  EXPECT_EQ(RequestJson("get k --prefix"),
            R"({"request_range":{"key":"aw==","range_end":"bA=="}})");
  EXPECT_EQ(RequestJson("get k --from-key --keys-only --limit 2"),
            R"({"request_range":{"key":"aw==","keys_only":true,"limit":"2","range_end":"AA=="}})");
  EXPECT_EQ(RequestJson("get a z --rev=3 --sort-by=modify --order=descend --consistency=s"),
            R"({"request_range":{"key":"YQ==","range_end":"eg==","revision":"3",)"
            R"("serializable":true,"sort_order":"DESCEND","sort_target":"MOD"}})");
}

TEST(TxnRequestTest, DelForms) {
  EXPECT_EQ(RequestJson("del k"), R"({"request_delete_range":{"key":"aw=="}})");
  EXPECT_EQ(RequestJson("del k --prefix --prev-kv"),
            R"({"request_delete_range":{"key":"aw==","prev_kv":true,"range_end":"bA=="}})");
  EXPECT_EQ(RequestJson("del a c"),
            R"({"request_delete_range":{"key":"YQ==","range_end":"Yw=="}})");
  EXPECT_EQ(RequestJson("del \"\" --from-key"),
            R"({"request_delete_range":{"key":"AA==","range_end":"AA=="}})");
}

TEST(TxnRequestTest, BadRequestsAreRejected) {
  EXPECT_EQ(ParseTxnRequest("put k").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ParseTxnRequest("get k --order=up").status(),
            Status::Unimplemented("bad sort order up"));
  EXPECT_EQ(ParseTxnRequest("frob a b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RequestJson("put"), "error: invalid txn compare request: put");
  EXPECT_EQ(RequestJson("frob a b"), "error: invalid txn request: frob a b");
  EXPECT_EQ(RequestJson("get a --nope"), "error: invalid txn request: get a --nope");
  EXPECT_EQ(RequestJson("get a --limit=x"), "error: invalid txn request: get a --limit=x");
  EXPECT_EQ(RequestJson("put k"),
            "error: put command needs 1 argument and input from stdin or 2 arguments");
  EXPECT_EQ(RequestJson("get a --prefix --from-key"),
            "error: `--prefix` and `--from-key` cannot be set at the same time, choose one");
  EXPECT_EQ(RequestJson("put k v --lease=zz"),
            "error: bad lease ID (strconv.ParseInt: parsing \"zz\": invalid syntax), "
            "expecting ID in Hex");
  EXPECT_EQ(RequestJson("put k \"bad\\q\""),
            "error: bad quoted string \"bad\\q\" in: put k "
            "\"bad\\q\"");
}

TEST(ArgifyTest, SplitsLikeEtcdctl) {
  EXPECT_EQ(*ArgifyTxnLine("put  a   b"), (std::vector<std::string>{"put", "a", "b"}));
  EXPECT_EQ(*ArgifyTxnLine("put \"x y\" 'p q'"), (std::vector<std::string>{"put", "x y", "p q"}));
  EXPECT_EQ(*ArgifyTxnLine("put a\"b c"), (std::vector<std::string>{"put", "a\"b", "c"}));
  EXPECT_EQ(*ArgifyTxnLine("put \"unterminated x"),
            (std::vector<std::string>{"put", "unterminated", "x"}));
  EXPECT_TRUE(ArgifyTxnLine("").value().empty());
}

TEST(ReadTxnTest, ReadsThreeBlocks) {
  std::istringstream in(
      "mod(\"k\") > \"0\"\n  value(\"k\") = \"v\"  \n\nput k2 v2\nget k\n\ndel k3\n\n");
  Result<Poco::JSON::Object::Ptr> txn = ReadTxn(in, nullptr);
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  EXPECT_EQ(GetArray(*txn, "compare")->size(), 2u);
  EXPECT_EQ(GetArray(*txn, "success")->size(), 2u);
  EXPECT_EQ(GetArray(*txn, "failure")->size(), 1u);
}

TEST(ReadTxnTest, EmptyTxnHasNoFields) {
  std::istringstream in("\n\n\n");
  Result<Poco::JSON::Object::Ptr> txn = ReadTxn(in, nullptr);
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(Stringify(*txn), "{}");
}

TEST(ReadTxnTest, InteractiveModePrintsEtcdctlPrompts) {
  std::istringstream in("\nput a b\n\n\n");
  std::ostringstream prompts;
  ASSERT_TRUE(ReadTxn(in, &prompts).ok());
  EXPECT_EQ(prompts.str(),
            "compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n");
}

TEST(ReadTxnTest, InputEndingEarlyIsEof) {
  for (const char* text :
       {"", "mod(\"k\") > \"0\"\n", "\nput a b\n", "\n\nput a b", "\n\nput a b\n"}) {
    std::istringstream in(text);
    EXPECT_EQ(ReadTxn(in, nullptr).status(), Status::InvalidArgument("EOF")) << text;
  }
}

TEST(ReadTxnTest, FirstBadLineStopsReading) {
  std::istringstream in("value(\"k\") = \"v\"\nbogus\n\n\n\n");
  EXPECT_EQ(ReadTxn(in, nullptr).status(), Status::InvalidArgument("malformed comparison: bogus"));
}

}  // namespace
}  // namespace shadekv::ctl
