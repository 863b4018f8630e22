// The snapshot pieces that need no process: the stream check and the full
// file check (status) on real stores' exports, the gateway's message
// encoding, the safe file writer under a file size limit, and the progress
// line. Every refusal is asserted by its code and message.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "agent/api/go_base64.h"
#include "agent/api/snapshot_messages.h"
#include "agent/ctl/progress_line.h"
#include "agent/ctl/snapshot_file_writer.h"
#include "agent/restore/snapshot_inspect.h"
#include "agent/restore/snapshot_stream_check.h"
#include "shadekv/store/mvcc_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv {
namespace {

using store::testing::TempDir;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A store with history (overwrites, a delete, values big enough to span
// several 32 KiB messages), exported to `snap`.
class SnapshotFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::MvccStore::Open(dir_.path() + "/kv");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    kv_ = std::move(opened).value();
    for (int i = 0; i < 60; ++i) {
      Put("key/" + std::to_string(i % 25), std::string(2500 + i, static_cast<char>('a' + i % 26)));
    }
    store::WriteRequest del;
    del.op = store::DeleteRangeRequest{"key/3", "", false};
    Apply(del);
    Put("key/last", "end");
    snap_ = dir_.path() + "/snap";
    std::ofstream out(snap_, std::ios::binary);
    ASSERT_TRUE(kv_->ExportSnapshot([&](std::string_view chunk) {
                     out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                     return Status::Ok();
                   })
                    .ok());
    out.close();
    bytes_ = ReadFile(snap_);
    ASSERT_GT(bytes_.size(), 3 * api::kSnapshotBlobBytes);
  }

  void Put(const std::string& key, const std::string& value) {
    store::WriteRequest request;
    store::PutRequest put;
    put.key = key;
    put.value = value;
    request.op = put;
    Apply(request);
  }
  void Apply(const store::WriteRequest& request) {
    ASSERT_TRUE(kv_->Apply(request, ++index_).ok());
  }

  // Runs the stream check over `bytes` in chunks of `step`.
  static Result<store::SnapshotHeader> Check(const std::string& bytes, size_t step) {
    restore::SnapshotStreamCheck check;
    for (size_t at = 0; at < bytes.size(); at += step) {
      SHADEKV_RETURN_IF_ERROR(check.Add(std::string_view(bytes).substr(at, step)));
    }
    return check.Finish();
  }

  std::string Variant(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.path() + "/" + name;
    WriteFile(path, bytes);
    return path;
  }

  TempDir dir_;
  std::unique_ptr<store::MvccStore> kv_;
  uint64_t index_ = 0;
  std::string snap_;
  std::string bytes_;
};

TEST_F(SnapshotFiles, StreamCheckAcceptsTheWholeStreamInAnyChunking) {
  for (size_t step : {size_t{1}, size_t{7}, size_t{44}, size_t{4096}, bytes_.size()}) {
    Result<store::SnapshotHeader> header = Check(bytes_, step);
    ASSERT_TRUE(header.ok()) << "step " << step << ": " << header.status().ToString();
    EXPECT_EQ(header->revision, static_cast<uint64_t>(kv_->CurrentRevision()));
    EXPECT_EQ(header->stream_bytes, bytes_.size());
  }
}

TEST_F(SnapshotFiles, StreamCheckRefusesTruncatedFlippedForeignAndEmptyStreams) {
  for (size_t keep : {size_t{0}, size_t{10}, size_t{52}, bytes_.size() / 2, bytes_.size() - 1}) {
    Result<store::SnapshotHeader> cut = Check(bytes_.substr(0, keep), 1000);
    ASSERT_FALSE(cut.ok()) << keep;
    EXPECT_EQ(cut.status().code(), StatusCode::kDataLoss) << keep;
    EXPECT_NE(cut.status().message().find(keep == 0 ? "empty" : "truncated"), std::string::npos)
        << cut.status().message();
  }
  // A bit flipped in the records or in the digest: the SHA-256 disagrees.
  for (size_t at : {size_t{60}, bytes_.size() / 2, bytes_.size() - 20}) {
    std::string flipped = bytes_;
    flipped[at] ^= 0x10;
    Result<store::SnapshotHeader> bad = Check(flipped, 999);
    ASSERT_FALSE(bad.ok()) << at;
    EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(bad.status().message().find("SHA-256"), std::string::npos) << bad.status().message();
  }
  std::string longer = bytes_ + "x";
  EXPECT_EQ(Check(longer, 512).status().code(), StatusCode::kDataLoss);
  std::string foreign(4096, '\0');  // a bolt file starts with a zeroed page id
  Result<store::SnapshotHeader> bolt = Check(foreign, 100);
  EXPECT_EQ(bolt.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bolt.status().message().find("not a shadekv store snapshot"), std::string::npos);
}

