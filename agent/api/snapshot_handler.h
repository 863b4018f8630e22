// POST /v3/maintenance/snapshot: streams this member's store as etcd's
// gateway does (snapshot_messages.h), from a consistent point-in-time view
// (MvccStore::ExportSnapshot on a LevelDB snapshot), so the member keeps
// applying writes meanwhile. Any member answers for itself; nothing goes
// through Raft.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>

#include "agent/server/member.h"

namespace shadekv::api {

// Serves one snapshot request on a server thread and returns the HTTP status
// sent (for metrics). A body that is not empty or a JSON object is answered
// with etcd's code 3 (HTTP 400). An export that fails before the first
// message is an ordinary error reply; after it, an {"error":...} line ends
// the stream. A client that disconnects aborts the export at its next chunk:
// the store's read view and this thread are released at once.
//
// While the export runs it holds the state machine's shared lock: writes go
// on, but a Raft snapshot install on this member waits for it to finish, and
// a client that stays connected without reading keeps it running (bounded
// only by the socket's send timeout).
int ServeSnapshot(agent::Member& member, Poco::Net::HTTPServerRequest& request,
                  Poco::Net::HTTPServerResponse& response, size_t max_request_bytes);

}  // namespace shadekv::api
