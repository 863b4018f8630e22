// Backend quota, NOSPACE alarm and recovery on a real 3-member cluster with a
// small --quota-backend-bytes: filling the store raises NOSPACE for the member
// that hit the quota; every member then lists the alarm, refuses puts, txns
// with puts and lease grants with etcd's error (code 8, HTTP 429) and reports
// unhealthy, while ranges, read-only txns and deletes still work; the alarm
// survives a SIGKILL and restart; compaction + `shadectl defrag --cluster` +
// `shadectl alarm disarm` recover, after which writes succeed everywhere.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <thread>

#include "agent/ctl/ctl.h"
#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kElection(20000);
constexpr char kQuotaBytes[] = "3145728";  // 3 MiB
constexpr char kNoSpaceBody[] =
    "{\"error\":\"etcdserver: mvcc: database space exceeded\",\"message\":\"etcdserver: mvcc: "
    "database space exceeded\",\"code\":8}";

// Incompressible, so the store grows by about what we write.
std::string RandomValue(size_t n, uint64_t* seed) {
  std::string v(n, '\0');
  for (char& c : v) {
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    c = static_cast<char>(*seed >> 56);
  }
  return v;
}

class QuotaClusterTest : public ClusterFixture {
 protected:
  std::string Endpoint(int i) const {
    return "127.0.0.1:" + std::to_string(agents_[i].client_port);
  }

  // Runs shadectl in this process against member endpoints; returns stdout.
  std::string Ctl(const std::vector<std::string>& args, int* exit_code) {
    std::istringstream in;
    std::ostringstream out;
    std::ostringstream err;
    *exit_code = ctl::RunShadectl(args, in, out, err);
    if (*exit_code != 0) ADD_FAILURE() << "shadectl failed: " << err.str();
    return out.str();
  }

  std::string PutBody(const std::string& key, const std::string& value) {
    return "{\"key\":\"" + Base64(key) + "\",\"value\":\"" + Base64(value) + "\"}";
  }

  // Alarm list of member i as the gateway answers it.
  std::string AlarmList(int i) {
    Result<HttpReply> r = Call(i, "/v3/maintenance/alarm", "{\"action\":\"GET\"}");
    if (!r.ok()) return "error: " + r.status().ToString();
    return std::to_string(r->status) + " " + r->body;
  }