TEST_F(SnapshotFiles, InspectReportsRevisionKeysAndTheKeyspaceHash) {
  Result<restore::SnapshotFileStatus> st = restore::InspectSnapshotFile(snap_);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->revision, kv_->CurrentRevision());
  Result<store::HashResult> hash = kv_->HashKv(0);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(st->hash, hash->hash);
  EXPECT_EQ(st->total_keys, 25u);  // key/0..24 minus key/3, plus key/last
  EXPECT_EQ(st->total_size, bytes_.size());
  EXPECT_EQ(st->sha256.size(), 64u);
}

TEST_F(SnapshotFiles, InspectRefusesEveryDamagedOrForeignFile) {
  struct Case {
    std::string name;
    std::string bytes;
    StatusCode code;
    std::string says;
  };
  std::vector<Case> cases = {
      {"empty", "", StatusCode::kDataLoss, "empty"},
      {"truncated", bytes_.substr(0, bytes_.size() * 2 / 3), StatusCode::kDataLoss, "truncated"},
      {"no-trailer", bytes_.substr(0, bytes_.size() - 44), StatusCode::kDataLoss, "truncated"},
      {"random", std::string(5000, 'r'), StatusCode::kInvalidArgument,
       "not a shadekv store snapshot"},
  };
  std::mt19937 rng(7);
  // A flipped bit anywhere: header, records, digest, trailer's keyspace hash.
  for (size_t at :
       {size_t{13}, size_t{200}, bytes_.size() / 2, bytes_.size() - 30, bytes_.size() - 2}) {
    std::string flipped = bytes_;
    flipped[at] ^= static_cast<char>(1u << (rng() % 8));
    cases.push_back({"flip-" + std::to_string(at), flipped, StatusCode::kDataLoss, ""});
  }
  for (const Case& c : cases) {
    const std::string path = Variant(c.name, c.bytes);
    Result<restore::SnapshotFileStatus> st = restore::InspectSnapshotFile(path);
    ASSERT_FALSE(st.ok()) << c.name;
    if (c.code == StatusCode::kDataLoss && c.name.rfind("flip-", 0) == 0) {
      // Header flips may read as a foreign version or a corrupt header.
      EXPECT_TRUE(st.status().code() == StatusCode::kDataLoss ||
                  st.status().code() == StatusCode::kInvalidArgument)
          << c.name << ": " << st.status().ToString();
    } else {
      EXPECT_EQ(st.status().code(), c.code) << c.name << ": " << st.status().ToString();
    }
    EXPECT_NE(st.status().message().find(c.says), std::string::npos) << st.status().message();
    EXPECT_NE(st.status().message().find(path), std::string::npos) << st.status().message();
  }
  EXPECT_EQ(restore::InspectSnapshotFile(dir_.path() + "/missing").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(restore::InspectSnapshotFile(dir_.path()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SnapshotFiles, GatewayMessagesCarryTheStreamIn32KiBBlobsCountingDown) {
  api::SnapshotMessageEncoder encoder;
  std::vector<std::string> lines;
  for (size_t at = 0; at < bytes_.size(); at += 5000) {
    ASSERT_TRUE(encoder.Add(std::string_view(bytes_).substr(at, 5000), &lines).ok());
  }
  ASSERT_TRUE(encoder.Finish(&lines).ok());
  std::string joined;
  uint64_t last_remaining = bytes_.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].back(), '\n');
    auto message = Poco::JSON::Parser().parse(lines[i]).extract<Poco::JSON::Object::Ptr>();
    ASSERT_EQ(message->size(), 1u) << lines[i];
    Poco::JSON::Object::Ptr result = message->getObject("result");
    ASSERT_TRUE(result);
    EXPECT_FALSE(result->has("header"));  // etcd 3.4 sends none
    Result<std::string> blob = api::DecodeGoBase64(result->getValue<std::string>("blob"));
    ASSERT_TRUE(blob.ok());
    const bool last = i + 1 == lines.size();
    if (!last) {
      EXPECT_EQ(blob->size(), api::kSnapshotBlobBytes);
    }
    joined += *blob;
    // A string, omitted when 0 (proto3 JSON), exactly the bytes still to come.
    const uint64_t remaining = result->has("remaining_bytes")
                                   ? std::stoull(result->getValue<std::string>("remaining_bytes"))
                                   : 0;
    EXPECT_EQ(remaining, bytes_.size() - joined.size());
    EXPECT_LT(remaining, last_remaining);
    last_remaining = remaining;
    EXPECT_EQ(result->has("remaining_bytes"), !last);
  }
  EXPECT_EQ(joined, bytes_);
  EXPECT_TRUE(Check(joined, joined.size()).ok());
}

