// Plugins inside real shadekv processes: the recording test plugin
// (tests/plugins) writes every event the agent hands it to a file; after a
// SIGTERM the file is decoded with the bus codec and checked against a model
// of what the test wrote (revisions, kv, prev_kv, envelope). Three members
// with the plugin record byte-identical streams. Bad plugin flags exit 1.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/JSON/Parser.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>

#include "shadekv/bus/codec.h"
#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the store must report for each revision, from the writes the test made.
class Model {
 public:
  int64_t revision() const { return revision_; }

  std::vector<store::KeyChange> Put(const std::string& key, const std::string& value,
                                    int64_t lease = 0) {
    ++revision_;
    return {PutChange(key, value, lease)};
  }
  std::vector<store::KeyChange> PutAll(
      const std::vector<std::pair<std::string, std::string>>& kvs) {
    ++revision_;
    std::vector<store::KeyChange> changes;
    for (const auto& [key, value] : kvs) changes.push_back(PutChange(key, value, 0));
    return changes;
  }
  // Deletes every listed key that exists, in key order, at one revision.
  std::vector<store::KeyChange> Delete(const std::vector<std::string>& keys) {
    ++revision_;
    std::vector<store::KeyChange> changes;
    for (const std::string& key : keys) {
      auto it = live_.find(key);
      if (it == live_.end()) continue;
      store::KeyChange change;
      change.type = store::KeyChange::Type::kDelete;
      change.kv.key = key;
      change.kv.mod_revision = revision_;
      change.prev_kv = it->second;
      live_.erase(it);
      changes.push_back(change);
    }
    return changes;
  }
  std::vector<std::string> KeysWithPrefix(const std::string& prefix) const {
    std::vector<std::string> keys;
    for (const auto& [key, kv] : live_) {
      if (key.rfind(prefix, 0) == 0) keys.push_back(key);
    }
    return keys;
  }

 private:
  store::KeyChange PutChange(const std::string& key, const std::string& value, int64_t lease) {
    store::KeyChange change;
    auto it = live_.find(key);
    if (it != live_.end()) change.prev_kv = it->second;
    store::KeyValue kv;
    kv.key = key;
    kv.value = value;
    kv.create_revision = it != live_.end() ? it->second.create_revision : revision_;
    kv.mod_revision = revision_;
    kv.version = it != live_.end() ? it->second.version + 1 : 1;
    kv.lease = lease;
    live_[key] = kv;
    change.kv = kv;
    return change;
  }

  int64_t revision_ = 1;
  std::map<std::string, store::KeyValue> live_;
};

class PluginClusterTest : public ClusterFixture {
 protected:
  std::string RecordPath(int i) const { return root_ + "/" + agents_[i].name + ".events"; }

  // Like StartCluster, with the recording plugin on every member writing to
  // RecordPath(i).
  void StartWithPlugin(int n) {
    StartClusterWithFlags(n, [&](int i) {
      return std::vector<std::string>{"--plugin", RECORDING_PLUGIN_PATH, "--plugin-config",
                                      "recording.path=" + RecordPath(i)};
    });
  }

  // SIGTERM by PID; waits (bounded) for a clean exit.
  void Terminate(int i) {
    ASSERT_GT(agents_[i].pid, 0);
    ASSERT_EQ(kill(agents_[i].pid, SIGTERM), 0);
    int status = 0;
    pid_t done = 0;
    for (int round = 0; round < 300 && done == 0; ++round) {
      done = waitpid(agents_[i].pid, &status, WNOHANG);
      if (done == 0) std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_EQ(done, agents_[i].pid) << "member " << i << " did not stop within 15 s of SIGTERM";
    agents_[i].pid = -1;
    ASSERT_TRUE(WIFEXITED(status)) << LogTail(i, 20);
    EXPECT_EQ(WEXITSTATUS(status), 0) << LogTail(i, 20);
  }

  // The event lines of member i's record (hex decoded), and whether the
  // plugin's shutdown was recorded after them.
  std::vector<std::string> RecordedEvents(int i, bool* shut_down) {
    return Recorded(i, "event ", shut_down);
  }

  // The lines of member i's record starting with `tag` (hex decoded), and
  // whether the plugin's shutdown was recorded after them.
  std::vector<std::string> Recorded(int i, const std::string& tag, bool* shut_down) {
    std::ifstream in(RecordPath(i));
    EXPECT_TRUE(in.good()) << RecordPath(i);
    std::vector<std::string> events;
    std::string line;
    *shut_down = false;
    while (std::getline(in, line)) {
      if (line == "shutdown") *shut_down = true;
      if (line.rfind(tag, 0) != 0) continue;
      EXPECT_FALSE(*shut_down) << tag << "after shutdown";
      const std::string hex = line.substr(tag.size());
      std::string bytes;
      for (size_t p = 0; p + 1 < hex.size(); p += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(p, 2), nullptr, 16)));
      }
      events.push_back(bytes);
    }
    return events;
  }

  Poco::JSON::Object::Ptr Ok(int i, const std::string& path, const std::string& body) {
    Result<HttpReply> reply = Call(i, path, body);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return new Poco::JSON::Object;
    EXPECT_EQ(reply->status, 200) << path << " " << body << " -> " << reply->body;
    return Poco::JSON::Parser().parse(reply->body).extract<Poco::JSON::Object::Ptr>();
  }

  static std::string Q(const std::string& raw) { return "\"" + Base64(raw) + "\""; }
  static int64_t Revision(const Poco::JSON::Object::Ptr& o) {
    return std::stoll(o->getObject("header")->getValue<std::string>("revision"));
  }
};

