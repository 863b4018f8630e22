// Randomized model test: thousands of random puts, deletes, txns (with
// compares and nested txns), compactions and reads at old revisions, each
// checked against a plain in-memory model of etcd's KV semantics.
//
// Seeds: 3 by default. SHADEKV_MODEL_SEEDS=N runs seeds 1..N;
// SHADEKV_MODEL_SEEDS=7,42 runs exactly those. A failure names its seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::Op;
using Map = std::map<std::string, KeyValue>;

std::vector<uint64_t> Seeds() {
  const char* env = std::getenv("SHADEKV_MODEL_SEEDS");
  if (env == nullptr || *env == '\0') return {1, 2, 3};
  std::string text(env);
  std::vector<uint64_t> seeds;
  if (text.find(',') == std::string::npos) {
    for (uint64_t s = 1; s <= std::stoull(text); ++s) seeds.push_back(s);
    return seeds;
  }
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) seeds.push_back(std::stoull(item));
  }
  return seeds;
}

bool InRange(const std::string& k, const std::string& key, const std::string& end) {
  if (end.empty()) return k == key;
  if (end == std::string(1, '\0')) return k >= key;
  return k >= key && k < end;
}

// The reference: every revision's whole keyspace, and every revision's changes.
class Model {
 public:
  Model() : states_{nullptr, std::make_shared<const Map>()}, events_(2) {}

  int64_t revision() const { return static_cast<int64_t>(states_.size()) - 1; }
  int64_t compact = 0;
  const Map& At(int64_t rev) const { return *states_[rev]; }
  const std::vector<KeyChange>& EventsAt(int64_t rev) const { return events_[rev]; }

  // A write in progress at revision()+1.
  struct Write {
    Map state;
    std::vector<KeyChange> changes;
  };
  Write Begin() const { return Write{At(revision()), {}}; }
  void Commit(Write w) {
    if (w.changes.empty()) return;
    states_.push_back(std::make_shared<const Map>(std::move(w.state)));
    events_.push_back(std::move(w.changes));
  }

  void Put(Write* w, const std::string& key, const std::string& value, int64_t lease) {
    const int64_t rev = revision() + 1;
    std::optional<KeyValue> prev;
    if (auto it = w->state.find(key); it != w->state.end()) prev = it->second;
    KeyValue kv{key,  value, prev ? prev->create_revision : rev, rev, prev ? prev->version + 1 : 1,
                lease};
    w->state[key] = kv;
    w->changes.push_back(KeyChange{KeyChange::Type::kPut, kv, prev});
  }

  int64_t Delete(Write* w, const std::string& key, const std::string& end) {
    const int64_t rev = revision() + 1;
    std::vector<std::string> doomed;
    for (const auto& [k, kv] : w->state) {
      if (InRange(k, key, end)) doomed.push_back(k);
    }
    for (const std::string& k : doomed) {
      KeyValue gone;
      gone.key = k;
      gone.mod_revision = rev;
      w->changes.push_back(KeyChange{KeyChange::Type::kDelete, gone, w->state[k]});
      w->state.erase(k);
    }
    return static_cast<int64_t>(doomed.size());
  }

 private:
  std::vector<std::shared_ptr<const Map>> states_;
  std::vector<std::vector<KeyChange>> events_;
};

