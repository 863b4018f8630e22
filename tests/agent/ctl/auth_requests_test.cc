// etcdctl's auth argument rules (role_command.go, user_command.go,
// global.go) and the /v3/auth/* request bodies.
#include "agent/ctl/auth_requests.h"

#include <gtest/gtest.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {
namespace {

const std::string kNul(1, '\0');

TEST(ParsePermTypeTest, AcceptsTheThreeNamesInAnyCase) {
  EXPECT_EQ(*ParsePermType("read"), PermType::kRead);
  EXPECT_EQ(*ParsePermType("Write"), PermType::kWrite);
  EXPECT_EQ(*ParsePermType("READWRITE"), PermType::kReadWrite);
}

TEST(ParsePermTypeTest, RejectsAnythingElseWithEtcdctlsMessage) {
  Result<PermType> bad = ParsePermType("bogus");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "invalid permission type: bogus");
  EXPECT_FALSE(ParsePermType("").ok());
}

TEST(PermTypeFromJsonTest, ReadsNamesNumbersAndTheOmittedZero) {
  auto perm = [](const std::string& text) { return *ParseJsonObject(text); };
  EXPECT_EQ(PermTypeFromJson(perm(R"({"permType":"READWRITE"})")), PermType::kReadWrite);
  EXPECT_EQ(PermTypeFromJson(perm(R"({"permType":1})")), PermType::kWrite);
  EXPECT_EQ(PermTypeFromJson(perm(R"({"key":"eA=="})")), PermType::kRead);
  EXPECT_EQ(PermTypeFromJson(perm(R"({"permType":"NOPE"})")), PermType::kRead);
}

TEST(PrefixRangeEndTest, IncrementsTheLastByteBelow0xff) {
  EXPECT_EQ(PrefixRangeEnd("/app/"), "/app0");
  EXPECT_EQ(PrefixRangeEnd("a\xff"), "b");
  EXPECT_EQ(PrefixRangeEnd("\xff\xff"), kNul);
  EXPECT_EQ(PrefixRangeEnd(""), kNul);
}

TEST(PermRangeFromArgsTest, SingleKeyPrefixFromKeyAndExplicitEnd) {
  PermRange key = *PermRangeFromArgs({"/x"}, false, false);
  EXPECT_EQ(key.key, "/x");
  EXPECT_EQ(key.range_end, "");
  PermRange prefix = *PermRangeFromArgs({"/app/"}, true, false);
  EXPECT_EQ(prefix.range_end, "/app0");
  PermRange from = *PermRangeFromArgs({"/b"}, false, true);
  EXPECT_EQ(from.range_end, kNul);
  PermRange range = *PermRangeFromArgs({"/c", "/d"}, false, false);
  EXPECT_EQ(range.key, "/c");
  EXPECT_EQ(range.range_end, "/d");
}

TEST(PermRangeFromArgsTest, EmptyKeyMeansTheWholeKeySpace) {
  PermRange all = *PermRangeFromArgs({""}, true, false);
  EXPECT_EQ(all.key, kNul);
  EXPECT_EQ(all.range_end, kNul);
  PermRange single = *PermRangeFromArgs({""}, false, false);
  EXPECT_EQ(single.key, kNul);
  EXPECT_EQ(single.range_end, "");
}

TEST(PermRangeFromArgsTest, RejectsFlagCombinationsEtcdctlRejects) {
  EXPECT_EQ(PermRangeFromArgs({"/a"}, true, true).status().message(),
            "--from-key and --prefix flags are mutually exclusive");
  EXPECT_EQ(PermRangeFromArgs({""}, true, true).status().message(),
            "--from-key and --prefix flags are mutually exclusive");
  EXPECT_EQ(PermRangeFromArgs({"/a", "/b"}, true, false).status().message(),
            "unexpected endkey argument with --prefix flag");
  EXPECT_EQ(PermRangeFromArgs({"/a", "/b"}, false, true).status().message(),
            "unexpected endkey argument with --from-key flag");
  EXPECT_EQ(PermRangeFromArgs({}, false, false).status().code(), StatusCode::kInvalidArgument);
}

TEST(CredentialsFromFlagsTest, FollowsEtcdctlsAuthCfgFromCmd) {
  EXPECT_FALSE(CredentialsFromFlags("", "pw").has_value());
  Credentials split = *CredentialsFromFlags("root:a:b", "");
  EXPECT_EQ(split.user, "root");
  EXPECT_EQ(split.password, "a:b");
  EXPECT_FALSE(split.ask_password);
  Credentials flag = *CredentialsFromFlags("we:ird", "pw");
  EXPECT_EQ(flag.user, "we:ird");
  EXPECT_EQ(flag.password, "pw");
  Credentials ask = *CredentialsFromFlags("alice", "");
  EXPECT_EQ(ask.user, "alice");
  EXPECT_TRUE(ask.ask_password);
}

TEST(FirstWordTest, ReadsLikeScanfPercentS) {
  EXPECT_EQ(FirstWord("secret\n"), "secret");
  EXPECT_EQ(FirstWord("  two words\n"), "two");
  EXPECT_EQ(FirstWord(""), "");
  EXPECT_EQ(FirstWord("\n"), "");
}

TEST(AuthRequestTest, BodiesUseTheGatewaysFieldNames) {
  EXPECT_EQ(Stringify(AuthenticateRequest("u", "p")), R"({"name":"u","password":"p"})");
  EXPECT_EQ(Stringify(UserAddRequest("u", "p", false)), R"({"name":"u","password":"p"})");
  EXPECT_EQ(Stringify(UserAddRequest("u", "", true)),
            R"({"name":"u","password":"","options":{"no_password":true}})");
  EXPECT_EQ(Stringify(UserGrantRoleRequest("u", "r")), R"({"user":"u","role":"r"})");
  EXPECT_EQ(Stringify(UserRevokeRoleRequest("u", "r")), R"({"name":"u","role":"r"})");
  EXPECT_EQ(Stringify(RoleNameRequest("r")), R"({"role":"r"})");
  EXPECT_EQ(Stringify(RoleAddRequest("r")), R"({"name":"r"})");
  EXPECT_EQ(Stringify(RoleGrantPermissionRequest("r", PermType::kReadWrite, {"/p", "/q"})),
            R"({"name":"r","perm":{"permType":"READWRITE","key":"L3A=","range_end":"L3E="}})");
  EXPECT_EQ(Stringify(RoleGrantPermissionRequest("r", PermType::kRead, {"/q", ""})),
            R"({"name":"r","perm":{"permType":"READ","key":"L3E="}})");
  EXPECT_EQ(Stringify(RoleRevokePermissionRequest("r", {kNul, kNul})),
            R"({"role":"r","key":"AA==","range_end":"AA=="})");
}

}  // namespace
}  // namespace shadekv::ctl
