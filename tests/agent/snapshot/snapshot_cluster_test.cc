// Backup and restore end to end with real processes: `shadectl snapshot
// save` from a follower of a 3-member cluster under write load, `snapshot
// status`, `snapshot restore` into a NEW 3-member cluster started with plain
// `shadekv`; the bump/mark-compacted option seen by a watcher; every refusal
// of status, restore and save (a real file size limit for the full disk);
// the HTTP stream itself, and a client that disconnects midway.
#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "agent/restore/snapshot_inspect.h"
#include "agent/server/member_directory.h"
#include "tests/agent/cluster/watch_client.h"
#include "tests/agent/ctl/etcd_fixture.h"
#include "tests/agent/restore/restore_fixture.h"
#include "tests/agent/restore/tool_run.h"

namespace shadekv::restore_testing {
namespace {

using cluster_testing::Base64;
using cluster_testing::Unbase64;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

Poco::JSON::Object::Ptr ParseObject(const std::string& text) {
  try {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "not a JSON object: " << text;
    return new Poco::JSON::Object;
  }
}

int64_t Int(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return 0;
  return std::stoll(o->get(key).toString());
}

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

struct FileStatus {
  uint32_t hash = 0;
  int64_t revision = 0;
  int64_t total_keys = 0;
};

class SnapshotCluster : public RestoreFixture {
 protected:
  std::string Endpoint(int i) const {
    return "http://127.0.0.1:" + std::to_string(agents_[i].client_port);
  }

  ToolResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), ShadectlBinary());
    return RunTool(args, milliseconds(90000));
  }

  ToolResult Save(int i, const std::string& file) {
    return Ctl({"--endpoints", Endpoint(i), "snapshot", "save", file});
  }

  FileStatus StatusOf(const std::string& file) {
    ToolResult r = Ctl({"snapshot", "status", "-w", "json", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Poco::JSON::Object::Ptr o = ParseObject(r.out);
    EXPECT_EQ(o->optValue<std::string>("checksum", ""), "OK") << r.out;
    return {static_cast<uint32_t>(Int(o, "hash")), Int(o, "revision"), Int(o, "totalKey")};
  }

  ToolResult Restore(const std::string& file, int i, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"snapshot",
                                     "restore",
                                     file,
                                     "--data-dir",
                                     agents_[i].data_dir,
                                     "--name",
                                     agents_[i].name,
                                     "--initial-cluster",
                                     agents_[i].initial_cluster,
                                     "--initial-cluster-token",
                                     token_,
                                     "--initial-advertise-peer-urls",
                                     agents_[i].peer_url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args);
  }

  // Every key at `revision` (0: current) with all its fields, from member i.
  std::vector<store::KeyValue> RangeAt(int i, int64_t revision) {
    std::vector<store::KeyValue> out;
    auto reply = Call(i, "/v3/kv/range",
                      "{\"key\":\"AA==\",\"range_end\":\"AA==\",\"revision\":\"" +
                          std::to_string(revision) + "\"}");
    EXPECT_TRUE(reply.ok() && reply->status == 200)
        << (reply.ok() ? reply->body : reply.status().ToString());
    if (!reply.ok()) return out;
    Poco::JSON::Object::Ptr o = ParseObject(reply->body);
    if (!o->has("kvs")) return out;
    Poco::JSON::Array::Ptr kvs = o->getArray("kvs");
    for (size_t k = 0; k < kvs->size(); ++k) {
      Poco::JSON::Object::Ptr kv = kvs->getObject(static_cast<unsigned>(k));
      store::KeyValue v;
      v.key = Unbase64(kv->getValue<std::string>("key"));
      v.value = kv->has("value") ? Unbase64(kv->getValue<std::string>("value")) : "";
      v.create_revision = Int(kv, "create_revision");
      v.mod_revision = Int(kv, "mod_revision");
      v.version = Int(kv, "version");
      v.lease = Int(kv, "lease");
      out.push_back(v);
    }
    return out;
  }

  // A one-member cluster with some history, and its snapshot saved to
  // root_/base.db. Returns the member's index.
  int OneMemberWithSnapshot(int puts, size_t value_bytes) {
    StartCluster(1);
    WaitForLeader({0}, milliseconds(30000));
    for (int i = 0; i < puts; ++i) {
      EXPECT_TRUE(Put(0, "/cfg/" + std::to_string(i % 40),
                      std::string(value_bytes, static_cast<char>('a' + i % 26)))
                      .ok());
    }
    ToolResult saved = Save(0, root_ + "/base.db");
    EXPECT_EQ(saved.exit_code, 0) << saved.err;
    return 0;
  }

  // The counter /metrics keeps for finished snapshot requests.
  int64_t SnapshotRequestsServed(int i) {
    auto reply = cluster_testing::HttpCall(agents_[i].client_port, "GET", "/metrics", "",
                                           milliseconds(5000));
    if (!reply.ok()) return -1;
    const std::string marker =
        "shadekv_http_requests_total{path=\"/v3/maintenance/snapshot\",code=\"200\"} ";
    size_t at = reply->body.find(marker);
    if (at == std::string::npos) return 0;
    return std::stoll(reply->body.substr(at + marker.size()));
  }
};