TEST(SnapshotMessages, EncoderRefusesWhatIsNotASnapshotStream) {
  api::SnapshotMessageEncoder encoder;
  std::vector<std::string> lines;
  EXPECT_EQ(encoder.Add(std::string(100, 'x'), &lines).code(), StatusCode::kInternal);
  api::SnapshotMessageEncoder short_stream;
  EXPECT_TRUE(short_stream.Add("SHKVSNAP", &lines).ok());
  EXPECT_EQ(short_stream.Finish(&lines).code(), StatusCode::kInternal);
  EXPECT_EQ(api::EncodeSnapshotMessage(0, "ab"), "{\"result\":{\"blob\":\"YWI=\"}}\n");
  EXPECT_EQ(api::EncodeSnapshotMessage(7, "ab"),
            "{\"result\":{\"remaining_bytes\":\"7\",\"blob\":\"YWI=\"}}\n");
  EXPECT_EQ(api::EncodeSnapshotStreamError(Status::Unavailable("disk gone")),
            "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"disk gone\","
            "\"http_status\":\"Service Unavailable\"}}\n");
}

TEST(ProgressLine, FormatsBytesOfTotalAndEndsTheLineWhenDone) {
  EXPECT_EQ(ctl::FormatProgressLine("saving x.db", 1048576, 4194304),
            "\rsaving x.db: 1.0/4.0 MiB (25%)");
  EXPECT_EQ(ctl::FormatProgressLine("saving x.db", 4194304, 4194304),
            "\rsaving x.db: 4.0/4.0 MiB (100%)\n");
  EXPECT_EQ(ctl::FormatProgressLine("checking", 524288, 0), "\rchecking: 0.5 MiB");
  EXPECT_EQ(ctl::FormatProgressLine("p", 10, 5), "\rp: 0.0/0.0 MiB (100%)\n");
}

TEST(ProgressLine, DrawsOnlyOnATerminal) {
  std::ostringstream err;
  store::SnapshotProgress quiet = ctl::ProgressLine(err, false, "saving");
  EXPECT_FALSE(static_cast<bool>(quiet));
  store::SnapshotProgress shown = ctl::ProgressLine(err, true, "saving");
  ASSERT_TRUE(static_cast<bool>(shown));
  shown(2097152, 4194304);
  shown(4194304, 4194304);
  EXPECT_EQ(err.str(), "\rsaving: 2.0/4.0 MiB (50%)\rsaving: 4.0/4.0 MiB (100%)\n");
}

// The write error a full disk gives, made real by a file size limit in a
// child process (no root needed to mount a tiny tmpfs).
TEST(SnapshotFileWriter, AFullDiskLeavesNoPartialFileAndNamesTheError) {
  TempDir dir;
  const std::string path = dir.path() + "/backup.db";
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {16384, 16384};
    setrlimit(RLIMIT_FSIZE, &limit);
    ctl::SnapshotFileWriter writer(path);
    Status s = writer.Open();
    for (int i = 0; s.ok() && i < 100; ++i) s = writer.Write(std::string(4096, 'z'));
    if (s.ok()) s = writer.Commit();
    const std::string message = s.ToString();
    (void)!write(pipe_fds[1], message.data(), message.size());
    _exit(s.ok() ? 0 : 3);
  }
  close(pipe_fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof(buf))) > 0;) message.append(buf, n);
  close(pipe_fds[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 3) << message;
  EXPECT_NE(message.find("could not write " + path + ".part"), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".part"));
}

TEST(SnapshotFileWriter, CommitRenamesAndAnUnopenablePathIsAClearError) {
  TempDir dir;
  const std::string path = dir.path() + "/backup.db";
  {
    ctl::SnapshotFileWriter writer(path);
    ASSERT_TRUE(writer.Open().ok());
    ASSERT_TRUE(writer.Write("hello").ok());
    ASSERT_TRUE(writer.Commit().ok());
  }
  EXPECT_EQ(ReadFile(path), "hello");
  EXPECT_FALSE(fs::exists(path + ".part"));
  ctl::SnapshotFileWriter nowhere(dir.path() + "/no/such/dir/x.db");
  Status opened = nowhere.Open();
  EXPECT_EQ(opened.code(), StatusCode::kUnavailable);
  EXPECT_NE(opened.message().find("could not open " + dir.path() + "/no/such/dir/x.db.part"),
            std::string::npos)
      << opened.message();
}

}  // namespace
}  // namespace shadekv