// Records what the revision `model` just made must hold. (The changes are
// computed first: they advance the model's revision.)
void Expect(std::map<int64_t, std::vector<store::KeyChange>>* want, const Model* model,
            std::vector<store::KeyChange> changes) {
  (*want)[model->revision()] = std::move(changes);
}

void ExpectChanges(const bus::ChangeEvent& got, const std::vector<store::KeyChange>& want) {
  ASSERT_EQ(got.changes.size(), want.size()) << "revision " << got.revision;
  for (size_t c = 0; c < want.size(); ++c) {
    SCOPED_TRACE("revision " + std::to_string(got.revision) + " change " + std::to_string(c));
    EXPECT_EQ(got.changes[c].type, want[c].type);
    EXPECT_EQ(got.changes[c].kv, want[c].kv);
    EXPECT_EQ(got.changes[c].prev_kv, want[c].prev_kv);
  }
}

TEST_F(PluginClusterTest, RecordsEveryRevisionWithItsChangesAndEnvelope) {
  const int64_t started_ms = NowMs();
  StartWithPlugin(1);
  WaitForLeader({0}, milliseconds(20000));
  Model model;
  std::map<int64_t, std::vector<store::KeyChange>> want;

  for (int i = 0; i < 3; ++i) {
    const std::string key = "cfg/" + std::to_string(i % 2);
    const std::string value = "v" + std::to_string(i);
    Result<int64_t> rev = Put(0, key, value);
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
    Expect(&want, &model, model.Put(key, value));
    EXPECT_EQ(*rev, model.revision());
  }
  // A txn: two puts at one revision.
  auto txn = Ok(0, "/v3/kv/txn",
                "{\"success\":[{\"request_put\":{\"key\":" + Q("cfg/t1") + ",\"value\":" + Q("x") +
                    "}},{\"request_put\":{\"key\":" + Q("cfg/0") + ",\"value\":" + Q("y") + "}}]}");
  Expect(&want, &model, model.PutAll({{"cfg/t1", "x"}, {"cfg/0", "y"}}));
  EXPECT_EQ(Revision(txn), model.revision());
  // A delete-range over the prefix.
  std::vector<std::string> doomed = model.KeysWithPrefix("cfg/");
  auto del = Ok(0, "/v3/kv/deleterange",
                "{\"key\":" + Q("cfg/") + ",\"range_end\":" + Q("cfg0") + ",\"prev_kv\":true}");
  Expect(&want, &model, model.Delete(doomed));
  EXPECT_EQ(Revision(del), model.revision());
  // A compaction makes no revision and no event.
  Ok(0, "/v3/kv/compaction", "{\"revision\":\"" + std::to_string(model.revision()) + "\"}");
  // A lease with two keys, revoked: both deleted at one revision.
  auto grant = Ok(0, "/v3/lease/grant", "{\"TTL\":\"60\"}");
  const int64_t lease = std::stoll(grant->getValue<std::string>("ID"));
  for (const std::string key : {"lease/a", "lease/b"}) {
    Ok(0, "/v3/kv/put",
       "{\"key\":" + Q(key) + ",\"value\":" + Q("held") + ",\"lease\":\"" + std::to_string(lease) +
           "\"}");
    Expect(&want, &model, model.Put(key, "held", lease));
  }
  auto revoke = Ok(0, "/v3/lease/revoke", "{\"ID\":\"" + std::to_string(lease) + "\"}");
  Expect(&want, &model, model.Delete({"lease/a", "lease/b"}));
  EXPECT_EQ(Revision(revoke), model.revision());

  const uint64_t member_id = MemberIdOf(0);
  Terminate(0);
  const int64_t stopped_ms = NowMs();

  bool shut_down = false;
  std::vector<std::string> recorded = RecordedEvents(0, &shut_down);
  EXPECT_TRUE(shut_down) << "the plugin's shutdown was not called";
  // Revision 2 on: every revision once, in order (the member's own
  // attribute publication makes no revision).
  ASSERT_EQ(recorded.size(), want.size());
  std::set<uint64_t> request_ids;
  int64_t expected_revision = 2;
  for (const std::string& bytes : recorded) {
    Result<bus::ChangeEvent> event = bus::DecodeEvent(bytes);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    EXPECT_EQ(event->revision, expected_revision++);
    ExpectChanges(*event, want[event->revision]);
    EXPECT_EQ(event->member_id, member_id) << event->revision;
    EXPECT_GT(event->request_id, 0u) << event->revision;
    EXPECT_TRUE(request_ids.insert(event->request_id).second) << "request id reused";
    EXPECT_THAT(event->client_address, HasSubstr("127.0.0.1:")) << event->revision;
    EXPECT_EQ(event->user, "");
    EXPECT_GE(event->leader_time_ms, started_ms - 1000) << event->revision;
    EXPECT_LE(event->leader_time_ms, stopped_ms + 1000) << event->revision;
  }
}