TEST_F(SnapshotCluster, SavedFromAFollowerUnderWritesRestoresIntoANewThreeMemberCluster) {
  StartCluster(3);
  const int leader = WaitForLeader({0, 1, 2}, milliseconds(30000));
  const int follower = (leader + 1) % 3;
  for (int i = 0; i < 120; ++i) {
    ASSERT_TRUE(Put(leader, "/seed/" + std::to_string(i % 45), "seed-" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(Delete(leader, "/seed/7").ok());
  const uint64_t old_cluster = ClusterIdOf(leader);

  // A writer keeps the cluster busy before, during and after the save
  // (bounded by count and time).
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    for (int i = 0; i < 4000 && !stop && std::chrono::steady_clock::now() < deadline; ++i) {
      if (Put(leader, "/live/" + std::to_string(i % 60), "w-" + std::to_string(i)).ok()) {
        ++written;
      }
    }
  });
  auto wait_written = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (written < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(10));
    }
  };
  wait_written(50);
  const std::string file = root_ + "/backup.db";
  ToolResult saved = Save(follower, file);
  const int during = written;
  wait_written(during + 50);
  stop = true;
  writer.join();
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_EQ(saved.out, "Snapshot saved at " + file + "\n");
  EXPECT_FALSE(fs::exists(file + ".part"));
  EXPECT_GE(written, 100) << "the writer must have kept writing around the save";

  const FileStatus st = StatusOf(file);
  ASSERT_GT(st.revision, 120);
  // The cluster went on past the snapshot while it was taken.
  int64_t now = 0;
  RangeAll(leader, &now);
  EXPECT_GT(now, st.revision);
  // The file's hash is the old cluster's hashkv at the snapshot revision.
  for (int i : {leader, follower}) {
    auto hash = HashKv(i, st.revision);
    ASSERT_TRUE(hash.ok()) << hash.status().ToString();
    EXPECT_EQ(hash->hash, st.hash) << "member " << agents_[i].name;
  }
  const std::vector<store::KeyValue> at_snapshot = RangeAt(leader, st.revision);
  EXPECT_EQ(static_cast<int64_t>(at_snapshot.size()), st.total_keys);

  token_ = "restored-" + token_;
  const std::vector<int> members = PrepareMembers({"d", "e", "f"});
  for (int i : members) {
    ToolResult restored = Restore(file, i);
    ASSERT_EQ(restored.exit_code, 0) << restored.err;
    EXPECT_NE(restored.out.find("restored " + agents_[i].data_dir + ": revision " +
                                std::to_string(st.revision)),
              std::string::npos)
        << restored.out;
  }
  for (int i : members) Start(i);
  WaitForLeader(members, milliseconds(30000));
  for (int i : members) {
    int64_t revision = 0;
    EXPECT_EQ(RangeAll(i, &revision), at_snapshot) << "member " << agents_[i].name;
    EXPECT_EQ(revision, st.revision);
    auto hash = HashKv(i, st.revision);
    ASSERT_TRUE(hash.ok()) << hash.status().ToString();
    EXPECT_EQ(hash->hash, st.hash);
    EXPECT_EQ(ClusterIdOf(i), agent::ComputeClusterId(token_));
    EXPECT_NE(ClusterIdOf(i), old_cluster);
  }
  auto put = Put(members[1], "/after/restore", "yes");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, st.revision + 1);
}

