// shadectl audit verify|query as real processes on logs written by the real
// writer in a temp dir: exit codes, the OK line, the first problem, filters.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "plugins/audit/audit_writer.h"
#include "tests/agent/ctl/etcd_fixture.h"
#include "tests/plugins/audit_test_records.h"
#include "tests/store/temp_dir.h"

namespace shadekv::ctl {
namespace {

using namespace shadekv::audit::testing;
using shadekv::ctl::testing::ProcessResult;
using shadekv::ctl::testing::RunProcess;
using shadekv::store::testing::TempDir;

class AuditCtlTest : public ::testing::Test {
 protected:
  std::string Log() const { return dir_.Sub("audit.log"); }

  // Records 1..n through the real writer; returns the last hash.
  std::string WriteLog(int n, uint64_t max_bytes = 0) {
    audit::WriterOptions options;
    options.path = Log();
    options.max_bytes = max_bytes;
    options.fsync = audit::FsyncPolicy::kNever;
    Result<std::unique_ptr<audit::AuditWriter>> writer = audit::AuditWriter::Open(options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (!writer.ok()) return "";
    for (int i = 1; i <= n; ++i) EXPECT_TRUE((*writer)->Append(TestRecord(i)).ok());
    return (*writer)->last_hash();
  }

  std::vector<std::string> AllFiles() const {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::string name = e.path().filename().string();
      if (name.rfind("audit.log.", 0) == 0) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    files.push_back(Log());
    return files;
  }

  static ProcessResult Shadectl(std::vector<std::string> args) {
    args.insert(args.begin(), SHADECTL_PATH);
    return RunProcess(args, "", {}, std::chrono::seconds(30));
  }

  static std::vector<std::string> OutLines(const ProcessResult& r) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < r.out.size()) {
      size_t nl = r.out.find('\n', start);
      if (nl == std::string::npos) nl = r.out.size();
      lines.push_back(r.out.substr(start, nl - start));
      start = nl + 1;
    }
    return lines;
  }

  TempDir dir_{"shadekv-audit-ctl-"};
};

TEST_F(AuditCtlTest, VerifyPrintsOkWithCountLastSeqAndHashAcrossRotatedFiles) {
  std::string last = WriteLog(300, 8192);
  std::vector<std::string> files = AllFiles();
  ASSERT_GE(files.size(), 3u);
  std::vector<std::string> args = {"audit", "verify"};
  args.insert(args.end(), files.begin(), files.end());
  ProcessResult r = Shadectl(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "OK: 300 records, last seq 300, last hash " + last + "\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(AuditCtlTest, VerifyExitsOneWithTheFirstProblem) {
  WriteLog(30);
  std::vector<std::string> lines = Lines(Log());
  std::swap(lines[19], lines[20]);
  lines[9].replace(lines[9].find("\"user\":\"bob\""), 12, "\"user\":\"eve\"");
  WriteLines(Log(), lines);
  ProcessResult r = Shadectl({"audit", "verify", Log()});
  EXPECT_EQ(r.exit_code, 1);
  std::vector<std::string> out = OutLines(r);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[0].rfind("FAILED: " + Log() + ":10: seq 10: modified", 0), 0u) << out[0];
  EXPECT_EQ(out[1].rfind("(9 valid records before it, last valid seq 9, hash ", 0), 0u) << out[1];
}

TEST_F(AuditCtlTest, VerifyFindsFilesGivenInTheWrongOrder) {
  WriteLog(300, 8192);
  std::vector<std::string> files = AllFiles();
  ASSERT_GE(files.size(), 3u);
  ProcessResult r = Shadectl({"audit", "verify", files[1], files[0]});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("FAILED: " + files[1] + ":1: seq "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("older files are missing or the files are out of order"), std::string::npos)
      << r.out;
}

TEST_F(AuditCtlTest, VerifyWithAnchorsFindsACutEndAndAcceptsRetainedFiles) {
  std::string last = WriteLog(300, 8192);
  std::vector<std::string> files = AllFiles();
  ASSERT_GE(files.size(), 3u);
  ProcessResult first = Shadectl({"audit", "verify", files[0]});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // "OK: N records, last seq S, last hash H"
  const size_t seq_at = first.out.find("last seq ") + 9;
  const std::string seq = first.out.substr(seq_at, first.out.find(',', seq_at) - seq_at);
  const std::string hash = first.out.substr(first.out.find("last hash ") + 10, 64);

  std::vector<std::string> args = {"audit",          "verify",   "--start-after",
                                   seq + ":" + hash, "--anchor", "300:" + last};
  args.insert(args.end(), files.begin() + 1, files.end());
  ProcessResult rest = Shadectl(args);
  EXPECT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  EXPECT_NE(rest.out.find("last seq 300, last hash " + last), std::string::npos) << rest.out;

  std::vector<std::string> lines = Lines(Log());
  lines.pop_back();
  WriteLines(Log(), lines);
  args = {"audit", "verify", "--anchor", "300:" + last};
  args.insert(args.end(), files.begin(), files.end());
  ProcessResult cut = Shadectl(args);
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.out.find("FAILED: " + Log() + ":"), std::string::npos) << cut.out;
  EXPECT_NE(cut.out.find("before the anchor seq 300"), std::string::npos) << cut.out;