// Every request under /v3/ reaches on_request as a REQUEST record, served or
// refused, with its key, outcome, code and revision; a write's record names
// the request id its change event carries.
TEST_F(PluginClusterTest, RecordsEveryClientRequestServedOrRefused) {
  StartWithPlugin(1);
  WaitForLeader({0}, milliseconds(20000));
  const uint64_t member_id = MemberIdOf(0);  // a request too: before ours
  const int64_t started_ms = NowMs();
  Result<int64_t> put = Put(0, "app/a", "1");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  Ok(0, "/v3beta/kv/range", "{\"key\":" + Q("app/") + ",\"range_end\":" + Q("app0") + "}");
  Result<HttpReply> empty_key = Call(0, "/v3/kv/put", "{\"key\":\"\",\"value\":" + Q("x") + "}");
  ASSERT_TRUE(empty_key.ok());
  EXPECT_EQ(empty_key->status, 400);
  Result<HttpReply> unknown = Call(0, "/v3/kv/nope", "{}");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  Result<HttpReply> malformed = Call(0, "/v3/kv/deleterange", "{not json");
  ASSERT_TRUE(malformed.ok());
  // /health is not a client request on the keyspace: no record.
  Result<HttpReply> health =
      HttpCall(agents_[0].client_port, "GET", "/health", "", milliseconds(10000));
  ASSERT_TRUE(health.ok());
  Terminate(0);

  bool shut_down = false;
  std::vector<std::string> events = RecordedEvents(0, &shut_down);
  std::vector<std::string> bodies = Recorded(0, "request ", &shut_down);
  ASSERT_EQ(events.size(), 1u);
  Result<bus::ChangeEvent> event = bus::DecodeEvent(events[0]);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  std::vector<bus::RequestRecord> records;
  for (const std::string& body : bodies) {
    Result<bus::RequestRecord> record = bus::DecodeRequestRecord(body);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    // The fixture's own readiness probes come first: start at our put.
    if (records.empty() && record->operation != "/v3/kv/put") continue;
    EXPECT_GE(record->time_ms, started_ms - 1000);
    records.push_back(*record);
  }
  ASSERT_EQ(records.size(), 5u);
  for (const bus::RequestRecord& r : records) {
    EXPECT_EQ(r.member_id, member_id);
    EXPECT_THAT(r.client_address, HasSubstr("127.0.0.1:"));
    EXPECT_EQ(r.user, "");
  }
  EXPECT_EQ(records[0].operation, "/v3/kv/put");
  EXPECT_EQ(records[0].key, "app/a");
  EXPECT_EQ(records[0].outcome, bus::RequestOutcome::kOk);
  EXPECT_EQ(records[0].revision, *put);
  EXPECT_EQ(records[0].request_id, event->request_id);
  EXPECT_EQ(records[1].operation, "/v3/kv/range");  // /v3beta/ reported as /v3/
  EXPECT_EQ(records[1].key, "app/");
  EXPECT_EQ(records[1].range_end, "app0");
  EXPECT_EQ(records[1].revision, *put);
  EXPECT_EQ(records[1].request_id, 0u);  // a read proposes nothing
  EXPECT_EQ(records[2].outcome, bus::RequestOutcome::kFailed);
  EXPECT_EQ(records[2].code, static_cast<uint64_t>(StatusCode::kInvalidArgument));
  EXPECT_EQ(records[2].message, "etcdserver: key is not provided");
  EXPECT_EQ(records[3].operation, "/v3/kv/nope");
  EXPECT_EQ(records[3].outcome, bus::RequestOutcome::kFailed);
  EXPECT_EQ(records[3].code, static_cast<uint64_t>(StatusCode::kNotFound));
  EXPECT_EQ(records[4].operation, "/v3/kv/deleterange");
  EXPECT_EQ(records[4].outcome, bus::RequestOutcome::kFailed);
  EXPECT_FALSE(records[4].message.empty());
}

