// The request record the API hands to plugins (on_request; bus/PROTOCOL.md
// REQUEST) for every client request under /v3/, served or refused: what was
// asked, by whom, from where, and what became of it. Pure: built from the
// request and the reply after the fact, so the handlers stay unaware of it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agent/api/http_reply.h"
#include "shadekv/bus/messages.h"

namespace shadekv::api {

// Receives each record on the HTTP thread that served the request; it must
// not block (the agent hands it to the plugin host's bounded queues).
using RequestObserver = std::function<void(const bus::RequestRecord&)>;

struct RequestFacts {
  std::string path;            // as received, e.g. "/v3beta/kv/put"
  std::string body;            // the request body (JSON), possibly empty
  std::string client_address;  // "ip:port"
  std::string user;            // authenticated user, "" when none
  uint64_t member_id = 0;
  uint64_t request_id = 0;  // of the proposed entry, 0 when none was proposed
  int64_t time_ms = 0;
};

// `reply` is what was sent (http_status, and error_code/error_message for
// an error reply). Streams (watch, keepalive) pass a reply with the HTTP
// status they ended with; a watch stream that had a create refused also
// carries that refusal's code and message (a DENIED record).
bus::RequestRecord MakeRequestRecord(const RequestFacts& facts, const HttpReply& reply);

}  // namespace shadekv::api
