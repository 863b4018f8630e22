// shadectl's auth, user and role commands and the global --user/--password
// end to end, as real processes against a real server on 127.0.0.1.
//
// AuthE2eTest runs shadectl alone against each AuthTestServer (etcd 3.4 now;
// shadekv once its auth API is merged, see auth_server_fixture.h); its
// expected texts are etcdctl's, pinned by ShadectlVsEtcdctlAuthTest, which
// runs one script with shadectl on one etcd and etcdctl on a twin etcd and
// compares stdout, exit codes and "Error:" lines.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/agent/ctl/auth_server_fixture.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl::testing {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kCommandDeadline{15000};
constexpr milliseconds kOutputDeadline{10000};

using Args = std::vector<std::string>;

const Args kRoot = {"--user", "root:rootpw"};
const Args kAlice = {"--user", "alice:apw"};

Args Join(const Args& a, const Args& b) {
  Args out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The lines a user reads as the error: etcdctl also logs JSON warnings and
// stty complaints on stderr, which shadectl does not.
std::string ErrorLines(const std::string& err) {
  std::string out;
  size_t start = 0;
  while (start < err.size()) {
    size_t nl = err.find('\n', start);
    if (nl == std::string::npos) nl = err.size();
    std::string line = err.substr(start, nl - start);
    if (line.rfind("Error:", 0) == 0) out += line + "\n";
    start = nl + 1;
  }
  return out;
}

// What a user saw on a terminal, and how the program ended.
struct TerminalResult {
  std::string screen;  // everything written to the terminal, typed echoes included
  int exit_code = -1;  // -1: killed at the deadline or not started
};

// Runs `argv` (a path first) with a fresh pseudo-terminal as stdin, stdout
// and stderr. For each (prompt, typed) step in order, waits until `prompt`
// shows after the previous step's, then types `typed`. Reads until the
// program closes the terminal or `deadline` passes; a program still running
// then is SIGKILLed by its PID. Always reaps it.
TerminalResult RunOnTerminal(const Args& argv,
                             const std::vector<std::pair<std::string, std::string>>& steps,
                             milliseconds deadline) {
  TerminalResult result;
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return result;
  if (pid == 0) {
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  size_t step = 0;
  size_t search_from = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (step < steps.size()) {
      size_t at = result.screen.find(steps[step].first, search_from);
      if (at != std::string::npos) {
        const std::string& typed = steps[step].second;
        if (write(master, typed.data(), typed.size()) != static_cast<ssize_t>(typed.size())) break;
        search_from = at + steps[step].first.size();
        ++step;
        continue;
      }
    }
    pollfd fd{master, POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO once the program has exited and closed the terminal
    result.screen.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  if (reaped == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (reaped == pid && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  close(master);
  return result;
}

class AuthE2eTest : public ::testing::TestWithParam<AuthServerFactory> {
 protected:
  void SetUp() override {
    auto server = GetParam().start();
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }

  ProcessResult Shadectl(Args args, const std::string& stdin_text = "") {
    args.insert(args.begin(), {SHADECTL_PATH, "--endpoints=" + server_->endpoint()});
    ProcessResult r = RunProcess(args, stdin_text, {}, kCommandDeadline);
    EXPECT_FALSE(r.timed_out) << "shadectl timed out: " << ::testing::PrintToString(args);
    return r;
  }

  // Runs shadectl and expects success with exactly `out` on stdout.
  void ExpectOut(const Args& args, const std::string& out, const std::string& stdin_text = "") {
    ProcessResult r = Shadectl(args, stdin_text);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, out) << ::testing::PrintToString(args);
  }

  // Runs shadectl and expects `exit_code` with exactly `error` as stderr.
  void ExpectError(const Args& args, int exit_code, const std::string& error,
                   const std::string& stdin_text = "") {
    ProcessResult r = Shadectl(args, stdin_text);
    EXPECT_EQ(r.exit_code, exit_code) << ::testing::PrintToString(args) << "\nstderr: " << r.err;
    EXPECT_EQ(r.err, "Error: " + error + "\n") << ::testing::PrintToString(args);
  }

  // root with the root role, auth on, role `reader` granted to alice:
  // read /app/*, readwrite from /y on, write [/c, /d), read /x.
  void SetUpRbac() {
    ExpectOut({"user", "add", "root:rootpw"}, "User root created\n");
    ExpectOut({"auth", "enable"}, "Authentication Enabled\n");
    ExpectOut(Join(kRoot, {"role", "add", "reader"}), "Role reader created\n");
    for (const Args& grant : std::vector<Args>{{"read", "/app/", "--prefix"},
                                               {"readwrite", "/y", "--from-key"},
                                               {"write", "/c", "/d"},
                                               {"read", "/x"}}) {
      ExpectOut(Join(Join(kRoot, {"role", "grant-permission", "reader"}), grant),
                "Role reader updated\n");
    }
    ExpectOut(Join(kRoot, {"user", "add", "alice", "--new-user-password", "apw"}),
              "User alice created\n");
    ExpectOut(Join(kRoot, {"user", "grant-role", "alice", "reader"}),
              "Role reader is granted to user alice\n");
    ExpectOut(Join(kRoot, {"put", "/app/k1", "v1"}), "OK\n");
    ExpectOut(Join(kRoot, {"put", "/a-secret", "s"}), "OK\n");
  }

  std::unique_ptr<AuthTestServer> server_;
};

std::string FactoryName(const ::testing::TestParamInfo<AuthServerFactory>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Servers, AuthE2eTest,
                         ::testing::Values(EtcdAuthServer(), ShadekvAuthServer(SHADEKV_PATH)),
                         FactoryName);

TEST_P(AuthE2eTest, EnablingAuthNeedsRootAndGrantsItTheRootRole) {
  ExpectError({"auth", "enable"}, 1, "etcdserver: root user does not exist");
  ExpectOut({"user", "add", "root:rootpw"}, "User root created\n");
  ExpectOut({"auth", "enable"}, "Authentication Enabled\n");
  ExpectOut(Join(kRoot, {"user", "get", "root"}), "User: root\nRoles: root\n");
  ExpectOut(Join(kRoot, {"role", "list"}), "root\n");
}

TEST_P(AuthE2eTest, RolesAllowAndDenyByKeyRange) {
  SetUpRbac();
  ExpectOut(Join(kAlice, {"get", "/app/k1"}), "/app/k1\nv1\n");
  ExpectError(Join(kAlice, {"get", "/a-secret"}), 1, "etcdserver: permission denied");
  ExpectError(Join(kAlice, {"put", "/app/k2", "x"}), 1, "etcdserver: permission denied");
  ExpectError(Join(kAlice, {"del", "/app/k1"}), 1, "etcdserver: permission denied");
  ExpectOut(Join(kAlice, {"put", "/c1", "w"}), "OK\n");
  ExpectError(Join(kAlice, {"get", "/c1"}), 1, "etcdserver: permission denied");
  ExpectOut(Join(kAlice, {"put", "/zebra", "z"}), "OK\n");
  ExpectOut(Join(kAlice, {"get", "/zebra"}), "/zebra\nz\n");
  ExpectOut(Join(kAlice, {"get", "/x"}), "");
  ExpectError(Join(kAlice, {"put", "/x", "1"}), 1, "etcdserver: permission denied");
  // The denied requests changed nothing.
  ExpectOut(Join(kRoot, {"get", "/app/", "--prefix"}), "/app/k1\nv1\n");
  ExpectOut(Join(kRoot, {"get", "/x"}), "");
  // Only root administers auth.
  ExpectError(Join(kAlice, {"user", "list"}), 1, "etcdserver: permission denied");
  ExpectError(Join(kAlice, {"auth", "disable"}), 1, "etcdserver: permission denied");
}

TEST_P(AuthE2eTest, UserAndPasswordFlagsPromptsAndWrongPasswords) {
  SetUpRbac();
  ExpectOut({"--user", "alice", "--password", "apw", "get", "/app/k1"}, "/app/k1\nv1\n");
  // A name alone asks "Password: " on stdout and reads the line from stdin.
  ExpectOut({"--user", "alice", "get", "/app/k1"}, "Password: \n/app/k1\nv1\n", "apw\n");
  ExpectError({"get", "/app/k1"}, 1, "etcdserver: user name is empty");
  // etcdctl's environment variables for the same flags.
  ProcessResult env =
      RunProcess({SHADECTL_PATH, "--endpoints=" + server_->endpoint(), "get", "/app/k1"}, "",
                 {{"ETCDCTL_USER", "alice"}, {"ETCDCTL_PASSWORD", "apw"}}, kCommandDeadline);
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, "/app/k1\nv1\n");
  ProcessResult wrong = Shadectl({"--user", "alice:Wr0ngSecret", "get", "/app/k1"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(wrong.err, "Error: etcdserver: authentication failed, invalid user ID or password\n");
  EXPECT_EQ(wrong.out, "");
  ProcessResult unknown = Shadectl({"--user", "mallory", "get", "/app/k1"}, "Wr0ngSecret\n");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.out, "Password: \n");
  for (const ProcessResult* r : {&wrong, &unknown}) {
    EXPECT_EQ(r->err.find("Wr0ngSecret"), std::string::npos) << r->err;
  }
}

TEST_P(AuthE2eTest, RoleGetListsPrefixFromKeyAndRanges) {
  SetUpRbac();
  ExpectOut(Join(kRoot, {"role", "grant-permission", "reader", "readwrite", "", "--prefix"}),
            "Role reader updated\n");
  const std::string nul(1, '\0');
  const std::string reader =
      "Role reader\nKV Read:\n\t[" + nul +
      ", <open ended>\n\t[/app/, /app0) (prefix /app/)\n\t/x\n\t[/y, <open ended>\n"
      "KV Write:\n\t[" +
      nul + ", <open ended>\n\t[/c, /d) (prefix /c)\n\t[/y, <open ended>\n";
  ExpectOut(Join(kRoot, {"role", "get", "reader"}), reader);
  ExpectOut(Join(kRoot, {"user", "get", "alice", "--detail"}), "User: alice\n\n" + reader);
  ProcessResult json = Shadectl(Join(kRoot, {"role", "get", "reader", "-w", "json"}));
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find(R"("perm":[{"permType":2,"key":"AA==","range_end":"AA=="},)"
                          R"({"key":"L2FwcC8=","range_end":"L2FwcDA="},)"),
            std::string::npos)
      << json.out;
  ProcessResult table = Shadectl(Join(kRoot, {"role", "get", "reader", "-w", "table"}));
  EXPECT_EQ(table.exit_code, 4);
  EXPECT_EQ(table.err, "Error: table not supported as output format\n");
}

TEST_P(AuthE2eTest, RevokingPermissionsRolesAndPasswordsTakesAccessAway) {
  SetUpRbac();
  ExpectOut(Join(kRoot, {"role", "revoke-permission", "reader", "/app/", "--prefix"}),
            "Permission of range [/app/, /app0) is revoked from role reader\n");
  ExpectError(Join(kAlice, {"get", "/app/k1"}), 1, "etcdserver: permission denied");
  ExpectError(Join(kRoot, {"role", "revoke-permission", "reader", "/app/", "--prefix"}), 1,
              "etcdserver: permission is not granted to the role");
  ExpectOut(Join(kRoot, {"role", "revoke-permission", "reader", "/y", "--from-key"}),
            "Permission of range [/y, <open ended> is revoked from role reader\n");
  ExpectOut(Join(kRoot, {"role", "get", "reader"}),
            "Role reader\nKV Read:\n\t/x\nKV Write:\n\t[/c, /d) (prefix /c)\n");

  ExpectOut(Join(kRoot, {"user", "passwd", "alice", "--interactive=false"}), "Password updated\n",
            "n3wpw\n");
  ProcessResult old = Shadectl(Join(kAlice, {"get", "/x"}));
  EXPECT_EQ(old.exit_code, 2) << old.err;
  ExpectOut({"--user", "alice:n3wpw", "get", "/x"}, "");

  ExpectOut(Join(kRoot, {"user", "revoke-role", "alice", "reader"}),
            "Role reader is revoked from user alice\n");
  ExpectError({"--user", "alice:n3wpw", "get", "/x"}, 1, "etcdserver: permission denied");
  ExpectOut(Join(kRoot, {"user", "delete", "alice"}), "User alice deleted\n");
  ExpectOut(Join(kRoot, {"role", "delete", "reader"}), "Role reader deleted\n");
  ExpectOut(Join(kRoot, {"user", "list"}), "root\n");
  ExpectOut(Join(kRoot, {"role", "list"}), "root\n");
}

TEST_P(AuthE2eTest, InteractiveUserAddAsksTwiceAndRejectsMismatches) {
  ExpectOut({"user", "add", "frank"},
            "Password of frank: \nType password of frank again for confirmation: \n"
            "User frank created\n",
            "fpw\nfpw\n");
  ProcessResult differ = Shadectl({"user", "add", "gina"}, "one\ntwo\n");
  EXPECT_EQ(differ.exit_code, 128);
  EXPECT_EQ(differ.err, "Error: given passwords are different\n");
  ProcessResult empty = Shadectl({"user", "add", "hank"}, "\n");
  EXPECT_EQ(empty.exit_code, 128);
  EXPECT_EQ(empty.err, "Error: empty password\n");
  ExpectOut({"user", "add", "ivy", "--interactive=false"}, "User ivy created\n", "ipw\n");
  ExpectOut({"user", "list"}, "frank\nivy\n");
  // The password typed at the prompt is the one that works: they
  // authenticate (a wrong password exits 2) but hold no role, so are denied.
  ExpectOut({"user", "add", "root:rootpw"}, "User root created\n");
  ExpectOut({"auth", "enable"}, "Authentication Enabled\n");
  ExpectError({"--user", "frank:fpw", "get", "nothing"}, 1, "etcdserver: permission denied");
  ExpectError({"--user", "ivy:ipw", "get", "nothing"}, 1, "etcdserver: permission denied");
  EXPECT_EQ(Shadectl({"--user", "frank:other", "get", "nothing"}).exit_code, 2);
}

TEST_P(AuthE2eTest, PasswordsTypedOnATerminalAreNotEchoed) {
  const Args shadectl = {SHADECTL_PATH, "--endpoints=" + server_->endpoint()};
  TerminalResult add = RunOnTerminal(
      Join(shadectl, {"user", "add", "frank"}),
      {{"Password of frank: ", "s3cretpw\n"}, {"again for confirmation: ", "s3cretpw\n"}},
      kCommandDeadline);
  EXPECT_EQ(add.exit_code, 0) << add.screen;
  EXPECT_NE(add.screen.find("User frank created"), std::string::npos) << add.screen;
  EXPECT_EQ(add.screen.find("s3cretpw"), std::string::npos) << add.screen;

  ExpectOut({"user", "add", "root:rootpw"}, "User root created\n");
  ExpectOut({"auth", "enable"}, "Authentication Enabled\n");
  // frank authenticates with what was typed (a wrong password exits 2) and,
  // holding no role, is denied.
  TerminalResult get = RunOnTerminal(Join(shadectl, {"--user", "frank", "get", "k"}),
                                     {{"Password: ", "s3cretpw\n"}}, kCommandDeadline);
  EXPECT_EQ(get.exit_code, 1) << get.screen;
  EXPECT_NE(get.screen.find("Error: etcdserver: permission denied"), std::string::npos)
      << get.screen;
  EXPECT_EQ(get.screen.find("s3cretpw"), std::string::npos) << get.screen;
}

TEST_P(AuthE2eTest, BadArgumentsAreRefusedAndChangeNothing) {
  SetUpRbac();
  ExpectError(Join(kRoot, {"user", "add", ":pw"}), 128, "empty user name is not allowed");
  ExpectError(Join(kRoot, {"role", "grant-permission", "reader", "bogus", "/k"}), 128,
              "invalid permission type: bogus");
  ExpectError(
      Join(kRoot, {"role", "grant-permission", "reader", "read", "/k", "--prefix", "--from-key"}),
      128, "--from-key and --prefix flags are mutually exclusive");
  ExpectError(Join(kRoot, {"role", "grant-permission", "reader", "read", "/k", "/l", "--prefix"}),
              128, "unexpected endkey argument with --prefix flag");
  ExpectError(Join(kRoot, {"role", "grant-permission", "reader", "read"}), 128,
              "role grant command requires role name, permission type, and key [endkey] as its "
              "argument");
  ExpectError(Join(kRoot, {"user", "get"}), 128,
              "user get command requires user name as its argument");
  ExpectError(Join(kRoot, {"user", "get", "nobody"}), 1, "etcdserver: user name not found");
  ExpectError(Join(kRoot, {"role", "add", "reader"}), 1, "etcdserver: role name already exists");
  ExpectError(Join(kRoot, {"user", "grant-role", "alice", "nope"}), 1,
              "etcdserver: role name not found");
  ProcessResult table = Shadectl(Join(kRoot, {"user", "list", "-w", "table"}));
  EXPECT_EQ(table.exit_code, 4);
  ExpectOut(Join(kRoot, {"role", "get", "reader"}),
            "Role reader\nKV Read:\n\t[/app/, /app0) (prefix /app/)\n\t/x\n\t[/y, <open ended>\n"
            "KV Write:\n\t[/c, /d) (prefix /c)\n\t[/y, <open ended>\n");
  ExpectOut(Join(kRoot, {"user", "list"}), "alice\nroot\n");
}

TEST_P(AuthE2eTest, StreamsCarryTheToken) {
  SetUpRbac();
  Args watch = {
      SHADECTL_PATH, "--endpoints=" + server_->endpoint(), "--user", "alice:apw", "watch", "/app/",
      "--prefix"};
  auto watcher = BackgroundProcess::Start(watch, {});
  ASSERT_TRUE(watcher.ok()) << watcher.status().message();
  // Writes until the watcher has shown one: the watch may not be registered
  // yet when the first put lands (bounded: 20 puts over ~10 s).
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    ExpectOut(Join(kRoot, {"put", "/app/w", "v" + std::to_string(i)}), "OK\n");
    seen = (*watcher)->WaitForOutput("PUT\n/app/w\n", milliseconds(500));
  }
  EXPECT_TRUE(seen) << "watch output: " << (*watcher)->out() << "\nstderr: " << (*watcher)->err();
  (*watcher)->Signal(SIGINT);
  EXPECT_TRUE((*watcher)->Wait(kOutputDeadline).ok());

  ProcessResult grant = Shadectl(Join(kAlice, {"lease", "grant", "60"}));
  ASSERT_EQ(grant.exit_code, 0) << grant.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(grant.out, m, std::regex("lease ([0-9a-f]+) granted")));
  ProcessResult keep = Shadectl(Join(kAlice, {"lease", "keep-alive", "--once", m[1].str()}));
  EXPECT_EQ(keep.exit_code, 0) << keep.err;
  EXPECT_NE(keep.out.find("keepalived with TTL(60)"), std::string::npos) << keep.out;

  // lock: a session kept alive on one thread while the queue is watched on
  // another, every request with alice's token.
  ProcessResult lock =
      Shadectl(Join(kAlice, {"lock", "/ylock", "--", "sh", "-c", "echo \"$ETCD_LOCK_KEY\""}));
  EXPECT_EQ(lock.exit_code, 0) << lock.err;
  EXPECT_EQ(lock.out.rfind("/ylock/", 0), 0u) << lock.out;
  ProcessResult denied = Shadectl(Join(kAlice, {"lock", "/a-lock", "--", "true"}));
  EXPECT_EQ(denied.exit_code, 1) << denied.out;
  EXPECT_EQ(denied.err, "Error: etcdserver: permission denied\n");
}

// Servers whose tokens expire 2 s after they are issued (etcd: after their
// last use), so a command can outlive its token.
class AuthTokenExpiryTest : public AuthE2eTest {};

INSTANTIATE_TEST_SUITE_P(ShortTokens, AuthTokenExpiryTest,
                         ::testing::Values(EtcdAuthServer({"--auth-token-ttl=2"}),
                                           ShadekvAuthServer(SHADEKV_PATH, {"--auth-token-ttl=2"})),
                         FactoryName);

// Like clientv3, shadectl logs in again when a request is refused because its
// token expired, and sends it once more: a lock held past the token's life
// is still released (the delete and the revoke go out after it expired),
// with nothing on stderr.
TEST_P(AuthTokenExpiryTest, ALockHeldPastTheTokensLifeIsStillReleased) {
  SetUpRbac();
  ProcessResult lock =
      Shadectl(Join(kAlice, {"lock", "/ylock", "--", "sh", "-c", "sleep 4; echo held"}));
  EXPECT_EQ(lock.exit_code, 0) << lock.err;
  EXPECT_EQ(lock.out, "held\n");
  EXPECT_EQ(lock.err, "");
  ExpectOut(Join(kRoot, {"get", "/ylock", "--prefix", "--keys-only"}), "");
  // A fresh command after the expiry logs in afresh, as always.
  ExpectOut(Join(kAlice, {"get", "/app/k1", "--print-value-only"}), "v1\n");
}

TEST_P(AuthE2eTest, AuthStatusReportsTheStateOrSaysTheServerHasNone) {
  if (!server_->has_auth_status()) {
    ProcessResult r = Shadectl({"auth", "status"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("auth status needs a server with the AuthStatus RPC"), std::string::npos)
        << r.err;
    return;
  }
  ProcessResult off = Shadectl({"auth", "status"});
  EXPECT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(off.out.rfind("Authentication Status: false\nAuthRevision: ", 0), 0u) << off.out;
  SetUpRbac();
  ProcessResult on = Shadectl(Join(kRoot, {"auth", "status"}));
  EXPECT_EQ(on.exit_code, 0) << on.err;
  EXPECT_EQ(on.out.rfind("Authentication Status: true\nAuthRevision: ", 0), 0u) << on.out;
}

TEST_P(AuthE2eTest, DisablingAuthOpensTheStoreAgain) {
  SetUpRbac();
  ExpectError({"auth", "disable"}, 1, "etcdserver: user name is empty");
  ExpectOut(Join(kRoot, {"auth", "disable"}), "Authentication Disabled\n");
  ExpectOut({"get", "/a-secret"}, "/a-secret\ns\n");
  // A --user is still accepted while auth is off, as etcdctl accepts it.
  ExpectOut(Join(kAlice, {"get", "/a-secret"}), "/a-secret\ns\n");
}

// The same script through shadectl on one etcd and etcdctl on a twin etcd.
class ShadectlVsEtcdctlAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto shade = EtcdProcess::Start("authshade", milliseconds(30000));
    ASSERT_TRUE(shade.ok()) << shade.status().message();
    shade_ = std::move(shade).value();
    auto ref = EtcdProcess::Start("authref", milliseconds(30000));
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    ref_ = std::move(ref).value();
  }

  // Cluster and member IDs differ between twins: in JSON and in fields.
  static std::string NormalizeIds(std::string text) {
    static const std::regex kIds(
        R"rx(("cluster_id":|"member_id":|"ClusterID" : |"MemberID" : )[0-9]+)rx");
    return std::regex_replace(text, kIds, "$1N");
  }

  void ExpectSame(const Args& args, const std::string& stdin_text = "") {
    Args mine = args;
    mine.insert(mine.begin(), {SHADECTL_PATH, "--endpoints=" + shade_->endpoint()});
    Args ref = args;
    ref.insert(ref.begin(), {"etcdctl", "--endpoints=" + ref_->endpoint()});
    ProcessResult m = RunProcess(mine, stdin_text, {}, kCommandDeadline);
    ProcessResult r = RunProcess(ref, stdin_text, {{"ETCDCTL_API", "3"}}, kCommandDeadline);
    const std::string what = ::testing::PrintToString(args);
    EXPECT_FALSE(m.timed_out || r.timed_out) << what;
    EXPECT_EQ(NormalizeIds(m.out), NormalizeIds(r.out)) << what;
    EXPECT_EQ(m.exit_code, r.exit_code) << what << "\nshadectl stderr: " << m.err;
    EXPECT_EQ(ErrorLines(m.err), ErrorLines(r.err)) << what;
  }

  std::unique_ptr<EtcdProcess> shade_;
  std::unique_ptr<EtcdProcess> ref_;
};