TEST_F(PluginClusterTest, ThreeMembersRecordByteIdenticalStreams) {
  StartWithPlugin(3);
  WaitForLeader({0, 1, 2}, milliseconds(30000));
  for (int i = 0; i < 30; ++i) {
    const int member = i % 3;
    Result<int64_t> rev = Put(member, "k/" + std::to_string(i % 7), "v" + std::to_string(i));
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
    if (i % 10 == 9) {
      ASSERT_TRUE(Delete(member, "k/" + std::to_string(i % 7)).ok());
    }
  }
  const int64_t revision = WaitForConvergence({0, 1, 2}, milliseconds(20000));
  const std::set<uint64_t> member_ids{MemberIdOf(0), MemberIdOf(1), MemberIdOf(2)};
  ASSERT_EQ(member_ids.size(), 3u);
  for (int i = 0; i < 3; ++i) Terminate(i);
  std::vector<std::vector<std::string>> streams;
  for (int i = 0; i < 3; ++i) {
    bool shut_down = false;
    streams.push_back(RecordedEvents(i, &shut_down));
    EXPECT_TRUE(shut_down) << i;
  }
  ASSERT_EQ(streams[0].size(), static_cast<size_t>(revision - 1));
  EXPECT_EQ(streams[1], streams[0]);
  EXPECT_EQ(streams[2], streams[0]);
  std::set<uint64_t> origins;
  for (const std::string& bytes : streams[0]) {
    Result<bus::ChangeEvent> event = bus::DecodeEvent(bytes);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    origins.insert(event->member_id);
  }
  // Writes went to every member; each event names the one that took it.
  EXPECT_EQ(origins, member_ids);
}

TEST_F(PluginClusterTest, BadPluginFlagsExitWithAClearMessage) {
  auto run = [&](std::vector<std::string> flags) {
    const int port = PickFreePort();
    const int peer = PickFreePort();
    flags.insert(flags.begin(), {ShadekvBinary(), "--data-dir", root_ + "/bad.data",
                                 "--listen-client-urls", "http://127.0.0.1:" + std::to_string(port),
                                 "--listen-peer-urls", "tcp://127.0.0.1:" + std::to_string(peer)});
    return RunCommand(flags, root_, milliseconds(30000));
  };
  CommandResult missing = run({"--plugin", root_ + "/no-such-plugin.so"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("shadekv: error: "));
  EXPECT_THAT(missing.err, HasSubstr("no-such-plugin.so"));

  CommandResult malformed =
      run({"--plugin", RECORDING_PLUGIN_PATH, "--plugin-config", "recording-path"});
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_THAT(malformed.err, HasSubstr("shadekv: error: --plugin-config 'recording-path'"));
  EXPECT_THAT(malformed.err, HasSubstr("NAME.KEY=VALUE"));

  CommandResult unknown = run({"--plugin", RECORDING_PLUGIN_PATH, "--plugin-config",
                               "recording.path=" + root_ + "/r", "--plugin-config", "other.k=v"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("shadekv: error: "));
  EXPECT_THAT(unknown.err, HasSubstr("other"));

  // The plugin's own init failure (no "path") reaches the operator.
  CommandResult init = run({"--plugin", RECORDING_PLUGIN_PATH});
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.err, HasSubstr("config key 'path' is required"));
}

}  // namespace
}  // namespace shadekv::cluster_testing