TEST_F(SnapshotCluster, BumpedAndCompactedRestoreNeverShowsAWatcherTimeGoingBackwards) {
  const int source = OneMemberWithSnapshot(30, 100);
  const FileStatus st = StatusOf(root_ + "/base.db");
  Kill(source);
  token_ = "bumped-" + token_;
  const int solo = PrepareMembers({"solo"})[0];
  ToolResult restored =
      Restore(root_ + "/base.db", solo, {"--bump-revision", "1000", "--mark-compacted"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  Start(solo);
  WaitForLeader({solo}, milliseconds(30000));
  int64_t now = 0;
  RangeAll(solo, &now);
  EXPECT_EQ(now, st.revision + 1000);
  auto put = Put(solo, "/after", "bump");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(*put, st.revision + 1001);
  // A watcher resuming from a revision of the old cluster is told to re-list.
  auto watch = cluster_testing::WatchClient::OpenWithBody(
      agents_[solo].client_port, cluster_testing::WatchCreateJson("/cfg/", "/cfg0", st.revision));
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  bool canceled = false;
  for (int m = 0; m < 3 && !canceled; ++m) {
    auto message = (*watch)->Next(milliseconds(10000));
    ASSERT_TRUE(message.ok()) << message.status().ToString();
    if (message->canceled) {
      canceled = true;
      EXPECT_EQ(message->compact_revision, st.revision + 1000) << message->line;
      EXPECT_TRUE(message->events.empty());
    }
  }
  EXPECT_TRUE(canceled);
}

TEST_F(SnapshotCluster, StatusAndRestoreRefuseDamagedForeignAndEmptyFiles) {
  OneMemberWithSnapshot(60, 400);
  const std::string good = ReadFile(root_ + "/base.db");
  ASSERT_GT(good.size(), 1000u);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x04;
  std::string flipped_hash = good;
  flipped_hash[good.size() - 1] ^= 0x01;  // the trailer's keyspace hash
  const std::vector<std::pair<std::string, std::string>> files = {
      {"truncated.db", good.substr(0, good.size() - 100)},
      {"flipped.db", flipped},
      {"flipped-hash.db", flipped_hash},
      {"foreign.db", std::string(16, '\0') + "\xed\xda\x0c\xed" + std::string(8000, 'b')},
      {"empty.db", ""},
  };
  token_ = "never-" + token_;
  const int target = PrepareMembers({"t"})[0];
  for (const auto& [name, bytes] : files) {
    const std::string path = root_ + "/" + name;
    WriteFile(path, bytes);
    ToolResult st = Ctl({"snapshot", "status", path});
    EXPECT_EQ(st.exit_code, 1) << name << ": " << st.out;
    EXPECT_TRUE(st.out.empty()) << st.out;
    EXPECT_EQ(st.err.rfind("Error: ", 0), 0u) << st.err;
    EXPECT_NE(st.err.find(path), std::string::npos) << st.err;
    ToolResult restored = Restore(path, target);
    EXPECT_EQ(restored.exit_code, 1) << name << ": " << restored.out;
    EXPECT_EQ(restored.err.rfind("Error: ", 0), 0u) << restored.err;
    EXPECT_FALSE(fs::exists(agents_[target].data_dir)) << name;
  }
  EXPECT_NE(Ctl({"snapshot", "status", root_ + "/empty.db"}).err.find("empty"), std::string::npos);
  EXPECT_NE(Ctl({"snapshot", "status", root_ + "/foreign.db"}).err.find("not a shadekv"),
            std::string::npos);
  EXPECT_NE(Ctl({"snapshot", "status", root_ + "/truncated.db"}).err.find("truncated"),
            std::string::npos);
  // A data dir that already holds something is never overwritten.
  fs::create_directories(agents_[target].data_dir);
  WriteFile(agents_[target].data_dir + "/keep.me", "precious");
  ToolResult occupied = Restore(root_ + "/base.db", target);
  EXPECT_EQ(occupied.exit_code, 1) << occupied.out;
  EXPECT_NE(occupied.err.find("not empty"), std::string::npos) << occupied.err;
  EXPECT_EQ(ReadFile(agents_[target].data_dir + "/keep.me"), "precious");
  EXPECT_EQ(fs::directory_iterator(agents_[target].data_dir)->path().filename(), "keep.me");
  // etcdctl's defaults, mapped to the agent's: NAME.shadekv in the working
  // directory, member "default" of a cluster of its own.
  const std::string cwd = root_ + "/defaults";
  fs::create_directories(cwd);
  cluster_testing::CommandResult defaults = cluster_testing::RunCommand(
      {ShadectlBinary(), "snapshot", "restore", root_ + "/base.db"}, cwd, milliseconds(60000));
  EXPECT_EQ(defaults.exit_code, 0) << defaults.err;
  EXPECT_TRUE(fs::is_directory(cwd + "/default.shadekv/kv"));
  EXPECT_TRUE(fs::exists(cwd + "/default.shadekv/member.json"));
  // Argument errors are etcdctl's.
  ToolResult none = Ctl({"snapshot", "status"});
  EXPECT_EQ(none.exit_code, 128);
  EXPECT_EQ(none.err, "Error: snapshot status requires exactly one argument\n");
  ToolResult bad_bump = Restore(root_ + "/base.db", target, {"--mark-compacted"});
  EXPECT_EQ(bad_bump.exit_code, 128) << bad_bump.err;
}

TEST_F(SnapshotCluster, SaveRefusesSeveralEndpointsAndCleansUpAfterAFullDisk) {
  OneMemberWithSnapshot(80, 1024);  // ~100 KiB of values
  const std::string file = root_ + "/full.db";
  ToolResult several =
      Ctl({"--endpoints", Endpoint(0) + "," + Endpoint(0), "snapshot", "save", file});
  EXPECT_EQ(several.exit_code, 5);
  EXPECT_EQ(several.err, "Error: snapshot must be requested to one selected node, not multiple [" +
                             Endpoint(0) + " " + Endpoint(0) + "]\n");
  ToolResult no_file = Ctl({"--endpoints", Endpoint(0), "snapshot", "save"});
  EXPECT_EQ(no_file.exit_code, 128);
  EXPECT_EQ(no_file.err, "Error: snapshot save expects one argument\n");
  // A file size limit of 32 KiB (ulimit -f counts 512-byte blocks): the
  // write fails like a full disk would.
  ToolResult full = RunTool({"/bin/sh", "-c", "ulimit -f 64; exec \"$0\" \"$@\"", ShadectlBinary(),
                             "--endpoints", Endpoint(0), "snapshot", "save", file},
                            milliseconds(60000));
  EXPECT_EQ(full.exit_code, 5) << full.err;
  EXPECT_NE(full.err.find("could not write " + file + ".part: File too large"), std::string::npos)
      << full.err;
  EXPECT_TRUE(full.out.empty()) << full.out;
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".part"));
  ToolResult nowhere = Save(0, root_ + "/no/such/dir/x.db");
  EXPECT_EQ(nowhere.exit_code, 5);
  EXPECT_NE(nowhere.err.find("could not open " + root_ + "/no/such/dir/x.db.part"),
            std::string::npos)
      << nowhere.err;
  // Nothing listening: a clear error, no file.
  Kill(0);
  ToolResult down = Save(0, file);
  EXPECT_EQ(down.exit_code, 5);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".part"));
}

