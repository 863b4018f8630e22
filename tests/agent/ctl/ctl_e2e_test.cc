// shadectl next to etcdctl against real etcd 3.4 servers: same arguments,
// same stdin, and the same stdout, exit code and "Error:" lines expected.
//
// Writes are compared on twin servers (shadectl on one, etcdctl on the other,
// same sequence of commands, so revisions match); only cluster and member IDs
// differ between twins and are normalised. Reads of cluster state (member
// list, endpoint status/health) run both tools against the same server.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl::testing {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kCommandDeadline{15000};
constexpr milliseconds kEtcdStartDeadline{30000};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// The lines a user reads as the error: etcdctl also logs JSON warnings on
// stderr, which shadectl does not.
std::string ErrorLines(const std::string& err) {
  std::string out;
  for (const std::string& line : Lines(err)) {
    if (line.rfind("Error:", 0) == 0 || line.rfind("Failed to get", 0) == 0) out += line + "\n";
  }
  return out;
}

// Replaces the digits after each `"<field>":` with N.
std::string NormalizeJsonIds(std::string text) {
  for (const char* field : {"\"cluster_id\":", "\"member_id\":", "\"leader\":", "\"ID\":"}) {
    size_t pos = 0;
    const std::string f = field;
    while ((pos = text.find(f, pos)) != std::string::npos) {
      size_t start = pos + f.size();
      size_t end = start;
      while (end < text.size() && isdigit(static_cast<unsigned char>(text[end]))) ++end;
      text.replace(start, end - start, "N");
      pos = start;
    }
  }
  return text;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

// Health output carries a measured time; replace it wherever it appears and
// reduce tables to their cells so column widths do not matter.
std::string NormalizeHealth(const std::string& text) {
  std::string out;
  for (std::string line : Lines(text)) {
    if (size_t p = line.find("took = "); p != std::string::npos)
      line = line.substr(0, p) + "took = T";
    size_t pos = 0;
    while ((pos = line.find("\"took\":\"", pos)) != std::string::npos) {
      size_t start = pos + 8;
      size_t end = line.find('"', start);
      line.replace(start, end - start, "T");
      pos = start;
    }
    if (!line.empty() && (line[0] == '|' || line[0] == '+')) {
      if (line[0] == '+') {
        out += "+\n";
        continue;
      }
      std::vector<std::string> cells;
      size_t s = 1;
      while (s < line.size()) {
        size_t bar = line.find('|', s);
        if (bar == std::string::npos) break;
        std::string cell = line.substr(s, bar - s);
        cell.erase(0, cell.find_first_not_of(' '));
        cell.erase(cell.find_last_not_of(' ') + 1);
        cells.push_back(cell);
        s = bar + 1;
      }
      if (cells.size() == 4 && cells[2] != "TOOK") cells[2] = "T";
      for (const std::string& c : cells) out += "|" + c;
      out += "|\n";
      continue;
    }
    out += line + "\n";
  }
  return out;
}

class ShadectlVsEtcdctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto shade = EtcdProcess::Start("shade", kEtcdStartDeadline);
    ASSERT_TRUE(shade.ok()) << shade.status().message();
    shade_etcd_ = std::move(shade).value();
    auto ref = EtcdProcess::Start("ref", kEtcdStartDeadline);
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    ref_etcd_ = std::move(ref).value();
  }
  // The EtcdProcess destructors kill both servers by PID, on success or failure.

  static ProcessResult Shadectl(const std::string& endpoint, std::vector<std::string> args,
                                const std::string& stdin_text = "") {
    args.insert(args.begin(), {SHADECTL_PATH, "--endpoints=" + endpoint});
    ProcessResult r = RunProcess(args, stdin_text, {}, kCommandDeadline);
    EXPECT_FALSE(r.timed_out) << "shadectl timed out";
    return r;
  }

  static ProcessResult Etcdctl(const std::string& endpoint, std::vector<std::string> args,
                               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"etcdctl", "--endpoints=" + endpoint});
    ProcessResult r = RunProcess(args, stdin_text, {{"ETCDCTL_API", "3"}}, kCommandDeadline);
    EXPECT_FALSE(r.timed_out) << "etcdctl timed out";
    return r;
  }

  // Runs shadectl on the shade twin and etcdctl on the ref twin; expects the
  // same stdout (IDs normalised), exit code and error lines. Returns
  // shadectl's result.
  ProcessResult ExpectSame(const std::vector<std::string>& args,
                           const std::string& stdin_text = "") {
    ProcessResult mine = Shadectl(shade_etcd_->endpoint(), args, stdin_text);
    ProcessResult ref = Etcdctl(ref_etcd_->endpoint(), args, stdin_text);
    std::string what = ::testing::PrintToString(args);
    EXPECT_EQ(NormalizeJsonIds(mine.out), NormalizeJsonIds(ref.out)) << what;
    EXPECT_EQ(mine.exit_code, ref.exit_code) << what << "\nshadectl stderr: " << mine.err;
    EXPECT_EQ(ErrorLines(mine.err), ErrorLines(ref.err)) << what;
    return mine;
  }

  // Both tools against the shade server only (cluster-state reads).
  void ExpectSameOnOneServer(const std::vector<std::string>& args,
                             std::string (*normalize)(const std::string&) = nullptr) {
    ProcessResult mine = Shadectl(shade_etcd_->endpoint(), args);
    ProcessResult ref = Etcdctl(shade_etcd_->endpoint(), args);
    std::string what = ::testing::PrintToString(args);
    if (normalize != nullptr) {
      EXPECT_EQ(normalize(mine.out), normalize(ref.out)) << what;
      EXPECT_EQ(normalize(mine.err), normalize(ErrorLines(ref.err) + HealthLines(ref.err))) << what;
    } else {
      EXPECT_EQ(mine.out, ref.out) << what;
      EXPECT_EQ(ErrorLines(mine.err), ErrorLines(ref.err)) << what;
    }
    EXPECT_EQ(mine.exit_code, ref.exit_code) << what << "\nshadectl stderr: " << mine.err;
  }

  static std::string HealthLines(const std::string& err) {
    std::string out;
    for (const std::string& line : Lines(err)) {
      if (line.find(" is healthy") != std::string::npos ||
          line.find(" is unhealthy") != std::string::npos) {
        out += line + "\n";
      }
    }
    return out;
  }

  void SeedKeys() {
    for (const std::vector<std::string>& put :
         std::vector<std::vector<std::string>>{{"put", "a", "1"},
                                               {"put", "b", "2"},
                                               {"put", "foo", "bar"},
                                               {"put", "foo2", "baz"},
                                               {"put", "foo", "bar-v2"},
                                               {"put", "key with space", "two\nlines"},
                                               {"put", "zzz", "end"}}) {
      ASSERT_EQ(ExpectSame(put).exit_code, 0);
    }
  }

  std::unique_ptr<EtcdProcess> shade_etcd_;
  std::unique_ptr<EtcdProcess> ref_etcd_;
};

