// concurrency.waitDeletes/waitDelete over the JSON gateway.
#include "agent/ctl/wait_deletes.h"

#include <thread>

#include <Poco/JSON/Array.h>

#include "agent/ctl/json_util.h"
#include "agent/ctl/kv_requests.h"
#include "agent/ctl/watch_format.h"
#include "agent/ctl/watch_request.h"

namespace shadekv::ctl {

Poco::JSON::Object::Ptr PrefixByCreateRequest(const std::string& prefix, bool newest,
                                              int64_t max_create_revision) {
  Poco::JSON::Object::Ptr range = new Poco::JSON::Object;
  range->set("key", Base64Encode(prefix));
  range->set("range_end", Base64Encode(PrefixRangeEnd(prefix)));
  range->set("limit", "1");
  range->set("sort_order", newest ? "DESCEND" : "ASCEND");
  range->set("sort_target", "CREATE");
  if (max_create_revision > 0) {
    range->set("max_create_revision", std::to_string(max_create_revision));
  }
  return range;
}

Poco::JSON::Object::Ptr CompareCreateRevision(const std::string& key, int64_t revision) {
  Poco::JSON::Object::Ptr compare = new Poco::JSON::Object;
  compare->set("result", "EQUAL");
  compare->set("target", "CREATE");
  compare->set("key", Base64Encode(key));
  compare->set("create_revision", std::to_string(revision));
  return compare;
}

Status WaitDelete(const GatewayClient& client, const std::string& key, int64_t from_revision,
                  CancelToken* cancel) {
  WatchSpec spec;
  spec.key = key;
  spec.start_revision = from_revision;
  bool deleted = false;
  bool canceled = false;
  Status status = client.Stream("/v3/watch", WatchCreateBody(spec), std::chrono::nanoseconds(0),
                                cancel, [&](const Poco::JSON::Object::Ptr& result) {
                                  if (IsWatchCanceled(result)) {
                                    canceled = true;
                                    return false;
                                  }
                                  for (size_t i = 0; i < WatchEventCount(result); ++i) {
                                    if (IsDeleteEvent(result, i)) {
                                      deleted = true;
                                      return false;
                                    }
                                  }
                                  return true;
                                });
  if (deleted) return Status::Ok();
  SHADEKV_RETURN_IF_ERROR(status);
  if (canceled) return Status::Aborted("the server canceled the watch on " + key);
  return Status::Unavailable("lost watcher waiting for delete");
}

Result<Poco::JSON::Object::Ptr> WaitDeletes(const GatewayClient& client, const std::string& prefix,
                                            int64_t max_create_revision, CancelToken* cancel) {
  // Bounded by the token and by errors: each round either returns or waits on
  // a watch that only a deletion, a cancel or a broken stream ends.
  while (true) {
    if (cancel != nullptr && cancel->stopped()) return Status::Cancelled(cancel->reason());
    SHADEKV_ASSIGN_OR_RETURN(
        Poco::JSON::Object::Ptr resp,
        client.Call("/v3/kv/range", PrefixByCreateRequest(prefix, true, max_create_revision)));
    Poco::JSON::Array::Ptr kvs = GetArray(resp, "kvs");
    if (!kvs || kvs->size() == 0) return GetObject(resp, "header");
    std::string last_key = GetBytes(kvs->getObject(0), "key");
    int64_t revision = GetInt64(GetObject(resp, "header"), "revision");
    Status waited = WaitDelete(client, last_key, revision, cancel);
    if (waited.code() == StatusCode::kUnavailable) {
      // The stream broke (server restarting?): pause, then re-read the queue.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    SHADEKV_RETURN_IF_ERROR(waited);
  }
}

Poco::JSON::Object::Ptr TxnOp(const std::string& kind, const Poco::JSON::Object::Ptr& request) {
  Poco::JSON::Object::Ptr op = new Poco::JSON::Object;
  op->set(kind, request);
  return op;
}

}  // namespace shadekv::ctl
