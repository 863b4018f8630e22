// Golden output of the auth printers, taken from etcdctl 3.4.23 against
// etcd 3.4.23 for the same gateway answers.
#include "agent/ctl/auth_format.h"

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {
namespace {

constexpr char kHeader[] =
    R"("header":{"cluster_id":"4636143269445759433","member_id":"1057407598874703546",)"
    R"("revision":"4","raft_term":"2"})";
constexpr char kJsonHeader[] =
    R"("header":{"cluster_id":4636143269445759433,"member_id":1057407598874703546,)"
    R"("revision":4,"raft_term":2})";
constexpr char kFieldsHeader[] =
    "\"ClusterID\" : 4636143269445759433\n\"MemberID\" : 1057407598874703546\n"
    "\"Revision\" : 4\n\"RaftTerm\" : 2\n";

Poco::JSON::Object::Ptr Resp(const std::string& rest = "") {
  return *ParseJsonObject("{" + std::string(kHeader) + rest + "}");
}

// The role of the e2e story: prefix, from-key, whole key space, a range
// that is also a prefix, and a single key ("\x00" printed raw, as etcdctl).
Poco::JSON::Object::Ptr RoleResp() {
  return Resp(
      R"(,"perm":[{"permType":"READWRITE","key":"AA==","range_end":"AA=="},)"
      R"({"key":"L2FwcC8=","range_end":"L2FwcDA="},{"permType":"READWRITE","key":"L2I=",)"
      R"("range_end":"AA=="},{"permType":"WRITE","key":"L2M=","range_end":"L2Q="},{"key":"L3g="}])");
}

TEST(ParseAuthOutputFormatTest, KnowsFieldsButNotProtobuf) {
  EXPECT_EQ(*ParseAuthOutputFormat("fields"), AuthOutputFormat::kFields);
  EXPECT_EQ(*ParseAuthOutputFormat("table"), AuthOutputFormat::kTable);
  EXPECT_EQ(ParseAuthOutputFormat("protobuf").status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(ParseAuthOutputFormat("yaml").status().code(), StatusCode::kUnimplemented);
}

TEST(FormatRoleGetTest, SimpleMatchesEtcdctl) {
  const std::string nul(1, '\0');
  EXPECT_EQ(*FormatRoleGet("reader", RoleResp(), AuthOutputFormat::kSimple),
            "Role reader\nKV Read:\n\t[" + nul +
                ", <open ended>\n\t[/app/, /app0) (prefix /app/)\n\t[/b, <open ended>\n\t/x\n"
                "KV Write:\n\t[" +
                nul + ", <open ended>\n\t[/b, <open ended>\n\t[/c, /d) (prefix /c)\n");
  EXPECT_EQ(*FormatRoleGet("root", Resp(), AuthOutputFormat::kSimple),
            "Role root\nKV Read:\nKV Write:\n");
}

TEST(FormatRoleGetTest, JsonHasNumericPermTypesAndOmitsRead) {
  EXPECT_EQ(*FormatRoleGet("reader", RoleResp(), AuthOutputFormat::kJson),
            "{" + std::string(kJsonHeader) +
                R"(,"perm":[{"permType":2,"key":"AA==","range_end":"AA=="},)"
                R"({"key":"L2FwcC8=","range_end":"L2FwcDA="},{"permType":2,"key":"L2I=",)"
                R"("range_end":"AA=="},{"permType":1,"key":"L2M=","range_end":"L2Q="},)"
                R"({"key":"L3g="}]})"
                "\n");
  EXPECT_EQ(*FormatRoleGet("root", Resp(), AuthOutputFormat::kJson),
            "{" + std::string(kJsonHeader) + "}\n");
}

TEST(FormatRoleGetTest, FieldsQuoteKeysAndKeepEtcdctlsDoubleSpace) {
  EXPECT_EQ(*FormatRoleGet("reader", RoleResp(), AuthOutputFormat::kFields),
            std::string(kFieldsHeader) +
                "\"PermType\" :  READWRITE\n\"Key\" : \"\\x00\"\n\"RangeEnd\" : \"\\x00\"\n"
                "\"PermType\" :  READ\n\"Key\" : \"/app/\"\n\"RangeEnd\" : \"/app0\"\n"
                "\"PermType\" :  READWRITE\n\"Key\" : \"/b\"\n\"RangeEnd\" : \"\\x00\"\n"
                "\"PermType\" :  WRITE\n\"Key\" : \"/c\"\n\"RangeEnd\" : \"/d\"\n"
                "\"PermType\" :  READ\n\"Key\" : \"/x\"\n\"RangeEnd\" : \"\"\n");
}

TEST(FormatRoleGetTest, TableIsNotSupported) {
  Result<std::string> table = FormatRoleGet("reader", RoleResp(), AuthOutputFormat::kTable);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(table.status().message(), "table not supported as output format");
}

TEST(FormatAuthAckTest, SimpleLines) {
  auto simple = [](AuthAck ack, const std::string& name, const std::string& role) {
    return *FormatAuthAck(ack, name, role, Resp(), AuthOutputFormat::kSimple);
  };
  EXPECT_EQ(simple(AuthAck::kUserAdd, "bob", ""), "User bob created\n");
  EXPECT_EQ(simple(AuthAck::kUserDelete, "dave", ""), "User dave deleted\n");
  EXPECT_EQ(simple(AuthAck::kUserChangePassword, "bob", ""), "Password updated\n");
  EXPECT_EQ(simple(AuthAck::kUserGrantRole, "alice", "reader"),
            "Role reader is granted to user alice\n");
  EXPECT_EQ(simple(AuthAck::kUserRevokeRole, "alice", "reader"),
            "Role reader is revoked from user alice\n");
  EXPECT_EQ(simple(AuthAck::kRoleAdd, "reader", ""), "Role reader created\n");
  EXPECT_EQ(simple(AuthAck::kRoleDelete, "reader", ""), "Role reader deleted\n");
  EXPECT_EQ(simple(AuthAck::kRoleGrantPermission, "reader", ""), "Role reader updated\n");
}

TEST(FormatAuthAckTest, JsonAndFieldsPrintTheHeader) {
  EXPECT_EQ(*FormatAuthAck(AuthAck::kUserAdd, "bob", "", Resp(), AuthOutputFormat::kJson),
            "{" + std::string(kJsonHeader) + "}\n");
  EXPECT_EQ(*FormatAuthAck(AuthAck::kRoleDelete, "r", "", Resp(), AuthOutputFormat::kFields),
            kFieldsHeader);
  EXPECT_FALSE(FormatAuthAck(AuthAck::kUserAdd, "bob", "", Resp(), AuthOutputFormat::kTable).ok());
}

TEST(FormatRoleRevokePermissionTest, KeyRangeAndOpenEnded) {
  const std::string nul(1, '\0');
  auto simple = [](const std::string& key, const std::string& end) {
    return *FormatRoleRevokePermission("reader", key, end, Resp(), AuthOutputFormat::kSimple);
  };
  EXPECT_EQ(simple("/x", ""), "Permission of key /x is revoked from role reader\n");
  EXPECT_EQ(simple("/app/", "/app0"),
            "Permission of range [/app/, /app0) is revoked from role reader\n");
  EXPECT_EQ(simple("/b", nul),
            "Permission of range [/b, <open ended> is revoked from role reader\n");
  EXPECT_EQ(simple("", nul), "Permission of range [, <open ended> is revoked from role reader\n");
}

TEST(FormatListsTest, UsersAndRoles) {
  Poco::JSON::Object::Ptr users = Resp(R"(,"users":["alice","root"])");
  EXPECT_EQ(*FormatUserList(users, AuthOutputFormat::kSimple), "alice\nroot\n");
  EXPECT_EQ(*FormatUserList(users, AuthOutputFormat::kJson),
            "{" + std::string(kJsonHeader) + R"(,"users":["alice","root"]})" + "\n");
  EXPECT_EQ(FormatUserList(users, AuthOutputFormat::kFields).status().message(),
            "fields not supported as output format");
  Poco::JSON::Object::Ptr roles = Resp(R"(,"roles":["reader"])");
  EXPECT_EQ(*FormatRoleList(roles, AuthOutputFormat::kFields),
            std::string(kFieldsHeader) + "\"Roles\" : \"reader\"\n");
  EXPECT_EQ(*FormatRoleList(Resp(), AuthOutputFormat::kSimple), "");
}

TEST(FormatUserGetTest, SimpleJsonAndUnsupportedFields) {
  Poco::JSON::Object::Ptr resp = Resp(R"(,"roles":["reader","writer"])");
  EXPECT_EQ(*FormatUserGet("alice", resp, AuthOutputFormat::kSimple),
            "User: alice\nRoles: reader writer\n");
  EXPECT_EQ(*FormatUserGet("eve", Resp(), AuthOutputFormat::kSimple), "User: eve\nRoles:\n");
  EXPECT_EQ(*FormatUserGet("alice", resp, AuthOutputFormat::kJson),
            "{" + std::string(kJsonHeader) + R"(,"roles":["reader","writer"]})" + "\n");
  EXPECT_EQ(FormatUserGet("alice", resp, AuthOutputFormat::kFields).status().message(),
            "fields not supported as output format");
}

TEST(FormatAuthStatusTest, AllFormats) {
  Poco::JSON::Object::Ptr on = Resp(R"(,"enabled":true,"authRevision":"7")");
  EXPECT_EQ(*FormatAuthStatus(on, AuthOutputFormat::kSimple),
            "Authentication Status: true\nAuthRevision: 7\n");
  EXPECT_EQ(*FormatAuthStatus(on, AuthOutputFormat::kJson),
            "{" + std::string(kJsonHeader) + R"(,"enabled":true,"authRevision":7})" + "\n");
  EXPECT_EQ(*FormatAuthStatus(on, AuthOutputFormat::kFields),
            std::string(kFieldsHeader) + "\"Enabled\" : true\n\"AuthRevision\" : 7\n");
  EXPECT_EQ(*FormatAuthStatus(Resp(), AuthOutputFormat::kSimple),
            "Authentication Status: false\nAuthRevision: 0\n");
}

}  // namespace
}  // namespace shadekv::ctl
