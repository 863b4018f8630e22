// The audit log on real files in a temp dir: canonical lines and their
// hashes, the chain, rotation, restart, refusal of a damaged tail, and the
// verifier finding each kind of tampering with the right file, line and seq.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "plugins/audit/audit_chain.h"
#include "plugins/audit/audit_config.h"
#include "plugins/audit/audit_line.h"
#include "plugins/audit/audit_plugin.h"
#include "plugins/audit/audit_query.h"
#include "plugins/audit/audit_record.h"
#include "plugins/audit/audit_verifier.h"
#include "plugins/audit/audit_writer.h"
#include "shadekv/bus/codec.h"
#include "tests/plugins/audit_test_records.h"
#include "tests/store/temp_dir.h"

namespace shadekv::audit {
namespace {

using namespace shadekv::audit::testing;
using shadekv::store::testing::TempDir;

class AuditLogTest : public ::testing::Test {
 protected:
  std::string Log() const { return dir_.Sub("audit.log"); }

  std::unique_ptr<AuditWriter> OpenWriter(uint64_t max_bytes = 0,
                                          FsyncPolicy fsync = FsyncPolicy::kAlways) {
    WriterOptions options;
    options.path = Log();
    options.max_bytes = max_bytes;
    options.fsync = fsync;
    Result<std::unique_ptr<AuditWriter>> writer = AuditWriter::Open(options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  // Writes records 1..n with the real writer; returns the last hash.
  std::string WriteRecords(int n, uint64_t max_bytes = 0) {
    std::unique_ptr<AuditWriter> writer = OpenWriter(max_bytes);
    for (int i = 1; i <= n; ++i) EXPECT_TRUE(writer->Append(TestRecord(i)).ok());
    return writer->last_hash();
  }

  // The verifier's first problem on the files; fails the test when it finds none.
  VerifyProblem Problem(const std::vector<std::string>& files) {
    Result<VerifyReport> report = VerifyAuditFiles(files);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok() || report->ok()) {
      ADD_FAILURE() << "the verifier found no problem";
      return {};
    }
    return *report->problem;
  }

  // The rotated files, oldest first, then the active one.
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

  TempDir dir_{"shadekv-audit-"};
};

TEST_F(AuditLogTest, LineIsCanonicalJsonSealedWithTheHashOfItsOwnBytes) {
  std::unique_ptr<AuditWriter> writer = OpenWriter();
  ASSERT_TRUE(writer->Append(TestRecord(2)).ok());  // a request
  std::vector<std::string> lines = Lines(Log());
  ASSERT_EQ(lines.size(), 1u);
  const std::string expected_body =
      "{\"seq\":1,\"prev\":\"" + std::string(kGenesisHash) +
      "\",\"kind\":\"request\",\"time\":\"2026-01-01T00:00:02.000Z\",\"revision\":4,"
      "\"member_id\":\"8e9e05c52164694d\",\"request_id\":\"1002\",\"user\":\"carol\","
      "\"client\":\"127.0.0.1:40002\",\"operation\":\"/v3/kv/range\",\"key\":"
      "\"L2NvbmZpZy9rMg==\",\"range_end\":\"\",\"outcome\":\"DENIED\",\"code\":7,"
      "\"message\":\"etcdserver: permission denied\"}";
  const std::string hash = Sha256Hex(expected_body);
  EXPECT_EQ(lines[0],
            expected_body.substr(0, expected_body.size() - 1) + ",\"hash\":\"" + hash + "\"}");
  EXPECT_EQ(writer->last_hash(), hash);
  EXPECT_EQ(writer->last_seq(), 1u);
}

TEST_F(AuditLogTest, EachRecordCarriesTheHashOfThePreviousOne) {
  WriteRecords(3);
  std::vector<std::string> lines = Lines(Log());
  ASSERT_EQ(lines.size(), 3u);
  std::string prev = kGenesisHash;
  for (size_t i = 0; i < lines.size(); ++i) {
    Result<LoggedRecord> r = ParseLoggedLine(lines[i]);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->seq, i + 1);
    EXPECT_EQ(r->prev, prev);
    EXPECT_TRUE(r->hash_matches());
    prev = r->hash;
  }
}

TEST_F(AuditLogTest, VerifyReportsCountLastSeqAndLastHash) {
  std::string last = WriteRecords(25);
  Result<VerifyReport> report = VerifyAuditFiles({Log()});
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  EXPECT_EQ(report->records, 25u);
  EXPECT_EQ(report->last_seq, 25u);
  EXPECT_EQ(report->last_hash, last);
}

TEST_F(AuditLogTest, VerifyReportsProgressOnLargeLogs) {
  {
    std::unique_ptr<AuditWriter> writer = OpenWriter(0, FsyncPolicy::kNever);
    for (int i = 1; i <= 25000; ++i) ASSERT_TRUE(writer->Append(TestRecord(i)).ok());
  }
  const uint64_t size = std::filesystem::file_size(Log());
  ASSERT_GT(size, 8u << 20);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  VerifyOptions options;
  options.progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  Result<VerifyReport> report = VerifyAuditFiles({Log()}, options);
  ASSERT_TRUE(report.ok() && report->ok());
  EXPECT_EQ(report->records, 25000u);
  ASSERT_GE(calls.size(), 2u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].second, size);
    EXPECT_LE(calls[i].first, size);
    if (i > 0) {
      EXPECT_GT(calls[i].first, calls[i - 1].first);
    }
  }
  EXPECT_EQ(calls.back().first, size);
}

