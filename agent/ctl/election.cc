// concurrency.Election.Campaign/Resign/Observe over the JSON gateway.
#include "agent/ctl/election.h"

#include <thread>

#include <Poco/JSON/Array.h>

#include "agent/ctl/json_util.h"
#include "agent/ctl/kv_requests.h"
#include "agent/ctl/lease_format.h"
#include "agent/ctl/wait_deletes.h"
#include "agent/ctl/watch_format.h"
#include "agent/ctl/watch_request.h"

namespace shadekv::ctl {

namespace {

Poco::JSON::Object::Ptr Txn(const Poco::JSON::Object::Ptr& compare,
                            const Poco::JSON::Object::Ptr& success_op,
                            const Poco::JSON::Object::Ptr& failure_op) {
  Poco::JSON::Array::Ptr compares = new Poco::JSON::Array;
  compares->add(compare);
  Poco::JSON::Array::Ptr success = new Poco::JSON::Array;
  success->add(success_op);
  Poco::JSON::Object::Ptr txn = new Poco::JSON::Object;
  txn->set("compare", compares);
  txn->set("success", success);
  if (failure_op) {
    Poco::JSON::Array::Ptr failure = new Poco::JSON::Array;
    failure->add(failure_op);
    txn->set("failure", failure);
  }
  return txn;
}

Poco::JSON::Object::Ptr PutOp(const std::string& key, const std::string& value, int64_t lease) {
  Poco::JSON::Object::Ptr put = new Poco::JSON::Object;
  put->set("key", Base64Encode(key));
  put->set("value", Base64Encode(value));
  put->set("lease", std::to_string(lease));
  return TxnOp("request_put", put);
}

}  // namespace

Result<Leadership> Campaign(const GatewayClient& client, const std::string& name, int64_t lease_id,
                            const std::string& proposal, CancelToken* cancel) {
  const std::string prefix = name + "/";
  std::string hex = LeaseIdHex(lease_id);
  hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));
  Leadership leadership;
  leadership.key = prefix + hex;

  Poco::JSON::Object::Ptr get = new Poco::JSON::Object;
  get->set("key", Base64Encode(leadership.key));
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr resp,
                           client.Call("/v3/kv/txn", Txn(CompareCreateRevision(leadership.key, 0),
                                                         PutOp(leadership.key, proposal, lease_id),
                                                         TxnOp("request_range", get))));
  leadership.create_revision = GetInt64(GetObject(resp, "header"), "revision");
  if (!GetBool(resp, "succeeded")) {
    Poco::JSON::Array::Ptr responses = GetArray(resp, "responses");
    Poco::JSON::Array::Ptr kvs =
        responses && responses->size() == 1
            ? GetArray(GetObject(responses->getObject(0), "response_range"), "kvs")
            : nullptr;
    if (!kvs || kvs->size() == 0) {
      return Status::Internal("campaign key vanished during the campaign txn: " + leadership.key);
    }
    Poco::JSON::Object::Ptr kv = kvs->getObject(0);
    leadership.create_revision = GetInt64(kv, "create_revision");
    if (GetBytes(kv, "value") != proposal) {
      // Proclaim: same key, new value, only if it is still our key.
      Result<Poco::JSON::Object::Ptr> proclaimed = client.Call(
          "/v3/kv/txn", Txn(CompareCreateRevision(leadership.key, leadership.create_revision),
                            PutOp(leadership.key, proposal, lease_id), nullptr));
      if (!proclaimed.ok()) {
        (void)Resign(client, leadership);
        return proclaimed.status();
      }
    }
  }
  Result<Poco::JSON::Object::Ptr> waited =
      WaitDeletes(client, prefix, leadership.create_revision - 1, cancel);
  if (!waited.ok()) {
    (void)Resign(client, leadership);
    return waited.status();
  }
  return leadership;
}

Status Resign(const GatewayClient& client, const Leadership& leadership) {
  Poco::JSON::Object::Ptr del = new Poco::JSON::Object;
  del->set("key", Base64Encode(leadership.key));
  return client
      .Call("/v3/kv/txn", Txn(CompareCreateRevision(leadership.key, leadership.create_revision),
                              TxnOp("request_delete_range", del), nullptr))
      .status();
}

namespace {

// Watches `spec` and hands each response to `on_result` until it returns
// false. A server cancel is Aborted; a broken stream Unavailable.
Status WatchUntil(const GatewayClient& client, const WatchSpec& spec, CancelToken* cancel,
                  const std::function<bool(const Poco::JSON::Object::Ptr&)>& on_result) {
  bool canceled = false, done = false;
  Status status = client.Stream("/v3/watch", WatchCreateBody(spec), std::chrono::nanoseconds(0),
                                cancel, [&](const Poco::JSON::Object::Ptr& result) {
                                  if (IsWatchCanceled(result)) {
                                    canceled = true;
                                    return false;
                                  }
                                  done = !on_result(result);
                                  return !done;
                                });
  if (done) return Status::Ok();
  SHADEKV_RETURN_IF_ERROR(status);
  if (canceled) return Status::Aborted("the server canceled the election watch");
  return Status::Unavailable("the election watch stream ended");
}

}  // namespace

Status Observe(const GatewayClient& client, const std::string& name, CancelToken* cancel,
               const std::function<void(const Poco::JSON::Object::Ptr& kv)>& on_leader) {
  const std::string prefix = name + "/";
  while (true) {
    if (cancel != nullptr && cancel->stopped()) return Status::Cancelled(cancel->reason());
    SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr resp,
                             client.Call("/v3/kv/range", PrefixByCreateRequest(prefix, false, 0)));
    int64_t revision = GetInt64(GetObject(resp, "header"), "revision");
    Poco::JSON::Array::Ptr kvs = GetArray(resp, "kvs");
    Poco::JSON::Object::Ptr leader = kvs && kvs->size() > 0 ? kvs->getObject(0) : nullptr;
    if (!leader) {
      // No candidate yet: wait for the first put under the prefix.
      WatchSpec spec;
      spec.key = prefix;
      spec.range_end = PrefixRangeEnd(prefix);
      spec.start_revision = revision;
      Status status = WatchUntil(client, spec, cancel, [&](const Poco::JSON::Object::Ptr& r) {
        for (size_t i = 0; i < WatchEventCount(r); ++i) {
          if (!IsDeleteEvent(r, i)) {
            leader = WatchEventKv(r, i);
            revision = GetInt64(leader, "mod_revision");
            return false;
          }
        }
        return true;
      });
      if (status.code() == StatusCode::kUnavailable) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      SHADEKV_RETURN_IF_ERROR(status);
    }
    on_leader(leader);
    // Follow the leader's key until it is deleted, reporting value changes.
    WatchSpec spec;
    spec.key = GetBytes(leader, "key");
    spec.start_revision = revision + 1;
    Status status = WatchUntil(client, spec, cancel, [&](const Poco::JSON::Object::Ptr& r) {
      for (size_t i = 0; i < WatchEventCount(r); ++i) {
        if (IsDeleteEvent(r, i)) return false;
        on_leader(WatchEventKv(r, i));
      }
      return true;
    });
    if (status.code() == StatusCode::kUnavailable) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    SHADEKV_RETURN_IF_ERROR(status);
  }
}

}  // namespace shadekv::ctl