TEST_F(SnapshotCluster, TheHttpStreamCountsDownToZeroAndItsBlobsFormAVerifiedSnapshot) {
  OneMemberWithSnapshot(150, 900);
  const int port = agents_[0].client_port;
  for (const std::string prefix : {"/v3/", "/v3beta/"}) {
    auto reply = cluster_testing::HttpCall(port, "POST", prefix + "maintenance/snapshot", "{}",
                                           milliseconds(30000));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    ASSERT_EQ(reply->status, 200) << reply->body.substr(0, 300);
    std::istringstream lines(reply->body);
    std::string line;
    std::string joined;
    int64_t previous = INT64_MAX;
    int messages = 0;
    int64_t last_remaining = -1;
    while (std::getline(lines, line)) {
      Poco::JSON::Object::Ptr result = ParseObject(line)->getObject("result");
      ASSERT_TRUE(result) << line.substr(0, 200);
      const std::string blob = Unbase64(result->getValue<std::string>("blob"));
      EXPECT_LE(blob.size(), 32768u);
      joined += blob;
      const int64_t remaining = Int(result, "remaining_bytes");
      EXPECT_LT(remaining, previous);
      previous = remaining;
      last_remaining = remaining;
      ++messages;
    }
    EXPECT_GT(messages, 3);
    EXPECT_EQ(last_remaining, 0);
    const std::string path = root_ + "/from-http.db";
    WriteFile(path, joined);
    Result<restore::SnapshotFileStatus> st = restore::InspectSnapshotFile(path);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    auto hash = HashKv(0, st->revision);
    ASSERT_TRUE(hash.ok());
    EXPECT_EQ(hash->hash, st->hash);
  }
  // etcd's answers to a bad body and a GET.
  auto bad = cluster_testing::HttpCall(port, "POST", "/v3/maintenance/snapshot", "xx",
                                       milliseconds(10000));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find("\"code\":3"), std::string::npos) << bad->body;
  auto array = cluster_testing::HttpCall(port, "POST", "/v3/maintenance/snapshot", "[]",
                                         milliseconds(10000));
  ASSERT_TRUE(array.ok());
  EXPECT_EQ(array->status, 400) << array->body;
  auto get =
      cluster_testing::HttpCall(port, "GET", "/v3/maintenance/snapshot", "", milliseconds(10000));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
}