TEST_F(AuditLogTest, FindsAModifiedRecord) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  size_t at = lines[9].find("\"user\":\"bob\"");
  ASSERT_NE(at, std::string::npos);
  lines[9].replace(at, 12, "\"user\":\"mallory\"");
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.file, Log());
  EXPECT_EQ(p.line, 10u);
  EXPECT_EQ(p.seq, 10u);
  EXPECT_NE(p.message.find("modified"), std::string::npos) << p.message;
}

TEST_F(AuditLogTest, FindsADeletedRecord) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  lines.erase(lines.begin() + 9);
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 10u);
  EXPECT_EQ(p.seq, 11u);
  EXPECT_NE(p.message.find("deleted: expected seq 10, found seq 11 (1 record missing)"),
            std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, FindsAnInsertedCopyOfAnEarlierRecord) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  lines.insert(lines.begin() + 10, lines[4]);  // seq 5 again, as line 11
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 11u);
  EXPECT_EQ(p.seq, 5u);
  EXPECT_NE(p.message.find("inserted"), std::string::npos) << p.message;
}

TEST_F(AuditLogTest, FindsAnInsertedForgedLineTheChainSkips) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  std::string forged = lines[10];  // seq 11, edited, hash left as it was
  forged.replace(forged.find("\"user\":\""), 8, "\"user\":\"x");
  lines.insert(lines.begin() + 10, forged);
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 11u);
  EXPECT_EQ(p.seq, 11u);
  EXPECT_NE(p.message.find("inserted: this line is not part of the chain"), std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, FindsAnInsertedResealedRecordBySeqAppearingTwice) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  // A forger who knows the format: seq 11 chained to seq 10, correctly hashed.
  Result<LoggedRecord> tenth = ParseLoggedLine(lines[9]);
  ASSERT_TRUE(tenth.ok());
  AuditRecord fake = TestRecord(11);
  fake.user = "mallory";
  fake.seq = 11;
  fake.prev = tenth->hash;
  lines.insert(lines.begin() + 10, SealLine(CanonicalJson(fake), nullptr));
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 12u);
  EXPECT_EQ(p.seq, 11u);
  EXPECT_NE(p.message.find("inserted: seq 11 appears twice (also at " + Log() + ":11)"),
            std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, FindsReorderedRecords) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  std::swap(lines[9], lines[10]);
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 10u);
  EXPECT_EQ(p.seq, 11u);
  EXPECT_NE(p.message.find("reordered: seq 11 comes before seq 10, which is at " + Log() + ":11"),
            std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, FindsARecordMovedFarLater) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  std::string moved = lines[4];
  lines.erase(lines.begin() + 4);
  lines.insert(lines.begin() + 20, moved);
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 5u);
  EXPECT_EQ(p.seq, 6u);
  EXPECT_NE(p.message.find("reordered"), std::string::npos) << p.message;
}