RangeResponse ModelRange(const Map& m, const RangeRequest& r, int64_t header) {
  RangeResponse out;
  out.revision = header;
  std::vector<KeyValue> all;
  for (const auto& [k, kv] : m) {
    if (InRange(k, r.key, r.range_end)) all.push_back(kv);
  }
  out.count = static_cast<int64_t>(all.size());
  if (r.count_only) return out;
  const bool filters =
      r.min_mod_revision || r.max_mod_revision || r.min_create_revision || r.max_create_revision;
  if (r.sort_order == SortOrder::kNone && !filters && r.limit > 0 &&
      all.size() > static_cast<size_t>(r.limit + 1)) {
    all.resize(r.limit + 1);
  }
  std::vector<KeyValue> kept;
  for (const KeyValue& kv : all) {
    if (r.min_mod_revision && kv.mod_revision < r.min_mod_revision) continue;
    if (r.max_mod_revision && kv.mod_revision > r.max_mod_revision) continue;
    if (r.min_create_revision && kv.create_revision < r.min_create_revision) continue;
    if (r.max_create_revision && kv.create_revision > r.max_create_revision) continue;
    kept.push_back(kv);
  }
  SortOrder order = r.sort_order;
  if (order == SortOrder::kNone && r.sort_target != SortTarget::kKey) order = SortOrder::kAscend;
  auto field = [&](const KeyValue& kv) -> std::string {
    char buf[32];
    switch (r.sort_target) {
      case SortTarget::kKey:
        return kv.key;
      case SortTarget::kValue:
        return kv.value;
      case SortTarget::kVersion:
        snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(kv.version));
        return buf;
      case SortTarget::kCreate:
        snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(kv.create_revision));
        return buf;
      case SortTarget::kMod:
        snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(kv.mod_revision));
        return buf;
    }
    return "";
  };
  if (order == SortOrder::kAscend) {
    std::stable_sort(kept.begin(), kept.end(),
                     [&](const KeyValue& a, const KeyValue& b) { return field(a) < field(b); });
  } else if (order == SortOrder::kDescend) {
    std::stable_sort(kept.begin(), kept.end(),
                     [&](const KeyValue& a, const KeyValue& b) { return field(a) > field(b); });
  }
  if (r.limit > 0 && kept.size() > static_cast<size_t>(r.limit)) {
    kept.resize(r.limit);
    out.more = true;
  }
  if (r.keys_only) {
    for (KeyValue& kv : kept) kv.value.clear();
  }
  out.kvs = std::move(kept);
  return out;
}

bool ModelCompare(const Map& m, const Compare& c) {
  std::vector<const KeyValue*> kvs;
  for (const auto& [k, kv] : m) {
    if (InRange(k, c.key, c.range_end)) kvs.push_back(&kv);
  }
  auto one = [&](const KeyValue* kv) {
    if (kv == nullptr && c.target == Compare::Target::kValue) return false;
    const KeyValue zero;
    if (kv == nullptr) kv = &zero;
    int cmp = 0;
    auto three = [](auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); };
    switch (c.target) {
      case Compare::Target::kValue:
        cmp = three(kv->value, c.value);
        break;
      case Compare::Target::kVersion:
        cmp = three(kv->version, c.version);
        break;
      case Compare::Target::kCreate:
        cmp = three(kv->create_revision, c.create_revision);
        break;
      case Compare::Target::kMod:
        cmp = three(kv->mod_revision, c.mod_revision);
        break;
      case Compare::Target::kLease:
        cmp = three(kv->lease, c.lease);
        break;
    }
    switch (c.result) {
      case Compare::Result::kEqual:
        return cmp == 0;
      case Compare::Result::kNotEqual:
        return cmp != 0;
      case Compare::Result::kGreater:
        return cmp > 0;
      case Compare::Result::kLess:
        return cmp < 0;
    }
    return false;
  };
  if (kvs.empty()) return one(nullptr);
  return std::all_of(kvs.begin(), kvs.end(), one);
}

class ModelRun {
 public:
  ModelRun(uint64_t seed, MvccStore* store) : rng_(seed), store_(store) {}

  std::string Key() { return "k" + std::to_string(Uniform(0, kKeys - 1)); }
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