TEST_F(ShadectlVsEtcdctlTest, PutVariantsMatchEtcdctl) {
  ExpectSame({"put", "k", "v1"});
  ExpectSame({"put", "k", "v2", "--prev-kv"});
  ExpectSame({"put", "k", "v3", "--prev-kv", "-w", "json"});
  ExpectSame({"-w=json", "put", "k", "v4"});
  ExpectSame({"put", "k", "--ignore-value"});
  ExpectSame({"put", "k", "--ignore-value", "-w", "json", "--prev-kv"});
  ExpectSame({"put", "k", "--ignore-lease"});
  ExpectSame({"put", "from-stdin"}, "value from stdin\n");
  ExpectSame({"put", "k", "v5", "--prev-kv", "--hex"});
  ExpectSame({"get", "from-stdin"});
  // Errors: from the server, and from argument checks.
  ExpectSame({"put", "", "v"});
  ExpectSame({"put", "missing", "--ignore-value"});
  ExpectSame({"put", "k", "v", "--lease=1234"});
  ExpectSame({"put", "k", "v", "--lease=zz"});
  ExpectSame({"put", "k", "v", "--ignore-value"});
  ExpectSame({"put", "only-key"});
  ExpectSame({"put"});
  ExpectSame({"put", "k", "v6", "-w", "table"});  // applied, then exit 4
  ExpectSame({"get", "k", "-w", "json"});
}