TEST_F(AuditLogTest, FindsATruncatedFile) {
  WriteRecords(30);
  std::string text = ReadAll(Log());
  WriteAll(Log(), text.substr(0, text.size() - 40));
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 30u);
  EXPECT_EQ(p.seq, 30u);
  EXPECT_NE(p.message.find("truncated"), std::string::npos) << p.message;
}

TEST_F(AuditLogTest, FindsALineThatIsNotARecord) {
  WriteRecords(5);
  std::vector<std::string> lines = Lines(Log());
  lines[2] = "this is not json";
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 3u);
  EXPECT_EQ(p.seq, 0u);
  EXPECT_NE(p.message.find("not an audit record"), std::string::npos) << p.message;
}

TEST_F(AuditLogTest, FindsAResealedModificationByTheBrokenLinkAfterIt) {
  WriteRecords(30);
  std::vector<std::string> lines = Lines(Log());
  Result<LoggedRecord> ninth = ParseLoggedLine(lines[8]);
  ASSERT_TRUE(ninth.ok());
  AuditRecord changed = TestRecord(10);
  changed.user = "mallory";
  changed.seq = 10;
  changed.prev = ninth->hash;
  lines[9] = SealLine(CanonicalJson(changed), nullptr);
  WriteLines(Log(), lines);
  VerifyProblem p = Problem({Log()});
  EXPECT_EQ(p.line, 11u);
  EXPECT_EQ(p.seq, 11u);
  EXPECT_NE(p.message.find("chain broken: prev is not the hash of seq 10 at " + Log() + ":10"),
            std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, RotationKeepsTheChainAcrossFiles) {
  std::string last = WriteRecords(200, 4096);
  std::vector<std::string> files = AllFiles();
  ASSERT_GE(files.size(), 4u);
  for (const std::string& f : files) {
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_LE(st.st_size, 4096) << f;
  }
  // The first record of the second file links to the last of the first.
  Result<LoggedRecord> end_of_first = ParseLoggedLine(Lines(files[0]).back());
  Result<LoggedRecord> start_of_second = ParseLoggedLine(Lines(files[1]).front());
  ASSERT_TRUE(end_of_first.ok() && start_of_second.ok());
  EXPECT_EQ(start_of_second->prev, end_of_first->hash);
  EXPECT_EQ(start_of_second->seq, end_of_first->seq + 1);

  Result<VerifyReport> report = VerifyAuditFiles(files);
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  EXPECT_EQ(report->records, 200u);
  EXPECT_EQ(report->last_hash, last);
}

TEST_F(AuditLogTest, FindsFilesInTheWrongOrderOrWithAGap) {
  WriteRecords(200, 4096);
  std::vector<std::string> files = AllFiles();
  ASSERT_GE(files.size(), 4u);

  std::vector<std::string> swapped = files;
  std::swap(swapped[1], swapped[2]);
  VerifyProblem p = Problem(swapped);
  EXPECT_EQ(p.file, files[2]);
  EXPECT_EQ(p.line, 1u);
  EXPECT_NE(p.message.find("does not continue " + files[0]), std::string::npos) << p.message;

  std::vector<std::string> gap = files;
  gap.erase(gap.begin() + 1);
  p = Problem(gap);
  EXPECT_EQ(p.file, files[2]);
  EXPECT_EQ(p.line, 1u);
  EXPECT_NE(p.message.find("a file between them is missing"), std::string::npos) << p.message;

  p = Problem({files[1], files[2]});
  EXPECT_EQ(p.file, files[1]);
  EXPECT_NE(p.message.find("not 1 (seq 1): older files are missing"), std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, StartAfterAnAnchorVerifiesWhatRetentionLeft) {
  WriteRecords(200, 4096);
  std::vector<std::string> files = AllFiles();
  ASSERT_GE(files.size(), 4u);
  Result<VerifyReport> first = VerifyAuditFiles({files[0]});
  ASSERT_TRUE(first.ok() && first->ok());
  std::vector<std::string> rest(files.begin() + 1, files.end());

  VerifyOptions options;
  options.start_after = VerifyAnchor{first->last_seq, first->last_hash};
  Result<VerifyReport> report = VerifyAuditFiles(rest, options);
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  EXPECT_EQ(report->records, 200u - first->records);
  EXPECT_EQ(report->last_seq, 200u);

  options.start_after->hash = std::string(64, 'b');  // a wrong anchor
  VerifyProblem p = *VerifyAuditFiles(rest, options)->problem;
  EXPECT_EQ(p.file, files[1]);
  EXPECT_EQ(p.line, 1u);
  EXPECT_NE(p.message.find("prev is not the hash of the --start-after anchor"), std::string::npos)
      << p.message;

  options.start_after = VerifyAnchor{first->last_seq - 1, first->last_hash};
  p = *VerifyAuditFiles(rest, options)->problem;
  EXPECT_NE(p.message.find("the --start-after anchor (seq " + std::to_string(first->last_seq - 1)),
            std::string::npos)
      << p.message;
}

TEST_F(AuditLogTest, AnAnchorRevealsRecordsCutOffTheEndAndARewrittenLog) {
  WriteRecords(30);
  Result<VerifyReport> whole = VerifyAuditFiles({Log()});
  ASSERT_TRUE(whole.ok() && whole->ok());
  VerifyOptions options;
  options.expect = VerifyAnchor{30, whole->last_hash};
  ASSERT_TRUE(VerifyAuditFiles({Log()}, options)->ok());

  std::vector<std::string> lines = Lines(Log());
  lines.resize(27);  // three whole records cut: a valid, shorter chain
  WriteLines(Log(), lines);
  ASSERT_TRUE(VerifyAuditFiles({Log()})->ok());
  VerifyProblem p = *VerifyAuditFiles({Log()}, options)->problem;
  EXPECT_EQ(p.line, 27u);
  EXPECT_EQ(p.seq, 27u);
  EXPECT_NE(
      p.message.find("the log ends at seq 27, before the anchor seq 30: records were cut off"),
      std::string::npos)
      << p.message;

  options.expect = VerifyAnchor{10, std::string(64, 'c')};  // a log re-sealed since
  p = *VerifyAuditFiles({Log()}, options)->problem;
  EXPECT_EQ(p.line, 10u);
  EXPECT_NE(p.message.find("does not match the anchor"), std::string::npos) << p.message;
}

TEST(AuditAnchorTest, ParsesSeqColonHashAndRejectsTheRest) {
  const std::string hash(64, 'a');
  Result<VerifyAnchor> a = ParseVerifyAnchor("42:" + hash);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->seq, 42u);
  EXPECT_EQ(a->hash, hash);
  for (const std::string& bad : std::vector<std::string>{
           "", "42", ":" + hash, "0:" + hash, "x:" + hash, "42:" + std::string(63, 'a'),
           "42:" + std::string(64, 'A'), "-1:" + hash}) {
    Result<VerifyAnchor> r = ParseVerifyAnchor(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("SEQ:HASH"), std::string::npos);
  }
}

TEST_F(AuditLogTest, ReopenContinuesTheChain) {
  WriteRecords(5);
  {
    std::unique_ptr<AuditWriter> writer = OpenWriter();
    EXPECT_EQ(writer->last_seq(), 5u);
    ASSERT_TRUE(writer->Append(TestRecord(6)).ok());
  }
  std::vector<std::string> lines = Lines(Log());
  ASSERT_EQ(lines.size(), 6u);
  Result<LoggedRecord> sixth = ParseLoggedLine(lines[5]);
  Result<LoggedRecord> fifth = ParseLoggedLine(lines[4]);
  ASSERT_TRUE(sixth.ok() && fifth.ok());
  EXPECT_EQ(sixth->seq, 6u);
  EXPECT_EQ(sixth->prev, fifth->hash);
  Result<VerifyReport> report = VerifyAuditFiles({Log()});
  ASSERT_TRUE(report.ok() && report->ok());
}

TEST_F(AuditLogTest, ReopenAfterARotationLeftAnEmptyActiveFileResumesFromTheRotatedOne) {
  WriteRecords(40, 4096);
  std::vector<std::string> before = AllFiles();
  // A crash right after a rotation: everything is in rotated files.
  std::filesystem::rename(Log(), Log() + ".999999");
  {
    std::unique_ptr<AuditWriter> writer = OpenWriter(4096);
    EXPECT_EQ(writer->last_seq(), 40u);
    ASSERT_TRUE(writer->Append(TestRecord(41)).ok());
  }
  std::vector<std::string> files = AllFiles();
  Result<VerifyReport> report = VerifyAuditFiles(files);
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  EXPECT_EQ(report->records, 41u);
}

TEST_F(AuditLogTest, RefusesToAppendAfterATornTail) {
  WriteRecords(5);
  std::string text = ReadAll(Log());
  WriteAll(Log(), text.substr(0, text.size() - 10));
  WriterOptions options;
  options.path = Log();
  Result<std::unique_ptr<AuditWriter>> writer = AuditWriter::Open(options);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(writer.status().message().find("audit log " + Log() + " line 5 is torn"),
            std::string::npos)
      << writer.status().message();
  EXPECT_EQ(ReadAll(Log()), text.substr(0, text.size() - 10));  // nothing written
}

TEST_F(AuditLogTest, RefusesToAppendAfterAnInvalidLastLine) {
  WriteRecords(5);
  std::vector<std::string> lines = Lines(Log());
  lines[4].replace(lines[4].find("\"user\":\""), 8, "\"user\":\"z");
  WriteLines(Log(), lines);
  WriterOptions options;
  options.path = Log();
  Result<std::unique_ptr<AuditWriter>> writer = AuditWriter::Open(options);
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.status().message().find("line 5 (seq 5) does not match its hash"),
            std::string::npos)
      << writer.status().message();
}

