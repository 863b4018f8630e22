// Serves one POST /v3/watch stream (etcd's gateway behaviour): reads watch
// requests from the body as they arrive, writes newline-delimited responses
// with chunked encoding, and ends when the client goes away or the server
// stops.
//
// Threads: the calling server thread writes responses and does the stream's
// catch-up reads; while the request body is still open, a second thread
// reads requests from it. Both are gone when ServeWatch returns.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "agent/api/etcd_json.h"
#include "agent/metrics/metrics.h"
#include "agent/watch/watch_hub.h"

namespace shadekv::agent {
class Member;
}  // namespace shadekv::agent

namespace shadekv::api {

// The open watch streams of one ClientApi, so that stopping the API can end
// them before the member (and its hub) goes away.
class WatchStreams {
 public:
  // Ends every open stream (also one whose writer is blocked on a client
  // that stopped reading: its socket is shut down) and waits, bounded,
  // until their handlers left.
  void StopAll();

 private:
  friend class WatchStreamRegistration;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<watch::WatchStream*, Poco::Net::StreamSocket> open_;  // guarded by mu_
  bool stopping_ = false;                                        // guarded by mu_
};

// The response header of a watch message speaking of `revision`. Called
// from the stream's writer thread, so it must be safe there.
using WatchHeaderSource = std::function<ResponseHeader(int64_t revision)>;

// Decides whether a watch create may proceed; a non-OK Status refuses it
// with created+canceled, watch id -1 and the reason etcd's gateway prints
// ("rpc error: code = PermissionDenied desc = etcdserver: permission denied").
// Called on the stream's reader threads. Empty: every create proceeds.
using WatchAuthorizer = std::function<Status(const watch::WatchCreate&)>;

// Handles the request to the end of the stream, watching `hub` (which must
// outlive the call). `max_request_bytes` bounds one request value and sets
// the fragment size. Serves any hub: the agent's member and the shadow's
// mirror both feed one.
void ServeWatch(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                watch::WatchHub& hub, const WatchHeaderSource& header, size_t max_request_bytes,
                WatchStreams& streams, const WatchAuthorizer& authorize = {});

// /metrics gauges: open streams, watchers, slow (unsynced) watchers, events
// sent, read from `hub` (which must outlive `metrics`).
void RegisterWatchGauges(metrics::MetricsRegistry& metrics, const watch::WatchHub* hub);

// The agent's forms: the member's hub and header (HeaderOf). Defined in
// member_header.cc, so that this file needs nothing from agent/server.
// `user` is the caller's authenticated user ("" without a token): each
// create needs READ on its range while auth is enabled. A non-OK `identity`
// (the caller's token was refused) refuses every create with it, as etcd does.
// When `first_refusal` is given, it receives the first refusal (OK when
// none), for the stream's request record.
void ServeWatch(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                agent::Member& member, size_t max_request_bytes, WatchStreams& streams,
                const std::string& user = "", const Status& identity = Status::Ok(),
                Status* first_refusal = nullptr);
void RegisterWatchGauges(metrics::MetricsRegistry& metrics, agent::Member* member);

}  // namespace shadekv::api
