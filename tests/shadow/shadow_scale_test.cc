// The shadow at scale, real processes only (issue 7, "Tests with real
// processes"): a 3-member primary with the publisher plugin on every member
// and one shadekv-shadow following all three PUB endpoints. While 50,000
// writes (puts, overwrites, deletes) go through the cluster:
//   - the shadow is SIGKILLed and restarted twice, the second time while
//     the member it reads from first is down (so it must start on another
//     publisher);
//   - that member (the first --bus endpoint) is SIGKILLed and later
//     restarted.
// When the writes stop, the shadow must report lag 0 and up_to_date within
// a bounded wait, and answer like the primary: hashkv at the final and at
// older revisions, and range reads at old revisions.
//
// SHADEKV_SHADOW_TEST_WRITES overrides the number of writes (default 50000).
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/cluster/keepalive_writers.h"
#include "tests/shadow/shadow_fixture.h"

namespace shadekv::shadow_testing {
namespace {

using cluster_testing::HttpReply;
using cluster_testing::KeepAliveWriters;
using cluster_testing::WriteLoad;
using Clock = std::chrono::steady_clock;

int64_t WritesWanted() {
  const char* text = std::getenv("SHADEKV_SHADOW_TEST_WRITES");
  if (text != nullptr && *text != '\0') return std::max<int64_t>(1000, std::atoll(text));
  return 50000;
}

bool WaitUntil(const std::function<bool()>& done, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

std::string RangeJson(const std::string& key, const std::string& range_end, int64_t revision,
                      int64_t limit) {
  std::string body = "{\"key\":\"" + cluster_testing::Base64(key) + "\"";
  if (!range_end.empty()) body += ",\"range_end\":\"" + cluster_testing::Base64(range_end) + "\"";
  if (revision != 0) body += ",\"revision\":\"" + std::to_string(revision) + "\"";
  if (limit != 0) body += ",\"limit\":\"" + std::to_string(limit) + "\"";
  return body + "}";
}

class ShadowScaleTest : public ShadowFixture {
 protected:
  void ExpectSameRange(int member, const std::string& body) {
    Result<HttpReply> p = Call(member, "/v3/kv/range", body);
    Result<HttpReply> s = ShadowCall("/v3/kv/range", body);
    ASSERT_TRUE(p.ok()) << p.status().message();
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(p->status, 200) << p->body.substr(0, 300);
    EXPECT_EQ(s->status, p->status) << body;
    EXPECT_EQ(WithoutHeader(s->body), WithoutHeader(p->body)) << body;
  }
};

TEST_F(ShadowScaleTest, ShadowEqualsPrimaryAfterManyWritesWithShadowAndMemberKills) {
  const int64_t total = WritesWanted();
  // Frequent heartbeats: the shadow notices its publisher's loss sooner.
  ASSERT_NO_FATAL_FAILURE(StartPrimary(3, {"--plugin-config", "publisher.heartbeat_ms=200"}));
  ASSERT_NO_FATAL_FAILURE(StartShadow());

  WriteLoad load;
  load.total = total;
  load.threads = 8;
  load.prefix = "scale/";
  load.key_space = 5000;
  load.delete_every = 16;
  KeepAliveWriters writers([this] { return LiveClientPorts(); }, load);
  auto at = [&](double fraction) {
    const int64_t mark = static_cast<int64_t>(fraction * static_cast<double>(total));
    bool reached = WaitUntil([&] { return writers.done() >= mark || writers.finished(); },
                             std::chrono::minutes(5));
    ASSERT_TRUE(reached) << "writes stalled at " << writers.done() << " of " << total;
  };

  ASSERT_NO_FATAL_FAILURE(at(0.10));
  KillShadow();
  ASSERT_NO_FATAL_FAILURE(at(0.20));
  ASSERT_NO_FATAL_FAILURE(StartShadow());
  ASSERT_NO_FATAL_FAILURE(at(0.30));
  // The shadow reads from the first --bus endpoint: member a's publisher.
  Kill(0);
  ASSERT_NO_FATAL_FAILURE(at(0.40));
  Result<ShadowStatusView> before_kill = ShadowStatus();
  ASSERT_TRUE(before_kill.ok()) << before_kill.status().message();
  KillShadow();
  ASSERT_NO_FATAL_FAILURE(at(0.45));
  // Restarted while a is still down: it must start on b's or c's publisher.
  ASSERT_NO_FATAL_FAILURE(StartShadow());
  const std::string first_publisher = "tcp://127.0.0.1:" + std::to_string(pub_ports_[0]);
  Result<ShadowStatusView> moved = Status::Unavailable("never asked");
  const bool on_another_publisher = WaitUntil(
      [&] {
        moved = ShadowStatus();
        // Moved, and applying events again (unless the load already ended).
        return moved.ok() && !moved->publisher.empty() && moved->publisher != first_publisher &&
               (moved->applied > before_kill->applied || writers.finished());
      },
      milliseconds(30000));
  ASSERT_TRUE(on_another_publisher)
      << "the restarted shadow never left the dead first publisher: "
      << (moved.ok() ? moved->publisher + " applied " + std::to_string(moved->applied)
                     : moved.status().message());
  ASSERT_NO_FATAL_FAILURE(at(0.60));
  Restart(0);
  ASSERT_TRUE(WaitUntil([&] { return writers.finished(); }, std::chrono::minutes(10)))
      << "writes stalled at " << writers.done() << " of " << total;
  writers.Join();
  EXPECT_EQ(writers.abandoned(), 0) << "writes that never succeeded";

  const int64_t final_revision = WaitForConvergence({0, 1, 2}, milliseconds(60000));
  // Every put makes a revision; a delete of a key that is gone makes none.
  ASSERT_GE(final_revision, total * 15 / 16);

  // Lag back to zero within a bounded wait after the writes stopped.
  ASSERT_NO_FATAL_FAILURE(WaitShadowAt(final_revision, milliseconds(120000)));
  Result<ShadowStatusView> status = ShadowStatus();
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ(status->applied, final_revision);
  EXPECT_EQ(status->primary, final_revision);
  EXPECT_EQ(status->lag, 0);
  EXPECT_EQ(status->lag_ms, 0);
  EXPECT_TRUE(status->up_to_date);
  // The last run resumed from the revision persisted by the one before it:
  // events only, no snapshot (the primary never compacted).
  EXPECT_EQ(status->snapshots, 0);
  bool known_publisher = false;
  for (int port : pub_ports_) {
    known_publisher |= status->publisher == "tcp://127.0.0.1:" + std::to_string(port);
  }
  EXPECT_TRUE(known_publisher) << status->publisher;

  // The same state at the final revision and at older ones, including
  // revisions written while the shadow was dead or its publisher was gone.
  for (int64_t rev : {final_revision, final_revision - 1, final_revision * 2 / 3,
                      final_revision * 42 / 100, final_revision / 7, int64_t{2}}) {
    Result<cluster_testing::HashInfo> p = HashKv(1, rev);
    Result<cluster_testing::HashInfo> s = ShadowHashKv(rev);
    ASSERT_TRUE(p.ok()) << p.status().message();
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->hash, p->hash) << "hashkv at revision " << rev;
    EXPECT_EQ(s->revision, final_revision);
  }
  for (int64_t rev : {final_revision / 5, final_revision / 2, final_revision * 3 / 4}) {
    ExpectSameRange(1, RangeJson("scale/", "scale0", rev, 300));
    ExpectSameRange(1, RangeJson("scale/1234", "", rev, 0));
    // Count only: how many keys existed at that revision.
    ExpectSameRange(1, "{\"key\":\"" + cluster_testing::Base64("scale/") + "\",\"range_end\":\"" +
                           cluster_testing::Base64("scale0") + "\",\"revision\":\"" +
                           std::to_string(rev) + "\",\"count_only\":true}");
  }
  RecordProperty("writes", std::to_string(writers.done()));
  RecordProperty("failed_attempts", std::to_string(writers.failed_attempts()));
  RecordProperty("final_revision", std::to_string(final_revision));
}

}  // namespace
}  // namespace shadekv::shadow_testing