TEST_F(AuditLogTest, RefusesASecondWriterOnTheSameFile) {
  std::unique_ptr<AuditWriter> first = OpenWriter();
  ASSERT_TRUE(first->Append(TestRecord(1)).ok());
  WriterOptions options;
  options.path = Log();
  Result<std::unique_ptr<AuditWriter>> second = AuditWriter::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("audit log " + Log() + " is in use by another writer"),
            std::string::npos)
      << second.status().message();
  first.reset();
  second = AuditWriter::Open(options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*second)->last_seq(), 1u);
}

TEST_F(AuditLogTest, OpenNamesAMissingDirectoryOrADirectoryPath) {
  WriterOptions options;
  options.path = dir_.Sub("no-such-dir/audit.log");
  Result<std::unique_ptr<AuditWriter>> writer = AuditWriter::Open(options);
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.status().message().find(options.path), std::string::npos);
  options.path = dir_.path();
  writer = AuditWriter::Open(options);
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.status().message().find("is a directory"), std::string::npos);
}

TEST_F(AuditLogTest, LastLoggedRevisionSurvivesReopenAndLaterRequests) {
  {
    std::unique_ptr<AuditWriter> writer = OpenWriter();
    EXPECT_EQ(writer->LastLoggedRevision(), 0);
    AuditRecord e = TestRecord(1);  // event, revision 3
    ASSERT_TRUE(writer->Append(e).ok());
    ASSERT_TRUE(writer->Append(TestRecord(2)).ok());  // request, revision 4: not an event
    EXPECT_EQ(writer->LastLoggedRevision(), 3);
  }
  std::unique_ptr<AuditWriter> writer = OpenWriter();
  EXPECT_EQ(writer->LastLoggedRevision(), 3);
  EXPECT_EQ(writer->last_seq(), 2u);
}