  // Polls until member i's alarm list is `want` (bounded by `deadline`).
  bool WaitAlarmList(int i, const std::string& want, milliseconds deadline) {
    auto until = Clock::now() + deadline;
    for (int attempt = 0; attempt < 400 && Clock::now() < until; ++attempt) {
      if (AlarmList(i) == want) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  Result<HttpReply> Health(int i) {
    return HttpCall(agents_[i].client_port, "GET", "/health", "", milliseconds(15000));
  }

  int64_t DbSize(int i) {
    Result<HttpReply> r = Call(i, "/v3/maintenance/status", "{}");
    if (!r.ok() || r->status != 200) return -1;
    Poco::JSON::Parser parser;
    auto o = parser.parse(r->body).extract<Poco::JSON::Object::Ptr>();
    return std::stoll(o->getValue<std::string>("dbSize"));
  }
};

TEST_F(QuotaClusterTest, FillUntilNoSpaceThenRecoverWithCompactDefragDisarm) {
  StartCluster(3, {"--quota-backend-bytes", kQuotaBytes});
  WaitForLeader({0, 1, 2}, kElection);

  // Fill through member 0 until the quota refuses a put (bounded in count
  // and time: 3 MiB needs about 50 puts of 64 KiB).
  uint64_t seed = 42;
  int written = 0;
  std::string refusal;
  auto until = Clock::now() + milliseconds(120000);
  for (int i = 0; i < 400 && Clock::now() < until; ++i) {
    Result<HttpReply> r =
        Call(0, "/v3/kv/put", PutBody("fill/" + std::to_string(i), RandomValue(64 << 10, &seed)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (r->status != 200) {
      EXPECT_EQ(r->status, 429);
      refusal = r->body;
      break;
    }
    ++written;
  }
  ASSERT_FALSE(refusal.empty()) << "no refusal after " << written << " puts";
  EXPECT_EQ(refusal, kNoSpaceBody);
  EXPECT_GT(written, 10);

  // The alarm names member 0 and is the same on every member.
  const std::string mine = "200 {\"alarms\":[{\"memberID\":\"" + std::to_string(MemberIdOf(0)) +
                           "\",\"alarm\":\"NOSPACE\"}]}";
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(WaitAlarmList(i, mine, milliseconds(10000))) << i << ": " << AlarmList(i);
  }

  // Every member applies the capped rules. (A member whose own store is also
  // at the quota raises its own NOSPACE on the way, as etcd's would.)
  for (int i = 0; i < 3; ++i) {
    Result<HttpReply> put = Call(i, "/v3/kv/put", PutBody("small", "x"));
    ASSERT_TRUE(put.ok());
    EXPECT_EQ(put->status, 429) << i;
    EXPECT_EQ(put->body, kNoSpaceBody) << i;
    Result<HttpReply> txn = Call(i, "/v3/kv/txn",
                                 "{\"success\":[{\"requestPut\":{\"key\":\"" + Base64("t") +
                                     "\",\"value\":\"" + Base64("v") + "\"}}]}");
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(txn->status, 429) << i << " " << txn->body;
    Result<HttpReply> grant = Call(i, "/v3/lease/grant", "{\"TTL\":\"60\"}");
    ASSERT_TRUE(grant.ok());
    EXPECT_EQ(grant->status, 429) << i << " " << grant->body;
    // Reads and read-only txns are served.
    Result<std::optional<KeyValue>> got = Get(i, "fill/0");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(got->has_value());
    Result<HttpReply> read_txn =
        Call(i, "/v3/kv/txn",
             "{\"success\":[{\"requestRange\":{\"key\":\"" + Base64("fill/1") + "\"}}]}");
    ASSERT_TRUE(read_txn.ok());
    EXPECT_EQ(read_txn->status, 200) << read_txn->body;
    Result<HttpReply> health = Health(i);
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->status, 503);
    EXPECT_EQ(health->body, "{\"health\":\"false\"}");
  }

  const std::string alarms = AlarmList(0);
  EXPECT_NE(
      alarms.find("{\"memberID\":\"" + std::to_string(MemberIdOf(0)) + "\",\"alarm\":\"NOSPACE\"}"),
      std::string::npos)
      << alarms;
  EXPECT_EQ(alarms.find("CORRUPT"), std::string::npos) << alarms;
  for (int i = 1; i < 3; ++i) {
    EXPECT_TRUE(WaitAlarmList(i, alarms, milliseconds(10000))) << i << ": " << AlarmList(i);
  }

  // Deletes are allowed (that is how an operator frees space).
  ASSERT_TRUE(Delete(1, "fill/0").ok());

  // The alarms survive a SIGKILL and restart of a member.
  // (The fixture's leader wait needs /health, which the alarm keeps at 503:
  // the alarm list read below waits for a leader through its ReadIndex.)
  Kill(2);
  Start(2);
  EXPECT_TRUE(WaitAlarmList(2, alarms, milliseconds(15000))) << AlarmList(2);
  Result<HttpReply> after_restart = Call(2, "/v3/kv/put", PutBody("small", "x"));
  ASSERT_TRUE(after_restart.ok());
  EXPECT_EQ(after_restart->status, 429);

  // Recovery: delete the data, compact, defragment every member, disarm.
  Result<HttpReply> del =
      Call(0, "/v3/kv/deleterange",
           "{\"key\":\"" + Base64("fill/") + "\",\"range_end\":\"" + Base64("fill0") + "\"}");
  ASSERT_TRUE(del.ok());
  ASSERT_EQ(del->status, 200) << del->body;
  Result<StatusInfo> status = GetStatus(0);
  ASSERT_TRUE(status.ok());
  Result<HttpReply> compact =
      Call(0, "/v3/kv/compaction",
           "{\"revision\":\"" + std::to_string(status->revision) + "\",\"physical\":true}");
  ASSERT_TRUE(compact.ok());
  ASSERT_EQ(compact->status, 200) << compact->body;
  WaitForConvergence({0, 1, 2}, milliseconds(30000));

  const int64_t before = DbSize(0);
  int code = -1;
  std::string defrag =
      Ctl({"--endpoints", Endpoint(0), "--command-timeout", "60s", "defrag", "--cluster"}, &code);
  EXPECT_EQ(code, 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(defrag.find("Finished defragmenting etcd member[http://" + Endpoint(i) + "]\n"),
              std::string::npos)
        << defrag;
  }
  const int64_t after = DbSize(0);
  EXPECT_GT(before, 0);
  EXPECT_LT(after, before / 2) << "before " << before << " after " << after;
  EXPECT_LT(after, std::stoll(kQuotaBytes) / 2);

  // etcdctl's lines, one per alarm; disarm clears and prints them all.
  const std::string listed = Ctl({"--endpoints", Endpoint(1), "alarm", "list"}, &code);
  EXPECT_NE(listed.find("memberID:" + std::to_string(MemberIdOf(0)) + " alarm:NOSPACE \n"),
            std::string::npos)
      << listed;
  size_t lines = 0;
  for (size_t at = 0; (at = listed.find(" alarm:NOSPACE \n", at)) != std::string::npos; ++at) {
    ++lines;
  }
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 3u);
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), static_cast<long>(lines)) << listed;
  EXPECT_EQ(Ctl({"--endpoints", Endpoint(1), "alarm", "disarm"}, &code), listed);
  EXPECT_EQ(Ctl({"--endpoints", Endpoint(2), "alarm", "list"}, &code), "");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(WaitAlarmList(i, "200 {}", milliseconds(10000))) << i << ": " << AlarmList(i);
  }

  // Writes succeed everywhere again, and the members are healthy.
  for (int i = 0; i < 3; ++i) {
    Result<int64_t> rev = Put(i, "after/" + std::to_string(i), "ok");
    EXPECT_TRUE(rev.ok()) << i << ": " << rev.status().ToString();
    Result<HttpReply> health = Health(i);
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->status, 200) << health->body;
  }
  WaitForConvergence({0, 1, 2}, milliseconds(30000));
}

