// concurrency.Mutex.Lock/Unlock over the JSON gateway: one txn to join the
// queue (or find our key from an earlier attempt with the same lease) and
// read the current owner, then waitDeletes for everything created before us.
#include "agent/ctl/mutex.h"

#include <Poco/JSON/Array.h>

#include "agent/ctl/json_util.h"
#include "agent/ctl/lease_format.h"
#include "agent/ctl/wait_deletes.h"

namespace shadekv::ctl {

namespace {

Status DeleteKey(const GatewayClient& client, const std::string& key) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("key", Base64Encode(key));
  return client.Call("/v3/kv/deleterange", body).status();
}

Poco::JSON::Object::Ptr FirstKv(const Poco::JSON::Object::Ptr& op_response) {
  Poco::JSON::Array::Ptr kvs = GetArray(GetObject(op_response, "response_range"), "kvs");
  if (!kvs || kvs->size() == 0) return nullptr;
  return kvs->getObject(0);
}

}  // namespace

Result<HeldLock> AcquireLock(const GatewayClient& client, const std::string& name, int64_t lease_id,
                             CancelToken* cancel) {
  const std::string prefix = name + "/";
  HeldLock held;
  // etcd prints the lease in %x (no padding) in the key.
  std::string hex = LeaseIdHex(lease_id);
  hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));
  held.key = prefix + hex;

  Poco::JSON::Object::Ptr put = new Poco::JSON::Object;
  put->set("key", Base64Encode(held.key));
  put->set("lease", std::to_string(lease_id));
  Poco::JSON::Object::Ptr get = new Poco::JSON::Object;
  get->set("key", Base64Encode(held.key));
  Poco::JSON::Array::Ptr compare = new Poco::JSON::Array;
  compare->add(CompareCreateRevision(held.key, 0));
  Poco::JSON::Array::Ptr success = new Poco::JSON::Array;
  success->add(TxnOp("request_put", put));
  success->add(TxnOp("request_range", PrefixByCreateRequest(prefix, false, 0)));
  Poco::JSON::Array::Ptr failure = new Poco::JSON::Array;
  failure->add(TxnOp("request_range", get));
  failure->add(TxnOp("request_range", PrefixByCreateRequest(prefix, false, 0)));
  Poco::JSON::Object::Ptr txn = new Poco::JSON::Object;
  txn->set("compare", compare);
  txn->set("success", success);
  txn->set("failure", failure);
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr resp, client.Call("/v3/kv/txn", txn));

  Poco::JSON::Array::Ptr responses = GetArray(resp, "responses");
  if (!responses || responses->size() != 2) {
    return Status::Internal("unexpected lock txn answer: " + Stringify(resp));
  }
  Poco::JSON::Object::Ptr header = GetObject(resp, "header");
  int64_t my_revision = GetInt64(header, "revision");
  if (!GetBool(resp, "succeeded")) {
    Poco::JSON::Object::Ptr mine = FirstKv(responses->getObject(0));
    if (!mine) return Status::Internal("lock key vanished during the lock txn: " + held.key);
    my_revision = GetInt64(mine, "create_revision");
  }
  Poco::JSON::Object::Ptr owner = FirstKv(responses->getObject(1));
  if (!owner || GetInt64(owner, "create_revision") == my_revision) {
    held.header_revision = GetInt64(header, "revision");
    return held;
  }
  Result<Poco::JSON::Object::Ptr> waited = WaitDeletes(client, prefix, my_revision - 1, cancel);
  if (!waited.ok()) {
    // Leave the queue: a waiter that gave up must not block the ones behind it.
    (void)DeleteKey(client, held.key);
    return waited.status();
  }
  held.header_revision = GetInt64(*waited, "revision");
  return held;
}

Status ReleaseLock(const GatewayClient& client, const HeldLock& lock) {
  return DeleteKey(client, lock.key);
}

}  // namespace shadekv::ctl