TEST_F(AuditLogTest, EveryFsyncPolicyWritesAVerifiableLog) {
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kInterval, FsyncPolicy::kNever}) {
    std::filesystem::remove(Log());
    {
      std::unique_ptr<AuditWriter> writer = OpenWriter(0, policy);
      for (int i = 1; i <= 20; ++i) ASSERT_TRUE(writer->Append(TestRecord(i)).ok());
    }
    Result<VerifyReport> report = VerifyAuditFiles({Log()});
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok());
    EXPECT_EQ(report->records, 20u);
  }
}

TEST_F(AuditLogTest, IntervalPolicySyncsLaterAndSyncIfDirtyCatchesUp) {
  WriterOptions options;
  options.path = Log();
  options.fsync = FsyncPolicy::kInterval;
  options.fsync_interval = std::chrono::hours(1);
  Result<std::unique_ptr<AuditWriter>> writer = AuditWriter::Open(options);
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE((*writer)->dirty());
  ASSERT_TRUE((*writer)->Append(TestRecord(1)).ok());
  EXPECT_TRUE((*writer)->dirty());  // the interval has not elapsed
  ASSERT_TRUE((*writer)->SyncIfDirty().ok());
  EXPECT_FALSE((*writer)->dirty());

  writer->reset();  // closed: the next writer resumes at seq 2
  std::unique_ptr<AuditWriter> always = OpenWriter(0, FsyncPolicy::kAlways);
  ASSERT_TRUE(always->Append(TestRecord(2)).ok());
  EXPECT_FALSE(always->dirty());
}