TEST_F(QuotaClusterTest, AlarmApiActivatesAndDeactivatesLikeEtcd) {
  StartCluster(3);
  WaitForLeader({0, 1, 2}, kElection);
  // Raised by hand through one member, visible on all.
  Result<HttpReply> raised =
      Call(1, "/v3/maintenance/alarm",
           "{\"action\":\"ACTIVATE\",\"memberID\":\"5\",\"alarm\":\"CORRUPT\"}");
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(raised->status, 200);
  EXPECT_EQ(raised->body, "{\"alarms\":[{\"memberID\":\"5\",\"alarm\":\"CORRUPT\"}]}");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(WaitAlarmList(i, "200 " + raised->body, milliseconds(10000))) << AlarmList(i);
  }
  // CORRUPT refuses writes with etcd's error, deletes included.
  Result<HttpReply> put = Call(0, "/v3/kv/put", PutBody("k", "v"));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->status, 500);
  EXPECT_EQ(put->body,
            "{\"error\":\"etcdserver: corrupt cluster\",\"message\":\"etcdserver: corrupt "
            "cluster\",\"code\":15}");
  // NONE cannot be raised; bad input changes nothing.
  Result<HttpReply> none = Call(0, "/v3/maintenance/alarm",
                                "{\"action\":\"ACTIVATE\",\"memberID\":\"5\",\"alarm\":\"NONE\"}");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 400);
  Result<HttpReply> bad = Call(0, "/v3/maintenance/alarm", "{\"action\":\"ACTIVATE\",\"alarm\":7}");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_EQ(AlarmList(0), "200 " + raised->body);
  // Deactivating answers what was cleared, then nothing.
  const std::string clear = "{\"action\":\"DEACTIVATE\",\"memberID\":\"5\",\"alarm\":\"CORRUPT\"}";
  Result<HttpReply> cleared = Call(2, "/v3/maintenance/alarm", clear);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->body, raised->body);
  Result<HttpReply> again = Call(2, "/v3/maintenance/alarm", clear);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body, "{}");
  EXPECT_TRUE(Put(0, "k", "v").ok());
  // Defragment answers etcd's empty object.
  Result<HttpReply> defrag = Call(0, "/v3/maintenance/defragment", "{}");
  ASSERT_TRUE(defrag.ok());
  EXPECT_EQ(defrag->status, 200);
  EXPECT_EQ(defrag->body, "{}");
  Result<HttpReply> bad_defrag = Call(0, "/v3/maintenance/defragment", "{bad");
  ASSERT_TRUE(bad_defrag.ok());
  EXPECT_EQ(bad_defrag->status, 400);
}

}  // namespace
}  // namespace shadekv::cluster_testing
