// The initial-sync data set: `keys` keys written as txns of `batch` puts
// (etcd's bulk-load idiom; one Raft entry per txn) over `clients` keep-alive
// HTTP connections, one thread each, unpaced: the agent's own pace.
#pragma once

#include <cstdint>
#include <string>

#include "shadekv/common/status.h"

namespace shadekv::bench {

struct TxnLoadPlan {
  std::string host;
  int port = 0;
  std::string key_prefix;  // key i = key_prefix + 8-digit i (PutKey)
  int keys = 0;
  int batch = 128;
  int clients = 1;
  int value_bytes = 32;
  int64_t deadline_ns = 0;  // on SteadyNowNs()'s clock
};

struct TxnLoadOutcome {
  int64_t keys_written = 0;   // puts in acknowledged txns
  int64_t txns = 0;           // acknowledged txns
  int64_t last_revision = 0;  // highest header.revision of a txn response
  int64_t request_bytes = 0;  // JSON bodies sent
};

// The value of key i: value_bytes pseudo-random printable bytes, the same
// for the same i (incompressible, like real configuration data).
std::string LoadValue(int i, int value_bytes);

// The JSON body of one txn putting keys [first, first + count).
std::string TxnBody(const std::string& key_prefix, int first, int count, int value_bytes);

// Runs the plan; the first failure (transport error, non-200, a response
// without header.revision or with "succeeded" false, the deadline) stops
// every thread and is returned, `outcome` then counts what was acknowledged.
// Never throws (Poco exceptions are caught here).
Status RunTxnLoad(const TxnLoadPlan& plan, TxnLoadOutcome* outcome);

}  // namespace shadekv::bench
