// Builders and a fixture for MvccStore tests: each test reads as a short
// story of applied entries and expected results.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv::store::testing {

inline KeyValue Kv(std::string key, std::string value, int64_t create, int64_t mod, int64_t version,
                   int64_t lease = 0) {
  return KeyValue{std::move(key), std::move(value), create, mod, version, lease};
}

inline PutRequest PutReq(std::string key, std::string value, int64_t lease = 0) {
  PutRequest r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.lease = lease;
  return r;
}

inline DeleteRangeRequest DelReq(std::string key, std::string range_end = "") {
  DeleteRangeRequest r;
  r.key = std::move(key);
  r.range_end = std::move(range_end);
  return r;
}

inline RangeRequest RangeReq(std::string key, std::string range_end = "") {
  RangeRequest r;
  r.key = std::move(key);
  r.range_end = std::move(range_end);
  return r;
}

inline RequestOp Op(PutRequest r) { return RequestOp{std::move(r)}; }
inline RequestOp Op(DeleteRangeRequest r) { return RequestOp{std::move(r)}; }
inline RequestOp Op(RangeRequest r) { return RequestOp{std::move(r)}; }
inline RequestOp Op(TxnRequest r) {
  return RequestOp{std::make_shared<const TxnRequest>(std::move(r))};
}

inline Compare Cmp(std::string key, Compare::Target target, Compare::Result result, int64_t number,
                   std::string value = "") {
  Compare c;
  c.key = std::move(key);
  c.target = target;
  c.result = result;
  c.version = c.create_revision = c.mod_revision = c.lease = number;
  c.value = std::move(value);
  return c;
}

inline Compare ValueCmp(std::string key, Compare::Result result, std::string value) {
  return Cmp(std::move(key), Compare::Target::kValue, result, 0, std::move(value));
}

inline std::vector<std::string> Keys(const std::vector<KeyValue>& kvs) {
  std::vector<std::string> keys;
  for (const KeyValue& kv : kvs) keys.push_back(kv.key);
  return keys;
}

inline std::string Z(std::string_view s) { return std::string(s); }
inline const std::string kAll(1, '\0');  // range_end "\0": every key >= key

class MvccFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  std::string path() const { return dir_.Sub("kv"); }

  void Open() {
    store_.reset();
    auto opened = MvccStore::Open(path());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    index_ = store_->AppliedIndex();
  }

  Result<ApplyResult> Apply(WriteRequest request) { return store_->Apply(request, ++index_); }

  template <typename Op>
  Result<ApplyResult> ApplyOp(Op op) {
    WriteRequest request;
    request.op = std::move(op);
    return Apply(std::move(request));
  }

  // Applies and expects success; returns the typed response.
  template <typename Response, typename Op>
  Response MustApply(Op op) {
    Result<ApplyResult> result = ApplyOp(std::move(op));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return Response{};
    return std::get<Response>(result->response);
  }

  PutResponse Put(std::string key, std::string value, int64_t lease = 0) {
    return MustApply<PutResponse>(PutReq(std::move(key), std::move(value), lease));
  }
  DeleteRangeResponse Delete(std::string key, std::string range_end = "") {
    return MustApply<DeleteRangeResponse>(DelReq(std::move(key), std::move(range_end)));
  }
  TxnResponse Txn(TxnRequest txn) { return MustApply<TxnResponse>(std::move(txn)); }
  void Compact(int64_t revision) {
    MustApply<CompactionResponse>(CompactionRequest{revision, false});
  }
  void CompactFully() {
    for (;;) {
      Result<bool> done = store_->CompactStep(3);
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      if (*done) return;
    }
  }

  RangeResponse Get(RangeRequest request) {
    Result<RangeResponse> response = store_->Range(request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? std::move(response).value() : RangeResponse{};
  }
  std::vector<KeyValue> Kvs(std::string key, std::string range_end = "", int64_t revision = 0) {
    RangeRequest request = RangeReq(std::move(key), std::move(range_end));
    request.revision = revision;
    return Get(request).kvs;
  }

  TempDir dir_{"shadekv-mvcc-"};
  std::unique_ptr<MvccStore> store_;
  uint64_t index_ = 0;
};

}  // namespace shadekv::store::testing