  ProcessResult bad = Shadectl({"audit", "verify", "--anchor", "300", Log()});
  EXPECT_EQ(bad.exit_code, 128);
  EXPECT_NE(bad.err.find("--anchor: invalid anchor"), std::string::npos) << bad.err;
}

TEST_F(AuditCtlTest, VerifyRefusesNoFilesAndUnreadableFiles) {
  ProcessResult none = Shadectl({"audit", "verify"});
  EXPECT_EQ(none.exit_code, 128);
  EXPECT_NE(none.err.find("Error: audit verify needs the log files"), std::string::npos);
  ProcessResult missing = Shadectl({"audit", "verify", dir_.Sub("nope.log")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read audit log " + dir_.Sub("nope.log")), std::string::npos)
      << missing.err;
}

TEST_F(AuditCtlTest, QuerySimpleFiltersByPrefixUserAndTime) {
  WriteLog(40);
  // Record i: user kUsers[i % 3], time 2026-01-01T00:00:00Z + i s, key
  // /secret/k<i> when i % 4 == 0, else /config/k<i>.
  ProcessResult r = Shadectl({"audit", "query", "--prefix", "/secret/", "--user", "alice",
                              "--since", "2026-01-01T00:00:10Z", "--until", "1767225636", Log()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // i % 4 == 0, i % 3 == 0 (alice), 10 <= i < 36: 12 and 24.
  std::vector<std::string> out = OutLines(r);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[0],
            "2026-01-01T00:00:12.000Z seq=12 event rev=14 user=alice from=127.0.0.1:40012 "
            "member=8e9e05c52164694d req=1012 PUT /secret/k12 (5 bytes, sha256 " +
                std::string(64, 'a') + ")");
  EXPECT_NE(out[1].find(" seq=24 event "), std::string::npos) << out[1];

  ProcessResult requests = Shadectl({"audit", "query", "--user=carol", "--prefix=/secret/", Log()});
  EXPECT_EQ(requests.exit_code, 0) << requests.err;
  // carol: i % 3 == 2 (requests); /secret/: i % 4 == 0 -> 8, 20, 32.
  out = OutLines(requests);
  ASSERT_EQ(out.size(), 3u) << requests.out;
  EXPECT_EQ(out[0],
            "2026-01-01T00:00:08.000Z seq=8 request rev=10 user=carol from=127.0.0.1:40008 "
            "member=8e9e05c52164694d req=1008 /v3/kv/range /secret/k8 DENIED code=7 "
            "\"etcdserver: permission denied\"");
}

TEST_F(AuditCtlTest, QueryJsonPrintsTheLogLinesThemselves) {
  WriteLog(12);
  std::vector<std::string> log = Lines(Log());
  ProcessResult r = Shadectl({"-w", "json", "audit", "query", "--user", "bob", Log()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // bob: i % 3 == 1 -> 1, 4, 7, 10.
  EXPECT_EQ(OutLines(r), (std::vector<std::string>{log[0], log[3], log[6], log[9]}));
}

TEST_F(AuditCtlTest, QueryRefusesBadArgumentsAndDamagedLines) {
  WriteLog(5);
  ProcessResult bad_time = Shadectl({"audit", "query", "--since", "yesterday", Log()});
  EXPECT_EQ(bad_time.exit_code, 128);
  EXPECT_NE(bad_time.err.find("--since: invalid time \"yesterday\""), std::string::npos)
      << bad_time.err;
  ProcessResult table = Shadectl({"audit", "query", "-w", "table", Log()});
  EXPECT_EQ(table.exit_code, 4);
  ProcessResult none = Shadectl({"audit", "query", "--user", "bob"});
  EXPECT_EQ(none.exit_code, 128);

  std::vector<std::string> lines = Lines(Log());
  lines[2] = "garbage";
  WriteLines(Log(), lines);
  ProcessResult damaged = Shadectl({"audit", "query", Log()});
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_NE(damaged.err.find(Log() + ":3: not an audit record"), std::string::npos) << damaged.err;
}

TEST_F(AuditCtlTest, OtherCommandsKeepTheirBooleanPrefixFlag) {
  // `get --prefix` must still parse as a boolean: the audit flags apply only
  // to audit command lines. No server is needed to see the parse succeed:
  // the request then fails to connect (exit 1 with a connection error),
  // not with a flag error.
  ProcessResult r =
      Shadectl({"--endpoints", "127.0.0.1:1", "--dial-timeout", "200ms", "get", "--prefix", "/a"});
  EXPECT_EQ(r.err.find("invalid argument"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("unknown"), std::string::npos) << r.err;
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace shadekv::ctl
