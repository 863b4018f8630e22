// KvStateMachine::ApplyRun on real LevelDB: a run of committed entries, where
// consecutive plain puts share one store write, must answer every entry with
// its own proposer, request id and verdict, tell the event listener the same
// changes in the same order, and leave the same store as Apply entry by
// entry, also when alarms, deletes and undecodable payloads interrupt the
// puts.
#include <gtest/gtest.h>

#include "agent/server/kv_state_machine.h"
#include "tests/store/temp_dir.h"

namespace shadekv::agent {
namespace {

using store::testing::TempDir;

store::PutRequest Put(std::string key, std::string value) {
  store::PutRequest p;
  p.key = std::move(key);
  p.value = std::move(value);
  return p;
}

// A committed log: entry i (index first + i) proposed by member 1 + i % 3.
std::vector<std::string> MixedLog() {
  std::vector<EntryOp> ops;
  ops.push_back(Put("a", "1"));
  ops.push_back(Put("b", "1"));
  ops.push_back(Put("a", "2"));
  ops.push_back(Put("", "verdict: no key"));
  store::DeleteRangeRequest del;
  del.key = "b";
  ops.push_back(del);  // applied alone, between two groups
  ops.push_back(Put("b", "2"));
  ops.push_back(AlarmChange{AlarmChange::Action::kActivate, 2, AlarmType::kNoSpace});
  ops.push_back(Put("c", "refused by the alarm"));
  ops.push_back(AlarmChange{AlarmChange::Action::kDeactivate, 2, AlarmType::kNoSpace});
  ops.push_back(Put("c", "1"));
  ops.push_back(Put("a", "3"));
  std::vector<std::string> log;
  for (size_t i = 0; i < ops.size(); ++i) {
    RaftEntry entry;
    entry.request_id = 100 + i;
    entry.origin = 1 + i % 3;
    entry.client_address = "127.0.0.1:" + std::to_string(40000 + i);
    entry.op = ops[i];
    log.push_back(EncodeRaftEntry(entry));
    if (i == 1) log.push_back("\xc1 not an entry");  // skipped by every member alike
  }
  return log;
}

struct Member {
  std::unique_ptr<KvStateMachine> sm;
  std::vector<std::pair<int64_t, uint64_t>> heard;  // (revision, request id) per event
};

class KvStateMachineRunTest : public ::testing::Test {
 protected:
  void Open(Member* m, const std::string& path) {
    Result<std::unique_ptr<KvStateMachine>> sm = KvStateMachine::Open(path);
    ASSERT_TRUE(sm.ok()) << sm.status().ToString();
    m->sm = std::move(sm).value();
    m->sm->SetEventListener([m](const store::ChangeEvent& event, const RaftEntry& entry) {
      m->heard.emplace_back(event.revision, entry.request_id);
    });
  }

  static std::vector<store::KeyValue> All(const KvStateMachine& sm) {
    store::RangeRequest all;
    all.key = std::string(1, '\0');
    all.range_end = std::string(1, '\0');
    Result<store::RangeResponse> r = sm.Range(all);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->kvs : std::vector<store::KeyValue>{};
  }

  TempDir dir_{"shadekv-sm-run-"};
};

TEST_F(KvStateMachineRunTest, RunAnswersEachEntryLikeApplyingThemOneByOne) {
  Member single, run;
  Open(&single, dir_.Sub("single"));
  Open(&run, dir_.Sub("run"));
  ASSERT_TRUE(single.sm && run.sm);
  const std::vector<std::string> log = MixedLog();
  std::vector<AppliedEntry> one_by_one;
  for (size_t i = 0; i < log.size(); ++i) {
    Result<AppliedEntry> applied = single.sm->Apply(1 + i, log[i]);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    one_by_one.push_back(std::move(applied).value());
  }
  std::vector<std::string_view> payloads(log.begin(), log.end());
  Result<std::vector<AppliedEntry>> grouped = run.sm->ApplyRun(1, payloads);
  ASSERT_TRUE(grouped.ok()) << grouped.status().ToString();
  ASSERT_EQ(grouped->size(), log.size());

  int verdicts = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    SCOPED_TRACE("entry at index " + std::to_string(1 + i));
    const AppliedEntry& a = one_by_one[i];
    const AppliedEntry& b = (*grouped)[i];
    EXPECT_EQ(a.origin, b.origin);
    EXPECT_EQ(a.request_id, b.request_id);
    ASSERT_EQ(a.result.ok(), b.result.ok());
    if (!a.result.ok()) {
      ++verdicts;
      EXPECT_EQ(a.result.status(), b.result.status());
      continue;
    }
    EXPECT_EQ(a.result->event.revision, b.result->event.revision);
    if (const auto* put = std::get_if<store::PutResponse>(&a.result->response)) {
      EXPECT_EQ(put->revision, std::get<store::PutResponse>(b.result->response).revision);
    }
  }
  // The undecodable payload, the empty key and the put under the alarm.
  EXPECT_EQ(verdicts, 3);
  EXPECT_EQ((*grouped)[8].result.status(),
            Status::ResourceExhausted("etcdserver: mvcc: database space exceeded"));
  EXPECT_EQ(run.heard, single.heard);
  EXPECT_EQ(run.heard.size(), 7u);  // a, b, a, delete b, b, c, a
  EXPECT_EQ(run.sm->AppliedIndex(), log.size());
  EXPECT_EQ(run.sm->CurrentRevision(), single.sm->CurrentRevision());
  EXPECT_EQ(All(*run.sm), All(*single.sm));
  EXPECT_TRUE(run.sm->Alarms().empty());
}

TEST_F(KvStateMachineRunTest, RunBelowTheAppliedIndexFailsAndChangesNothing) {
  Member m;
  Open(&m, dir_.Sub("kv"));
  ASSERT_TRUE(m.sm);
  const std::vector<std::string> log = MixedLog();
  std::vector<std::string_view> first{log[0], log[1]};
  ASSERT_TRUE(m.sm->ApplyRun(1, first).ok());
  const int64_t revision = m.sm->CurrentRevision();
  // Index 1 again: the store refuses (a replay the driver should have skipped).
  Result<std::vector<AppliedEntry>> again = m.sm->ApplyRun(1, first);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(m.sm->AppliedIndex(), 2u);
  EXPECT_EQ(m.sm->CurrentRevision(), revision);
}

}  // namespace
}  // namespace shadekv::agent
