// Builds the gateway's response header from the answering member.
#include "agent/api/member_header.h"

namespace shadekv::api {

ResponseHeader HeaderOf(agent::Member& m, int64_t revision) {
  ResponseHeader h;
  h.cluster_id = m.cluster_id();
  h.member_id = m.id();
  h.revision = revision;
  h.raft_term = m.RaftTerm();
  return h;
}

}  // namespace shadekv::api