  RangeRequest RandomRange(bool for_txn) {
    RangeRequest r;
    r.key = Key();
    const int shape = static_cast<int>(Uniform(0, 3));
    if (shape == 1) r.range_end = std::string(1, '\0');
    if (shape == 2) r.range_end = Key();
    if (shape == 3) r.range_end = r.key + "\xff";
    if (Chance(50)) r.limit = Uniform(1, 8);
    r.sort_order = static_cast<SortOrder>(Uniform(0, 2));
    r.sort_target = static_cast<SortTarget>(Uniform(0, 4));
    r.keys_only = Chance(15);
    r.count_only = Chance(10);
    if (Chance(15)) r.min_mod_revision = Uniform(1, model_.revision());
    if (Chance(15)) r.max_create_revision = Uniform(1, model_.revision());
    if (!for_txn && Chance(40))
      r.revision = Uniform(std::max<int64_t>(1, model_.compact), model_.revision());
    return r;
  }

  Compare RandomCompare() {
    const Map& m = model_.At(model_.revision());
    Compare c;
    c.key = Key();
    if (Chance(10)) c.range_end = Key();
    c.target = static_cast<Compare::Target>(Uniform(0, 4));
    c.result = static_cast<Compare::Result>(Uniform(0, 3));
    auto it = m.find(c.key);
    const bool exact = it != m.end() && Chance(60);
    c.version = exact ? it->second.version : Uniform(0, 5);
    c.create_revision = exact ? it->second.create_revision : Uniform(0, model_.revision());
    c.mod_revision = exact ? it->second.mod_revision : Uniform(0, model_.revision());
    c.lease = exact ? it->second.lease : Uniform(0, 2);
    c.value = exact ? it->second.value : "v" + std::to_string(Uniform(0, 20));
    return c;
  }

  // Ops on keys no other op of the same branch writes (no duplicate keys).
  std::vector<RequestOp> RandomBranch(std::set<std::string>* used, int depth) {
    std::vector<RequestOp> ops;
    const int n = static_cast<int>(Uniform(0, 4));
    for (int i = 0; i < n; ++i) {
      std::string key = Key();
      if (used->contains(key)) continue;
      const int kind = static_cast<int>(Uniform(0, 9));
      if (kind < 4) {
        used->insert(key);
        ops.push_back(
            Op(testing::PutReq(key, "v" + std::to_string(Uniform(0, 20)), Uniform(0, 2))));
      } else if (kind < 6) {
        used->insert(key);
        ops.push_back(Op(testing::DelReq(key)));
      } else if (kind < 9 || depth > 0) {
        ops.push_back(Op(RandomRange(true)));
      } else {
        TxnRequest nested;
        nested.compare = {RandomCompare()};
        std::set<std::string> then_used = *used;
        std::set<std::string> else_used = *used;
        nested.success = RandomBranch(&then_used, depth + 1);
        nested.failure = RandomBranch(&else_used, depth + 1);
        used->insert(then_used.begin(), then_used.end());
        used->insert(else_used.begin(), else_used.end());
        ops.push_back(Op(std::move(nested)));
      }
    }
    return ops;
  }