TEST_F(SnapshotCluster, AClientThatDisconnectsMidwayReleasesTheExportAtOnce) {
  // ~8 MiB of values: far more than the socket buffers hold, so the export
  // is still running when the client goes.
  OneMemberWithSnapshot(320, 25000);
  const int before = static_cast<int>(SnapshotRequestsServed(0));
  ASSERT_GE(before, 1);  // the save above
  for (int round = 0; round < 3; ++round) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.setReceiveBufferSize(4096);
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", agents_[0].client_port),
                   Poco::Timespan(5, 0));
    const std::string request =
        "POST /v3/maintenance/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}";
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    char buf[2048];
    int got = socket.receiveBytes(buf, sizeof(buf));
    ASSERT_GT(got, 0);
    EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 200");
    std::this_thread::sleep_for(milliseconds(300));  // the server fills the buffers and waits
    socket.close();
    // The handler returns (and counts the request) promptly, not after the
    // whole export or a socket timeout.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (SnapshotRequestsServed(0) < before + round + 1 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_EQ(SnapshotRequestsServed(0), before + round + 1) << "round " << round;
  }
  // Each stream was cut short, not finished into the socket buffers.
  const std::string log = LogOf(0);
  size_t abandoned = 0;
  for (size_t at = log.find("abandoned by the client"); at != std::string::npos;
       at = log.find("abandoned by the client", at + 1)) {
    ++abandoned;
  }
  EXPECT_EQ(abandoned, 3u) << LogTail(0, 20);
  // The member goes on serving writes and whole snapshots.
  ASSERT_TRUE(Put(0, "/after/disconnects", "ok").ok());
  ToolResult saved = Save(0, root_ + "/after.db");
  EXPECT_EQ(saved.exit_code, 0) << saved.err;
  int64_t now = 0;
  RangeAll(0, &now);
  EXPECT_EQ(StatusOf(root_ + "/after.db").revision, now);
}

