// shadectl's dispatch in-process: command lookup, flag scoping, output format
// selection and argument errors, none of which needs a server.
#include "agent/ctl/ctl.h"

#include <sstream>

#include <gtest/gtest.h>

#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl {
namespace {

struct CtlRun {
  int code;
  std::string out;
  std::string err;
};

CtlRun Shadectl(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  int code = RunShadectl(args, in, out, err);
  return {code, out.str(), err.str()};
}

// An endpoint nothing listens on, so no test here can reach a server.
std::string DeadEndpoint() {
  Result<int> port = testing::PickFreePort();
  EXPECT_TRUE(port.ok());
  return "--endpoints=127.0.0.1:" + std::to_string(port.ok() ? *port : 1);
}

TEST(ShadectlDispatchTest, HelpListsEveryCommand) {
  CtlRun r = Shadectl({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* name : {"put",
                           "get",
                           "del",
                           "txn",
                           "compaction",
                           "member add",
                           "member list",
                           "member remove",
                           "member update",
                           "member promote",
                           "endpoint status",
                           "endpoint health",
                           "endpoint hashkv",
                           "watch",
                           "lease grant",
                           "lease revoke",
                           "lease timetolive",
                           "lease list",
                           "lease keep-alive",
                           "lock",
                           "elect"}) {
    EXPECT_NE(r.out.find(std::string("\t") + name), std::string::npos) << name;
  }
  EXPECT_EQ(Shadectl({}).code, 0);
  EXPECT_EQ(Shadectl({"member"}).code, 0);
  EXPECT_EQ(Shadectl({"lease"}).code, 0);
}

TEST(ShadectlDispatchTest, UnknownCommandsAndFlags) {
  CtlRun r = Shadectl({"frob"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error: unknown command \"frob\" for \"shadectl\"\nRun 'shadectl --help' for usage.\n");
  r = Shadectl({"member", "frob"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("Error: unknown command \"frob\" for \"shadectl member\"", 0), 0u);
  // --prefix exists, but not for put.
  r = Shadectl({"put", "k", "v", "--prefix"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error: unknown flag: --prefix\n");
  r = Shadectl({"get", "k", "--nope"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error: unknown flag: --nope\n");
}

TEST(ShadectlDispatchTest, UnsupportedOutputFormatIsABadFeature) {
  CtlRun r = Shadectl({DeadEndpoint(), "-w", "fields", "get", "k"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err,
            "Error: unsupported output format \"fields\" (shadectl supports simple, json and "
            "table)\n");
}

TEST(ShadectlDispatchTest, ArgumentErrorsComeBeforeAnyRequest) {
  const std::string dead = DeadEndpoint();
  CtlRun r = Shadectl({dead, "put"});
  EXPECT_EQ(r.code, 128);
  EXPECT_EQ(r.err, "Error: put command needs 1 argument and input from stdin or 2 arguments\n");
  r = Shadectl({dead, "del", "a", "b", "c"});
  EXPECT_EQ(r.code, 128);
  r = Shadectl({dead, "member", "remove", "xyz"});
  EXPECT_EQ(r.code, 128);
  EXPECT_EQ(r.err,
            "Error: bad member ID arg (strconv.ParseUint: parsing \"xyz\": invalid syntax), "
            "expecting ID in Hex\n");
  r = Shadectl({dead, "member", "add", "n", "http://127.0.0.1:1"});
  EXPECT_EQ(r.code, 128);
  EXPECT_EQ(r.err, "Error: too many arguments, did you mean --peer-urls=http://127.0.0.1:1\n");
  r = Shadectl({dead, "txn"}, "value(\"k\") ~ \"v\"\n\n\n\n");
  EXPECT_EQ(r.code, 3);
  r = Shadectl({dead, "txn"}, "\nput k\n\n\n");
  EXPECT_EQ(r.code, 128);
  r = Shadectl({dead, "txn"}, "\nget k --sort-by=size\n\n\n");
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err, "Error: bad sort target size\n");
}

TEST(ShadectlDispatchTest, ValueFromStdinWhenOnlyTheKeyIsGiven) {
  // The request is built (and fails to connect) only when stdin had a value.
  const std::string dead = DeadEndpoint();
  CtlRun r = Shadectl({dead, "put", "k"}, "");
  EXPECT_EQ(r.code, 128);
  r = Shadectl({dead, "put", "k", "--dial-timeout=500ms"}, "value\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("Error: context deadline exceeded: could not connect", 0), 0u) << r.err;
}

// https:// endpoints are served (tests/agent/tls); unix sockets are not.
TEST(ShadectlDispatchTest, UnixSocketEndpointsAreRejectedClearly) {
  CtlRun r = Shadectl({"--endpoints=unixs://shadekv.sock", "get", "k"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error: endpoint unixs://shadekv.sock: unix socket endpoints are not supported by "
            "shadectl\n");
}

}  // namespace
}  // namespace shadekv::ctl
