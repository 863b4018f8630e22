// store_bench: throughput of the store layer on real LevelDB in a temp dir.
//
//  - MVCC store (shadekv::store::MvccStore) at 100k and 1M preloaded keys:
//    puts/s with and without sync, range/s for one key and for a 100-key
//    prefix, txn/s for compare-and-put. Each size is loaded once and reused by
//    every benchmark of that size; the load time is reported (preload_s).
//  - Raft log (RaftLogStore): entries/s appended with sync and without, one
//    entry per Persist vs 64 (the Ready loop's group commit).
// Every benchmark reports the directory's size on disk (disk_bytes). Rates are
// per wall-clock second (UseRealTime): fsync waits burn no CPU.
//
// Run: build-bench/bin/store_bench --benchmark_min_time=0.3
// Results and the exact command: docs/benchmarks.md, "Store".
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "shadekv/store/mvcc_store.h"
#include "shadekv/store/raft_log_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv::store {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kValueBytes = 100;
constexpr size_t kPrefixKeys = 100;  // keys per prefix range: "k/%07d" shares 5 digits per 100

std::string KeyOf(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "k/%07lld", static_cast<long long>(i));
  return buf;
}

std::string ValueOf(uint64_t seed) {
  std::string v(kValueBytes, 'v');
  for (size_t i = 0; i < v.size(); i += 8) v[i] = static_cast<char>('a' + (seed + i) % 26);
  return v;
}

double DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return static_cast<double>(total);
}