// A one-connection HTTP server on 127.0.0.1 that answers a snapshot request
// with the given message lines (a real member's bytes, damaged in transit on
// purpose: the one thing no real member will do on request), then either
// ends the stream or stalls until told to stop.
class ReplayServer {
 public:
  ReplayServer(std::vector<std::string> lines, bool stall)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this, lines = std::move(lines), stall] {
      try {
        Poco::Net::StreamSocket client = socket_.acceptConnection();
        client.setReceiveTimeout(Poco::Timespan(10, 0));
        std::string request;
        char buf[4096];
        // Headers plus the 2-byte "{}" body.
        while (request.find("\r\n\r\n") == std::string::npos ||
               request.size() < request.find("\r\n\r\n") + 6) {
          int n = client.receiveBytes(buf, sizeof(buf));
          if (n <= 0) return;
          request.append(buf, static_cast<size_t>(n));
        }
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: "
            "chunked\r\n\r\n";
        client.sendBytes(head.data(), static_cast<int>(head.size()));
        for (const std::string& line : lines) {
          char size[32];
          std::snprintf(size, sizeof(size), "%zx\r\n", line.size());
          const std::string chunk = size + line + "\r\n";
          client.sendBytes(chunk.data(), static_cast<int>(chunk.size()));
        }
        if (stall) {
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
          while (!stop_ && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(milliseconds(20));
          }
        } else {
          client.sendBytes("0\r\n\r\n", 5);
        }
        client.shutdown();
      } catch (const Poco::Exception&) {
        // shadectl went away first: nothing more to serve.
      }
    });
  }
  ~ReplayServer() {
    stop_ = true;
    socket_.close();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port());
  }

 private:
  Poco::Net::ServerSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The gateway's message lines for `bytes` (32 KiB blobs, remaining_bytes).
std::vector<std::string> MessagesOf(const std::string& bytes) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < bytes.size(); at += 32768) {
    const std::string blob = bytes.substr(at, 32768);
    const size_t remaining = bytes.size() - at - blob.size();
    lines.push_back("{\"result\":{" +
                    (remaining == 0
                         ? std::string()
                         : "\"remaining_bytes\":\"" + std::to_string(remaining) + "\",") +
                    "\"blob\":\"" + Base64(blob) + "\"}}\n");
  }
  return lines;
}