TEST_F(ShadectlVsEtcdctlTest, GetVariantsMatchEtcdctl) {
  SeedKeys();
  const std::vector<std::vector<std::string>> reads = {
      {"get", "foo"},
      {"get", "foo", "--prefix"},
      {"get", "", "--prefix"},
      {"get", "", "--from-key"},
      {"get", "b", "--from-key"},
      {"get", "a", "--from-key", "--limit", "2"},
      {"get", "a", "foo2"},
      {"get", "foo", "--rev", "4"},
      {"get", "foo", "--rev=2"},
      {"get", "", "--prefix", "--keys-only"},
      {"get", "foo", "--prefix", "--print-value-only"},
      {"get", "", "--prefix", "--sort-by", "MODIFY", "--order", "DESCEND"},
      {"get", "", "--prefix", "--sort-by=value"},
      {"get", "", "--prefix", "--sort-by=VERSION", "--order=DESCEND", "--limit=3"},
      {"get", "", "--prefix", "--sort-by=CREATE", "--order=ASCEND"},
      {"get", "", "--prefix", "--order=DESCEND"},
      {"get", "missing"},
      {"get", "foo", "--consistency=s"},
      {"get", "key with space"},
      {"get", "", "--prefix", "--hex"},
      {"get", "foo", "--prefix", "--limit", "1"},
  };
  for (const auto& read : reads) {
    ExpectSame(read);
    std::vector<std::string> json = read;
    json.push_back("-w");
    json.push_back("json");
    ExpectSame(json);
  }
  // Unsupported combinations and bad arguments fail the same way.
  ExpectSame({"get", "foo", "-w", "table"});
  ExpectSame({"get", "foo", "--print-value-only", "-w", "json"});
  ExpectSame({"get", "foo", "--sort-by=size"});
  ExpectSame({"get", "foo", "--order=up"});
  ExpectSame({"get", "foo", "--consistency=x"});
  ExpectSame({"get", "foo", "--prefix", "--from-key"});
  ExpectSame({"get", "a", "b", "--prefix"});
  ExpectSame({"get", "foo", "--rev=99"});
  ExpectSame({"get"});
  ExpectSame({"get", "a", "b", "c"});
}

TEST_F(ShadectlVsEtcdctlTest, FlagErrorsMatchEtcdctl) {
  // cobra also prints the command's usage on stdout and the error twice;
  // shadectl prints the error once. Compare the exit code and the message.
  auto expect_same_error = [&](const std::vector<std::string>& args) {
    ProcessResult mine = Shadectl(shade_etcd_->endpoint(), args);
    ProcessResult ref = Etcdctl(ref_etcd_->endpoint(), args);
    std::string what = ::testing::PrintToString(args);
    EXPECT_EQ(mine.exit_code, ref.exit_code) << what;
    EXPECT_EQ(mine.out, "") << what;
    std::string ref_first = Lines(ErrorLines(ref.err)).at(0);
    EXPECT_EQ(ErrorLines(mine.err), ReplaceAll(ref_first, "etcdctl", "shadectl") + "\n") << what;
  };
  expect_same_error({"get", "foo", "--limit=x"});
  expect_same_error({"get", "foo", "--rev", "1.5"});
  expect_same_error({"get", "--bogus", "foo"});
  expect_same_error({"put", "k", "v", "--prefix"});
  expect_same_error({"get", "foo", "--prefix=maybe"});
  expect_same_error({"--command-timeout=5", "get", "foo"});
  expect_same_error({"bogus"});
}

