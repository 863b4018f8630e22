// PrimaryWorkload: a seeded random workload on a real primary MvccStore
// (puts with and without leases, overwrites, deletes, delete ranges, lease
// revocations, multi-op txns, compactions), turning each revision's apply
// output into the bus EVENT body a publisher would send (bus::MakeChangeEvent
// + bus::EncodeEvent). Mirror tests replay those bodies and compare.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "shadekv/bus/codec.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::mirror::testing {

class PrimaryWorkload {
 public:
  // Opens (creates) the primary store in `dir`. `compactions` off keeps all
  // history (for tests that compare every revision).
  PrimaryWorkload(const std::string& dir, uint64_t seed, bool compactions = true)
      : rng_(seed), compactions_(compactions) {
    auto opened = store::MvccStore::Open(dir);
    if (!opened.ok()) ADD_FAILURE() << opened.status().ToString();
    if (opened.ok()) primary_ = std::move(opened).value();
  }

  store::MvccStore& primary() { return *primary_; }
  // Every EVENT body made so far, by revision.
  const std::map<int64_t, std::string>& bodies() const { return bodies_; }

  // Compacts the primary at its current revision and deletes what that frees.
  void CompactAll() {
    store::WriteRequest request;
    request.op = store::CompactionRequest{primary_->CurrentRevision(), false};
    Result<store::ApplyResult> applied = primary_->Apply(request, ++index_);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    FinishCompaction();
  }

  // Runs one random request. Returns the EVENT body when it made a revision
  // (a delete of nothing, a failed txn check or a compaction makes none).
  std::optional<std::string> Step() {
    store::WriteRequest request;
    request.annotation = "primary-annotation-" + std::to_string(index_ + 1);
    const int dice = Uniform(0, 99);
    if (dice < 35) {
      request.op = Put(RandomKey(), Uniform(0, 3) == 0 ? RandomLease() : 0);
    } else if (dice < 50) {
      store::DeleteRangeRequest del;
      del.key = RandomKey();
      del.prev_kv = Uniform(0, 1) == 0;
      request.op = del;
    } else if (dice < 60) {
      store::DeleteRangeRequest del;
      std::string a = RandomKey();
      std::string b = RandomKey();
      if (b < a) std::swap(a, b);
      del.key = a;
      del.range_end = Uniform(0, 4) == 0 ? std::string(1, '\0') : b;
      request.op = del;
    } else if (dice < 65) {
      store::DeleteKeysRequest revoke;  // what a lease revocation applies
      for (int i = Uniform(1, 4); i > 0; --i) revoke.keys.push_back(RandomKey());
      request.op = revoke;
    } else if (dice < 90 || !compactions_) {
      request.op = Txn();
    } else {
      const int64_t current = primary_->CurrentRevision();
      const int64_t compacted = primary_->CompactRevision();
      if (current <= compacted + 1) return std::nullopt;
      request.op = store::CompactionRequest{Uniform64(compacted + 1, current), false};
    }
    Result<store::ApplyResult> applied = primary_->Apply(request, ++index_);
    if (!applied.ok()) {
      // Only etcd's request errors (e.g. a txn's duplicate key) are expected.
      EXPECT_TRUE(applied.status().code() == StatusCode::kInvalidArgument)
          << applied.status().ToString();
      return std::nullopt;
    }
    if (std::holds_alternative<store::CompactionRequest>(request.op)) FinishCompaction();
    if (applied->event.revision == 0) return std::nullopt;
    EXPECT_EQ(applied->event.annotation, request.annotation);
    bus::EventOrigin origin;
    origin.leader_time_ms = 1700000000000 + static_cast<int64_t>(index_);
    origin.member_id = 0xabcdef;
    origin.request_id = index_;
    origin.user = Uniform(0, 1) == 0 ? "" : "root";
    origin.client_address = "127.0.0.1:" + std::to_string(40000 + index_ % 1000);
    std::string body = bus::EncodeEvent(bus::MakeChangeEvent(applied->event, origin));
    bodies_[applied->event.revision] = body;
    return body;
  }

 private:
  void FinishCompaction() {
    for (int i = 0; i < 10000; ++i) {
      Result<bool> done = primary_->CompactStep(64);
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      if (*done) return;
    }
    ADD_FAILURE() << "compaction did not finish";
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  int64_t Uniform64(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  // 24 plain keys and two with bytes that need escaping in the store's layout.
  std::string RandomKey() {
    const int n = Uniform(0, 25);
    if (n == 24) return std::string("bin\0a", 5);
    if (n == 25) return std::string("bin\xff\0", 5);
    return "k" + std::to_string(10 + n);
  }
  int64_t RandomLease() { return Uniform64(1, 3) * 0x1000000001; }
  std::string RandomValue() {
    std::string value(static_cast<size_t>(Uniform(0, 24)), '\0');
    for (char& c : value) c = static_cast<char>(Uniform(0, 255));
    return value;
  }

  store::PutRequest Put(std::string key, int64_t lease) {
    store::PutRequest put;
    put.key = std::move(key);
    put.value = RandomValue();
    put.lease = lease;
    put.prev_kv = Uniform(0, 1) == 0;
    return put;
  }

  // A txn on distinct keys per branch, so the duplicate-key rule rarely bites.
  store::TxnRequest Txn() {
    store::TxnRequest txn;
    store::Compare compare;
    compare.key = RandomKey();
    compare.target = store::Compare::Target::kVersion;
    compare.result = store::Compare::Result::kGreater;
    compare.version = Uniform(0, 2);
    txn.compare.push_back(compare);
    for (auto* branch : {&txn.success, &txn.failure}) {
      std::vector<std::string> used;
      for (int i = Uniform(1, 4); i > 0; --i) {
        std::string key = RandomKey();
        if (std::find(used.begin(), used.end(), key) != used.end()) continue;
        used.push_back(key);
        const int kind = Uniform(0, 5);
        if (kind <= 3) {
          branch->push_back(store::RequestOp{Put(key, kind == 0 ? RandomLease() : 0)});
        } else if (kind == 4) {
          store::DeleteRangeRequest del;
          del.key = key;
          branch->push_back(store::RequestOp{del});
        } else {
          store::RangeRequest range;
          range.key = key;
          branch->push_back(store::RequestOp{range});
        }
      }
    }
    return txn;
  }

  std::mt19937_64 rng_;
  const bool compactions_;
  std::unique_ptr<store::MvccStore> primary_;
  uint64_t index_ = 0;
  std::map<int64_t, std::string> bodies_;
};

}  // namespace shadekv::mirror::testing