  // Runs the txn on the model; compares were judged on `before`, like etcd.
  void ModelTxn(const TxnRequest& txn, const Map& before, Model::Write* w, TxnResponse* out,
                bool nested) {
    bool ok = true;
    for (const Compare& c : txn.compare) ok = ok && ModelCompare(before, c);
    out->succeeded = ok;
    for (const RequestOp& op : ok ? txn.success : txn.failure) {
      const int64_t rev_now = model_.revision() + (w->changes.empty() ? 0 : 1);
      if (const auto* p = std::get_if<PutRequest>(&op.request)) {
        model_.Put(w, p->key, p->value, p->lease);
        out->responses.push_back(ResponseOp{PutResponse{model_.revision() + 1, {}}});
      } else if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
        DeleteRangeResponse dr;
        dr.deleted = model_.Delete(w, d->key, d->range_end);
        dr.revision = model_.revision() + (w->changes.empty() ? 0 : 1);
        out->responses.push_back(ResponseOp{dr});
      } else if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
        out->responses.push_back(ResponseOp{ModelRange(w->state, *r, rev_now)});
      } else {
        auto inner = std::make_shared<TxnResponse>();
        ModelTxn(*std::get<std::shared_ptr<const TxnRequest>>(op.request), before, w, inner.get(),
                 true);
        out->responses.push_back(ResponseOp{inner});
      }
    }
    out->revision = nested ? 0 : model_.revision() + (w->changes.empty() ? 0 : 1);
  }

  void ExpectSameTxn(const TxnResponse& want, const TxnResponse& got) {
    ASSERT_EQ(want.succeeded, got.succeeded);
    ASSERT_EQ(want.revision, got.revision);
    ASSERT_EQ(want.responses.size(), got.responses.size());
    for (size_t i = 0; i < want.responses.size(); ++i) {
      const auto& w = want.responses[i].response;
      const auto& g = got.responses[i].response;
      ASSERT_EQ(w.index(), g.index());
      if (const auto* r = std::get_if<RangeResponse>(&w)) {
        ExpectSameRange(*r, std::get<RangeResponse>(g));
      } else if (const auto* d = std::get_if<DeleteRangeResponse>(&w)) {
        EXPECT_EQ(d->deleted, std::get<DeleteRangeResponse>(g).deleted);
      } else if (const auto* t = std::get_if<std::shared_ptr<TxnResponse>>(&w)) {
        ExpectSameTxn(**t, *std::get<std::shared_ptr<TxnResponse>>(g));
      }
    }
  }

  void ExpectSameRange(const RangeResponse& want, const RangeResponse& got) {
    EXPECT_EQ(want.revision, got.revision);
    EXPECT_EQ(want.count, got.count);
    EXPECT_EQ(want.more, got.more);
    EXPECT_EQ(want.kvs, got.kvs);
  }

  Result<ApplyResult> Apply(WriteRequest request) { return store_->Apply(request, ++index_); }

  void Step() {
    const int kind = static_cast<int>(Uniform(0, 99));
    if (kind < 35) {
      PutRequest p = testing::PutReq(Key(), "v" + std::to_string(Uniform(0, 20)), Uniform(0, 2));
      const Map& before = model_.At(model_.revision());
      const auto prev = before.find(p.key);
      if (Chance(10)) {
        p.ignore_value = true;
        p.value.clear();
      }
      p.prev_kv = true;
      Result<ApplyResult> got = Apply(WriteRequest{p, {}, {}, {}});
      if (p.ignore_value && prev == before.end()) {
        ASSERT_EQ(got.status(), Status::InvalidArgument("etcdserver: key not found"));
        return;
      }
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      std::optional<KeyValue> want_prev;
      if (prev != before.end()) want_prev = prev->second;
      auto w = model_.Begin();
      model_.Put(&w, p.key, p.ignore_value ? prev->second.value : p.value, p.lease);
      model_.Commit(std::move(w));
      EXPECT_EQ(std::get<PutResponse>(got->response).prev_kv, want_prev);
      EXPECT_EQ(std::get<PutResponse>(got->response).revision, model_.revision());
    } else if (kind < 50) {
      DeleteRangeRequest d = testing::DelReq(Key());
      if (Chance(30)) d.range_end = Key();
      Result<ApplyResult> got = Apply(WriteRequest{d, {}, {}, {}});
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      auto w = model_.Begin();
      const int64_t deleted = model_.Delete(&w, d.key, d.range_end);
      model_.Commit(std::move(w));
      EXPECT_EQ(std::get<DeleteRangeResponse>(got->response).deleted, deleted);
      EXPECT_EQ(got->event.revision, deleted > 0 ? model_.revision() : 0);
    } else if (kind < 70) {
      TxnRequest txn;
      const int compares = static_cast<int>(Uniform(0, 2));
      for (int i = 0; i < compares; ++i) txn.compare.push_back(RandomCompare());
      std::set<std::string> then_used, else_used;
      txn.success = RandomBranch(&then_used, 0);
      txn.failure = RandomBranch(&else_used, 0);
      Result<ApplyResult> got = Apply(WriteRequest{txn, {}, {}, {}});
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      TxnResponse want;
      auto w = model_.Begin();
      ModelTxn(txn, model_.At(model_.revision()), &w, &want, false);
      model_.Commit(std::move(w));
      ExpectSameTxn(want, std::get<TxnResponse>(got->response));
    } else if (kind < 73) {
      if (model_.compact >= model_.revision()) return;
      const int64_t rev = Uniform(model_.compact + 1, model_.revision());
      Result<ApplyResult> got = Apply(WriteRequest{CompactionRequest{rev, false}, {}, {}, {}});
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      model_.compact = rev;
    } else if (kind < 95) {
      RangeRequest r = RandomRange(false);
      Result<RangeResponse> got = store_->Range(r);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const int64_t at = r.revision > 0 ? r.revision : model_.revision();
      ExpectSameRange(ModelRange(model_.At(at), r, model_.revision()), *got);
    } else {
      // History of a random retained revision, and reads below compaction.
      const int64_t lo = std::max<int64_t>(1, model_.compact);
      const int64_t rev = Uniform(lo, model_.revision());
      if (rev > 1 && rev > model_.compact) {
        Result<std::vector<ChangeEvent>> events = store_->Changes(rev - 1, rev, 1);
        ASSERT_TRUE(events.ok()) << events.status().ToString();
        const auto& want = model_.EventsAt(rev);
        ASSERT_EQ(events->size(), 1u);
        ASSERT_EQ((*events)[0].changes.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) {
          EXPECT_EQ((*events)[0].changes[i].type, want[i].type);
          EXPECT_EQ((*events)[0].changes[i].kv, want[i].kv);
          EXPECT_EQ((*events)[0].changes[i].prev_kv, want[i].prev_kv);
        }
      }
      if (model_.compact > 1) {
        RangeRequest r = testing::RangeReq("k", std::string(1, '\0'));
        r.revision = model_.compact - 1;
        EXPECT_EQ(store_->Range(r).status(),
                  Status::OutOfRange("mvcc: required revision has been compacted"));
      }
    }
    if (Chance(30)) {
      ASSERT_TRUE(store_->CompactStep(static_cast<size_t>(Uniform(1, 30))).ok());
    }
  }

  void CheckFull() {
    RangeRequest all = testing::RangeReq("\x01", std::string(1, '\0'));
    Result<RangeResponse> got = store_->Range(all);
    ASSERT_TRUE(got.ok());
    ExpectSameRange(ModelRange(model_.At(model_.revision()), all, model_.revision()), *got);
    EXPECT_EQ(store_->CurrentRevision(), model_.revision());
  }

  static constexpr int kKeys = 200;

 private:
  std::mt19937_64 rng_;
  MvccStore* store_;
  Model model_;
  uint64_t index_ = 0;
};

TEST(MvccModelTest, RandomOperationsMatchTheModel) {
  for (uint64_t seed : Seeds()) {
    SCOPED_TRACE("seed " + std::to_string(seed) +
                 " (rerun with SHADEKV_MODEL_SEEDS=" + std::to_string(seed) + ",)");
    testing::TempDir dir("shadekv-mvcc-model-");
    auto store = MvccStore::Open(dir.Sub("kv"));
    ASSERT_TRUE(store.ok());
    ModelRun run(seed, store->get());
    for (int i = 0; i < 2500; ++i) {
      run.Step();
      if (::testing::Test::HasFatalFailure() || ::testing::Test::HasNonfatalFailure()) {
        FAIL() << "seed " << seed << " diverged at step " << i;
      }
      if (i % 50 == 0) run.CheckFull();
    }
    run.CheckFull();
  }
}

}  // namespace
}  // namespace shadekv::store