TEST_F(ShadectlVsEtcdctlTest, CountOnlyPrintsTheCountEtcdctlReports) {
  // etcdctl 3.4 has no --count-only (3.5 added it): compare with the count in
  // etcdctl's JSON for the same range.
  SeedKeys();
  ProcessResult ref = Etcdctl(ref_etcd_->endpoint(), {"get", "foo", "--prefix", "-w", "json"});
  ASSERT_EQ(ref.exit_code, 0);
  ASSERT_NE(ref.out.find("\"count\":2"), std::string::npos) << ref.out;
  ProcessResult simple =
      Shadectl(shade_etcd_->endpoint(), {"get", "foo", "--prefix", "--count-only"});
  EXPECT_EQ(simple.exit_code, 0);
  EXPECT_EQ(simple.out, "2\n");
  ProcessResult json =
      Shadectl(shade_etcd_->endpoint(), {"get", "foo", "--prefix", "--count-only", "-w", "json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"count\":2"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("\"kvs\""), std::string::npos) << json.out;
}

TEST_F(ShadectlVsEtcdctlTest, DelVariantsMatchEtcdctl) {
  SeedKeys();
  ExpectSame({"del", "missing"});
  ExpectSame({"del", "a"});
  ExpectSame({"del", "b", "--prev-kv"});
  ExpectSame({"del", "foo", "--prefix", "--prev-kv", "-w", "json"});
  ExpectSame({"put", "a", "again"});
  ExpectSame({"del", "a", "kz", "--prev-kv"});
  ExpectSame({"del", "z", "--from-key", "-w", "json"});
  ExpectSame({"get", "", "--prefix"});
  ExpectSame({"del", "nothing", "-w", "table"});
  ExpectSame({"del"});
  ExpectSame({"del", "a", "b", "--prefix"});
  ExpectSame({"del", "a", "--prefix", "--from-key"});
}

TEST_F(ShadectlVsEtcdctlTest, TxnFromStdinMatchesEtcdctl) {
  SeedKeys();
  const std::string success =
      "mod(\"foo\") > \"0\"\nvalue(\"a\") = \"1\"\nversion(\"foo\") = \"2\"\n"
      "create(\"missing\") = \"0\"\n\n"
      "put t1 v1 --prev-kv\nget foo --prefix\ndel b --prev-kv\nput \"spaced key\" \"a\\tb\"\n\n"
      "put never happens\n\n";
  ExpectSame({"txn"}, success);
  ExpectSame({"txn", "-w", "json"},
             "ver(\"foo\") != \"2\"\n\nput x y\n\nget t1\nget a --keys-only\n\n");
  ExpectSame({"txn"}, "value(\"missing\") = \"\"\n\nput x y\n\nput failed yes\ndel nothing\n\n");
  ExpectSame({"txn", "--interactive"}, "m(\"t1\") < \"100\"\n\nget t1 --print-value-only\n\n\n");
  ExpectSame({"txn", "-i", "-w", "json"}, "\n\n\n");
  ExpectSame({"txn"}, "\n\n\n");
  ExpectSame({"txn", "-w", "table"}, "\n\nput tbl 1\n\n\n");
  ExpectSame({"get", "", "--prefix", "-w", "json"});
  // Bad input.
  ExpectSame({"txn"}, "value(k) = \"v\"\n\n\n\n");
  ExpectSame({"txn"}, "value(\"k\") = v\n\n\n\n");
  ExpectSame({"txn"}, "size(\"k\") = \"1\"\n\n\n\n");
  ExpectSame({"txn"}, "version(\"k\") = \"x\"\n\n\n\n");
  ExpectSame({"txn"}, "mod(\"foo\") > \"0\"\n\nput a b\n");
  ExpectSame({"txn"}, "\nfrob a b\n\n\n");
  ExpectSame({"txn"}, "\nput a\n\n\n");
  ExpectSame({"txn"}, "\nget a --nope\n\n\n");
  ExpectSame({"txn"}, "\nget a --order=up\n\n\n");
  ExpectSame({"txn"}, "\ndel\n\n\n");
  ExpectSame({"txn"}, "\nput dup 1\ndel dup\n\n\n");
  ExpectSame({"txn", "extra"}, "\n\n\n");
}

TEST_F(ShadectlVsEtcdctlTest, CompactionMatchesEtcdctl) {
  SeedKeys();
  ExpectSame({"compaction", "4"});
  ExpectSame({"get", "foo", "--rev=3"});
  ExpectSame({"get", "foo", "--rev=4", "-w", "json"});
  ExpectSame({"compaction", "4"});
  ExpectSame({"compaction", "6", "--physical", "-w", "json"});
  ExpectSame({"compaction", "100"});
  ExpectSame({"compaction", "abc"});
  ExpectSame({"compaction"});
}

TEST_F(ShadectlVsEtcdctlTest, MemberListMatchesEtcdctl) {
  ExpectSameOnOneServer({"member", "list"});
  ExpectSameOnOneServer({"member", "list", "-w", "json"});
  ExpectSameOnOneServer({"member", "list", "-w", "table"});
}

// Adds a learner with `tool`, updates, fails to promote it, removes it, and
// returns the outputs with the new member's ID (hex, padded hex, decimal)
// replaced, so shadectl's and etcdctl's runs compare.
std::vector<std::string> MemberLifecycle(bool use_shadectl, const std::string& endpoint,
                                         int spare_port) {
  auto run = [&](const std::vector<std::string>& args) {
    std::vector<std::string> full = {use_shadectl ? SHADECTL_PATH : "etcdctl",
                                     "--endpoints=" + endpoint};
    full.insert(full.end(), args.begin(), args.end());
    ProcessResult r = RunProcess(full, "", {{"ETCDCTL_API", "3"}}, kCommandDeadline);
    EXPECT_FALSE(r.timed_out);
    return r;
  };
  const std::string url1 = "http://127.0.0.1:" + std::to_string(spare_port);
  const std::string url2 = "http://127.0.0.1:" + std::to_string(spare_port + 1);
  std::vector<ProcessResult> results;
  results.push_back(run({"member", "add", "learner1", "--peer-urls=" + url1, "--learner"}));
  // "Member <%16x> added to cluster ..."
  std::string first = results[0].out.substr(0, results[0].out.find('\n'));
  std::string padded = first.size() > 23 ? first.substr(7, 16) : "";
  std::string hex = padded.substr(
      padded.find_first_not_of(' ') == std::string::npos ? 0 : padded.find_first_not_of(' '));
  EXPECT_FALSE(hex.empty()) << results[0].out << results[0].err;
  std::string decimal = hex.empty() ? "" : std::to_string(std::stoull(hex, nullptr, 16));
  // Members are listed in ID order and the new ID is random: only the simple
  // list is compared here, with its lines sorted (one-member lists in every
  // format are compared by MemberListMatchesEtcdctl).
  results.push_back(run({"member", "update", hex, "--peer-urls", url2}));
  results.push_back(run({"member", "list"}));
  const size_t sorted_step = results.size() - 1;
  results.push_back(run({"member", "promote", hex}));
  results.push_back(run({"member", "remove", hex}));
  results.push_back(run({"member", "remove", hex}));
  results.push_back(run({"member", "remove", "zz"}));
  results.push_back(run({"member", "add", "x"}));
  results.push_back(run({"member", "add", "x", "--peer-urls=ftp://a:1"}));
  results.push_back(run({"member", "add", "x", "--peer-urls=http://a:1/path"}));
  results.push_back(run({"member", "add"}));
  results.push_back(run({"member", "update", "1"}));
  std::vector<std::string> texts;
  for (size_t step = 0; step < results.size(); ++step) {
    const ProcessResult& r = results[step];
    std::string text = "exit " + std::to_string(r.exit_code) + "\n" + r.out + ErrorLines(r.err);
    // The new ID is random: one server's may have a leading zero nibble and
    // print as 15 digits ("%16x" pads it with a space), the other's 16. Both
    // forms become one placeholder; the padding itself is compared by
    // MemberListMatchesEtcdctl and the add output's fixed parts.
    text = ReplaceAll(text, padded, "<ID>");
    text = ReplaceAll(text, decimal, "<ID>");
    text = ReplaceAll(text, hex, "<ID>");
    text = ReplaceAll(text, url1, "<URL1>");
    text = ReplaceAll(text, url2, "<URL2>");
    // ETCD_INITIAL_CLUSTER lists members in ID order, and the ID is random.
    size_t p = text.find("ETCD_INITIAL_CLUSTER=\"");
    if (p != std::string::npos) {
      size_t start = p + 22, end = text.find('"', start);
      std::string list = text.substr(start, end - start);
      size_t comma = list.find(',');
      if (comma != std::string::npos && list.substr(comma + 1) < list.substr(0, comma)) {
        list = list.substr(comma + 1) + "," + list.substr(0, comma);
      }
      text.replace(start, end - start, list);
    }
    if (step == sorted_step) {
      std::vector<std::string> lines = Lines(text);
      std::sort(lines.begin(), lines.end());
      text.clear();
      for (const std::string& line : lines) text += line + "\n";
    }
    texts.push_back(text);
  }
  return texts;
}

TEST_F(ShadectlVsEtcdctlTest, MemberAddUpdatePromoteRemoveMatchEtcdctl) {
  Result<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  std::vector<std::string> mine = MemberLifecycle(true, shade_etcd_->endpoint(), *port);
  // etcd derives a member ID from its peer URLs and the current second, and
  // refuses an ID it removed: the second run uses other URLs.
  std::vector<std::string> ref = MemberLifecycle(false, shade_etcd_->endpoint(), *port + 2);
  ASSERT_EQ(mine.size(), ref.size());
  for (size_t i = 0; i < mine.size(); ++i) EXPECT_EQ(mine[i], ref[i]) << "step " << i;
}

TEST_F(ShadectlVsEtcdctlTest, EndpointStatusAndHealthMatchEtcdctl) {
  SeedKeys();
  ExpectSameOnOneServer({"endpoint", "status"});
  ExpectSameOnOneServer({"endpoint", "status", "-w", "json"});
  ExpectSameOnOneServer({"endpoint", "status", "-w", "table"});
  ExpectSameOnOneServer({"endpoint", "status", "--cluster"});
  ExpectSameOnOneServer({"endpoint", "status", "--cluster", "-w", "table"});
  ExpectSameOnOneServer({"endpoint", "health"}, NormalizeHealth);
  ExpectSameOnOneServer({"endpoint", "health", "-w", "json"}, NormalizeHealth);
  ExpectSameOnOneServer({"endpoint", "health", "-w", "table"}, NormalizeHealth);
  ExpectSameOnOneServer({"endpoint", "health", "--cluster"}, NormalizeHealth);
}

TEST_F(ShadectlVsEtcdctlTest, EndpointHashKvNeedsTheHashKvRoute) {
  // etcd 3.4's gateway has no HashKV route (etcdctl uses gRPC); shadectl says
  // so clearly. The printed formats are pinned by output_format_test.
  ProcessResult r = Shadectl(shade_etcd_->endpoint(), {"endpoint", "hashkv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Failed to get the hash of endpoint " + shade_etcd_->endpoint() +
                       " (endpoint " + shade_etcd_->endpoint() +
                       " does not serve /v3/maintenance/hashkv (HTTP 404 Not Found)"),
            std::string::npos)
      << r.err;
}

TEST_F(ShadectlVsEtcdctlTest, FailsOverToTheNextEndpoint) {
  SeedKeys();
  Result<int> dead = PickFreePort();
  ASSERT_TRUE(dead.ok());
  const std::string endpoints =
      "127.0.0.1:" + std::to_string(*dead) + "," + shade_etcd_->endpoint();
  ProcessResult mine = Shadectl(endpoints, {"get", "foo", "-w", "json"});
  ProcessResult ref = Etcdctl(shade_etcd_->endpoint(), {"get", "foo", "-w", "json"});
  EXPECT_EQ(mine.exit_code, 0) << mine.err;
  EXPECT_EQ(mine.out, ref.out);
}

TEST_F(ShadectlVsEtcdctlTest, UnreachableEndpointsAreNamedInTheError) {
  Result<int> dead1 = PickFreePort();
  Result<int> dead2 = PickFreePort();
  ASSERT_TRUE(dead1.ok() && dead2.ok());
  const std::string e1 = "127.0.0.1:" + std::to_string(*dead1);
  const std::string e2 = "http://127.0.0.1:" + std::to_string(*dead2);
  ProcessResult r = Shadectl(e1 + "," + e2, {"get", "foo", "--dial-timeout=1s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("Error: context deadline exceeded: could not connect to any of the "
                        "endpoints [" +
                            e1 + "," + e2 + "]",
                        0),
            0u)
      << r.err;
  EXPECT_NE(r.err.find("check that the server is running and that --endpoints lists its "
                       "client URLs"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace shadekv::ctl::testing