TEST_F(AuditLogTest, PluginFlusherSyncsAnIdleLogWithinTheInterval) {
  Result<std::unique_ptr<AuditPlugin>> plugin =
      AuditPlugin::Start({{"path", Log()}, {"fsync", "interval"}, {"fsync_interval_ms", "20"}});
  ASSERT_TRUE(plugin.ok()) << plugin.status().ToString();
  // Two appends in a row: the second comes before the interval elapsed.
  ASSERT_TRUE((*plugin)->OnEvent(bus::EncodeEvent(TestEvent(2, "a"))).ok());
  ASSERT_TRUE((*plugin)->OnEvent(bus::EncodeEvent(TestEvent(3, "b"))).ok());
  bool synced = false;
  for (int i = 0; i < 200 && !synced; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    synced = !(*plugin)->writer().dirty();
  }
  EXPECT_TRUE(synced) << "the flusher did not sync within 1 s";
  EXPECT_EQ((*plugin)->LastLoggedRevision(), 3);
  EXPECT_EQ(Lines(Log()).size(), 2u);
}

TEST_F(AuditLogTest, InvalidUtf8AndControlCharactersStayValidJson) {
  std::unique_ptr<AuditWriter> writer = OpenWriter();
  AuditRecord r = TestRecord(2);
  r.user = "ev\xff\xfeil\n\"quoted\"\x01";
  r.message = "caf\xc3\xa9";  // valid UTF-8 stays as it is
  ASSERT_TRUE(writer->Append(r).ok());
  Result<LoggedRecord> parsed = ParseLoggedLine(Lines(Log()).at(0));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->hash_matches());
  EXPECT_EQ(parsed->object->getValue<std::string>("user"),
            "ev\xef\xbf\xbd\xef\xbf\xbdil\n\"quoted\"\x01");
  EXPECT_EQ(parsed->object->getValue<std::string>("message"), "caf\xc3\xa9");
}

