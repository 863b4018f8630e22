// Builds the gateway's response header from the answering member, and binds
// the hub-based watch handler to the member.
#include "agent/api/member_header.h"

#include "agent/api/watch_handler.h"

namespace shadekv::api {

ResponseHeader HeaderOf(agent::Member& m, int64_t revision) {
  ResponseHeader h;
  h.cluster_id = m.cluster_id();
  h.member_id = m.id();
  h.revision = revision;
  h.raft_term = m.RaftTerm();
  return h;
}

void ServeWatch(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                agent::Member& member, size_t max_request_bytes, WatchStreams& streams,
                const std::string& user, const Status& identity, Status* first_refusal) {
  // Checked against the auth state of the moment each create arrives (on the
  // stream's reader threads, one at a time: the first read happens before
  // the reader thread starts).
  WatchAuthorizer authorize = [&member, user, identity,
                               first_refusal](const watch::WatchCreate& c) {
    Status allowed =
        identity.ok() ? member.AuthSnapshot()->CheckRead(user, c.key, c.range_end) : identity;
    if (!allowed.ok() && first_refusal != nullptr && first_refusal->ok()) *first_refusal = allowed;
    return allowed;
  };
  ServeWatch(
      request, response, member.watch_hub(),
      [&member](int64_t revision) { return HeaderOf(member, revision); }, max_request_bytes,
      streams, authorize);
}

void RegisterWatchGauges(metrics::MetricsRegistry& metrics, agent::Member* member) {
  RegisterWatchGauges(metrics, &member->watch_hub());
}

}  // namespace shadekv::api