TEST_F(ShadectlVsEtcdctlAuthTest, UserRoleAndAuthCommandsPrintWhatEtcdctlPrints) {
  ExpectSame({"auth", "enable"});
  ExpectSame({"user", "add", "root:rootpw"});
  ExpectSame({"user", "add", "root:again"});
  ExpectSame({"user", "add", ":pw"});
  ExpectSame({"user", "add"});
  ExpectSame({"user", "add", "frank"}, "fpw\nfpw\n");
  ExpectSame({"user", "add", "gina"}, "one\ntwo\n");
  ExpectSame({"user", "add", "carol", "--interactive=false"}, "cpw\n");
  ExpectSame({"user", "add", "eve", "--no-password"});
  ExpectSame({"user", "add", "dave", "--new-user-password", "dpw", "-w", "fields"});
  ExpectSame({"user", "add", "bob:bpw", "-w", "json"});
  ExpectSame({"role", "add", "reader"});
  ExpectSame({"role", "add", "reader"});
  ExpectSame({"role", "add", "writer", "-w", "json"});
  for (const Args& grant : std::vector<Args>{{"read", "/app/", "--prefix"},
                                             {"readwrite", "/b", "--from-key"},
                                             {"write", "/c", "/d"},
                                             {"READ", "/x"},
                                             {"readwrite", "", "--prefix"},
                                             {"bogus", "/y"},
                                             {"read"},
                                             {"read", "/a", "/b", "--prefix"},
                                             {"read", "/a", "--prefix", "--from-key"}}) {
    ExpectSame(Join({"role", "grant-permission", "reader"}, grant));
  }
  ExpectSame({"role", "grant-permission", "nope", "read", "/a"});
  ExpectSame({"role", "grant-permission", "writer", "write", "/w", "--prefix", "-w", "fields"});
  for (const char* format : {"simple", "json", "fields", "table"}) {
    ExpectSame({"role", "get", "reader", "-w", format});
  }
  ExpectSame({"role", "get", "norole"});
  ExpectSame({"user", "grant-role", "alice", "reader"});
  ExpectSame({"user", "grant-role", "bob", "reader"});
  ExpectSame({"user", "grant-role", "bob", "writer", "-w", "json"});
  ExpectSame({"user", "grant-role", "bob", "nope"});
  for (const char* format : {"simple", "json", "fields", "table"}) {
    ExpectSame({"user", "get", "bob", "-w", format});
    ExpectSame({"user", "list", "-w", format});
    ExpectSame({"role", "list", "-w", format});
  }
  ExpectSame({"user", "get", "bob", "--detail"});
  ExpectSame({"user", "get", "bob", "--detail", "-w", "json"});
  ExpectSame({"user", "get", "nobody"});
  ExpectSame({"auth", "enable"});
  ExpectSame({"auth", "enable", "extra"});

  ExpectSame(Join(kRoot, {"put", "/app/k1", "v1"}));
  ExpectSame(Join(kRoot, {"put", "/a-secret", "s"}));
  ExpectSame({"--user", "bob:bpw", "get", "/app/k1"});
  ExpectSame({"--user", "bob:bpw", "put", "/w1", "x"});
  ExpectSame({"--user", "bob", "--password", "bpw", "get", "/app/k1"});
  ExpectSame({"--user", "bob", "get", "/app/k1"}, "bpw\n");
  ExpectSame({"--user", "bob:wrong", "get", "/app/k1"});
  ExpectSame({"get", "/app/k1"});
  ExpectSame({"--user", "carol:cpw", "get", "/app/k1"});
  ExpectSame({"--user", "carol:cpw", "user", "list"});

  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader", "/x"}));
  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader", "/app/", "--prefix"}));
  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader", "/b", "--from-key"}));
  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader", "/c", "/d", "-w", "json"}));
  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader", "/nothere"}));
  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader", "", "--prefix"}));
  ExpectSame(Join(kRoot, {"role", "revoke-permission", "reader"}));
  ExpectSame(Join(kRoot, {"role", "get", "reader"}));
  ExpectSame(Join(kRoot, {"user", "passwd", "bob", "--interactive=false"}), "newpw\n");
  ExpectSame(Join(kRoot, {"user", "passwd", "bob"}), "p1\np1\n");
  ExpectSame({"--user", "bob:p1", "get", "/app/k1"});
  ExpectSame(Join(kRoot, {"user", "revoke-role", "bob", "reader"}));
  ExpectSame(Join(kRoot, {"user", "revoke-role", "bob", "reader"}));
  ExpectSame(Join(kRoot, {"user", "delete", "dave"}));
  ExpectSame(Join(kRoot, {"user", "delete", "nobody"}));
  ExpectSame(Join(kRoot, {"role", "delete", "reader", "-w", "fields"}));
  ExpectSame(Join(kRoot, {"user", "list"}));
  ExpectSame({"auth", "disable"});
  ExpectSame(Join(kRoot, {"auth", "disable"}));
  ExpectSame({"get", "/a-secret"});
  ExpectSame(Join(kRoot, {"get", "/a-secret"}));
}

}  // namespace
}  // namespace shadekv::ctl::testing
