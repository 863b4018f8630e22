// What `shadectl watch` prints for one watch response, byte for byte as
// etcdctl 3.4 (printer.go Watch / printJSON of clientv3.WatchResponse), and
// the environment etcdctl gives a command run per event. Pure functions over
// one gateway watch `result` object.
#pragma once

#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "agent/ctl/output_format.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// simple: per event its type line ("PUT"/"DELETE"), then prev_kv's key and
// value lines when present, then the kv's. json: one line
// {"Header":{...},"Events":[...],"CompactRevision":N,"Canceled":b,"Created":b}
// with int64 as numbers and DELETE as "type":1 (PUT omitted), as Go prints it.
// table: Unimplemented, as etcdctl.
Result<std::string> FormatWatchResponse(const Poco::JSON::Object::Ptr& result,
                                        const PrintOptions& opts);

// The line etcdctl prints on stderr when the server cancels a watch:
// "watch was canceled (etcdserver: mvcc: required revision has been compacted)".
std::string WatchCanceledLine(const Poco::JSON::Object::Ptr& result);

// ETCD_WATCH_REVISION=<header revision>, ETCD_WATCH_EVENT_TYPE="PUT",
// ETCD_WATCH_KEY="<key>", ETCD_WATCH_VALUE="<value>" (Go %q quoting) for
// event `index` of `result`.
std::vector<std::string> WatchEventEnvironment(const Poco::JSON::Object::Ptr& result, size_t index);

// A watch response's kinds, as the watch loop needs them.
bool IsWatchCreated(const Poco::JSON::Object::Ptr& result);
bool IsWatchCanceled(const Poco::JSON::Object::Ptr& result);
// A progress notification: no events, neither created nor canceled.
bool IsWatchProgress(const Poco::JSON::Object::Ptr& result);
size_t WatchEventCount(const Poco::JSON::Object::Ptr& result);
// The kv of event `index` (null when absent).
Poco::JSON::Object::Ptr WatchEventKv(const Poco::JSON::Object::Ptr& result, size_t index);
bool IsDeleteEvent(const Poco::JSON::Object::Ptr& result, size_t index);
int64_t WatchHeaderRevision(const Poco::JSON::Object::Ptr& result);

}  // namespace shadekv::ctl