TEST_F(AuditLogTest, QueryFiltersByPrefixUserAndTime) {
  RecordView v;
  v.kind = "event";
  v.time_ms = 1000;
  v.user = "alice";
  v.keys = {"/config/a", "/secret/b"};
  auto query = [](auto set) {
    AuditQuery q;
    set(q);
    return q;
  };
  EXPECT_TRUE(Matches({}, v));
  EXPECT_TRUE(Matches(query([](AuditQuery& q) { q.prefix = "/secret/"; }), v));
  EXPECT_FALSE(Matches(query([](AuditQuery& q) { q.prefix = "/other/"; }), v));
  EXPECT_TRUE(Matches(query([](AuditQuery& q) { q.user = "alice"; }), v));
  EXPECT_FALSE(Matches(query([](AuditQuery& q) { q.user = "bob"; }), v));
  EXPECT_TRUE(Matches(query([](AuditQuery& q) {
                        q.since_ms = 1000;
                        q.until_ms = 1001;
                      }),
                      v));
  EXPECT_FALSE(Matches(query([](AuditQuery& q) { q.since_ms = 1001; }), v));
  EXPECT_FALSE(Matches(query([](AuditQuery& q) { q.until_ms = 1000; }), v));
}

TEST(AuditTimeTest, ParsesRfc3339AndUnixSecondsAndRejectsTheRest) {
  EXPECT_EQ(*ParseTimeArgument("2026-01-01T00:00:00Z"), 1767225600000);
  EXPECT_EQ(*ParseTimeArgument("2026-01-01T02:00:00.250+02:00"), 1767225600250);
  EXPECT_EQ(*ParseTimeArgument("1767225600"), 1767225600000);
  EXPECT_EQ(FormatRfc3339Millis(1767225600250), "2026-01-01T00:00:00.250Z");
  for (const char* bad : {"", "yesterday", "2026-01-01", "2026-13-01T00:00:00Z", "-5"}) {
    Result<int64_t> t = ParseTimeArgument(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.status().message().find("RFC 3339"), std::string::npos);
  }
}

TEST(AuditConfigTest, ParsesEveryKeyAndRefusesBadValues) {
  Result<AuditConfig> c = ParseAuditConfig({{"path", "/tmp/a.log"},
                                            {"fsync", "interval"},
                                            {"fsync_interval_ms", "250"},
                                            {"max_bytes", "8192"},
                                            {"values", "full"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->writer.path, "/tmp/a.log");
  EXPECT_EQ(c->writer.fsync, FsyncPolicy::kInterval);
  EXPECT_EQ(c->writer.fsync_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(c->writer.max_bytes, 8192u);
  EXPECT_EQ(c->values, ValuesPolicy::kFull);

  Result<AuditConfig> defaults = ParseAuditConfig({{"path", "/tmp/a.log"}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->writer.fsync, FsyncPolicy::kInterval);
  EXPECT_EQ(defaults->writer.fsync_interval, std::chrono::milliseconds(100));
  EXPECT_EQ(defaults->values, ValuesPolicy::kHash);

  const std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>> bad =
      {
          {{}, "audit.path is required"},
          {{{"path", ""}}, "audit.path is required"},
          {{{"path", "x"}, {"fsync", "sometimes"}}, "audit.fsync must be"},
          {{{"path", "x"}, {"fsync_interval_ms", "0"}}, "audit.fsync_interval_ms must be"},
          {{{"path", "x"}, {"fsync_interval_ms", "1s"}}, "non-negative integer"},
          {{{"path", "x"}, {"max_bytes", "100"}}, "audit.max_bytes must be"},
          {{{"path", "x"}, {"max_bytes", "-1"}}, "non-negative integer"},
          {{{"path", "x"}, {"values", "plain"}}, "audit.values must be hash, full or none"},
          {{{"path", "x"}, {"colour", "red"}}, "unknown setting audit.colour"},
      };
  for (const auto& [entries, message] : bad) {
    Result<AuditConfig> r = ParseAuditConfig(entries);
    ASSERT_FALSE(r.ok()) << message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(message), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace shadekv::audit
