// ClusterFixture plus what restore tests need: members prepared (ports,
// dirs, --initial-cluster) without starting them, so their data dirs can be
// built first; whole-keyspace reads with every revision field; cluster ids.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "shadekv/store/mvcc_store.h"
#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::restore_testing {

class RestoreFixture : public cluster_testing::ClusterFixture {
 protected:
  // Appends members named `names` (fresh ports, dirs under root_) forming
  // one cluster; returns their indexes. Not started.
  std::vector<int> PrepareMembers(const std::vector<std::string>& names);
  // Every key with value, create/mod revision, version and lease (keys
  // sorted), read linearizably from member i; and the header revision.
  std::vector<store::KeyValue> RangeAll(int i, int64_t* revision = nullptr);
  uint64_t ClusterIdOf(int i);
  // The current state of a store, in the same shape.
  static std::vector<store::KeyValue> StoreState(const store::MvccStore& s, int64_t revision);
};

// The shadectl binary built with these tests.
std::string ShadectlBinary();

}  // namespace shadekv::restore_testing