[[noreturn]] void Die(const Status& s, const char* what) {
  std::fprintf(stderr, "store_bench: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// One preloaded MVCC store per key count, opened with the sync setting the
// running benchmark wants (reopened when it changes).
class LoadedStore {
 public:
  explicit LoadedStore(int64_t keys) : keys_(keys) {
    Open(/*sync=*/false);
    const auto start = Clock::now();
    for (int64_t i = 0; i < keys_; ++i) Put(KeyOf(i), ValueOf(i));
    load_seconds_ = std::chrono::duration<double>(Clock::now() - start).count();
    std::fprintf(stderr, "store_bench: loaded %lld keys in %.1f s (%.0f puts/s, %.0f MB on disk)\n",
                 static_cast<long long>(keys_), load_seconds_, keys_ / load_seconds_,
                 DirBytes(dir_.path()) / 1e6);
  }

  MvccStore& Use(bool sync) {
    if (sync != sync_) Open(sync);
    return *store_;
  }

  void Put(std::string key, std::string value) {
    WriteRequest request;
    request.op = PutRequest{std::move(key), std::move(value)};
    Result<ApplyResult> applied = store_->Apply(request, ++raft_index_);
    if (!applied.ok()) Die(applied.status(), "put");
  }

  Result<ApplyResult> Apply(const WriteRequest& request) {
    return store_->Apply(request, ++raft_index_);
  }

  int64_t keys() const { return keys_; }
  double load_seconds() const { return load_seconds_; }
  double disk_bytes() const { return DirBytes(dir_.path()); }

 private:
  void Open(bool sync) {
    store_.reset();
    MvccOptions options;
    options.sync = sync;
    Result<std::unique_ptr<MvccStore>> opened = MvccStore::Open(dir_.Sub("kv"), options);
    if (!opened.ok()) Die(opened.status(), "opening the kv store");
    store_ = std::move(opened).value();
    raft_index_ = store_->AppliedIndex();
    sync_ = sync;
  }

  const int64_t keys_;
  testing::TempDir dir_{"shadekv-bench-"};
  std::unique_ptr<MvccStore> store_;
  bool sync_ = false;
  uint64_t raft_index_ = 0;
  double load_seconds_ = 0;
};

// Benchmarks are registered grouped by size, so only one size is loaded at a
// time: the previous one is dropped (and its directory removed) first.
LoadedStore& StoreWith(int64_t keys) {
  static std::unique_ptr<LoadedStore> current;
  if (!current || current->keys() != keys) {
    current.reset();
    current = std::make_unique<LoadedStore>(keys);
  }
  return *current;
}

void Report(benchmark::State& state, const LoadedStore& store) {
  state.SetItemsProcessed(state.iterations());
  state.counters["keys"] = static_cast<double>(store.keys());
  state.counters["preload_s"] = store.load_seconds();
  state.counters["disk_bytes"] = store.disk_bytes();
}

void BM_Put(benchmark::State& state, int64_t keys, bool sync) {
  LoadedStore& store = StoreWith(keys);
  store.Use(sync);
  std::mt19937_64 rng(1);
  for (auto _ : state) store.Put(KeyOf(static_cast<int64_t>(rng() % keys)), ValueOf(rng()));
  Report(state, store);
}

void BM_RangeOneKey(benchmark::State& state, int64_t keys) {
  LoadedStore& store = StoreWith(keys);
  MvccStore& kv = store.Use(false);
  std::mt19937_64 rng(2);
  RangeRequest request;
  for (auto _ : state) {
    request.key = KeyOf(static_cast<int64_t>(rng() % keys));
    Result<RangeResponse> got = kv.Range(request);
    if (!got.ok() || got->kvs.size() != 1) Die(got.status(), "range one key");
    benchmark::DoNotOptimize(got->kvs.data());
  }
  Report(state, store);
}

void BM_RangePrefix100(benchmark::State& state, int64_t keys) {
  LoadedStore& store = StoreWith(keys);
  MvccStore& kv = store.Use(false);
  std::mt19937_64 rng(3);
  const int64_t prefixes = keys / static_cast<int64_t>(kPrefixKeys);
  RangeRequest request;
  for (auto _ : state) {
    const std::string first = KeyOf(static_cast<int64_t>(rng() % prefixes) * kPrefixKeys);
    request.key = first.substr(0, first.size() - 2);  // "k/00123": the 100 keys k/00123xx
    request.range_end = request.key;
    ++request.range_end.back();
    Result<RangeResponse> got = kv.Range(request);
    if (!got.ok() || got->kvs.size() != kPrefixKeys) Die(got.status(), "range prefix");
    benchmark::DoNotOptimize(got->kvs.data());
  }
  Report(state, store);
}

// etcd's compare-and-put: "if the key exists (version > 0), put".
void BM_TxnCompareAndPut(benchmark::State& state, int64_t keys) {
  LoadedStore& store = StoreWith(keys);
  store.Use(false);
  std::mt19937_64 rng(4);
  for (auto _ : state) {
    const std::string key = KeyOf(static_cast<int64_t>(rng() % keys));
    TxnRequest txn;
    Compare compare;
    compare.result = Compare::Result::kGreater;
    compare.target = Compare::Target::kVersion;
    compare.key = key;
    compare.version = 0;
    txn.compare.push_back(compare);
    txn.success.push_back(RequestOp{PutRequest{key, ValueOf(rng())}});
    WriteRequest request;
    request.op = std::move(txn);
    Result<ApplyResult> applied = store.Apply(request);
    if (!applied.ok()) Die(applied.status(), "txn");
    if (!std::get<TxnResponse>(applied->response).succeeded) {
      Die(Status::Internal("compare failed on an existing key"), "txn");
    }
  }
  Report(state, store);
}

// Appends entries of kValueBytes to a fresh Raft log, `batch` entries and a
// hard state per Persist (one Ready), synced or not.
void BM_RaftAppend(benchmark::State& state, int batch_size, bool sync) {
  testing::TempDir dir("shadekv-bench-raft-");
  Result<std::unique_ptr<RaftLogStore>> opened = RaftLogStore::Open(dir.Sub("raft"));
  if (!opened.ok()) Die(opened.status(), "opening the raft log");
  RaftLogStore& log = **opened;
  uint64_t next = 1;
  PersistBatch batch;
  batch.sync = sync;
  for (auto _ : state) {
    batch.entries.clear();
    for (int i = 0; i < batch_size; ++i, ++next) {
      batch.entries.push_back(raft::Entry{1, next, raft::EntryType::kNormal, ValueOf(next)});
    }
    batch.hard_state = raft::HardState{1, 1, next - 1};
    Status s = log.Persist(batch);
    if (!s.ok()) Die(s, "persist");
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
  state.counters["batch"] = batch_size;
  state.counters["disk_bytes"] = DirBytes(dir.path());
}

void RegisterAll(const std::vector<int64_t>& sizes) {
  for (int64_t keys : sizes) {
    const std::string n = "/keys:" + std::to_string(keys);
    benchmark::RegisterBenchmark(("BM_Put" + n + "/sync:0").c_str(), BM_Put, keys, false)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_RangeOneKey" + n).c_str(), BM_RangeOneKey, keys)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_RangePrefix100" + n).c_str(), BM_RangePrefix100, keys)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_TxnCompareAndPut" + n).c_str(), BM_TxnCompareAndPut, keys)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_Put" + n + "/sync:1").c_str(), BM_Put, keys, true)
        ->UseRealTime();
  }
  for (bool sync : {false, true}) {
    for (int batch : {1, 64}) {
      const std::string name =
          "BM_RaftAppend/batch:" + std::to_string(batch) + "/sync:" + std::to_string(sync ? 1 : 0);
      benchmark::RegisterBenchmark(name.c_str(), BM_RaftAppend, batch, sync)->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace shadekv::store

int main(int argc, char** argv) {
  // SHADEKV_BENCH_KEYS="100000,1000000" (the default) picks the preload sizes.
  std::vector<int64_t> sizes = {100000, 1000000};
  if (const char* env = std::getenv("SHADEKV_BENCH_KEYS")) {
    sizes.clear();
    for (std::string rest = env; !rest.empty();) {
      const size_t comma = rest.find(',');
      sizes.push_back(std::stoll(rest.substr(0, comma)));
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
  }
  shadekv::store::RegisterAll(sizes);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