TEST_F(SnapshotCluster, SaveNeverRenamesAStreamThatEndedEarlyOrWasAlteredOrInterrupted) {
  OneMemberWithSnapshot(120, 1000);
  const std::string good = ReadFile(root_ + "/base.db");
  std::vector<std::string> whole = MessagesOf(good);
  ASSERT_GE(whole.size(), 3u);
  const std::string file = root_ + "/replayed.db";
  {
    // The control: the same replay, undamaged, is saved.
    ReplayServer server(whole, false);
    ToolResult saved = Ctl({"--endpoints", server.endpoint(), "snapshot", "save", file});
    EXPECT_EQ(saved.exit_code, 0) << saved.err;
    EXPECT_EQ(ReadFile(file), good);
    fs::remove(file);
  }
  {
    std::vector<std::string> cut(whole.begin(), whole.end() - 1);
    ReplayServer server(cut, false);
    ToolResult saved = Ctl({"--endpoints", server.endpoint(), "snapshot", "save", file});
    EXPECT_EQ(saved.exit_code, 5);
    EXPECT_NE(saved.err.find("truncated"), std::string::npos) << saved.err;
  }
  {
    std::string flipped = good;
    flipped[good.size() / 2] ^= 0x20;
    ReplayServer server(MessagesOf(flipped), false);
    ToolResult saved = Ctl({"--endpoints", server.endpoint(), "snapshot", "save", file});
    EXPECT_EQ(saved.exit_code, 5);
    EXPECT_NE(saved.err.find("SHA-256"), std::string::npos) << saved.err;
  }
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".part"));
  {
    // Ctrl-C while the stream hangs: FILE.part goes, FILE never appears.
    ReplayServer server({whole[0]}, true);
    auto ctl = ctl::testing::BackgroundProcess::Start(
        {ShadectlBinary(), "--endpoints", server.endpoint(), "snapshot", "save", file}, {});
    ASSERT_TRUE(ctl.ok()) << ctl.status().ToString();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!fs::exists(file + ".part") && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_TRUE(fs::exists(file + ".part"));
    std::this_thread::sleep_for(milliseconds(200));  // the first blob is written
    (*ctl)->Signal(SIGINT);
    Result<int> code = (*ctl)->Wait(milliseconds(10000));
    ASSERT_TRUE(code.ok()) << code.status().ToString();
    EXPECT_EQ(*code, 5) << (*ctl)->err();
    EXPECT_NE((*ctl)->err().find("interrupt"), std::string::npos) << (*ctl)->err();
  }
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".part"));
}

// A real etcd 3.4 bolt snapshot, saved by etcdctl, is the foreign file users
// will actually hold by mistake; and shadectl pointed at etcd's own snapshot
// stream must refuse it before it reaches the final name.
TEST(SnapshotForeign, AnEtcdBoltSnapshotIsRefusedByStatusRestoreAndSave) {
  auto etcd = ctl::testing::EtcdProcess::Start("snapshot-foreign", milliseconds(30000));
  ASSERT_TRUE(etcd.ok()) << etcd.status().ToString();
  const std::string etcdctl = ctl::testing::FindInPath("etcdctl");
  ASSERT_FALSE(etcdctl.empty()) << "etcdctl not found: run scripts/deps.sh";
  char dir_template[] = "/tmp/shadekv-snapshot-foreign-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string bolt = dir + "/etcd.db";
  const std::map<std::string, std::string> env = {{"ETCDCTL_API", "3"}};
  auto put =
      ctl::testing::RunProcess({etcdctl, "--endpoints", (*etcd)->endpoint(), "put", "/cfg/a", "1"},
                               "", env, milliseconds(20000));
  ASSERT_EQ(put.exit_code, 0) << put.err;
  auto saved = ctl::testing::RunProcess(
      {etcdctl, "--endpoints", (*etcd)->endpoint(), "snapshot", "save", bolt}, "", env,
      milliseconds(30000));
  ASSERT_EQ(saved.exit_code, 0) << saved.err;

  ToolResult status = RunTool({ShadectlBinary(), "snapshot", "status", bolt}, milliseconds(30000));
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.err.find("not a shadekv store snapshot"), std::string::npos) << status.err;
  ToolResult restored =
      RunTool({ShadectlBinary(), "snapshot", "restore", bolt, "--data-dir", dir + "/restored"},
              milliseconds(30000));
  EXPECT_EQ(restored.exit_code, 1);
  EXPECT_NE(restored.err.find("not a shadekv store snapshot"), std::string::npos) << restored.err;
  EXPECT_FALSE(fs::exists(dir + "/restored"));
  ToolResult from_etcd = RunTool({ShadectlBinary(), "--endpoints", (*etcd)->endpoint(), "snapshot",
                                  "save", dir + "/via-gateway.db"},
                                 milliseconds(30000));
  EXPECT_EQ(from_etcd.exit_code, 5);
  EXPECT_NE(from_etcd.err.find("not a shadekv store snapshot"), std::string::npos) << from_etcd.err;
  EXPECT_FALSE(fs::exists(dir + "/via-gateway.db"));
  EXPECT_FALSE(fs::exists(dir + "/via-gateway.db.part"));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace shadekv::restore_testing
